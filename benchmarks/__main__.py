"""``python -m benchmarks``: set up a database, seed it, measure, print one JSON line.

Database: a fresh SQLite file in a temporary folder, or ``BENCH_DATABASE_URL`` (PostgreSQL: the
database named there is dropped and created, and dropped again at the end; its name must
contain ``bench``). ``BENCH_REMINDERS_MAX`` (default 100000) caps the reminder sweeps' sizes
(``reminder_sweep``: open assignments; ``reminder_rules``: every rule, as many applications in
the watched states and open assignments).

``BENCH=full`` (PostgreSQL in ``BENCH_DATABASE_URL``, Redis on 127.0.0.1) adds the lists at
1,000,000 applications (``benchmarks.scale``), the deadline hour under load (``benchmarks.load``)
and the letters in bulk (``benchmarks.letters_bulk``), each in a process and database of its own.
``benchmarks/README.md`` lists every case, its JSON key and its floor.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

START = time.perf_counter()


def configure(tmp):
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DATABASE_URL=url,
        MEDIA_ROOT=f"{tmp}/media",
        BROKER_DIR=f"{tmp}/broker",
        EMAIL_URL="memorymail://",
        CELERY_TASK_ALWAYS_EAGER="true",
        DEBUG="false",
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return url


def postgres_admin(url):
    """(maintenance URL, database name) of a PostgreSQL URL, else None."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return None
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop and create {name!r}: its name must contain 'bench'.")
    return urlunsplit(parts._replace(path="/postgres")), name


def recreate_postgres(url, create=True):
    import psycopg
    from psycopg import sql

    admin, name = postgres_admin(url)
    database = sql.Identifier(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(database))


def elapsed():
    return time.perf_counter() - START


def run():
    from django.core.management import call_command
    from django.db import connection

    from api import services as api_services

    from . import cases, data
    from .measure import log

    log(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)  # the database cache (inbox counts)
    w = data.world()
    result = {"database": connection.vendor}
    list_selector, list_page, board_page, api_list = {}, {}, {}, {}
    _token, api_key = api_services.create_token(w.coordinator, "bench")
    total = 0
    for size in (10, 1_000, 10_000):
        data.add_applications(w, size - total)
        total = size
        data.analyze()
        log(f"[{elapsed():5.1f} s] {size} applications: list selector, list page, board queue")
        list_selector[str(size)] = cases.list_selector(w)
        list_page[str(size)] = cases.page(w.coordinator, "application-list")
        board_page[str(size)] = cases.page(w.board[0], "board-queue")
        api_list[str(size)] = cases.api_list(api_key)
        log(f"  selector {list_selector[str(size)]}")
        log(f"  list page {list_page[str(size)]}")
        log(f"  board queue {board_page[str(size)]}")
        log(f"  API list {api_list[str(size)]}")
    result.update(
        list_selector=list_selector,
        list_page=list_page,
        board_queue_page=board_page,
        api_application_list=api_list,
    )

    log(f"[{elapsed():5.1f} s] transitions")
    result["transitions_per_second"], result["transitions"] = cases.transitions(w)

    log(f"[{elapsed():5.1f} s] decision letter")
    result["letter"] = cases.letter(w)
    log(f"  {result['letter']}")

    sweeps = {}
    biggest = int(os.environ.get("BENCH_REMINDERS_MAX", "100000"))
    for size in (10_000, 100_000):
        if size > biggest:
            continue
        log(f"[{elapsed():5.1f} s] reminder sweep, {size} open assignments")
        sweeps[str(size)] = cases.reminder_sweep(w, size)
        log(f"  {sweeps[str(size)]}")
    result["reminder_sweep"] = sweeps

    every_rule = {}
    for size in (10_000, 100_000):
        if size > biggest:
            continue
        log(f"[{elapsed():5.1f} s] reminder sweep, every rule: {size} applications and assignments")
        every_rule[str(size)] = cases.reminder_rules(w, size)
        log(f"  {every_rule[str(size)]}")
    result["reminder_rules"] = every_rule

    log(f"[{elapsed():5.1f} s] expert review: board queue and assignment proposal")
    result["expert_review"] = cases.expert_review(w)
    log(f"  {result['expert_review']}")

    # Last: its open assignments and applications would change the cases above.
    log(f"[{elapsed():5.1f} s] reporting: a programme with 10,000 applications over two years")
    rw = data.reporting_world(10_000, w)
    result["reporting"] = cases.report(rw)
    log(f"  {result['reporting']}")
    return result


def child(module, url=None):
    """The JSON of ``python -m <module>`` (its last line), run in a process of its own (its own
    database, named after ``url``'s with ``_<suffix>``; progress on stderr as it goes)."""
    env = dict(os.environ)
    if url is not None:
        parts = urlsplit(url)
        suffix = module.rsplit(".", 1)[-1]
        env["BENCH_DATABASE_URL"] = urlunsplit(parts._replace(path=f"{parts.path}_{suffix}"))
    for name in ("BENCH_KEEP", "BENCH_REUSE"):
        env.pop(name, None)
    done = subprocess.run(  # noqa: S603 (our own module, with our own interpreter)
        [sys.executable, "-m", module], env=env, stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def full(url):
    """``BENCH=full``: the lists at 10,000 and 1,000,000 applications, the deadline hour under
    load and the letters in bulk, each on PostgreSQL (and Redis) in a process of its own."""
    if postgres_admin(url) is None:
        sys.exit("BENCH=full needs PostgreSQL: set BENCH_DATABASE_URL (its name with 'bench').")
    log(f"[{elapsed():5.1f} s] BENCH=full: lists at 1,000,000 applications")
    result = {"scale": child("benchmarks.scale", url)}
    log(f"[{elapsed():5.1f} s] BENCH=full: the deadline hour under load")
    result["load"] = child("benchmarks.load")["load"]
    log(f"[{elapsed():5.1f} s] BENCH=full: letters in bulk")
    result["letters_bulk"] = child("benchmarks.letters_bulk")
    return result


def log(message):
    print(message, file=sys.stderr, flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="risikokapital-bench-")
    url = configure(tmp)
    postgres = postgres_admin(url) is not None
    try:
        if postgres:
            recreate_postgres(url)
        import django

        django.setup()
        result = run()
    finally:
        from django.db import connections

        connections.close_all()
        if postgres:
            recreate_postgres(url, create=False)
        shutil.rmtree(tmp, ignore_errors=True)
    if os.environ.get("BENCH") == "full":
        result.update(full(url))
    result["wall_s"] = round(elapsed(), 1)
    print(f"Done in {result['wall_s']} s", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
