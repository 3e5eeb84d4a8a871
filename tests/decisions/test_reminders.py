"""The board's reminder rules: ``decisions.decision_due`` and ``decisions.proposal_unconfirmed``."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from applications.models import Application
from decisions import services as decision_services
from decisions.models import Decision
from notifications import offsets, registry, reminders
from notifications.models import Reminder
from tests import factories, states
from tests.notifications.reminder_factories import set_offsets, speaks

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
SINCE = datetime.date(2026, 5, 4)  # awaiting the decision (or proposed) since


def at(day, hour=10):
    """A moment in Berlin, ``day`` days after ``SINCE``."""
    moment = datetime.datetime.combine(SINCE, datetime.time(hour), tzinfo=BERLIN)
    return moment + datetime.timedelta(days=day)


def since():
    """Just after midnight of ``SINCE`` in Berlin (the day before in UTC): days are Berlin's."""
    return datetime.datetime.combine(SINCE, datetime.time(0, 30), tzinfo=BERLIN)


def awaiting(title=None):
    """An application awaiting the decision since ``SINCE``, and its board.

    Returns ``(application, free, kept_out)``: the board members without a conflict (one who
    declared none, one who has not declared yet, one whose conflict was for no round of
    theirs) and those kept out (member of the company, its reviewer, a declared conflict, a
    declaration corrected to a conflict); plus an inactive member and one without an email.
    """
    kwargs = {"title": title} if title else {}
    application = states.awaiting_decision(**kwargs)
    Application.objects.filter(pk=application.pk).update(awaiting_since=since())
    application.refresh_from_db()
    declared_none = factories.board_member()
    states.board_declares(declared_none, application)
    undeclared = factories.board_member()
    company = factories.board_member()
    factories.MembershipFactory(user=company, organization=application.organization)
    reviewer = application.assignments.first().reviewer
    reviewer.groups.add(Group.objects.get(name="board"))
    conflict = factories.board_member()
    states.board_declares(conflict, application, kind="business")
    corrected = factories.board_member()
    states.board_declares(corrected, application)
    states.board_declares(corrected, application, kind="personal")
    factories.board_member(is_active=False)
    factories.board_member(email="")
    free = sorted([declared_none.id, undeclared.id])
    return application, free, [company.id, reviewer.id, conflict.id, corrected.id]


def office():
    return sorted(Group.objects.get(name="coordinators").user_set.values_list("id", flat=True))


def due_at(day, hour=10):
    return set(reminders.send_reminders(now=at(day, hour), dry_run=True))


def decision_keys(application, users, stage):
    round_ = application.submission_count
    return {f"decision_due:{application.id}:{user}:{round_}-{stage}" for user in users}


def escalated_keys(application):
    round_ = application.submission_count
    return {f"decision_escalated:{application.id}:{user}:{round_}" for user in office()}


def rule(name):
    return next(rule for rule in registry.reminder_rules() if rule.name == name)


# ----- awaiting the decision --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "stage", "office_too"),
    [
        (20, None, False),
        (21, 21, False),
        (34, 21, False),
        (35, 35, True),
        (41, 35, True),
        (42, None, False),
    ],
)
def test_decision_due_keys_on_each_day(day, stage, office_too):
    application, free, _kept_out = awaiting()

    expected = decision_keys(application, free, stage) if stage else set()
    if office_too:
        expected |= escalated_keys(application)
    assert due_at(day) == expected
    assert len(office()) == 1


def test_board_members_with_a_conflict_are_not_reminded(mailoutbox):
    application, free, kept_out = awaiting()

    reminders.send_reminders(now=at(21))

    assert sorted(Reminder.objects.values_list("recipient_id", flat=True)) == free
    assert not Reminder.objects.filter(recipient_id__in=kept_out).exists()
    assert len(mailoutbox) == 2


