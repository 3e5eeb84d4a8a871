"""The lists at 10,000 and at 1,000,000 applications on PostgreSQL (``make bench BENCH=full``).

``run(url)``: Django is configured for ``url`` (a PostgreSQL database whose name contains
``bench``) and migrated; ``benchmarks.million`` fills it with 10,000 applications, the cases
are measured, it grows to 1,000,000 in the same database and they are measured again. Each
case twice: the *selector* (its queries and the model objects of one page, no template) and
the whole *page* through the test client, each against its *raw SQL floor* (the statements it
ran, captured and replayed as plain SQL through a cursor, timed the same way).

``python -m benchmarks.scale``: the same on a database of its own (``BENCH_DATABASE_URL``,
dropped and created, and dropped again at the end unless ``BENCH_KEEP`` is set; with
``BENCH_REUSE`` set it is used as it is, e.g. kept from an earlier run). ``BENCH_SCALE_SIZES``
(default ``10000,1000000``) the sizes, in growing order.
"""

import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from . import million
from .measure import log, median_ms, queries, ratio

SIZES = (10_000, 1_000_000)
PER_PAGE = 50
REPEAT = 9  # timed runs per figure (after one untimed): the median of nine
SELECTOR_TARGET = 3  # the selector within 3× its raw SQL floor (at the largest size)
GROWTH_TARGET = 2  # a page at most 2× slower at the largest size than at the smallest
TBODY = re.compile(rb"<tbody[^>]*>(.*?)</tbody>", re.S)
ROW = re.compile(rb"<tr[\s>]")
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")


# ----- the selectors: the one place that names them -----------------------------------------
# Each: (user, params: QueryDict) -> the rows of one page (model objects, no template).


def list_rows(user, params):
    from applications import selectors

    _filterset, page = selectors.list_page(user, params, per_page=PER_PAGE)
    return list(page)


def reviewer_rows(user, params):
    """The current assignments and one page of the finished reviews."""
    from reviews import selectors

    return list(selectors.reviewer_page(user, params, per_page=PER_PAGE))


def board_rows(user, params):
    from decisions import selectors

    return list(selectors.board_queue_page(user, "waiting", params, per_page=PER_PAGE))


def api_rows(user, params):
    """As the API's list (``IdCursorPagination``: newest id first) reads its first page."""
    from applications import selectors

    return list(selectors.application_list(user).order_by("-id")[:PER_PAGE])


SELECTORS = {"list": list_rows, "reviewer": reviewer_rows, "board": board_rows, "api": api_rows}


def application_fields(row):
    """What a list row shows of an application (a deferred field would cost a query): a
    ``ListRow`` of the web list, or an ``Application`` of the API's list."""
    if hasattr(row, "company"):
        return (row.pk, row.reference, row.title, row.state, row.requested_amount,
                row.updated_at, row.programme_name, row.company)  # fmt: skip
    return (row.pk, row.reference, row.title, row.state, row.requested_amount, row.updated_at,
            row.programme.name, row.organization.name)  # fmt: skip


def queue_fields(row):
    return (row.pk, row.reference, row.title, row.organization.name, row.awaiting_since,
            getattr(row, "mean_total", None))  # fmt: skip


def assignment_fields(row):
    application = row.application
    return (row.pk, row.due_on, application.reference, application.title,
            application.organization.name)  # fmt: skip


def fresh(user):
    """The user without the role caches ``funding.roles`` keeps on it (as on a new request)."""
    for name in ("_group_names", "_organization_ids"):
        user.__dict__.pop(name, None)
    return user


# ----- the cases -------------------------------------------------------------------------------


@dataclass
class Case:
    actor: str  # "coordinator", "board" or "reviewer" (the veteran)
    selector: str  # a key of SELECTORS
    url_name: str
    fields: object  # row -> what the page shows of it
    params: dict = field(default_factory=dict)
    api: bool = False


def cases(cast):
    """The cases by their JSON key (the search term and the programme from ``cast``)."""
    return {
        "list_first": Case("coordinator", "list", "application-list", application_fields),
        "list_last": Case(
            "coordinator", "list", "application-list", application_fields, {"page": "last"}
        ),
        "list_search": Case(
            "coordinator", "list", "application-list", application_fields, {"q": cast.search}
        ),
        "list_filtered": Case(
            "coordinator",
            "list",
            "application-list",
            application_fields,
            {"programme": cast.programmes[0], "state": "submitted"},
        ),
        "board_queue": Case("board", "board", "board-queue", queue_fields),
        "reviewer_list": Case("reviewer", "reviewer", "review-list", assignment_fields),
        "api_list": Case(
            "coordinator", "api", "api:application-list", application_fields, api=True
        ),
    }


def raw_floor(func):
    """The statements ``func`` runs, replayed as plain SQL through a cursor: (statements, ms).
    Transaction control (savepoints, BEGIN, COMMIT) is left out; statements that write are
    replayed in a transaction rolled back at the end. None for the time if a statement cannot
    be replayed."""
    with CaptureQueriesContext(connection) as captured:
        func()
    statements = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]
    reads = all(s.lstrip()[:6].upper() in ("SELECT", "WITH") for s in statements)

    def replay():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                if cursor.description is not None:
                    cursor.fetchall()

    def replay_rolled_back():
        with transaction.atomic():
            replay()
            transaction.set_rollback(True)

    try:
        return len(statements), median_ms(replay if reads else replay_rolled_back, REPEAT)
    except Exception as error:  # a statement the driver cannot replay as text
        log(f"    raw replay failed: {error}")
        return len(statements), None


