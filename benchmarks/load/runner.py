"""The load case: seed PostgreSQL, start ``bin/serve`` as ``make serve`` does, run locust.

``run()`` needs no Django in the calling process (every step is a subprocess with its own
environment), so ``benchmarks/__main__.py`` may call it after configuring its own database.

1. Seed the template database (``seed``, in a subprocess with the production settings).
2. Log everyone in once (``logins``) against ``bin/serve`` on the template: the sessions are
   stored in the database, so every copy of it carries them.
3. For each worker count in ``WORKERS``: copy the template into the run's database, empty
   Redis db 12, start ``bin/serve`` (web only, no migrations, gunicorn with that many workers
   on a free port of 127.0.0.1; each start runs ``collectstatic``, which compresses every
   static file: most of a minute here), wait for ``/healthz``, run locust headless (``USERS``
   users spawned over ``RAMP_S`` seconds, then ``STEADY_S`` seconds; the statistics are reset
   when the ramp-up ends, so that the figures cover the steady phase only), stop ``bin/serve``
   (TERM to its process group) and check that nothing it started is left.

Databases: ``rk_load_bench_seed`` (the template) and ``rk_load_bench`` (a copy per run); both
dropped at the start if left over, and at the end, as is Redis db 12 emptied.
"""

import collections
import contextlib
import csv
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404: our own programs, no shell
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from . import logins
from .shape import (
    BOARD,
    COMPANIES,
    COMPANY_THINK_S,
    COORDINATORS,
    OFFICE_THINK_S,
    RAMP_S,
    STEADY_S,
    TIMEOUT_S,
    USERS,
)

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
POSTGRES = os.environ.get("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = "redis://127.0.0.1:6379/12"
TEMPLATE_DB, RUN_DB = "rk_load_bench_seed", "rk_load_bench"
WORKERS = (2, 4)
LOGIN_WORKERS = 2
# Variables passed on to the subprocesses; everything else (the caller's DATABASE_URL,
# DJANGO_SETTINGS_MODULE, CELERY_TASK_ALWAYS_EAGER, ...) stays behind.
PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TZ")


STARTED = time.perf_counter()


def log(message):
    print(f"[load {time.perf_counter() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def _admin(sql):
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def drop_databases():
    for name in (RUN_DB, TEMPLATE_DB):
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis():
    import redis

    with redis.Redis.from_url(REDIS_URL) as client:
        client.flushdb()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(tmp, database, secret, **extra):
    """The server's environment: production settings (``DEBUG`` off, PBKDF2, request logs at
    INFO), plain HTTP on 127.0.0.1 (``HTTPS=false``: cookies without the secure flag), password
    logins without a second factor (``REQUIRE_2FA=false``)."""
    env = {key: os.environ[key] for key in PASSED if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="funding.settings",
        DATABASE_URL=f"{POSTGRES}/{database}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secret,
        DEBUG="false",
        HTTPS="false",
        REQUIRE_2FA="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
        EMAIL_URL="dummymail://",
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return env


def seed(tmp, secret):
    """Seed the template database; returns the plan's path."""
    _admin(f'CREATE DATABASE "{TEMPLATE_DB}"')
    plan = tmp / "plan.json"
    subprocess.run(  # nosec B603
        [str(BIN / "python"), "-m", "benchmarks.load.seed", str(plan)],
        cwd=ROOT, env=environment(tmp, TEMPLATE_DB, secret), check=True,
    )  # fmt: skip
    return plan


def descendants(pid):
    """The ids of every process below ``pid`` (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:  # a zombie is gone for our purpose
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Server:
    """``bash bin/serve`` (web only) in its own process group; ``stop()`` ends it and checks
    that nothing it started is left."""

    def __init__(self, tmp, database, secret, workers, label):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = environment(
            tmp, database, secret, SERVE_PROCESSES="web", SERVE_MIGRATE="0",
            WEB_CONCURRENCY=str(workers), BIND=f"127.0.0.1:{self.port}",
        )  # fmt: skip
        self.log_path = tmp / f"serve-{label}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(  # nosec B603
            ["bash", "bin/serve"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.pids = []

    def wait_ready(self, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"bin/serve exited ({self.process.returncode}); see below\n"
                    + self.log_path.read_text(errors="replace")[-3000:]
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as answer:  # nosec B310
                    if answer.status == 200:
                        self.pids = descendants(self.process.pid)
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("bin/serve did not answer /healthz in time")

    def stop(self):
        """TERM to bin/serve's process group, wait, then check every process it started."""
        self.pids = sorted(set(self.pids) | set(descendants(self.process.pid)))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise RuntimeError("bin/serve did not stop within 90 s (killed)") from None
        finally:
            self.log.close()
        time.sleep(0.5)
        left = [pid for pid in self.pids if alive(pid)]
        if left:
            raise RuntimeError(f"processes left after bin/serve stopped: {left}")
        return {"exit": self.process.returncode, "processes_stopped": len(self.pids)}


def log_in_everyone(tmp, plan, secret):
    """The login phase, once, against a server on the template database (2 workers, 2 logins
    at a time): the sessions it stores are copied into every run's database. Returns the
    sessions' path and the logins' figures (``logins``)."""
    seeded = json.loads(plan.read_text())
    names = [c["username"] for c in seeded["companies"]] + seeded["coordinators"] + seeded["board"]
    server = Server(tmp, TEMPLATE_DB, secret, LOGIN_WORKERS, "login")
    try:
        server.wait_ready()
        sessions, figures = logins.log_in_all(
            server.url, names, seeded["password"], parallel=LOGIN_WORKERS
        )
    finally:
        server.stop()
    path = tmp / "sessions.json"
    path.write_text(json.dumps(sessions))
    return path, figures


def locust(tmp, url, plan, sessions, label, think):
    """One headless run; returns the path prefix of its CSV files."""
    prefix = tmp / f"locust-{label}"
    env = {key: os.environ[key] for key in PASSED if key in os.environ}
    env.update(LOAD_PLAN=str(plan), LOAD_SESSIONS=str(sessions), PYTHONPATH=str(ROOT))
    if think:
        env["LOAD_THINK"] = ",".join(str(s) for s in think)
    output = tmp / f"locust-{label}.log"  # its summary tables; the figures come from the CSV
    with open(output, "wb") as out:
        done = subprocess.run(  # nosec B603
            [
                str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")),
                "--headless", "--host", url, "-u", str(USERS), "-r", str(USERS / RAMP_S),
                "-t", f"{RAMP_S + STEADY_S}s", "--reset-stats", "--csv", str(prefix),
                "--only-summary", "--loglevel", "WARNING",
            ],
            cwd=ROOT, env=env, check=False, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    # Exit 1 means some request failed: counted from the CSV. Anything else is locust's own.
    if done.returncode not in (0, 1) or not Path(f"{prefix}_stats.csv").exists():
        tail = output.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"locust exited with {done.returncode}:\n{tail}")
    return prefix


def _ms(value):
    return None if value in ("", "N/A") else round(float(value), 1)


def _kind(error):
    """A failure's kind without its URL: a timeout, the status, or the message."""
    error = re.sub(r"https?://\S+", "URL", error)
    if "timed out" in error or "Timeout" in error:
        return f"timeout (no answer within {TIMEOUT_S:g} s)"
    found = re.search(r"\b([45]\d\d)\b(?: instead of| Client Error| Server Error)", error)
    found = found or re.search(r"code=([45]\d\d)\b", error)
    return f"status {found.group(1)}" if found else error[:200]


def figures(prefix, workers):
    """The steady phase's figures from locust's CSV files."""
    pages, total = {}, None
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            entry = {
                "p50_ms": _ms(row["50%"]),
                "p95_ms": _ms(row["95%"]),
                "p99_ms": _ms(row["99%"]),
                "rps": round(float(row["Requests/s"]), 2),
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
            }
            if row["Name"] == "Aggregated":
                total = entry
            elif entry["count"]:  # (requests made only during the ramp-up: none left)
                pages[row["Name"]] = entry
    failures = collections.Counter()
    with open(f"{prefix}_failures.csv", newline="", encoding="utf-8") as source:
        for r in csv.DictReader(source):
            failures[(r["Name"], _kind(r["Error"]))] += int(r["Occurrences"])
    return {
        "workers": workers,
        "rps": total["rps"],
        "errors": total["failures"],
        "requests": total["count"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "submissions": pages.get("company: submit", {}).get("count", 0),
        "pages": dict(sorted(pages.items())),
        "failures": [
            {"page": page, "error": kind, "count": n}
            for (page, kind), n in sorted(failures.items())
        ],
    }


REQUEST_LINE = re.compile(
    r"^(\S+) INFO funding\.requests request method=(\S+) path=(\S+) status=(\d+) "
    r"duration_ms=([\d.]+)"
)

IDS = re.compile(r"/\d+/")


def _percentile(values, share):
    return round(values[min(len(values) - 1, int(share * len(values)))], 1)


def server_times(log_path, since):
    """Django's own time per request (the request log's ``duration_ms``: from the first
    middleware to the answer, without the wait for a free worker) for the requests that ended
    after ``since`` (epoch seconds), overall and per route (ids as ``{id}``, no query)."""
    routes = collections.defaultdict(list)
    for line in Path(log_path).read_text(errors="replace").splitlines():
        found = REQUEST_LINE.match(line)
        if not found:
            continue
        stamp, method, path, _status, ms = found.groups()
        if datetime.datetime.fromisoformat(stamp).timestamp() < since:
            continue
        routes[f"{method} {IDS.sub('/{id}/', path)}"].append(float(ms))

    def summary(values):
        values = sorted(values)
        return {
            "p50_ms": _percentile(values, 0.5),
            "p95_ms": _percentile(values, 0.95),
            "count": len(values),
        }

    every = [ms for values in routes.values() for ms in values]
    if not every:
        return {}
    return {
        **summary(every),
        "routes": {route: summary(values) for route, values in sorted(routes.items())},
    }


def server_errors(log_path):
    """Error lines and tracebacks the server logged (gunicorn's and the application's)."""
    marks = (" ERROR ", " CRITICAL ", "[ERROR]", "[CRITICAL]", "Traceback", " status=5")
    text = Path(log_path).read_text(errors="replace")
    return [line for line in text.splitlines() if any(m in line for m in marks)]


def one_run(tmp, plan, sessions, secret, workers, think):
    _admin(f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{TEMPLATE_DB}"')
    flush_redis()
    server = Server(tmp, RUN_DB, secret, workers, f"{workers}")
    load_before = os.getloadavg()[0]
    try:
        server.wait_ready()
        log(f"{workers} workers on {server.url}: {USERS} users, {RAMP_S} s + {STEADY_S} s")
        steady_from = time.time() + RAMP_S + 1  # locust starts, then spawns for RAMP_S
        prefix = locust(tmp, server.url, plan, sessions, workers, think)
    finally:
        stopped = server.stop()
    result = figures(prefix, workers)
    result["server"] = server_times(server.log_path, steady_from)
    result["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    result["serve"] = stopped
    errors = server_errors(server.log_path)
    if errors:
        keep = Path(tempfile.gettempdir()) / f"risikokapital-load-serve-{workers}.log"
        shutil.copy(server.log_path, keep)
        result["server_errors"] = errors[:20]
        log(f"the server logged {len(errors)} error lines; its log is kept in {keep}")
    summary = {k: v for k, v in result.items() if k not in ("pages", "failures", "server")}
    log(f"{workers} workers: {json.dumps(summary)}")
    return result


def run(workers=WORKERS, think=None):
    """Seed, log everyone in, then one locust run per worker count; returns the ``load``
    figures (see README). ``think``: (low, high) seconds for every role instead of the
    locustfile's think times (e.g. (1, 3): beyond what two cores serve)."""
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="risikokapital-load-"))
    secret = secrets.token_urlsafe(50)  # one key: the sessions outlive the login server
    try:
        drop_databases()
        flush_redis()
        log("seeding: migrate, 200 companies with their drafts, background applications")
        plan = seed(tmp, secret)
        seeded = json.loads(plan.read_text())
        log("logging everyone in")
        sessions, login = log_in_everyone(tmp, plan, secret)
        log(f"  {login}")
        runs = [one_run(tmp, plan, sessions, secret, n, think) for n in workers]
    finally:
        drop_databases()
        flush_redis()
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "users": {"companies": COMPANIES, "coordinators": COORDINATORS, "board": BOARD},
        "ramp_s": RAMP_S,
        "steady_s": STEADY_S,
        "think_s": {
            "companies": list(think or COMPANY_THINK_S),
            "office_and_board": list(think or OFFICE_THINK_S),
        },
        "timeout_s": TIMEOUT_S,
        "second_factor": False,
        "background_applications": seeded["background"],
        "login": login,
        "runs": runs,
        "wall_s": round(time.perf_counter() - started, 1),
    }
