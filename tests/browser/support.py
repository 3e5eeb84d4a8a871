"""What the browser tests share: Debian's Chromium, the audits, a person at a browser.

- ``CHROMIUM``: the browser binary, Debian's package (``apt-get install chromium``); Playwright
  never downloads a browser of its own here. ``BROWSER_EXECUTABLE`` overrides the path.
- ``audit(page)``: axe-core (axe-playwright-python) for WCAG 2.1 A and AA, and the no-sideways
  check (``document.documentElement.scrollWidth <= clientWidth``), at each width in ``WIDTHS``
  (axe at 1280 and 320 px; 640 px, which is 1280 px at 200 % zoom, is checked for sideways
  scrolling only). Findings are collected, not raised, so that one run names them all.
- ``Person``: one user's browser context; ``visit``/``submit``/``follow`` audit every page they
  reach. Admin pages (``/admin/``) are never audited: they are Django's own templates, used by
  staff for maintenance only, not part of the app's interface or its look.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP, PHONE, ZOOMED = 1280, 320, 640
# (width, run axe?) for each audit; the desktop width last, so that a page stays as it was.
WIDTHS = ((PHONE, True), (ZOOMED, False), (DESKTOP, True))
HEIGHT = 900
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# Pages never audited, with the reason (see the module's docstring).
NOT_AUDITED = re.compile(r"^/admin/")

SIDEWAYS = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .slice(0, 3)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : ''));
  return {scroll: root.scrollWidth, client: width, wide};
}"""


def artifacts_dir():
    """Where screenshots go: ``BROWSER_ARTIFACTS`` (default ``var/browser/``)."""
    path = Path(os.environ.get("BROWSER_ARTIFACTS") or Path(__file__).parents[2] / "var/browser")
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium_available():
    """(available, problem) for the browser tests: the binary and the Python package."""
    if not os.access(CHROMIUM, os.X_OK):
        return False, (
            f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium; "
            "BROWSER_EXECUTABLE sets another path)"
        )
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return False, f"needs the dev dependencies playwright and axe-playwright-python ({exc})"
    return True, ""


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


@dataclass
class Finding:
    path: str
    width: int
    rule: str
    detail: str

    def __str__(self):
        return f"{self.path} at {self.width} px: {self.rule}: {self.detail}"


@dataclass
class Auditor:
    """Runs the audits and keeps what they found, and which pages they saw."""

    axe: object = None
    findings: list = field(default_factory=list)
    audited: list = field(default_factory=list)

    def __post_init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()

    def audit(self, page, label):
        path = page.url.split("://", 1)[-1].split("/", 1)[-1]
        path = "/" + path
        if NOT_AUDITED.match(path):
            return
        self.audited.append(f"{label} {path}")
        for width, with_axe in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            sideways = page.evaluate(SIDEWAYS)
            if sideways["scroll"] > sideways["client"]:
                self.findings.append(
                    Finding(
                        path,
                        width,
                        "scrolls sideways",
                        f"scrollWidth {sideways['scroll']} > clientWidth {sideways['client']}; "
                        f"wider than the page: {', '.join(sideways['wide'])}",
                    )
                )
            if with_axe:
                results = self.axe.run(page, options=AXE_OPTIONS)
                for violation in results.response["violations"]:
                    nodes = "; ".join(
                        " ".join(node["target"]) + " " + node["html"][:120]
                        for node in violation["nodes"][:5]
                    )
                    self.findings.append(
                        Finding(
                            path, width, f"axe {violation['id']}", f"{violation['help']}: {nodes}"
                        )
                    )


class Person:
    """One user at one browser context (German, 1280 px); every page reached is audited."""

    def __init__(self, browser, base_url, auditor, label, locale="de-DE"):
        self.context = browser.new_context(
            base_url=base_url,
            locale=locale,
            viewport={"width": DESKTOP, "height": HEIGHT},
            accept_downloads=True,
        )
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.auditor = auditor
        self.label = label

    def close(self):
        self.context.close()

    def audit(self):
        self.auditor.audit(self.page, self.label)

    def visit(self, path, status=200):
        response = self.page.goto(path)
        assert response is not None and response.status == status, (
            f"GET {path}: {response.status if response else 'no answer'}\n"
            + self.page.locator("main").inner_text()[:1500]
        )
        self.audit()
        return response

    def login(self, username, password="pw"):
        self.visit("/accounts/login/")
        self.page.fill("input[name='auth-username']", username)
        self.page.fill("input[name='auth-password']", password)
        self.submit(
            self.page.locator("main form").filter(has=self.page.locator("[name='auth-password']"))
        )

    def form(self, has):
        """The form in the main area that has a field or element matching ``has``."""
        return self.page.locator("main form").filter(has=self.page.locator(has))

    def fill(self, form, values):
        """Fill fields by name: text, select (by value) and radio buttons alike."""
        for name, value in values.items():
            control = form.locator(f"[name='{name}']")
            kind = control.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if kind.startswith("select"):
                control.select_option(str(value))
            elif kind.endswith(":radio"):
                form.locator(f"[name='{name}'][value='{value}']").check()
            elif kind.endswith(":checkbox"):
                control.set_checked(bool(value))
            else:
                control.fill(str(value))

    def submit(self, form, values=None, status=None):
        """Fill ``values``, press the form's submit button, wait for the answer and audit it.
        ``status``: the expected status of the final page (default: below 400)."""
        if values:
            self.fill(form, values)
        with self.page.expect_navigation() as navigation:
            form.locator("button[type='submit'], input[type='submit']").first.click()
        response = navigation.value
        final = response.status if response else None
        ok = final == status if status is not None else (final is not None and final < 400)
        assert ok, f"{self.page.url}: {final}\n" + self.page.locator("main").inner_text()[:2000]
        self.audit()
        return response

    def follow(self, selector):
        """Click a link in the main area and audit where it leads."""
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        self.audit()

    def screenshot(self, name):
        self.page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
        path = artifacts_dir() / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path
