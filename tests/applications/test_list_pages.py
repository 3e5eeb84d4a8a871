"""The application list in keyset pages: every sort order, forwards and backwards, the capped
count, cursors that cannot be read, and (on PostgreSQL) pages and searches read from indexes."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from applications import selectors
from applications.models import Application
from funding import keyset
from funding.models import Organization
from tests import factories
from tests.applications.test_list_columns import build_world

pytestmark = pytest.mark.django_db

SORTS = sorted({*selectors.LIST_SORTS, *(f"-{key}" for key in selectors.LIST_SORTS)})


@pytest.fixture
def world():
    return build_world()


def page(user, per_page=2, **params):
    query = QueryDict(mutable=True)
    query.update(params)
    return selectors.list_page(user, query, per_page=per_page)[1]


def every_id(user, sort):
    return [a.pk for a in selectors.sorted_by(selectors.application_list(user), sort)]


@pytest.mark.parametrize("sort", SORTS)
def test_the_pages_walk_every_order_forwards_and_backwards(world, sort):
    user = world["coordinator"]
    expected = every_id(user, sort)
    assert len(expected) == 6

    forwards, current = [], page(user, sort=sort)
    assert current.previous is None
    while True:
        forwards.extend(a.pk for a in current)
        if current.next is None:
            break
        current = page(user, sort=sort, after=current.next)
    assert forwards == expected

    backwards, current = [], page(user, sort=sort, page="last")
    assert current.next is None
    while True:
        backwards[:0] = [a.pk for a in current]
        if current.previous is None:
            break
        current = page(user, sort=sort, before=current.previous)
    assert backwards == expected


def test_the_last_page_holds_the_last_rows_and_links_back(world):
    user = world["coordinator"]
    last = page(user, per_page=4, sort="amount", page="last")
    assert [a.pk for a in last] == every_id(user, "amount")[2:]
    assert last.next is None
    assert [a.pk for a in page(user, per_page=4, sort="amount", before=last.previous)] == (
        every_id(user, "amount")[:2]
    )


CURSORS = ["", "x", "bm90IGpzb24", "WzEsMiwzXQ", "WyJhIiwiYiJd", "!" * 500]


@pytest.mark.parametrize("cursor", CURSORS)
def test_a_cursor_that_cannot_be_read_shows_the_first_page(world, cursor):
    user = world["coordinator"]
    shown = page(user, sort="changed", after=cursor)
    assert [a.pk for a in shown] == every_id(user, "changed")[:2]
    assert shown.previous is None


def test_the_cursor_keeps_microseconds(world):
    """A cursor of the default order (last change, a timestamp) seeks past its own row."""
    user = world["coordinator"]
    first = page(user, per_page=1)
    second = page(user, per_page=1, after=first.next)
    assert second.rows[0].pk == every_id(user, "-changed")[1]


def test_the_count_stops_at_the_cap(world, monkeypatch):
    user = world["coordinator"]
    assert (page(user).count, page(user).more) == (6, False)
    monkeypatch.setattr(keyset, "COUNT_CAP", 4)
    capped = page(user)
    assert (capped.count, capped.more) == (4, True)


def test_the_caption_says_more_than_the_cap(client, world, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_CAP", 4)
    client.force_login(world["coordinator"])
    html = client.get("/applications/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "mehr als 4 Anträge" in html


def test_a_company_pages_only_through_its_own(world):
    other = factories.ApplicationFactory(title="Fremd")
    shown = page(world["owner"], per_page=50)
    assert other.pk not in {a.pk for a in shown}
    assert shown.count == 6


@pytest.mark.postgres
@pytest.mark.parametrize("sort", SORTS)
def test_postgres_seeks_each_order_in_its_index(world, sort):
    """A later page starts in the index where the cursor points: an Index Cond on the row
    comparison, no Sort, no OFFSET."""
    user = world["coordinator"]
    first = page(user, sort=sort)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as captured:
            page(user, sort=sort, after=first.next)
        sql = captured.captured_queries[-1]["sql"]
        assert "OFFSET" not in sql
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert f"list_sort_{sort.removeprefix('-')}" in plan, plan
    assert "Index Cond" in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan


@pytest.mark.postgres
@pytest.mark.parametrize(
    "model, field, index",
    [
        (Application, "reference", "application_reference_trgm"),
        (Application, "title", "application_title_trgm"),
        (Organization, "name", "organization_name_trgm"),
    ],
)
def test_postgres_has_a_trigram_index_for_each_searched_column(world, model, field, index):
    """Each ``icontains`` the search runs can be answered by its trigram index (its expression
    is what Django compares). Only bitmap scans allowed: one needs an index that fits."""
    sql, params = (
        model.objects.filter(**{f"{field}__icontains": "werk"}).values("pk").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        for switch in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{switch} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert f"Bitmap Index Scan on {index}" in plan, plan


def test_the_search_finds_reference_title_and_company_fragments(world):
    user = world["coordinator"]
    assert len(page(user, per_page=50, q="2026-000")) == 5
    assert [a.title for a in page(user, per_page=50, q="orhaben b")] == ["Vorhaben B"]
    assert len(page(user, per_page=50, q="küchenWERK")) == 6
    assert len(page(user, per_page=50, q="nirgends")) == 0
