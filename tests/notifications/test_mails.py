"""Progress mails: written to the outbox at the transition, from what the transition wrote."""

import datetime

import pytest
from django.core import mail

from applications import services
from decisions import services as decision_services
from notifications import registry
from notifications.mails import compose
from notifications.models import OutboxMail
from reviews import services as review_services
from tests import factories, states

pytestmark = pytest.mark.django_db

Status = OutboxMail.Status


def test_submission_mails_the_coordination_office(django_capture_on_commit_callbacks):
    coordinators = [factories.coordinator(), factories.coordinator()]
    application = states.draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(application.created_by, application, states.DECLARATIONS)
    application.refresh_from_db()
    # The office's notice and the company's receipt (tests/notifications/test_step_mails.py).
    assert len(mail.outbox) == 2
    (message,) = [m for m in mail.outbox if m.to == sorted(c.email for c in coordinators)]
    assert message.subject == f"Antrag {application.reference} wurde eingereicht"
    assert f"/applications/{application.pk}/" in message.body
    assert message.alternatives[0][1] == "text/html"
    row = OutboxMail.objects.get(kind="submitted")
    assert (row.kind, row.status, row.reference, row.application_id) == (
        "submitted",
        Status.SENT,
        application.reference,
        application.pk,
    )
    assert row.recipients == message.to
    assert (row.subject, row.body, row.language) == (message.subject, message.body, "de")
    assert row.attempts == 1
    assert row.sent_at is not None


def test_the_row_is_written_in_the_transition_and_sent_only_after_commit(
    django_capture_on_commit_callbacks,
):
    factories.coordinator()
    application = states.draft()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit(application.created_by, application, states.DECLARATIONS)
        assert OutboxMail.objects.get(kind="submitted").status == Status.PENDING
    # Per outbox row (notice, receipt) its sending, per mail its inbox counts.
    assert len(callbacks) == 4
    assert mail.outbox == []


def test_return_mails_the_company_in_its_language(django_capture_on_commit_callbacks):
    application = states.submitted()
    application.organization.language = "en"
    application.organization.save()
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_for_revision(
            factories.coordinator(), application, "Register extract missing", deadline
        )
    (message,) = mail.outbox
    assert application.organization.contact_email in message.to
    assert application.created_by.email in message.to
    assert message.subject == f"Application {application.reference}: please revise"
    assert "Register extract missing" in message.body
    assert deadline.strftime("%d/%m/%Y") in message.body  # the English short date
    assert OutboxMail.objects.get(kind="returned").language == "en"


def test_a_return_mail_sent_late_says_what_was_true_at_the_return(
    django_capture_on_commit_callbacks,
):
    """A backlog: the company resubmitted (reason and deadline cleared) before the return mail
    went out. The mail still gives the reason and the deadline of the return."""
    application = states.submitted()
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=False) as return_callbacks:
        services.return_for_revision(
            factories.coordinator(), application, "Handelsregisterauszug fehlt", deadline
        )
    application.refresh_from_db()
    services.submit(application.created_by, application, states.DECLARATIONS)
    application.refresh_from_db()
    assert (application.return_reason, application.return_deadline) == ("", None)
    for callback in return_callbacks:
        callback()
    (message,) = mail.outbox
    assert message.subject == f"Antrag {application.reference}: Bitte um Überarbeitung"
    assert "Handelsregisterauszug fehlt" in message.body
    assert deadline.strftime("%d.%m.%Y") in message.body


def test_withdrawing_a_draft_never_handed_in_mails_nobody(django_capture_on_commit_callbacks):
    factories.coordinator()
    application = factories.ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.withdraw(application.created_by, application, "Doch nicht.")
    application.refresh_from_db()
    assert application.state == "withdrawn"
    assert callbacks == []
    assert OutboxMail.objects.count() == 0
    assert mail.outbox == []


def test_withdrawing_a_submitted_application_names_its_reference(
    django_capture_on_commit_callbacks,
):
    application = states.submitted()
    coordinator = factories.coordinator()
    OutboxMail.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(application.created_by, application, "Projekt verschoben.")
    (message,) = mail.outbox
    assert message.to == [coordinator.email]
    assert message.subject == f"Antrag {application.reference} wurde zurückgezogen"
    assert "None" not in message.subject + message.body
    assert application.organization.name in message.body


def test_a_refused_change_writes_no_mail(django_capture_on_commit_callbacks):
    factories.coordinator()
    application = factories.ApplicationFactory()  # no documents: the submission is refused
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.RuleViolation),
    ):
        services.submit(application.created_by, application, states.DECLARATIONS)
    assert callbacks == []
    assert OutboxMail.objects.count() == 0
    assert mail.outbox == []