def measure_selector(case, user):
    params = QueryDict(urlencode(case.params))
    select = SELECTORS[case.selector]

    def call():
        return [case.fields(row) for row in select(fresh(user), params)]

    count, rows = queries(call)
    ms = median_ms(call, REPEAT)
    _n, raw_ms = raw_floor(call)
    return {"rows": len(rows), "queries": count, "ms": ms, "raw_ms": raw_ms,
            "ratio": ratio(ms, raw_ms)}  # fmt: skip


def measure_page(case, client, headers):
    url = reverse(case.url_name)
    if case.params:
        url += "?" + urlencode(case.params)

    def get():
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    count, body = queries(get)
    ms = median_ms(get, REPEAT)
    _n, raw_ms = raw_floor(get)
    if case.api:
        rows = len(json.loads(body)["results"])
    else:
        rows = sum(len(ROW.findall(part)) for part in TBODY.findall(body))
    return {
        "rows": rows,
        "queries": count,
        "ms": ms,
        "raw_ms": raw_ms,
        "ratio": ratio(ms, raw_ms),
        "bytes": len(body),
        "bytes_per_row": round(len(body) / rows) if rows else None,
    }


def measure(cast, api_key):
    User = get_user_model()
    actors = {
        "coordinator": User.objects.get(pk=cast.coordinators[0]),
        "board": User.objects.get(pk=cast.board[0]),
        "reviewer": User.objects.get(pk=cast.veteran),
    }
    clients = {}
    for name, user in actors.items():
        clients[name] = Client()
        clients[name].force_login(user)
    results = {}
    for key, case in cases(cast).items():
        began = time.perf_counter()
        if case.api:
            cache.clear()  # (the throttle's counts: this case asks more often than it allows)
            client, headers = Client(), {"HTTP_AUTHORIZATION": f"Token {api_key}"}
        else:
            client, headers = clients[case.actor], {}
        results[key] = {
            "selector": measure_selector(case, actors[case.actor]),
            "page": measure_page(case, client, headers),
        }
        log(f"  {key} ({time.perf_counter() - began:.1f} s): {results[key]}")
    return results


# ----- the run ---------------------------------------------------------------------------------


def configured_sizes():
    text = os.environ.get("BENCH_SCALE_SIZES", "")
    return tuple(int(n) for n in text.split(",") if n.strip()) or SIZES


def run(url, sizes=None):
    """Build and measure each size in turn (the database grows); one JSON-ready dict."""
    from api.services import create_token

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        raise RuntimeError(f"benchmarks.scale fills a PostgreSQL database named *bench*: {name!r}")
    if urlsplit(url).path.lstrip("/") != name:
        raise RuntimeError(f"Django is configured for {name!r}, not for {url!r}.")
    began = time.perf_counter()
    call_command("createcachetable", verbosity=0)
    result = {"database": "postgresql", "sizes": {}}
    api_key = None
    for n in sizes or configured_sizes():
        log(f"[scale] {n:,} applications: building")
        built = million.build(n, log=log)
        cast = million.cast()
        if api_key is None:
            coordinator = get_user_model().objects.get(pk=cast.coordinators[0])
            _token, api_key = create_token(coordinator, "bench")
        connection.close()  # (measured on a connection of its own, as a request would)
        log(f"[scale] {n:,} applications built in {built['s']} s; measuring")
        measure_began = time.perf_counter()
        measured = measure(cast, api_key)
        result["params"] = {key: case.params for key, case in cases(cast).items()}
        result["sizes"][str(n)] = {
            "applications": n,
            "build_s": built["s"],
            "build_steps": built["steps"],
            "db_bytes": million.database_bytes(),
            "measure_s": round(time.perf_counter() - measure_began, 1),
            "cases": measured,
        }
    result.update(summary(result["sizes"]))
    result["build_s"] = round(sum(s["build_s"] for s in result["sizes"].values()), 1)
    result["measure_s"] = round(sum(s["measure_s"] for s in result["sizes"].values()), 1)
    result["total_s"] = round(time.perf_counter() - began, 1)
    return result


def summary(by_size):
    """``growth`` (each page's time at the largest size over the smallest), the selectors
    against their floor at the largest size, and which of them meet the targets."""
    if not by_size:
        return {}
    smallest, largest = (by_size[key]["cases"] for key in (min(by_size, key=int),
                                                            max(by_size, key=int)))  # fmt: skip
    growth = {
        case: ratio(largest[case]["page"]["ms"], smallest[case]["page"]["ms"]) for case in largest
    }
    floor = {case: largest[case]["selector"]["ratio"] for case in largest}
    return {
        "growth": growth,
        "selector_vs_floor": floor,
        "meets": {
            case: {
                "selector_within_3x": floor[case] is not None and floor[case] <= SELECTOR_TARGET,
                "page_growth_within_2x": len(by_size) > 1 and growth[case] <= GROWTH_TARGET,
            }
            for case in largest
        },
    }


def main():
    from .__main__ import configure, postgres_admin, recreate_postgres

    tmp = tempfile.mkdtemp(prefix="risikokapital-scale-")
    url = configure(tmp)
    if postgres_admin(url) is None:
        sys.exit("benchmarks.scale needs PostgreSQL: BENCH_DATABASE_URL=postgres://…/…bench…")
    reuse, keep = os.environ.get("BENCH_REUSE"), os.environ.get("BENCH_KEEP")
    began = time.perf_counter()
    try:
        if not reuse:
            recreate_postgres(url)
        import django

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        result = run(url)
    finally:
        from django.db import connections

        connections.close_all()
        if not (keep or reuse):
            recreate_postgres(url, create=False)
        shutil.rmtree(tmp, ignore_errors=True)
    result["wall_s"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
