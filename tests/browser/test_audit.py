"""The audit itself finds what it must: an axe violation, a page wider than the screen; and it
leaves admin pages alone."""

import pytest

from tests.browser.support import PHONE, Auditor

pytestmark = pytest.mark.browser

FLAWED = """<!DOCTYPE html><html lang="de"><head><title>Fehlerhaft</title></head><body><main>
<h1>Fehlerhaft</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<div style="width: 700px">breit</div></main></body></html>"""
FINE = """<!DOCTYPE html><html lang="de"><head><title>Gut</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Gut</h1><p>Nichts zu beanstanden.</p></main></body></html>"""


@pytest.fixture
def page(browser):
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_audit_names_axe_violations_and_sideways_scrolling(page):
    page.set_content(FLAWED)
    auditor = Auditor()
    auditor.audit(page, "someone")
    found = {(finding.width, finding.rule) for finding in auditor.findings}
    assert found == {
        (PHONE, "axe image-alt"),
        (PHONE, "scrolls sideways"),
        (640, "scrolls sideways"),
        (1280, "axe image-alt"),
    }


def test_a_fine_page_has_no_findings(page):
    page.set_content(FINE)
    auditor = Auditor()
    auditor.audit(page, "someone")
    assert auditor.findings == []
    assert len(auditor.audited) == 1


def test_admin_pages_are_not_audited(page):
    page.route(
        "http://127.0.0.1:9/admin/",
        lambda route: route.fulfill(body=FLAWED, content_type="text/html"),
    )
    page.goto("http://127.0.0.1:9/admin/")
    auditor = Auditor()
    auditor.audit(page, "staff")
    assert (auditor.findings, auditor.audited) == ([], [])
