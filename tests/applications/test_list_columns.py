"""The application list: its columns, its sort orders (each backed by an index), the header
links that sort, and at most 1 KB of HTML per row."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import selectors, services
from applications.models import LIST_SORT_KEYS, Application
from tests import factories, states

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
LIST = reverse("application-list")


def day(n):
    """Noon in Berlin on the n-th day of March 2026."""
    return datetime.datetime(2026, 3, n, 12, 0, tzinfo=BERLIN)


def build_world():
    """Six applications of one company (a draft and five handed in) whose every sort order
    differs, and a coordinator; {name: application, "coordinator": user, "owner": user}.

    - A: a draft without an amount (day 1);
    - B: submitted day 2 (RK-2026-0001), 65,000, returned day 7 (deadline 17 March), withdrawn
      day 8: its return deadline is stored but applies no more;
    - C: submitted day 3 (0002), 50,000, returned day 7, submitted again day 9;
    - D: submitted day 4 (0003), 70,000, returned day 7, deadline 27 March;
    - E: submitted day 5 (0004), 50,000, returned day 7, deadline 21 March;
    - G: submitted day 6 (0005), 55,000.
    """
    organization = factories.OrganizationFactory(name="Küchenwerk Nord gGmbH")
    programme = factories.ProgrammeFactory(name="Risikokapitalfonds 2026")
    coordinator = factories.coordinator()
    amounts = {"B": "65000", "C": "50000", "D": "70000", "E": "50000", "G": "55000"}
    world = {"coordinator": coordinator}
    with time_machine.travel(day(1), tick=False):
        world["A"] = factories.ApplicationFactory(
            organization=organization,
            programme=programme,
            title="Entwurf ohne Betrag",
            requested_amount=None,
        )
        for name, amount in amounts.items():
            world[name] = states.draft(
                organization=organization,
                programme=programme,
                title=f"Vorhaben {name}",
                requested_amount=Decimal(amount),
                # the plan balances: 100,000 eligible, 25,000 own contribution
                other_funding=Decimal("75000") - Decimal(amount),
            )
    world["owner"] = world["B"].created_by
    for offset, name in enumerate(amounts, start=2):
        with time_machine.travel(day(offset), tick=False):
            world[name] = services.submit(world[name].created_by, world[name], states.DECLARATIONS)
    deadlines = {"B": 17, "C": 30, "D": 27, "E": 21}
    with time_machine.travel(day(7), tick=False):
        for name, deadline in deadlines.items():
            world[name] = services.return_for_revision(
                coordinator, world[name], "Bitte ergänzen.", datetime.date(2026, 3, deadline)
            )
    with time_machine.travel(day(8), tick=False):
        world["B"] = services.withdraw(world["B"].created_by, world["B"], "Verschoben.")
    with time_machine.travel(day(9), tick=False):
        world["C"] = services.submit(world["C"].created_by, world["C"], states.DECLARATIONS)
    return world


@pytest.fixture
def world():
    return build_world()


def names(world, rows):
    by_id = {world[name].pk: name for name in "ABCDEG"}
    return "".join(by_id[row.pk] for row in rows)


def rows_of(client, **params):
    response = client.get(LIST, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return list(response.context["page"])


SORTS = {
    None: "CBEDGA",  # the default: latest change first (D and E changed at once: id descending)
    "changed": "AGDEBC",
    "-changed": "CBEDGA",
    "reference": "ABCDEG",  # a draft has no reference: the smallest
    "-reference": "GEDCBA",
    "submitted": "ABDEGC",  # the last submission; never submitted: the earliest
    "-submitted": "CGEDBA",
    "amount": "ACEGBD",  # no amount: the smallest; C and E tie: by id
    "-amount": "DBGECA",
    "state": "ACGDEB",  # in the workflow's order: draft, submitted, returned, ..., withdrawn
    "-state": "BEDGCA",
    "deadline": "EDABCG",  # the return deadline while returned; none: the latest
    "-deadline": "GCBADE",
}


@pytest.mark.parametrize(("sort", "expected"), SORTS.items())
def test_each_sort_gives_its_exact_order(client, world, sort, expected):
    client.force_login(world["coordinator"])
    params = {} if sort is None else {"sort": sort}
    assert names(world, rows_of(client, **params)) == expected


@pytest.mark.parametrize("sort", ["title", "-password", "id", "--amount", "amount desc", ""])
def test_an_unknown_sort_is_ignored(client, world, sort):
    client.force_login(world["coordinator"])
    response = client.get(LIST, {"sort": sort}, HTTP_ACCEPT_LANGUAGE="en")
    assert names(world, response.context["page"]) == SORTS[None]
    assert response.context["sort"] == ""  # the filter form carries no sort
    html = response.content.decode()
    assert html.count("aria-sort=") == 1
    assert '<th scope="col" aria-sort="descending"><a href="?sort=changed">Last change</a>' in html


def test_the_sort_combines_with_the_filters(client, world):
    client.force_login(world["coordinator"])
    assert names(world, rows_of(client, state="returned", sort="-deadline")) == "DE"
    assert names(world, rows_of(client, q="Vorhaben", sort="amount")) == "CEGBD"


def test_the_list_shows_the_columns_an_office_needs(client, world):
    client.force_login(world["coordinator"])
    response = client.get(LIST, {"sort": "reference"}, HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    headers = re.findall(r'<th scope="col"[^>]*>(?:<a href="[^"]*">)?([^<]+)', html)
    assert headers == [
        "Aktenzeichen",
        "Titel",
        "Unternehmen",
        "Förderprogramm",
        "Status",
        "Zuletzt eingereicht",
        "Frist",
        "Beantragt",
        "Letzte Änderung",
    ]
    cells = {name: _cells(html, world[name]) for name in "ABD"}
    assert cells["D"] == [
        ("Aktenzeichen", "RK-2026-0003"),
        ("Titel", "Vorhaben D"),
        ("Unternehmen", "Küchenwerk Nord gGmbH"),
        ("Förderprogramm", "Risikokapitalfonds 2026"),
        ("Status", "Zur Überarbeitung zurückgegeben"),
        ("Zuletzt eingereicht", "04.03.2026"),
        ("Frist", "27.03.2026"),
        ("Beantragt", "70.000,00\xa0€"),
        ("Letzte Änderung", "07.03.2026"),
    ]
    # withdrawn after a return: the stored return deadline applies no more
    assert cells["B"][4:7] == [
        ("Status", "Zurückgezogen"),
        ("Zuletzt eingereicht", "02.03.2026"),
        ("Frist", ""),
    ]
    assert cells["A"] == [
        ("Aktenzeichen", "Entwurf"),
        ("Titel", "Entwurf ohne Betrag"),
        ("Unternehmen", "Küchenwerk Nord gGmbH"),
        ("Förderprogramm", "Risikokapitalfonds 2026"),
        ("Status", "Entwurf"),
        ("Zuletzt eingereicht", ""),
        ("Frist", ""),
        ("Beantragt", ""),
        ("Letzte Änderung", "01.03.2026"),
    ]


def _cells(html, application):
    """[(data-label, text)] of the application's row."""
    link = f'<a href="{reverse("application-detail", args=[application.pk])}">'
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if link in row)
    cells = re.findall(r'<td data-label="([^"]*)"[^>]*>(.*?)</td>', row, re.S)
    return [
        (label, re.sub(r"<[^>]+>", "", text).replace("&nbsp;", "\xa0")) for label, text in cells
    ]


