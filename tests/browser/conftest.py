"""Browser tests (``@pytest.mark.browser``): Playwright driving Debian's Chromium against a live
server on 127.0.0.1 (pytest-django's ``live_server``, committed data, Celery eager).

Without Chromium (or the Python packages) the tests are skipped, except under CI (``CI`` set):
there a missing browser fails the run, as a missing PostgreSQL or Redis does (tests/conftest.py).
"""

import os

import pytest

from tests.browser.support import chromium_available, launch
from tests.conftest import FAIL, SKIP, ci_enabled, marker_verdict


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("browser") is None:
        return
    available, problem = chromium_available()
    verdict, message = marker_verdict(
        "browser", available=available, ci=ci_enabled(), problem=problem
    )
    if verdict == FAIL:
        pytest.fail(message, pytrace=False)
    if verdict == SKIP:
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module's tests.

    Playwright's synchronous API keeps an event loop running in this thread while it is
    started, and Django refuses database calls from a thread with a running loop; the test's
    own ORM calls are synchronous and between browser steps, so the check is lifted for the
    module's duration only.
    """
    from playwright.sync_api import sync_playwright

    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = launch(playwright)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved
