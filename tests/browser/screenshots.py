"""``make screenshots``: each role's start page from the demo data, German, 1280 px wide.

    python -m tests.browser.screenshots [OUTPUT_DIR]     (default: docs/screenshots)

Builds a throw-away SQLite database with ``seed_demo`` in a temporary folder, serves it with
``manage.py runserver`` on a free port of 127.0.0.1 (DEBUG, plain HTTP, no second factor), logs
in as the demo users through the login page and writes ``applicant.png``, ``coordinator.png``,
``reviewer.png`` and ``board.png``, and the coordinator's report over 2025 as ``report.png``
with its quarterly chart as ``report-quarters.svg`` (shown in the README). Needs Debian's
Chromium (tests/browser/support.py). Nothing of the developer's own database or media is
touched.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.browser.support import DESKTOP, HEIGHT, chromium_available, launch

BASE_DIR = Path(__file__).resolve().parents[2]
# role -> demo user (demo/people.py; password "demo")
ROLES = {
    "applicant": "antrag",
    "coordinator": "koordination",
    "reviewer": "gutachter1",
    "board": "vorstand1",
}
PASSWORD = "demo"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, **kwargs
    )


def wait_until_up(url, server, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"runserver ended early with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own 127.0.0.1
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"runserver did not answer at {url} within {timeout} s")


def shoot(base_url, output):
    from playwright.sync_api import sync_playwright

    output.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for role, username in ROLES.items():
                context = browser.new_context(
                    base_url=base_url, locale="de-DE", viewport={"width": DESKTOP, "height": HEIGHT}
                )
                page = context.new_page()
                page.goto("/accounts/login/")
                page.fill("input[name='auth-username']", username)
                page.fill("input[name='auth-password']", PASSWORD)
                with page.expect_navigation():
                    page.locator("main form button[type='submit']").first.click()
                page.goto("/")
                path = output / f"{role}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"{path} ({username})")
                if role == "coordinator":
                    report(page, output)
                context.close()
        finally:
            browser.close()


def report(page, output):
    """The report over last year (the demo's decisions span it) and its quarterly chart as SVG."""
    page.goto("/reports/?kind=year&year=2025&basis=decided")
    path = output / "report.png"
    page.screenshot(path=str(path), full_page=True)
    print(path)
    svg = page.locator("figure svg").first.evaluate("node => node.outerHTML")
    path = output / "report-quarters.svg"
    path.write_text(svg + "\n", encoding="utf-8")
    print(path)


def main(argv):
    output = Path(argv[1] if len(argv) > 1 else BASE_DIR / "docs" / "screenshots").resolve()
    available, problem = chromium_available()
    if not available:
        raise SystemExit(f"make screenshots {problem}")
    with tempfile.TemporaryDirectory(prefix="risikokapital-screenshots-") as tmp:
        env = {
            **os.environ,
            "DEBUG": "true",
            "HTTPS": "false",
            "REQUIRE_2FA": "false",
            "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "LOG_LEVEL": "ERROR",
        }
        for name in ("REDIS_URL", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)  # the filesystem broker and the project's own settings
        env["BROKER_DIR"] = f"{tmp}/broker"
        for folder in ("queue", "processed", "control"):
            Path(tmp, "broker", folder).mkdir(parents=True)
        quiet = {"stdout": subprocess.DEVNULL}
        manage(env, "migrate", "--noinput", **quiet)
        manage(env, "createcachetable", **quiet)
        manage(env, "seed_demo", **quiet)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base_url}/accounts/login/", server)
            shoot(base_url, output)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    main(sys.argv)
