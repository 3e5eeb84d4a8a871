"""The docs page in a real browser: Swagger UI renders the schema under the project's CSP with
no violation and no request leaving the server (Chromium; skipped without it, except in CI)."""

import os

import pytest

from tests.browser.support import chromium_available, launch
from tests.conftest import FAIL, SKIP, ci_enabled, marker_verdict

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def chromium():
    available, problem = chromium_available()
    verdict, message = marker_verdict(
        "browser", available=available, ci=ci_enabled(), problem=problem
    )
    if verdict == FAIL:
        pytest.fail(message, pytrace=False)
    if verdict == SKIP:
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


def test_swagger_ui_renders_under_the_csp(chromium, live_server):
    page = chromium.new_page()
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=15000)
    assert page.locator("text=/api/v1/applications/{id}/submit/").count() >= 1
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
    assert problems == []
    assert requests and all(url.startswith(live_server.url) for url in requests)
