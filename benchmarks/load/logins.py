"""Logging every simulated person in before the load starts, through the real login form.

The server hashes passwords with PBKDF2 (1,000,000 iterations, about 0.3 s of one core per
login here), so 215 logins cost a minute of CPU: spawned at 21.5 users a second they would
queue for far longer than the 10 s timeout. So the runner logs everyone in first, a few at
a time (``log_in_all``), and hands the session cookies to locust; the login's own cost is
measured here and reported apart (``login`` in the figures).
"""

import re
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT_S = 30


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log_in(base_url, username, password):
    """(cookies {name: value}, seconds the POST took) of one login; raises when it fails."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(f"{base_url}/accounts/login/", timeout=TIMEOUT_S) as answer:  # nosec B310
        token = CSRF.search(answer.read().decode())
    if token is None:
        raise RuntimeError(f"no CSRF token on the login page for {username}")
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        }
    ).encode()
    started = time.perf_counter()
    try:
        opener.open(f"{base_url}/accounts/login/", data=body, timeout=TIMEOUT_S)  # nosec B310
        raise RuntimeError(f"the login of {username} did not redirect")
    except urllib.error.HTTPError as answer:  # the 302 (redirects are not followed)
        if answer.code != 302:
            raise RuntimeError(f"the login of {username} answered {answer.code}") from None
    seconds = time.perf_counter() - started
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"the login of {username} set no session")
    return cookies, seconds


def log_in_all(base_url, usernames, password, parallel):
    """Everyone's cookies {username: {name: value}} and the logins' figures."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        done = list(pool.map(lambda name: log_in(base_url, name, password), usernames))
    wall = time.perf_counter() - started
    times = sorted(seconds * 1000 for _cookies, seconds in done)
    figures = {
        "count": len(times),
        "parallel": parallel,
        "wall_s": round(wall, 1),
        "per_second": round(len(times) / wall, 2),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
    }
    sessions = {name: cookies for name, (cookies, _s) in zip(usernames, done, strict=True)}
    return sessions, figures
