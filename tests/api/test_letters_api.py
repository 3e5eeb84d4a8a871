"""Letters, the transition log and the inbox through the API: the web's permissions
(``decisions.read_letters`` with the access log, the history page's rule on names,
``notifications.read_inbox``), cursor pagination and a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from decisions.models import DecisionLetter
from funding.models import AccessLog
from notifications.models import Notification
from reviews.models import ConflictDeclaration
from tests import factories, states
from tests.helpers import close_file

from .conftest import client_for

pytestmark = pytest.mark.django_db


def base(application):
    return f"/api/v1/applications/{application.pk}/"


def count_queries(client, url):
    client.get(url)  # the token's "last used" is written on the first request only
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


@pytest.fixture
def approved_with_letter(django_capture_on_commit_callbacks):
    """An approved application whose letter was rendered (the on-commit task, eagerly)."""
    with django_capture_on_commit_callbacks(execute=True):
        application = states.approved()
    letter = application.letters.get()
    assert letter.file
    return application, letter


# ----- letters --------------------------------------------------------------------------------


def test_the_company_lists_and_downloads_its_letter(approved_with_letter):
    application, letter = approved_with_letter
    company = client_for(application.created_by)
    rows = company.get(base(application) + "letters/").json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["number"], row["status"]) == (1, letter.status)
    assert row["pdf"] == f"{base(application)}letters/1/pdf/"
    response = company.get(row["pdf"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    filename = f"Bescheid-{application.reference}-1.pdf"
    assert filename in response["Content-Disposition"]
    content = close_file(response)
    letter.file.open("rb")
    assert content == letter.file.read()
    letter.file.close()
    logged = AccessLog.objects.filter(action=AccessLog.Action.LETTER).get()
    assert (logged.user_id, logged.application_id, logged.detail) == (
        application.created_by_id,
        application.pk,
        filename,
    )
    assert company.get(base(application) + "letters/2/pdf/").status_code == 404


def test_letters_are_refused_as_on_the_web(approved_with_letter):
    application, _letter = approved_with_letter
    url = base(application) + "letters/"
    # the office reads them; another company and a reviewer do not find them
    assert client_for(factories.coordinator()).get(url).status_code == 200
    assert client_for(factories.applicant()).get(url).status_code == 404
    reviewer = application.assignments.first().reviewer
    assert client_for(reviewer).get(url).status_code == 404
    assert client_for(reviewer).get(url + "1/pdf/").status_code == 404
    # a board member with a declared conflict reads no letter
    member = factories.board_member()
    ConflictDeclaration.objects.create(
        application=application,
        user=member,
        role="board",
        round=application.submission_count,
        kind="personal",
        has_conflict=True,
    )
    assert client_for(member).get(url).status_code == 404
    assert client_for(factories.board_member()).get(url).status_code == 200
    assert AccessLog.objects.filter(action=AccessLog.Action.LETTER).count() == 0


def test_a_letter_not_yet_rendered_answers_409():
    application = states.approved()  # the on-commit rendering never ran
    letter = application.letters.get()
    assert not letter.file
    company = client_for(application.created_by)
    rows = company.get(base(application) + "letters/").json()["results"]
    assert (rows[0]["status"], rows[0]["pdf"]) == ("pending", None)
    assert company.get(base(application) + "letters/1/pdf/").status_code == 409


def test_the_letter_list_costs_the_same_at_two_sizes():
    office = client_for(factories.coordinator())
    counts = []
    for size in (1, 5):
        application = states.approved()
        first = application.letters.get()
        for number in range(2, size + 1):
            DecisionLetter.objects.create(
                application=application, decision=first.decision, number=number
            )
        counts.append(count_queries(office, base(application) + "letters/"))
        assert len(office.get(base(application) + "letters/").json()["results"]) == size
    assert counts[0] == counts[1]


# ----- the transition log ---------------------------------------------------------------------


def test_the_log_names_people_as_the_history_page_does():
    application = states.awaiting_decision()
    office_user = application.assignments.first().assigned_by
    reviewer = application.assignments.first().reviewer
    company = client_for(application.created_by)
    rows = company.get(base(application) + "log/").json()["results"]
    # newest first
    assert [row["transition"] for row in rows] == ["complete_review", "start_review", "submit"]
    assert [row["target"] for row in rows] == ["awaiting_decision", "in_review", "submitted"]
    assert rows[2]["source"] == "draft"
    member = application.created_by
    assert rows[2]["by"] == (member.get_full_name() or member.username)
    assert [row["by"] for row in rows[:2]] == [None, None]
    assert rows[0]["description"] == ""
    # the office and the board see every name and the notes
    office = client_for(office_user)
    named = office.get(base(application) + "log/").json()["results"]
    assert named[1]["by"] == office_user.get_full_name()
    assert named[0]["by"] is not None
    assert named[0]["description"] != ""
    (board,) = states.deciding_board(application, count=1)
    assert client_for(board).get(base(application) + "log/").json()["results"][1]["by"] == (
        office_user.get_full_name()
    )
    # a reviewer reads the application, but no other names
    seen = client_for(reviewer).get(base(application) + "log/").json()["results"]
    assert [row["by"] for row in seen[:2]] == [None, None]
    # who may not read the application: 404
    assert client_for(factories.applicant()).get(base(application) + "log/").status_code == 404
    assert client_for(factories.board_member()).get(base(application) + "log/").status_code == 404


def test_the_reason_of_a_return_is_shown_to_the_company():
    application = states.returned()
    rows = client_for(application.created_by).get(base(application) + "log/").json()["results"]
    assert rows[0]["transition"] == "return_for_revision"
    assert (rows[0]["by"], rows[0]["description"]) == (None, "Bitte ergänzen.")


def test_the_log_costs_the_same_at_two_sizes():
    office = client_for(factories.coordinator())
    small = states.submitted()
    large = states.awaiting_decision()
    assert count_queries(office, base(small) + "log/") == count_queries(
        office, base(large) + "log/"
    )


# ----- the inbox ------------------------------------------------------------------------------


def _entries(user, count):
    return Notification.objects.bulk_create(
        [
            Notification(user=user, kind="submitted", subject=f"Betreff {n}", body="Text")
            for n in range(count)
        ]
    )


def test_the_inbox_lists_only_the_callers_entries_and_marks_them_read():
    user = factories.applicant()
    other = factories.applicant()
    _entries(user, 3)
    (foreign,) = _entries(other, 1)
    client = client_for(user)
    rows = client.get("/api/v1/notifications/").json()["results"]
    assert [row["subject"] for row in rows] == ["Betreff 2", "Betreff 1", "Betreff 0"]
    assert all(row["read_at"] is None for row in rows)
    marked = client.post(
        f"/api/v1/notifications/{rows[0]['id']}/read/", {}, HTTP_IDEMPOTENCY_KEY="read-1"
    )
    assert marked.status_code == 200
    assert marked.json()["read_at"] is not None
    unread = client.get("/api/v1/notifications/", {"unread": "1"}).json()["results"]
    assert [row["subject"] for row in unread] == ["Betreff 1", "Betreff 0"]
    # paged by cursor
    page = client.get("/api/v1/notifications/", {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = client.get(page["next"]).json()
    assert [row["subject"] for row in rest["results"]] == ["Betreff 0"]
    # someone else's entry is not found
    assert client.post(f"/api/v1/notifications/{foreign.pk}/read/", {}).status_code == 404
    assert client.post("/api/v1/notifications/999999999/read/", {}).status_code == 404
    assert Notification.objects.get(pk=foreign.pk).read_at is None


def test_the_inbox_needs_credentials():
    response = APIClient().get("/api/v1/notifications/")
    assert response.status_code == 401


def test_the_inbox_costs_the_same_at_two_sizes():
    counts = []
    for size in (1, 8):
        user = factories.applicant()
        _entries(user, size)
        counts.append(count_queries(client_for(user), "/api/v1/notifications/"))
    assert counts[0] == counts[1]
