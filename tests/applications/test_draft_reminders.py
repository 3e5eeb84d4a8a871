"""The reminder rule ``applications.draft_idle``: drafts left untouched, programmes closing.

Drafts are made (and touched) under ``time_machine`` so that ``updated_at`` (``auto_now``) is
the moment the test needs; nothing sets a timestamp directly, except ``erased_at`` (set by the
retention work, which never erases a draft: the rule must still skip one).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Profile
from applications import services
from applications.models import Application
from notifications import offsets, registry, reminders
from notifications.models import Reminder
from tests import factories, states

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
CHANGED = datetime.date(2026, 5, 4)  # the drafts' last change
# Just after midnight in Berlin: still the day before in UTC (days are Berlin's).
CHANGED_AT = datetime.datetime.combine(CHANGED, datetime.time(0, 30), tzinfo=BERLIN)
CLOSES = datetime.date(2026, 6, 30)  # a programme's closing day


def at(day, hour=10, start=CHANGED):
    """A moment in Berlin, ``day`` days after ``start``."""
    moment = datetime.datetime.combine(start, datetime.time(hour), tzinfo=BERLIN)
    return moment + datetime.timedelta(days=day)


def draft(moment=CHANGED_AT, **kwargs):
    """A draft last changed at ``moment``; its organisation has the creator, a second member,
    a member without an email and an inactive member."""
    with time_machine.travel(moment, tick=False):
        application = factories.ApplicationFactory(**kwargs)
    organization = application.organization
    factories.applicant(organization=organization)
    factories.applicant(organization=organization, email="")
    factories.applicant(organization=organization, is_active=False)
    return application


def closing_draft(reminder_days=None, closes_on=CLOSES, **programme):
    """A draft of a programme closing on ``closes_on``, changed 20 days before (never idle in
    the closing tests: the idle offset is 30 days)."""
    programme = factories.ProgrammeFactory(
        closes_on=closes_on, reminder_days=reminder_days or {}, **programme
    )
    moment = datetime.datetime.combine(closes_on, datetime.time(12), tzinfo=BERLIN)
    return draft(moment - datetime.timedelta(days=20), programme=programme)


def applicants(application):
    users = get_user_model().objects.filter(
        memberships__organization=application.organization, is_active=True
    )
    return sorted(users.exclude(email="").values_list("id", flat=True))


def idle_keys(application, changed=CHANGED):
    return {
        f"draft_idle:{application.id}:{user}:{changed.isoformat()}"
        for user in applicants(application)
    }


def closing_keys(application, closes_on=CLOSES):
    return {
        f"draft_closing:{application.id}:{user}:{closes_on.isoformat()}"
        for user in applicants(application)
    }


def due_at(moment):
    return set(reminders.send_reminders(now=moment, dry_run=True))


def rule():
    return next(r for r in registry.reminder_rules() if r.name == "applications.draft_idle")


def test_registered_with_its_offsets():
    registered = {offset.name: offset for offset in registry.reminder_offsets()}

    assert registered["draft_idle"].default == 30
    assert registered["draft_closing"].default == 14
    assert str(registered["draft_closing"].label) == (
        "Entwurf: Antragsteller vor Einreichungsschluss erinnern (Tage vorher)"
    )
    # the settings page lists them first (the workflow's order)
    assert [o.name for o in registry.reminder_offsets()][:2] == ["draft_idle", "draft_closing"]
    assert offsets.table().days(None, "draft_idle") == 30


def test_the_applicants_are_the_creator_and_the_members_with_an_email():
    application = draft()

    people = applicants(application)

    assert application.created_by_id in people
    assert len(people) == 2


# ----- idle ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "due"), [(29, False), (30, True), (36, True), (37, False)])
def test_idle_on_the_thirtieth_day_then_for_a_week_of_downtime(day, due):
    application = draft()

    assert due_at(at(day)) == (idle_keys(application) if due else set())


def test_idle_days_are_berlin_days():
    """Changed at 00:30 in Berlin (22:30 UTC the day before): day 30 starts at midnight."""
    application = draft()

    assert due_at(at(29, hour=19)) == set()
    assert due_at(at(30, hour=7)) == idle_keys(application)


def test_idle_once_and_again_after_touching_the_draft(mailoutbox):
    application = draft()

    assert set(reminders.send_reminders(now=at(30))) == idle_keys(application)
    assert reminders.send_reminders(now=at(30, hour=11)) == []
    assert reminders.send_reminders(now=at(31)) == []
    assert len(mailoutbox) == 2
    touched = CHANGED + datetime.timedelta(days=33)
    with time_machine.travel(at(33), tick=False):
        services.update_application(
            application.created_by, application, {"title": "Neue Kantine"}, application.version
        )
    assert reminders.send_reminders(now=at(33 + 29)) == []
    assert set(reminders.send_reminders(now=at(33 + 30))) == idle_keys(application, touched)
    assert reminders.send_reminders(now=at(33 + 31)) == []
    assert len(mailoutbox) == 4
    assert Reminder.objects.filter(rule="draft_idle").count() == 4


def test_the_programmes_offset_moves_it():
    changed = draft(programme=factories.ProgrammeFactory(reminder_days={"draft_idle": 10}))
    default = draft()

    assert due_at(at(9)) == set()
    assert due_at(at(10)) == idle_keys(changed)
    assert due_at(at(16)) == idle_keys(changed)
    assert due_at(at(17)) == set()
    assert due_at(at(30)) == idle_keys(default)


def test_a_wider_offset_elsewhere_keeps_the_default_in_place():
    """The coarse filter takes the widest offset; each draft is decided by its own programme."""
    draft(programme=factories.ProgrammeFactory(reminder_days={"draft_idle": 60}))
    default = draft()

    assert due_at(at(37)) == set()
    assert due_at(at(30)) == idle_keys(default)


def test_no_idle_reminder_once_the_programme_has_closed():
    draft(programme=factories.ProgrammeFactory(closes_on=CHANGED + datetime.timedelta(days=29)))
    open_until_then = draft(
        programme=factories.ProgrammeFactory(closes_on=CHANGED + datetime.timedelta(days=30))
    )

    # the second programme's closing day itself still accepts submissions (its closing
    # reminder was due from 14 days before, for a week: not any more)
    assert due_at(at(30)) == idle_keys(open_until_then)


def withdrawn():
    application = draft()
    with time_machine.travel(CHANGED_AT, tick=False):
        return services.withdraw(application.created_by, application, "Kein Bedarf mehr.")


def submitted():
    with time_machine.travel(CHANGED_AT, tick=False):
        return states.submitted()


def erased():
    application = draft()
    Application.objects.filter(pk=application.pk).update(erased_at=CHANGED_AT)
    return application


@pytest.mark.parametrize("make", [withdrawn, submitted, erased])
def test_no_reminder_but_for_drafts(make):
    programme = factories.ProgrammeFactory(closes_on=CHANGED + datetime.timedelta(days=40))
    application = make()
    Application.objects.filter(pk=application.pk).update(programme=programme)

    assert Application.objects.get(pk=application.pk).updated_at == CHANGED_AT
    for day in (26, 30, 32):  # closing in 14 days; idle (and closing); closing in 8 days
        assert due_at(at(day)) == set()


# ----- closing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "due"), [(15, False), (14, True), (8, True), (7, False), (0, False)]
)
def test_closing_from_fourteen_days_before_then_for_a_week_of_downtime(days_before, due):
    application = closing_draft()

    assert due_at(at(-days_before, start=CLOSES)) == (closing_keys(application) if due else set())


@pytest.mark.parametrize(
    ("days_before", "due"), [(4, False), (3, True), (1, True), (0, True), (-1, False)]
)
def test_the_programmes_closing_offset_moves_it_up_to_the_closing_day(days_before, due):
    application = closing_draft(reminder_days={"draft_closing": 3})

    assert due_at(at(-days_before, start=CLOSES)) == (closing_keys(application) if due else set())


def test_closing_once(mailoutbox):
    application = closing_draft()

    assert set(reminders.send_reminders(now=at(-14, start=CLOSES))) == closing_keys(application)
    assert reminders.send_reminders(now=at(-13, start=CLOSES)) == []
    assert reminders.send_reminders(now=at(-8, start=CLOSES)) == []
    assert len(mailoutbox) == 2


def test_a_programme_without_closing_day_never_reminds_of_closing():
    application = draft()

    for day in range(0, 400, 3):
        assert {key for key in due_at(at(day)) if not key.startswith("draft_idle")} == set()
    assert due_at(at(30)) == idle_keys(application)


# ----- the mails -----------------------------------------------------------------------------


def test_idle_mail_in_german_by_default(mailoutbox):
    programme = factories.ProgrammeFactory(name="Fonds Nord", closes_on=CLOSES)
    application = draft(programme=programme, title="Küche & Service 'Nord' <2>")
    creator = application.created_by

    reminders.send_reminders(now=at(30))

    (mail,) = [mail for mail in mailoutbox if mail.to == [creator.email]]
    with translation.override("de"):  # the German catalogue is the lead's step
        subject = gettext("Your draft “%(title)s” has not been changed since %(changed)s")
        until = gettext("Applications are accepted until %(closes)s.")
    assert mail.subject == subject % {
        "title": "Küche & Service 'Nord' <2>",
        "changed": "04.05.2026",
    }
    assert "Küche & Service 'Nord' <2>" in mail.body
    assert "&amp;" not in mail.body and "&#x27;" not in mail.body
    assert "Fonds Nord" in mail.body
    assert until % {"closes": "30.06.2026"} in mail.body
    assert f"{settings.SITE_URL}/applications/{application.id}/\n" in mail.body
    assert f"{settings.SITE_URL}/applications/{application.id}/withdraw/" in mail.body
    assert mail.alternatives[0][1] == "text/html"
    assert "Küche &amp; Service" in mail.alternatives[0][0]


def test_english_profile_gets_english_mail(mailoutbox):
    application = closing_draft(name="Fonds Nord")
    creator = application.created_by
    Profile.objects.create(user=creator, language="en")
    other = next(user for user in applicants(application) if user != creator.id)
    Profile.objects.create(user_id=other, language="de")

    due = rule().due(at(-14, start=CLOSES), offsets.table())
    reminders.send_reminders(now=at(-14, start=CLOSES))

    languages = {item.recipient_id: item.language for item in due.values()}
    assert languages == {creator.id: "en", other: "de"}
    (mail,) = [mail for mail in mailoutbox if mail.to == [creator.email]]
    assert mail.subject == f"The programme closes on 30/06/2026: your draft “{application.title}”"
    assert mail.body.splitlines()[2] == (
        f"Your draft application “{application.title}” has not been submitted yet. The "
        "programme Fonds Nord accepts applications until 30/06/2026 (that day included)."
    )
    assert (
        "If you no longer plan to apply, you can withdraw the draft here: "
        f"{settings.SITE_URL}/applications/{application.id}/withdraw/"
    ) in mail.body
    (german,) = [mail for mail in mailoutbox if mail.to != [creator.email]]
    assert "30.06.2026" in german.subject


def test_without_profile_the_language_is_empty():
    application = draft()

    due = rule().due(at(30), offsets.table())

    assert {item.language for item in due.values()} == {""}
    assert len(due) == len(applicants(application))


def test_no_applicant_left_no_reminder():
    """A draft whose people all left or lost their email: nothing to key."""
    application = draft()
    get_user_model().objects.filter(memberships__organization=application.organization).update(
        is_active=False
    )

    assert rule().due(at(30), offsets.table()) == {}


# ----- queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 12])
def test_constant_number_of_queries(django_assert_num_queries, size):
    """Every draft in a programme of its own: the query count grows with neither."""
    drafts = [draft() for _ in range(size // 2)]
    drafts += [closing_draft(closes_on=CLOSES) for _ in range(size - size // 2)]
    table = offsets.table()

    with django_assert_num_queries(1):  # the drafts: none due
        assert rule().due(at(10), table) == {}
    with django_assert_num_queries(2):  # the drafts, their members
        idle = rule().due(at(30), table)
    with django_assert_num_queries(2):
        closing = rule().due(at(-14, start=CLOSES), table)

    assert len(idle) == 2 * (size // 2)
    assert len(closing) == 2 * (size - size // 2)
