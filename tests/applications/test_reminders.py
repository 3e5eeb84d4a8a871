"""The reminder rule ``applications.return_due``: a returned application not resubmitted."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from applications import services
from applications.models import Application
from notifications import offsets, reminders
from notifications.models import Reminder
from tests import factories, states
from tests.notifications.reminder_factories import set_offsets, speaks

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
DEADLINE = datetime.date(2026, 5, 14)


def at(day, hour=10):
    """A moment in Berlin, ``day`` days after the return deadline (negative: before it)."""
    moment = datetime.datetime.combine(DEADLINE, datetime.time(hour), tzinfo=BERLIN)
    return moment + datetime.timedelta(days=day)


def returned(title=None):
    """A returned application (round 1) with the deadline ``DEADLINE``.

    Its organisation has the creator, a second member, a member without an email and an
    inactive member; the deadline is set directly (the service dates it from today).
    """
    kwargs = {"title": title} if title else {}
    application = states.returned(**kwargs)
    Application.objects.filter(pk=application.pk).update(return_deadline=DEADLINE)
    organization = application.organization
    factories.applicant(organization=organization)
    factories.applicant(organization=organization, email="")
    factories.applicant(organization=organization, is_active=False)
    application.refresh_from_db()
    return application


def applicants(application):
    """The creator and the members with an email who are active."""
    users = get_user_model().objects.filter(
        memberships__organization=application.organization, is_active=True
    )
    return sorted(users.exclude(email="").values_list("id", flat=True))


def office():
    users = get_user_model().objects.filter(groups__name="coordinators")
    return sorted(users.values_list("id", flat=True))


def keys(kind, application, users):
    return {f"{kind}:{application.id}:{user}:1" for user in users}


def due_at(day, hour=10):
    return set(reminders.send_reminders(now=at(day, hour), dry_run=True))


def test_the_applicants_are_the_creator_and_the_members_with_an_email():
    application = returned()

    people = applicants(application)

    assert application.created_by_id in people
    assert len(people) == 2


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (-4, None),
        (-3, "return_due_soon"),
        (-1, "return_due_soon"),
        (0, "return_due_soon"),
        (1, "return_overdue"),
        (6, "return_overdue"),
        (7, None),
    ],
)
def test_applicant_keys_on_each_day(day, kind):
    application = returned()

    due = {key for key in due_at(day) if not key.startswith("return_escalated")}

    assert due == (keys(kind, application, applicants(application)) if kind else set())


@pytest.mark.parametrize(("day", "sent"), [(6, False), (7, True), (13, True), (14, False)])
def test_the_office_from_seven_days_past_the_deadline(day, sent):
    application = returned()

    due = {key for key in due_at(day) if key.startswith("return_escalated")}

    assert due == (keys("return_escalated", application, office()) if sent else set())
    assert len(office()) == 1


def test_a_resubmitted_application_is_not_reminded():
    application = returned()
    services.submit(application.created_by, application, states.DECLARATIONS)

    assert due_at(-1) == set()
    assert due_at(1) == set()
    assert due_at(7) == set()


def test_each_reminder_once_and_mails_in_german(mailoutbox):
    application = returned(title="Küche & Service 'Nord' <2>")
    people = applicants(application)

    sent = reminders.send_reminders(now=at(-2))

    assert set(sent) == keys("return_due_soon", application, people)
    assert reminders.send_reminders(now=at(-2, hour=11)) == []
    assert reminders.send_reminders(now=at(0)) == []
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        get_user_model().objects.filter(id__in=people).values_list("email", flat=True)
    )
    mail = mailoutbox[0]
    with translation.override("de"):  # German by default (the catalogue: the lead's step)
        subject = gettext("Revision due on %(deadline)s: application %(reference)s")
    assert mail.subject == subject % {"deadline": "14.05.2026", "reference": application.reference}
    assert "Küche & Service 'Nord' <2>" in mail.body
    assert "&amp;" not in mail.body and "&#x27;" not in mail.body
    assert f"{settings.SITE_URL}/applications/{application.id}/" in mail.body
    assert "14.05.2026" in mail.body
    assert Reminder.objects.filter(rule="return_due_soon").count() == 2


def test_overdue_and_escalation_once_each(mailoutbox):
    application = returned()
    people = applicants(application)
    reminders.send_reminders(now=at(-1))

    assert set(reminders.send_reminders(now=at(1))) == keys("return_overdue", application, people)
    assert reminders.send_reminders(now=at(2)) == []
    assert set(reminders.send_reminders(now=at(7))) == keys(
        "return_escalated", application, office()
    )
    assert reminders.send_reminders(now=at(8)) == []
    assert len(mailoutbox) == 2 + 2 + 1
    escalation = mailoutbox[-1]
    assert escalation.to == [get_user_model().objects.get(id=office()[0]).email]
    assert f"{settings.SITE_URL}/applications/{application.id}/" in escalation.body


def test_after_downtime_only_the_latest_occurrence_is_sent(mailoutbox):
    application = returned()

    sent = set(reminders.send_reminders(now=at(9)))

    # No sweep since before the due-soon window: no due-soon and no overdue backlog.
    assert sent == keys("return_escalated", application, office())
    assert len(mailoutbox) == 1


def test_after_downtime_the_overdue_reminder_replaces_the_due_soon_one(mailoutbox):
    application = returned()

    sent = set(reminders.send_reminders(now=at(3)))

    assert sent == keys("return_overdue", application, applicants(application))


def test_a_second_return_is_a_new_occurrence():
    application = returned()
    coordinator = factories.coordinator()
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    services.return_for_revision(coordinator, application, "Noch einmal.", deadline)
    Application.objects.filter(pk=application.pk).update(return_deadline=DEADLINE)

    due = due_at(-1)

    people = applicants(application)
    assert due == {f"return_due_soon:{application.id}:{user}:2" for user in people}


def test_command_dry_run_lists_the_reminders():
    application = returned()
    out = io.StringIO()

    call_command("send_reminders", "--dry-run", "--now", at(1).isoformat(), stdout=out)

    users = get_user_model().objects.filter(id__in=applicants(application)).order_by("id")
    assert out.getvalue().splitlines() == [
        *(
            f"return_overdue\t{user.email}\t{application.reference}"
            f"\treturn_overdue:{application.id}:{user.id}:1"
            for user in sorted(users, key=lambda u: f"return_overdue:{application.id}:{u.id}:1")
        ),
        "Would send 2 reminder(s).",
    ]
    assert Reminder.objects.count() == 0


@pytest.mark.parametrize("size", [2, 12])
def test_constant_number_of_queries(django_assert_num_queries, size):
    rule = reminders.registry.reminder_rules()
    rule = next(r for r in rule if r.name == "applications.return_due")
    applications = [returned() for _ in range(size)]

    table = offsets.table()
    with django_assert_num_queries(2):  # applications, members
        due = rule.due(at(-1), table)
    with django_assert_num_queries(2):  # applications, coordinators (no applicant is due)
        escalated = rule.due(at(8), table)
    with django_assert_num_queries(1):  # applications: none is due
        assert rule.due(at(20), table) == {}

    assert len(due) == 2 * size
    assert len(escalated) == len(office()) * size  # the applicants: past their window
    assert {item.reference for item in due.values()} == {a.reference for a in applications}


# ----- the programme's offsets and the recipient's language ---------------------------------


@pytest.mark.parametrize(
    ("day", "sent"), [(7, False), (9, False), (10, True), (16, True), (17, False)]
)
def test_a_programme_telling_the_office_after_ten_days(day, sent):
    application = returned()
    set_offsets(application.programme, return_escalate=10)

    due = {key for key in due_at(day) if key.startswith("return_escalated")}

    assert due == (keys("return_escalated", application, office()) if sent else set())


def test_with_the_office_later_the_overdue_reminder_is_due_for_late_days():
    application = returned()
    set_offsets(application.programme, return_escalate=10)
    people = applicants(application)

    assert due_at(7) == keys("return_overdue", application, people)
    assert due_at(8) == set()
    assert due_at(10) == keys("return_escalated", application, office())


def test_a_programme_reminding_five_days_before_the_deadline():
    application = returned()
    set_offsets(application.programme, return_due_soon=5)
    other = returned()  # the default: three days

    assert due_at(-6) == set()
    assert due_at(-5) == keys("return_due_soon", application, applicants(application))
    assert due_at(-3) == keys("return_due_soon", application, applicants(application)) | keys(
        "return_due_soon", other, applicants(other)
    )


def test_an_overdue_reminder_after_the_office_keeps_its_own_days():
    application = returned()
    set_offsets(application.programme, return_overdue=10, return_escalate=7)
    people = applicants(application)

    office_keys = keys("return_escalated", application, office())
    assert due_at(9) == office_keys
    assert due_at(10) == keys("return_overdue", application, people) | office_keys
    assert due_at(14) == keys("return_overdue", application, people)
    assert due_at(16) == keys("return_overdue", application, people)
    assert due_at(17) == set()


def test_each_applicant_reads_the_reminder_in_their_language(mailoutbox):
    application = returned()
    creator = speaks(application.created_by, "en")

    reminders.send_reminders(now=at(-2))

    by_user = {mail.to[0]: mail for mail in mailoutbox}
    english = by_user.pop(creator.email)
    assert english.subject == f"Revision due on 14/05/2026: application {application.reference}"
    (other,) = by_user.values()
    assert other.subject == (f"Überarbeitung fällig am 14.05.2026: Antrag {application.reference}")
