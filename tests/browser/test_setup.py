"""Without Chromium the browser tests skip, except under CI, where they fail (no browser marker
here: these run everywhere)."""

import pytest

from tests.browser import conftest as browser_conftest
from tests.browser import support

MISSING = (
    "needs Debian's Chromium at /nonexistent/chromium (apt-get install chromium; "
    "BROWSER_EXECUTABLE sets another path)"
)


class Item:
    """What the setup hook asks of a test item."""

    def __init__(self, marker):
        self.marker = marker

    def get_closest_marker(self, name):
        return object() if name == self.marker else None


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(support, "CHROMIUM", "/nonexistent/chromium")


def test_a_missing_chromium_is_named(no_chromium):
    assert support.chromium_available() == (False, MISSING)


def test_without_chromium_a_browser_test_fails_under_ci(no_chromium, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Under CI a missing service fails the run"):
        browser_conftest.pytest_runtest_setup(Item("browser"))


def test_without_chromium_a_browser_test_skips_elsewhere(no_chromium, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="under CI this would fail"):
        browser_conftest.pytest_runtest_setup(Item("browser"))


def test_other_tests_are_left_alone(no_chromium, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert browser_conftest.pytest_runtest_setup(Item("postgres")) is None
