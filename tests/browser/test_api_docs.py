"""The docs page in a real browser: Swagger UI renders the schema under the project's CSP with
no violation and no request leaving the server (tests/browser/conftest.py:
Chromium; skipped without it, except in CI)."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_swagger_ui_renders_under_the_csp(browser, live_server):
    page = browser.new_page()
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