def test_the_headers_sort_and_say_which_order_is_current(client, world):
    client.force_login(world["coordinator"])
    response = client.get(
        LIST, {"state": "returned", "sort": "amount", "page": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    links = dict(re.findall(r'<th scope="col"[^>]*><a href="([^"]*)">([^<]+)</a>', html))
    assert {text: href for href, text in links.items()} == {
        # a column not sorted by: its first direction; the current one: the other way round
        "Reference": "?state=returned&amp;sort=reference",
        "State": "?state=returned&amp;sort=state",
        "Last submitted": "?state=returned&amp;sort=-submitted",
        "Deadline": "?state=returned&amp;sort=deadline",
        "Requested": "?state=returned&amp;sort=-amount",
        "Last change": "?state=returned&amp;sort=-changed",
    }
    assert re.findall(r"aria-sort=\"(\w+)\"><a href=\"[^\"]*\">([^<]+)", html) == [
        ("ascending", "Requested")
    ]
    # filtering again keeps the order; the export keeps filters and order
    assert '<input type="hidden" name="sort" value="amount">' in html
    assert 'href="/applications/export.csv?state=returned&amp;sort=amount"' in html
    assert 'href="/applications/export.xlsx?state=returned&amp;sort=amount"' in html
    descending = client.get(LIST, {"sort": "-amount"}, HTTP_ACCEPT_LANGUAGE="en")
    assert '<th scope="col" class="num" aria-sort="descending"><a href="?sort=amount">' in (
        descending.content.decode()
    )


def test_each_sort_is_backed_by_an_index_in_the_model_the_migration_and_the_database():
    indexes = {index.name: index for index in Application._meta.indexes}
    with connection.cursor() as cursor:
        in_database = connection.introspection.get_constraints(cursor, "applications_application")
    from importlib import import_module

    migration = import_module("applications.migrations.0008_list_sort_indexes").Migration
    migrated = {operation.index.name for operation in migration.operations}
    assert set(selectors.LIST_SORTS) == set(LIST_SORT_KEYS)
    for key in selectors.LIST_SORTS:
        name = f"list_sort_{key}"
        assert indexes[name].expressions == (LIST_SORT_KEYS[key], F("id"))
        assert name in migrated
        assert in_database[name]["index"] is True


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sort", sorted({*selectors.LIST_SORTS, *(f"-{k}" for k in selectors.LIST_SORTS)})
)
def test_postgres_reads_each_order_from_its_index(world, sort):
    """With sorting switched off, the planner still finds a plan without a Sort: the index
    gives the order (forwards or backwards)."""
    rows = selectors.sorted_by(selectors.application_list(world["coordinator"]), sort)[:50]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert f"list_sort_{sort.removeprefix('-')}" in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan


@pytest.mark.parametrize("sort", ["-deadline", "amount"])
def test_a_sorted_list_keeps_a_constant_number_of_queries(client, django_assert_num_queries, sort):
    programme = factories.ProgrammeFactory()
    client.force_login(factories.coordinator())
    params = {"sort": sort, "programme": programme.pk, "q": "Großküche"}
    for _ in range(3):
        factories.ApplicationFactory(programme=programme)
    client.get(LIST, params)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST, params).status_code == 200
    assert len(small.captured_queries) <= 12
    for _ in range(30):
        factories.ApplicationFactory(programme=programme)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(LIST, params)
    assert len(response.context["page"]) == 33