def test_each_stage_once_and_mails_in_german_with_the_board_link(mailoutbox):
    application, free, _kept_out = awaiting(title="Küche & Service 'Nord' <2>")

    assert set(reminders.send_reminders(now=at(21))) == decision_keys(application, free, 21)
    assert reminders.send_reminders(now=at(21, hour=11)) == []
    assert reminders.send_reminders(now=at(30)) == []
    assert set(reminders.send_reminders(now=at(35))) == decision_keys(
        application, free, 35
    ) | escalated_keys(application)
    assert reminders.send_reminders(now=at(36)) == []
    assert len(mailoutbox) == 2 + 2 + 1
    board_mail = mailoutbox[0]
    assert f"{settings.SITE_URL}/board/applications/{application.id}/" in board_mail.body
    assert "Küche & Service 'Nord' <2>" in board_mail.body
    assert "&amp;" not in board_mail.body and "&#x27;" not in board_mail.body
    assert "04.05.2026" in board_mail.body
    office_mail = next(
        mail for mail in mailoutbox if "/applications/" in mail.body and "/board/" not in mail.body
    )
    assert f"{settings.SITE_URL}/applications/{application.id}/" in office_mail.body


def test_after_downtime_only_the_latest_occurrence_is_sent(mailoutbox):
    application, free, _kept_out = awaiting()

    sent = set(reminders.send_reminders(now=at(37)))

    assert sent == decision_keys(application, free, 35) | escalated_keys(application)
    assert len(mailoutbox) == 3


def test_decided_applications_are_not_reminded():
    application, _free, _kept_out = awaiting()
    first = factories.board_member()
    second = factories.board_member()
    states.board_declares(first, application)
    states.board_declares(second, application)
    decision = decision_services.propose_decision(
        first, application, "reject", reasons="Die Finanzierung ist nicht gesichert."
    )
    decision_services.confirm_decision(second, decision)

    assert due_at(21) == set()
    assert due_at(35) == set()


@pytest.mark.parametrize("size", [2, 10])
def test_decision_due_runs_three_queries(django_assert_num_queries, size):
    for _ in range(size):
        awaiting()

    table = offsets.table()
    with django_assert_num_queries(3):  # applications, board and office, conflicts
        due = rule("decisions.decision_due").due(at(35), table)

    board = [key for key in due if key.startswith("decision_due:")]
    # Six reachable board members per application; four of its own are kept out of each.
    assert len(board) == size * (6 * size - 4)
    assert len(due) - len(board) == len(office()) * size


# ----- a proposal unconfirmed -------------------------------------------------------------------


def proposed():
    """An application with an open proposal made on ``SINCE`` by a free board member."""
    application, free, kept_out = awaiting()
    proposer = factories.board_member()
    states.board_declares(proposer, application)
    decision = decision_services.propose_decision(
        proposer, application, "reject", reasons="Die Finanzierung ist nicht gesichert."
    )
    Decision.objects.filter(pk=decision.pk).update(proposed_at=since())
    # The application awaits the decision since today (the 21-day rule stays quiet).
    Application.objects.filter(pk=application.pk).update(awaiting_since=at(3))
    decision.refresh_from_db()
    return decision, free, kept_out


def proposal_keys(decision, users):
    return {f"proposal_unconfirmed:{decision.id}:{user}:{SINCE.isoformat()}" for user in users}


@pytest.mark.parametrize(("day", "sent"), [(2, False), (3, True), (9, True), (10, False)])
def test_proposal_unconfirmed_keys_on_each_day(day, sent):
    decision, free, _kept_out = proposed()

    assert due_at(day) == (proposal_keys(decision, free) if sent else set())


def test_proposal_reminder_goes_once_to_the_other_free_members(mailoutbox):
    decision, free, _kept_out = proposed()

    assert set(reminders.send_reminders(now=at(4))) == proposal_keys(decision, free)
    assert reminders.send_reminders(now=at(5)) == []
    assert decision.proposed_by_id not in {
        reminder.recipient_id for reminder in Reminder.objects.all()
    }
    assert len(mailoutbox) == 2
    mail = mailoutbox[0]
    assert f"{settings.SITE_URL}/board/applications/{decision.application_id}/" in mail.body
    assert "04.05.2026" in mail.body