def test_declining_tells_the_office_it_was_declined(django_capture_on_commit_callbacks):
    application, coordinator, reviewers = states.with_reviewers(count=1)
    assignment = application.assignments.get()
    with django_capture_on_commit_callbacks(execute=True):
        review_services.decline_assignment(reviewers[0], assignment)
    (message,) = mail.outbox
    assert message.to == [coordinator.email]
    assert message.subject == f"Begutachtung abgelehnt: Antrag {application.reference}"
    assert reviewers[0].get_full_name() in message.body
    assert f"/reviews/applications/{application.pk}/" in message.body


def test_every_kind_names_the_application_as_of_the_change():
    """Each registered kind, rendered at its transition: the reference, never "None"."""
    coordinator = factories.coordinator()
    early = factories.board_member()  # on the board when the round closes
    application, _coordinator, reviewers = states.with_reviewers(count=2)
    review_services.decline_assignment(
        reviewers[0], application.assignments.get(reviewer=reviewers[0])
    )
    assignment = application.assignments.get(reviewer=reviewers[1])
    review_services.declare_conflict(reviewers[1], assignment, has_conflict=True, note="Beraten.")
    waiting = states.awaiting_decision()
    board = states.deciding_board(waiting)
    decision_services.declare_board_conflict(factories.board_member(), waiting, "competitor")
    decision_services.propose_decision(board[0], waiting, "reject", reasons="Nicht tragfähig.")
    deadline = datetime.date.today() + datetime.timedelta(days=10)
    services.return_for_revision(coordinator, states.submitted(), "Fehlt.", deadline)
    services.withdraw(application.created_by, application, "")
    rows = OutboxMail.objects.all()
    # Every kind but the thread's message (tests/applications/test_thread.py).
    kinds = [kind for kind in registry.mail_kinds() if kind != "message_posted"]
    assert sorted(set(rows.values_list("kind", flat=True))) == kinds
    for row in rows:
        assert row.reference and row.reference in row.subject, row.kind
        assert "None" not in row.subject + row.body, row.kind
        assert row.application_id is not None
        assert row.status == Status.PENDING
    proposed = rows.get(kind="decision_proposed")
    assert proposed.recipients == sorted([board[1].email, early.email])
    assert "Ablehnung" in proposed.body


def test_a_kind_without_recipients_writes_no_row():
    application = states.draft()  # no coordinator exists
    services.submit(application.created_by, application, states.DECLARATIONS)
    assert list(OutboxMail.objects.values_list("kind", flat=True)) == ["submitted_receipt"]


def test_compose_uses_the_readers_language_and_the_snapshot():
    application = states.returned()
    application.organization.language = "en"
    [composed] = compose("returned", application)
    assert composed.language == "en"
    assert composed.subject == f"Application {application.reference}: please revise"
    assert "Bitte ergänzen." in composed.body
    assert composed.reference == application.reference
    assert composed.application_id == application.pk


def test_every_app_registers_its_mail_kinds():
    assert registry.mail_kinds() == [
        "assigned",
        "board_recused",
        "decision_proposed",
        "declined",
        "message_posted",
        "recused",
        "returned",
        "review_started",
        "round_complete",
        "submitted",
        "submitted_receipt",
        "withdrawn",
    ]


def test_an_unknown_mail_kind_is_refused():
    with pytest.raises(LookupError):
        registry.mail_kind("no_such_kind")


def test_text_mails_carry_names_as_typed_not_html_escaped():
    """Names with &, ' and < reach the text mail as they are (no &amp;, &#x27;, &lt;)."""
    factories.coordinator()
    organization = factories.OrganizationFactory(name="Küche & Service <Nord> gGmbH")
    application = states.submitted(organization=organization, title="'Umbau' & <Werkstatt>")
    deadline = datetime.date.today() + datetime.timedelta(days=10)
    services.return_for_revision(factories.coordinator(), application, "A & B <fehlen>.", deadline)
    rows = list(OutboxMail.objects.order_by("id"))
    assert [row.kind for row in rows] == ["submitted", "submitted_receipt", "returned"]
    for row in rows:
        text = row.subject + row.body
        for escaped in ("&amp;", "&#x27;", "&lt;", "&gt;", "&quot;"):
            assert escaped not in text, (row.kind, escaped)
    assert "Küche & Service <Nord> gGmbH" in rows[0].body
    assert "'Umbau' & <Werkstatt>" in rows[0].body
    assert "A & B <fehlen>." in rows[2].body
