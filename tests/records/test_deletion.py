"""Confirming a deletion: files and free text go, the tombstone and the log stay."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django_fsm_log.models import StateLog

from applications import thread
from applications.models import Application, ApplicationVersion, Document, Message
from decisions.models import Decision, DecisionLetter
from notifications.models import Notification, OutboxMail
from records import services
from records.models import RetentionCandidate
from reviews.models import ConflictDeclaration, Post, Review, Score
from tests import factories

from . import worlds
from .worlds import at

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2030, 6, 1)
NOW = at(2030, 6, 1, 12)


@pytest.fixture
def approved():
    """Approved in 2019 (due 2029), its letter produced in 2019 (due 2025), documents stored."""
    application = worlds.approved(at(2019, 5, 2), programme=worlds.programme())
    ConflictDeclaration.objects.filter(application=application).update(note="Kein Konflikt.")
    return application


def confirm(django_capture_on_commit_callbacks, user, ids=None):
    with django_capture_on_commit_callbacks(execute=True):
        return services.confirm_deletion(user, ids, now=NOW)


def test_confirming_deletes_documents_letters_and_free_text_and_keeps_the_tombstone(
    approved, django_capture_on_commit_callbacks
):
    document_names = list(
        Document.objects.filter(application=approved).values_list("file", flat=True)
    )
    letter_name = approved.letters.get().file.name
    assert all(default_storage.exists(name) for name in [*document_names, letter_name])
    log_before = list(
        StateLog.objects.for_(approved)
        .order_by("id")
        .values_list("transition", "by_id", "timestamp")
    )
    mails = OutboxMail.objects.filter(application_id=approved.pk).order_by("id")
    kinds = list(mails.values_list("kind", "recipients"))
    assert kinds and all(subject for subject in mails.values_list("subject", flat=True))
    services.mark_candidates(TODAY)
    assert RetentionCandidate.objects.filter(status="pending").count() == 2

    done = confirm(django_capture_on_commit_callbacks, factories.coordinator())

    assert done == {"applications": 1, "letters": 1}
    # Files and rows gone.
    assert not any(default_storage.exists(name) for name in [*document_names, letter_name])
    assert not Document.objects.filter(application=approved).exists()
    assert not DecisionLetter.objects.filter(application=approved).exists()
    # Free text cleared, the tombstone kept.
    app = Application.objects.get(pk=approved.pk)
    assert app.erased_at == NOW
    for name in services.APPLICATION_FREE_TEXT:
        assert getattr(app, name) == "", name
    # The cooperation partner is a company, not personal data: the funders' report names it.
    assert "cooperation_partner" not in services.APPLICATION_FREE_TEXT
    assert app.cooperation_partner == "Stadtwerke Musterstadt GmbH"
    assert (app.reference, app.organization_id, app.state, app.instrument) == (
        approved.reference,
        approved.organization_id,
        "approved",
        "loan",
    )
    assert (app.requested_amount, app.eligible_costs, app.jobs_new, app.jobs_secured) == (
        Decimal("60000.00"),
        Decimal("100000.00"),
        2,
        2,
    )
    assert (app.submitted_at, app.created_at) == (approved.submitted_at, approved.created_at)
    assert list(
        ApplicationVersion.objects.filter(application=app).values_list("snapshot", flat=True)
    ) == [{}]
    # Reviews keep their scores, lose their comments; decisions keep outcome and amount.
    reviews = Review.objects.filter(assignment__application=app)
    assert sorted(reviews.values_list("comment", "total_score")) == [("", Decimal("4.00"))] * 2
    points = Score.objects.filter(review__in=reviews).values_list("value", flat=True)
    assert set(points) == {3, 4, 5}
    assert set(
        ConflictDeclaration.objects.filter(application=app).values_list("note", flat=True)
    ) == {""}
    decision = Decision.objects.get(application=app)
    assert (decision.outcome, decision.amount, decision.conditions, decision.reasons) == (
        "approve",
        Decimal("60000.00"),
        "",
        "",
    )
    # The transition log: every row kept, descriptions emptied.
    log = StateLog.objects.for_(app).order_by("id")
    assert list(log.values_list("transition", "by_id", "timestamp")) == log_before
    assert set(log.values_list("description", flat=True)) == {""}
    # The mails about it: who was mailed what kind of mail when, not what it said.
    assert list(mails.values_list("kind", "recipients")) == kinds
    assert set(mails.values_list("subject", "body")) == {("", "")}
    # The candidates record who confirmed when.
    assert list(
        RetentionCandidate.objects.order_by().values_list("status", "confirmed_at").distinct()
    ) == [("done", NOW)]


def test_running_again_finds_and_deletes_nothing(approved, django_capture_on_commit_callbacks):
    coordinator = factories.coordinator()
    services.mark_candidates(TODAY)
    confirm(django_capture_on_commit_callbacks, coordinator)
    assert services.mark_candidates(TODAY) == ([], 0)
    assert confirm(django_capture_on_commit_callbacks, coordinator) == {
        "applications": 0,
        "letters": 0,
    }
    assert RetentionCandidate.objects.filter(status="pending").count() == 0
    assert RetentionCandidate.objects.filter(status="done").count() == 2


def test_a_letter_not_yet_due_stays_when_the_application_is_erased(
    django_capture_on_commit_callbacks,
):
    # Rejected in 2026 (3 years: due 2029), letter produced then (6 years: due 2032).
    application = worlds.closed_on(
        worlds.rejected(at(2026, 5, 2), programme=worlds.programme()), at(2026, 5, 2)
    )
    letter = worlds.produced_on(application.letters.get(), at(2026, 5, 3))
    services.mark_candidates(TODAY)
    confirm(django_capture_on_commit_callbacks, factories.coordinator())
    application.refresh_from_db()
    assert application.erased_at == NOW
    assert DecisionLetter.objects.filter(pk=letter.pk).exists()
    assert default_storage.exists(letter.file.name)


def test_only_the_selected_candidates_are_deleted(django_capture_on_commit_callbacks):
    programme = worlds.programme()
    first = worlds.rejected(at(2020, 1, 1), programme=programme)
    second = worlds.rejected(at(2020, 1, 1), programme=programme)
    services.mark_candidates(TODAY)
    chosen = RetentionCandidate.objects.get(application=first)
    confirm(django_capture_on_commit_callbacks, factories.coordinator(), [chosen.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.erased_at == NOW
    assert second.erased_at is None
    assert second.purpose != ""


def test_a_candidate_no_longer_due_is_dropped_not_deleted(django_capture_on_commit_callbacks):
    programme = worlds.programme()
    application = worlds.rejected(at(2026, 1, 1), programme=programme)
    services.mark_candidates(TODAY)
    programme.retention_years_unsuccessful = 10
    programme.save()
    assert confirm(django_capture_on_commit_callbacks, factories.coordinator()) == {
        "applications": 0,
        "letters": 0,
    }
    application.refresh_from_db()
    assert application.erased_at is None
    assert RetentionCandidate.objects.count() == 0


@pytest.mark.parametrize("role", ["reviewer", "board_member", "applicant"])
def test_only_the_coordination_office_confirms(role, approved):
    services.mark_candidates(TODAY)
    with pytest.raises(PermissionDenied):
        services.confirm_deletion(getattr(factories, role)())
    assert RetentionCandidate.objects.filter(status="pending").count() == 2


def test_a_coordinator_never_deletes_their_own_organisations_records(
    approved, django_capture_on_commit_callbacks
):
    coordinator = factories.coordinator()
    factories.MembershipFactory(user=coordinator, organization=approved.organization)
    services.mark_candidates(TODAY)
    ids = list(RetentionCandidate.objects.values_list("pk", flat=True))
    with pytest.raises(PermissionDenied):
        services.confirm_deletion(coordinator, ids, now=NOW)
    # "All" means all that this coordinator may confirm: none here.
    assert confirm(django_capture_on_commit_callbacks, coordinator) == {
        "applications": 0,
        "letters": 0,
    }
    approved.refresh_from_db()
    assert approved.erased_at is None


def test_erasing_deletes_the_thread_and_empties_discussion_and_inbox(
    approved, django_capture_on_commit_callbacks
):
    coordinator = factories.coordinator()
    thread.post_message(coordinator, approved, "Bitte senden Sie uns die Bilanz.")
    Post.objects.create(application=approved, author=factories.reviewer(), round=1, body="Gut.")
    Notification.objects.create(
        user=coordinator, kind="submitted", subject="Betreff", body="Text",
        application_id=approved.pk,
    )  # fmt: skip
    assert Message.objects.filter(application=approved).count() == 1
    services.mark_candidates(TODAY)

    confirm(django_capture_on_commit_callbacks, factories.coordinator())

    assert Message.objects.filter(application=approved).count() == 0
    assert list(Post.objects.filter(application=approved).values_list("body", flat=True)) == [""]
    entries = Notification.objects.filter(application_id=approved.pk)
    assert set(entries.values_list("subject", "body")) == {("", "")}