TBODY = re.compile(r"<tbody>(.*?)</tbody>", re.S)


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_row_takes_at_most_one_kilobyte_of_html(client, language):
    """50 rows as an office sees them (reference, dates, amount, realistic lengths)."""
    programme = factories.ProgrammeFactory(name="Risikokapitalfonds Inklusion Nordrhein 2026")
    for n in range(50):
        organization = factories.OrganizationFactory(
            name=f"Inklusionsbetrieb Werkstatt am Rhein Nummer {n:02d} gGmbH"
        )
        factories.ApplicationFactory(
            programme=programme,
            organization=organization,
            title=f"Erweiterung der Großküche um eine zweite Produktionslinie, Abschnitt {n:02d}",
            reference=f"RK-2026-{n + 1:04d}",
            last_submitted_at=day(2),
            requested_amount=Decimal("149999.99"),
        )
    client.force_login(factories.coordinator())
    response = client.get(LIST, {"sort": "reference"}, HTTP_ACCEPT_LANGUAGE=language)
    body = TBODY.search(response.content.decode()).group(1).encode()
    assert len(response.context["page"]) == 50
    per_row = len(body) / 50
    assert per_row <= 1024, per_row


LIST_TEMPLATES = [
    "applications/list.html",
    "reviews/list.html",
    "board/queue.html",
    "notifications/_rows.html",  # the tables of sent.html and mine.html
    "records/_log_rows.html",  # the tables of access_log.html and application_access_log.html
    "records/retention.html",
]


@pytest.mark.parametrize("name", LIST_TEMPLATES)
def test_list_tables_can_stack_on_a_narrow_screen(name):
    """Each list table is named (caption or aria-label), its column headers have a scope and
    every data cell its column's name (``data-label``, for the stacked rows at 320 px); only a
    cell spanning the row (a message) goes without."""
    source = (settings.BASE_DIR / "templates" / name).read_text()
    tables = re.findall(r"<table[^>]*>.*?</table>", source, re.S)
    assert tables
    for table in tables:
        opening = re.match(r"<table[^>]*>", table).group(0)
        assert "<caption" in table or "aria-label=" in opening, opening
        head = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
        assert re.findall(r"<th(?:\s[^>]*)?>", head)
        assert all('scope="col"' in th for th in re.findall(r"<th(?:\s[^>]*)?>", head))
        body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
        cells = re.findall(r"<t[dh]\s[^>]*>|<t[dh]>", body)
        assert cells
        for cell in cells:
            assert "data-label=" in cell or "colspan=" in cell, (name, cell)