def test_a_confirmed_proposal_is_not_reminded():
    decision, free, _kept_out = proposed()
    confirmer = factories.board_member()
    states.board_declares(confirmer, decision.application)
    decision_services.confirm_decision(confirmer, decision)

    assert due_at(4) == set()


@pytest.mark.parametrize("size", [2, 10])
def test_proposal_unconfirmed_runs_three_queries(django_assert_num_queries, size):
    for _ in range(size):
        proposed()

    table = offsets.table()
    with django_assert_num_queries(3):  # proposals, board and office, conflicts
        due = rule("decisions.proposal_unconfirmed").due(at(4), table)

    # Seven reachable board members per proposal; four kept out of each, and its proposer.
    assert len(due) == size * (7 * size - 5)


def test_command_dry_run_lists_the_board_reminders():
    application, free, _kept_out = awaiting()
    out = io.StringIO()

    call_command("send_reminders", "--dry-run", "--now", at(21).isoformat(), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[-1] == "Would send 2 reminder(s)."
    assert sorted(line.split("\t")[3] for line in lines[:-1]) == sorted(
        decision_keys(application, free, 21)
    )
    assert {line.split("\t")[0] for line in lines[:-1]} == {"decision_due"}
    assert Reminder.objects.count() == 0


# ----- the programme's offsets and the recipient's language ---------------------------------


@pytest.mark.parametrize(
    ("day", "stage", "office_too"),
    [(13, None, False), (14, 14, False), (34, 14, False), (35, 35, True), (42, None, False)],
)
def test_a_programme_reminding_the_board_after_fourteen_days(day, stage, office_too):
    application, free, _kept_out = awaiting()
    set_offsets(application.programme, decision_due=14)

    expected = decision_keys(application, free, stage) if stage else set()
    if office_too:
        expected |= escalated_keys(application)
    assert due_at(day) == expected


@pytest.mark.parametrize(
    ("day", "stage", "office_too"),
    [(20, None, False), (21, 21, False), (27, 21, False), (28, 28, True), (35, None, False)],
)
def test_a_programme_telling_the_office_after_four_weeks(day, stage, office_too):
    application, free, _kept_out = awaiting()
    set_offsets(application.programme, decision_escalate=28)

    expected = decision_keys(application, free, stage) if stage else set()
    if office_too:
        expected |= escalated_keys(application)
    assert due_at(day) == expected


def test_a_first_stage_not_before_the_second_leaves_the_second_only():
    application, free, _kept_out = awaiting()
    set_offsets(application.programme, decision_due=40, decision_escalate=30)

    assert due_at(29) == set()
    assert due_at(30) == decision_keys(application, free, 30) | escalated_keys(application)
    assert due_at(37) == set()


@pytest.mark.parametrize(("day", "sent"), [(4, False), (5, True), (11, True), (12, False)])
def test_a_programme_reminding_of_a_proposal_after_five_days(day, sent):
    decision, free, _kept_out = proposed()
    set_offsets(decision.application.programme, proposal_unconfirmed=5)

    assert due_at(day) == (proposal_keys(decision, free) if sent else set())


def test_each_board_member_reads_the_reminder_in_their_language(mailoutbox):
    application, free, _kept_out = awaiting()
    english = speaks(get_user_model().objects.get(pk=free[0]), "en")
    german = speaks(get_user_model().objects.get(pk=free[1]), "de")

    reminders.send_reminders(now=at(21))

    by_user = {mail.to[0]: mail for mail in mailoutbox}
    assert by_user[english.email].subject == (
        f"Decision pending: application {application.reference}"
    )
    assert "since 04/05/2026 (21 days)" in by_user[english.email].body
    assert by_user[german.email].subject == (
        f"Entscheidung ausstehend: Antrag {application.reference}"
    )
    assert "04.05.2026" in by_user[german.email].body
