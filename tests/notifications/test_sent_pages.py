"""The pages over what was sent: the office's log of every mail and each user's own mails."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import views
from notifications.models import OutboxMail
from tests import factories

pytestmark = pytest.mark.django_db

Status = OutboxMail.Status
SENT_URL = reverse("notifications-sent")
MINE_URL = reverse("notifications-mine")


def mail(**fields):
    values = {
        "kind": "submitted",
        "recipients": ["office@example.org"],
        "language": "de",
        "subject": "Antrag eingereicht",
        "body": "Text",
        "reference": "RK-2026-0001",
        "application_id": None,
        **fields,
    }
    return OutboxMail.objects.create(**values)


def written(row, day):
    at = timezone.make_aware(datetime.datetime(2026, 3, day, 12, 0))
    OutboxMail.objects.filter(pk=row.pk).update(created_at=at)
    return row


def rows(response):
    return [row.pk for row in response.context["page"].object_list]


@pytest.fixture
def office(client):
    client.force_login(factories.coordinator())
    return client


@pytest.fixture
def log():
    return {
        "submitted": written(mail(reference="RK-2026-0001", application_id=7), 1),
        "assigned": written(
            mail(kind="assigned", recipients=["rev@example.org"], reference="RK-2026-0002"), 2
        ),
        "failed": written(
            mail(
                kind="returned",
                recipients=["firma@example.org", "chef@example.org"],
                reference="RK-2026-0003",
                status=Status.FAILED,
                attempts=3,
                last_error="SMTPRecipientsRefused: nope",
            ),
            3,
        ),
        "uncertain": written(mail(status=Status.UNCERTAIN, reference="RK-2026-0004"), 4),
    }


def test_the_office_sees_every_mail_newest_first(office, log):
    response = office.get(SENT_URL)
    assert response.status_code == 200
    names = ["uncertain", "failed", "assigned", "submitted"]
    assert rows(response) == [log[name].pk for name in names]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "assigned"}, ["assigned"]),
        ({"status": "failed"}, ["failed"]),
        ({"status": "uncertain"}, ["uncertain"]),
        ({"reference": "2026-0002"}, ["assigned"]),
        ({"recipient": "CHEF@example"}, ["failed"]),
        ({"recipient": "office@"}, ["uncertain", "submitted"]),
        ({"since": "2026-03-02", "until": "2026-03-03"}, ["failed", "assigned"]),
        ({"since": "2026-03-04"}, ["uncertain"]),
        ({"until": "2026-03-01"}, ["submitted"]),
        ({"kind": "submitted", "status": "pending"}, ["submitted"]),
    ],
)
def test_each_filter_finds_exactly_its_rows(office, log, query, expected):
    response = office.get(SENT_URL, query)
    assert response.status_code == 200
    assert rows(response) == [log[name].pk for name in expected]


def test_an_invalid_filter_answers_400(office, log):
    assert office.get(SENT_URL, {"status": "lost"}).status_code == 400


def test_the_office_page_shows_labels_links_and_errors(office, log, english):
    page = office.get(SENT_URL).content.decode()
    assert "Review assigned" in page
    assert f'href="{reverse("application-detail", args=[7])}"' in page
    assert "SMTPRecipientsRefused: nope" in page
    assert "firma@example.org, chef@example.org" in page
    assert "could not be sent" in page


def test_the_log_is_paginated(office, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [written(mail(reference=f"RK-2026-{n:04d}"), n + 1).pk for n in range(5)]
    newest_first = made[::-1]
    first = office.get(SENT_URL, {"status": "pending"})
    assert rows(first) == newest_first[:2]
    assert first.context["query"] == "status=pending"
    assert 'href="?status=pending&amp;page=2"' in first.content.decode()
    assert rows(office.get(SENT_URL, {"status": "pending", "page": 3})) == newest_first[4:]


@pytest.mark.parametrize(
    "make", [factories.reviewer, factories.board_member, factories.applicant], ids=str
)
def test_others_may_not_open_the_office_page(client, make):
    client.force_login(make())
    assert client.get(SENT_URL).status_code == 403


@pytest.mark.parametrize("url", [SENT_URL, MINE_URL])
def test_anonymous_users_are_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_mine_shows_exactly_the_users_mails(client):
    user = factories.applicant(email="Firma@Example.org")
    own = written(mail(recipients=["other@example.org", "firma@example.org"]), 2)
    alone = written(mail(recipients=["firma@example.org"], kind="returned"), 3)
    written(mail(recipients=["other@example.org"]), 4)
    written(mail(recipients=["xfirma@example.org"]), 5)  # contains the address, is not it
    written(mail(recipients=["firma@example.org.evil"]), 6)
    client.force_login(user)
    response = client.get(MINE_URL)
    assert response.status_code == 200
    assert rows(response) == [alone.pk, own.pk]
    assert "other@example.org" not in response.content.decode()


def test_mine_finds_addresses_with_non_ascii_characters(client):
    user = factories.reviewer(email="jürgen@example.org")
    own = mail(recipients=["jürgen@example.org"])
    mail(recipients=["jurgen@example.org"])
    client.force_login(user)
    assert rows(client.get(MINE_URL)) == [own.pk]


def test_mine_without_an_address_is_empty(client):
    user = factories.reviewer(email="")
    mail(recipients=[""])
    client.force_login(user)
    assert rows(client.get(MINE_URL)) == []


def test_the_start_page_links_the_log_and_the_own_mails(client, english):
    coordinator = factories.coordinator()
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert page.count(f'href="{SENT_URL}"') == 1
    assert page.count(f'href="{MINE_URL}"') == 1
    reviewer = factories.UserFactory(groups=["reviewers", "board"])
    client.force_login(reviewer)
    page = client.get(reverse("home")).content.decode()
    assert SENT_URL not in page
    assert page.count(f'href="{MINE_URL}"') == 1


def fill(size, email):
    for n in range(size):
        mail(recipients=[email, f"other{n}@example.org"], application_id=n + 1)
        mail(recipients=[f"third{n}@example.org"], status=Status.FAILED, last_error="x")


SENT_QUERIES = 5  # session, user, the user's groups (roles), count, page
MINE_QUERIES = 6  # session, user, count, page, then groups and memberships (the menu)


@pytest.mark.parametrize("size", [2, 30])
def test_the_office_page_runs_a_constant_number_of_queries(client, django_assert_num_queries, size):
    fill(size, "someone@example.org")
    client.force_login(factories.coordinator())
    with django_assert_num_queries(SENT_QUERIES):
        response = client.get(SENT_URL, {"recipient": "example.org"})
    assert len(response.context["page"].object_list) == min(2 * size, views.PAGE_SIZE)


@pytest.mark.parametrize("size", [2, 30])
def test_mine_runs_a_constant_number_of_queries(client, django_assert_num_queries, size):
    user = factories.reviewer()
    fill(size, user.email)
    client.force_login(user)
    with django_assert_num_queries(MINE_QUERIES):
        response = client.get(MINE_URL)
    assert len(response.context["page"].object_list) == size
