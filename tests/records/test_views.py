"""The coordination office's pages: the access log, the application's log, the retention page,
the start page and the application's page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Application
from funding.audit import Action, log_access
from funding.models import AccessLog
from records import services
from records.models import RetentionCandidate
from tests import factories, states

from . import worlds
from .worlds import at

pytestmark = pytest.mark.django_db
LOG_URL = reverse("records-access-log")
# session, user, groups, memberships, the count, the page's rows with their users, the
# organisations' names of the page
ACCESS_LOG_QUERIES = 7


def entry(user, application, action=Action.VIEW, moment=None, detail=""):
    log_access(user, action, application=application, detail=detail)
    row = AccessLog.objects.latest("id")
    if moment is not None:
        AccessLog.objects.filter(pk=row.pk).update(at=moment)
    return row


def rows(response):
    return [row.pk for row in response.context["page"].object_list]


# ----- the access log ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "board_member", "applicant"])
def test_only_the_coordination_office_reads_the_access_log(client, role):
    application = factories.ApplicationFactory()
    client.force_login(getattr(factories, role)())
    assert client.get(LOG_URL).status_code == 403
    url = reverse("records-application-access-log", args=[application.pk])
    assert client.get(url).status_code in (403, 404)


def test_the_access_log_lists_every_entry_newest_first(client):
    coordinator, reader = factories.coordinator(), factories.reviewer()
    application = factories.ApplicationFactory(reference="RK-2026-0101")
    older = entry(reader, application, moment=at(2026, 3, 1))
    newer = entry(reader, application, Action.DOCUMENT, at(2026, 3, 2), detail="Plan.pdf")
    client.force_login(coordinator)
    response = client.get(LOG_URL)
    assert response.status_code == 200
    assert rows(response) == [newer.pk, older.pk]
    page = response.content.decode()
    assert "RK-2026-0101" in page
    assert application.organization.name in page
    assert "Plan.pdf" in page


def test_the_filters(client):
    coordinator = factories.coordinator()
    alice = factories.reviewer(username="alice", last_name="Adler")
    bob = factories.board_member(username="bob", last_name="Berg")
    first = factories.ApplicationFactory(reference="RK-2026-0001")
    second = factories.ApplicationFactory(
        reference="RK-2026-0002", organization=factories.OrganizationFactory(name="Zebra eG")
    )
    a = entry(alice, first, moment=at(2026, 3, 1, 12))
    b = entry(bob, second, Action.LETTER, at(2026, 3, 2, 12))
    c = entry(alice, second, moment=at(2026, 3, 3, 0, 30))  # 2 March 23:30 UTC
    client.force_login(coordinator)
    assert rows(client.get(LOG_URL, {"reference": "0001"})) == [a.pk]
    assert rows(client.get(LOG_URL, {"organization": "zebra"})) == [c.pk, b.pk]
    assert rows(client.get(LOG_URL, {"user": "adler"})) == [c.pk, a.pk]
    assert rows(client.get(LOG_URL, {"action": "letter"})) == [b.pk]
    assert rows(client.get(LOG_URL, {"since": "2026-03-02", "until": "2026-03-02"})) == [b.pk]
    assert rows(client.get(LOG_URL, {"since": "2026-03-03"})) == [c.pk]
    assert client.get(LOG_URL, {"since": "gestern"}).status_code == 400


def test_a_coordinator_does_not_see_the_log_of_their_own_organisation(client):
    coordinator = factories.coordinator()
    own = factories.ApplicationFactory()
    factories.MembershipFactory(user=coordinator, organization=own.organization)
    other = factories.ApplicationFactory()
    reviewer = factories.reviewer()
    entry(reviewer, own)
    visible = entry(reviewer, other)
    client.force_login(coordinator)
    assert rows(client.get(LOG_URL)) == [visible.pk]
    url = reverse("records-application-access-log", args=[own.pk])
    assert client.get(url).status_code == 403


def fill_log(size):
    reader = factories.reviewer()
    for _n in range(size):
        application = factories.ApplicationFactory()
        entry(reader, application)
        entry(factories.board_member(), application, Action.LETTER)


@pytest.mark.parametrize("size", [2, 30])
def test_the_access_log_runs_a_constant_number_of_queries(client, django_assert_num_queries, size):
    fill_log(size)
    client.force_login(factories.coordinator())
    with django_assert_num_queries(ACCESS_LOG_QUERIES):
        response = client.get(LOG_URL)
    assert len(response.context["page"].object_list) == min(2 * size, 50)


def test_the_queries_do_not_grow_with_the_rows(client):
    counts = []
    for size in (2, 30):
        fill_log(size)
        client.force_login(factories.coordinator())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LOG_URL, {"page": 2 if size == 30 else 1}).status_code == 200
        counts.append(len(queries))
    assert counts == [ACCESS_LOG_QUERIES, ACCESS_LOG_QUERIES]


def test_the_applications_own_log(client):
    coordinator, reader = factories.coordinator(), factories.reviewer()
    application, other = factories.ApplicationFactory(), factories.ApplicationFactory()
    mine = entry(reader, application)
    entry(reader, other)
    client.force_login(coordinator)
    response = client.get(reverse("records-application-access-log", args=[application.pk]))
    assert response.status_code == 200
    assert rows(response) == [mine.pk]


# ----- the application's page ----------------------------------------------------------------


def test_the_application_page_links_the_log_and_the_export_for_the_office(client):
    application = factories.ApplicationFactory()
    log_url = reverse("records-application-access-log", args=[application.pk])
    export_url = reverse("records-export-organization", args=[application.organization_id])
    client.force_login(factories.coordinator())
    page = client.get(reverse("application-detail", args=[application.pk])).content.decode()
    assert log_url in page and export_url in page
    client.force_login(application.created_by)
    page = client.get(reverse("application-detail", args=[application.pk])).content.decode()
    assert log_url not in page and export_url not in page


def test_an_erased_application_says_so(client):
    application = factories.ApplicationFactory()
    Application.objects.filter(pk=application.pk).update(erased_at=at(2030, 6, 1))
    client.force_login(application.created_by)
    page = client.get(reverse("application-detail", args=[application.pk])).content.decode()
    assert "01.06.2030" in page
    assert 'id="erased"' in page
    # the emptied sections, documents and versions are not shown as if they were blank
    assert 'id="documents"' not in page
    assert 'id="company"' in page


# ----- the retention page --------------------------------------------------------------------


@pytest.fixture
def due():
    programme = worlds.programme()
    return [worlds.rejected(at(2010, 1, 1), programme=programme) for _n in range(2)]


def mark():
    services.mark_candidates(datetime.date(2026, 1, 1))
    return list(RetentionCandidate.objects.order_by("pk"))


@pytest.mark.parametrize("role", ["reviewer", "board_member", "applicant"])
def test_only_the_coordination_office_opens_the_retention_page(client, role, due):
    mark()
    client.force_login(getattr(factories, role)())
    assert client.get(reverse("records-retention")).status_code == 403
    response = client.post(
        reverse("records-confirm-deletion"), {"scope": "all", "understood": "on"}
    )
    assert response.status_code == 403
    assert RetentionCandidate.objects.filter(status="pending").count() == 2


def test_the_retention_page_lists_the_candidates_with_a_warning(client, due):
    mark()
    client.force_login(factories.coordinator())
    response = client.get(reverse("records-retention"))
    page = response.content.decode()
    assert response.status_code == 200
    assert all(application.reference in page for application in due)
    assert 'class="notice warn"' in page


def test_confirming_needs_the_acknowledgement(client, due):
    mark()
    client.force_login(factories.coordinator())
    response = client.post(reverse("records-confirm-deletion"), {"scope": "all"})
    assert response.status_code == 400
    assert RetentionCandidate.objects.filter(status="pending").count() == 2


def test_confirming_the_selected_ones(client, due, django_capture_on_commit_callbacks):
    first, _second = mark()
    client.force_login(factories.coordinator())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("records-confirm-deletion"),
            {"scope": "selected", "candidates": [first.pk], "understood": "on"},
        )
    assert response.status_code == 302
    assert list(
        Application.objects.filter(erased_at__isnull=False).values_list("pk", flat=True)
    ) == [first.application_id]


def test_selecting_nothing_is_refused(client, due):
    mark()
    client.force_login(factories.coordinator())
    response = client.post(
        reverse("records-confirm-deletion"), {"scope": "selected", "understood": "on"}
    )
    assert response.status_code == 400


def test_confirming_all(client, due, django_capture_on_commit_callbacks):
    mark()
    client.force_login(factories.coordinator())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("records-confirm-deletion"), {"scope": "all", "understood": "on"}
        )
    assert response.status_code == 302
    assert Application.objects.filter(erased_at__isnull=False).count() == 2


# ----- the start page ------------------------------------------------------------------------


def test_the_start_page_counts_the_records_to_confirm(client, due):
    mark()
    client.force_login(factories.coordinator())
    page = client.get(reverse("home")).content.decode()
    assert (
        f'<a class="card" href="{reverse("records-retention")}"><span class="count">2</span>'
    ) in page
    assert reverse("records-access-log") in page
    client.force_login(states.draft().created_by)
    page = client.get(reverse("home")).content.decode()
    assert reverse("records-retention") not in page
