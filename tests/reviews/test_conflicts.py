"""Reviewers' conflicts of interest: typed, never edited (a correction supersedes), recusing,
logged, mailed to the office; flags towards the company's later applications."""

import logging

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding.errors import RuleViolation, StateConflict
from notifications.models import OutboxMail
from reviews import selectors, services
from reviews.models import Assignment, ConflictDeclaration
from tests import factories, states

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Kind = ConflictDeclaration.Kind
PURPOSE = factories.ApplicationFactory.purpose
CONFLICTS = [kind for kind in Kind.values if kind != Kind.NONE]


def assignment_of(application, reviewer):
    return Assignment.objects.get(
        application=application, reviewer=reviewer, round=application.submission_count
    )


def row(declaration):
    """Every stored value of a declaration (to show it never changes)."""
    return ConflictDeclaration.objects.filter(pk=declaration.pk).values().get()


# ----- typed declarations -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", CONFLICTS)
def test_each_type_of_conflict_is_recorded_and_recuses(kind):
    application, _coordinator, (first, _second) = states.in_review()
    note = "Beschreibung." if kind == Kind.OTHER else ""
    assignment = services.declare_conflict(first, assignment_of(application, first), kind, note)
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.role, declaration.kind, declaration.has_conflict, declaration.note) == (
        "reviewer",
        kind,
        True,
        note,
    )
    assert (declaration.round, declaration.supersedes) == (1, None)
    assert assignment.status == Assignment.Status.RECUSED


def test_no_conflict_is_recorded_as_such_and_keeps_the_assignment_open():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = services.declare_conflict(first, assignment_of(application, first), Kind.NONE)
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.kind, declaration.has_conflict) == ("none", False)
    assert assignment.status == Assignment.Status.OPEN
    assert rules.has_perm("reviews.read_assigned", first, assignment)


def test_other_needs_a_note_the_named_types_do_not():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = assignment_of(application, first)
    with pytest.raises(RuleViolation) as refused:
        services.declare_conflict(first, assignment, Kind.OTHER, "   ")
    assert refused.value.errors == {"note": ["Please describe the conflict of interest."]}
    with pytest.raises(RuleViolation) as unknown:
        services.declare_conflict(first, assignment, "cousin", "Mein Cousin.")
    assert unknown.value.errors == {"kind": ["Please choose a declaration."]}
    assert not ConflictDeclaration.objects.exists()
    assert assignment_of(application, first).status == Assignment.Status.OPEN
    services.declare_conflict(first, assignment, Kind.COMPETITOR)
    assert ConflictDeclaration.objects.get().note == ""


# ----- recusal: logged and mailed to the office -------------------------------------------------


def test_a_conflict_recuses_is_logged_and_tells_the_office(caplog):
    application, coordinator, (first, _second) = states.in_review()
    other_coordinator = factories.coordinator()
    mails_before = OutboxMail.objects.count()
    with caplog.at_level(logging.INFO, logger="reviews.conflicts"):
        services.declare_conflict(
            first, assignment_of(application, first), Kind.BUSINESS, "Lieferant der Firma."
        )
    declaration = ConflictDeclaration.objects.get()
    assert assignment_of(application, first).status == Assignment.Status.RECUSED
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        f"Conflict declaration {declaration.pk}: user {first.pk} (reviewer) on application "
        f"{application.pk} round 1: business",
        f"Reviewer {first.pk} recused from application {application.pk} round 1 (business)",
    ]
    mail = OutboxMail.objects.get(kind="recused")
    assert OutboxMail.objects.count() == mails_before + 1
    assert set(mail.recipients) == {coordinator.email, other_coordinator.email}
    assert first.email not in mail.recipients
    assert application.reference in mail.subject


# ----- corrections: a new declaration supersedes, nothing is edited -----------------------------


def test_a_correction_supersedes_and_edits_nothing():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = assignment_of(application, first)
    services.declare_conflict(first, assignment, Kind.NONE)
    original = ConflictDeclaration.objects.get()
    before = row(original)

    services.declare_conflict(first, assignment, Kind.PERSONAL, "Meine Schwester ist dort GF.")

    assert row(original) == before  # the first declaration is untouched
    first_row, correction = ConflictDeclaration.objects.order_by("id")
    assert first_row.pk == original.pk
    assert (correction.kind, correction.has_conflict, correction.supersedes_id) == (
        "personal",
        True,
        original.pk,
    )
    assert selectors.declaration(assignment) == correction
    assert assignment_of(application, first).status == Assignment.Status.RECUSED
    assert not rules.has_perm("reviews.read_assigned", first, assignment_of(application, first))
    history = selectors.declaration_history(application, user=first)
    assert [(d.pk, d.is_current, d.corrects) for d in history] == [
        (original.pk, False, None),
        (correction.pk, True, first_row),
    ]


def test_a_correction_to_no_conflict_keeps_the_recusal_until_the_office_assigns_again():
    application, coordinator, (first, _second) = states.in_review()
    services.declare_conflict(first, assignment_of(application, first), Kind.OTHER, "Unklar.")
    with pytest.raises(RuleViolation) as refused:
        services.assign_reviewer(coordinator, application, first)
    assert refused.value.errors == {"reviewer": ["This reviewer declared a conflict."]}

    services.declare_conflict(first, assignment_of(application, first), Kind.NONE, "Geklärt.")
    assignment = assignment_of(application, first)
    assert assignment.status == Assignment.Status.RECUSED
    assert not rules.has_perm("reviews.read_assigned", first, assignment)
    assert not rules.has_perm("reviews.review", first, assignment)

    reopened = services.assign_reviewer(coordinator, application, first)
    assert (reopened.pk, reopened.status) == (assignment.pk, Assignment.Status.OPEN)
    assert rules.has_perm("reviews.read_assigned", first, reopened)
    assert ConflictDeclaration.objects.count() == 2


def test_repeating_the_current_declaration_word_for_word_is_refused():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = assignment_of(application, first)
    services.declare_conflict(first, assignment, Kind.COMPETITOR, "Mitbewerber.")
    with pytest.raises(RuleViolation) as refused:
        services.declare_conflict(first, assignment, Kind.COMPETITOR, " Mitbewerber. ")
    assert refused.value.errors == {"kind": ["This is already your current declaration."]}
    assert ConflictDeclaration.objects.count() == 1


def test_no_declaration_once_the_round_is_over_or_the_review_is_in():
    application, _coordinator, (first, second) = states.in_review()
    states.review(first, application)  # declared no conflict, then reviewed: done
    with pytest.raises(StateConflict):
        services.declare_conflict(first, assignment_of(application, first), Kind.BUSINESS)
    states.review(second, application)
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    with pytest.raises(StateConflict):
        services.declare_conflict(second, assignment_of(application, second), Kind.BUSINESS)
    assert ConflictDeclaration.objects.filter(kind=Kind.BUSINESS).count() == 0


# ----- what a conflicted reviewer sees and may do -----------------------------------------------


def test_a_conflicted_reviewer_sees_reference_title_company_and_every_action_is_refused(client):
    application, coordinator, (first, second) = states.in_review()
    services.declare_conflict(
        first, assignment_of(application, first), Kind.SAME_ORGANIZATION, "Schwesterfirma."
    )
    states.review(second, application, comment="Der Blick der Kollegin.")
    assignment = assignment_of(application, first)
    client.force_login(first)

    page = client.get(reverse("assignment-detail", args=[assignment.pk])).content.decode()
    assert application.reference in page
    assert application.title in page
    assert application.organization.name in page
    assert PURPOSE not in page
    assert "/documents/" not in page
    assert "Der Blick der Kollegin." not in page
    assert second.get_full_name() not in page
    assert reverse("review-form", args=[assignment.pk]) not in page
    assert reverse("assignment-decline", args=[assignment.pk]) not in page
    # The declaration, and a correction of it, are shown.
    assert "same or linked organisation" in page
    assert "Schwesterfirma." in page
    assert reverse("assignment-declare", args=[assignment.pk]) in page

    review = client.post(reverse("review-form", args=[assignment.pk]), states.REVIEW)
    decline = client.post(reverse("assignment-decline", args=[assignment.pk]), {"reason": "Zeit."})
    discussion = client.get(reverse("review-discussion", args=[application.pk]))
    assert (review.status_code, decline.status_code, discussion.status_code) == (403, 403, 403)
    with pytest.raises(PermissionDenied):
        services.submit_review(first, assignment, states.REVIEW)
    with pytest.raises(PermissionDenied):
        services.decline_assignment(first, assignment)
    document = application.documents.first()
    download = client.get(reverse("document-download", args=[application.pk, document.pk]))
    assert download.status_code in (403, 404)
    assert assignment_of(application, first).status == Assignment.Status.RECUSED
    assert not hasattr(assignment_of(application, first), "review")


def test_the_correction_through_the_page_shows_both_declarations(client):
    application, _coordinator, (first, _second) = states.in_review()
    assignment = assignment_of(application, first)
    client.force_login(first)
    url = reverse("assignment-declare", args=[assignment.pk])
    assert client.post(url, {"kind": "none", "note": ""}).status_code == 302
    refused = client.post(url, {"kind": "other", "note": ""})
    assert refused.status_code == 422
    assert "Please describe the conflict of interest." in refused.content.decode()
    response = client.post(url, {"kind": "prior_involvement", "note": "Habe den Plan beraten."})
    assert response.status_code == 302
    assert response.url == reverse("review-list")
    page = client.get(reverse("assignment-detail", args=[assignment.pk])).content.decode()
    assert page.count("corrected by a later declaration") == 1
    assert "no conflict of interest" in page
    assert "prior involvement in the application" in page
    assert "Habe den Plan beraten." in page
    assert PURPOSE not in page


def test_the_round_page_shows_every_declaration_to_the_office(client):
    application, coordinator, (first, second) = states.in_review()
    services.declare_conflict(second, assignment_of(application, second), Kind.NONE)
    services.declare_conflict(second, assignment_of(application, second), Kind.BUSINESS, "Kunde")
    client.force_login(coordinator)
    page = client.get(reverse("review-round", args=[application.pk])).content.decode()
    assert page.count("corrected by a later declaration") == 1
    assert "business relation" in page and "Kunde" in page
    assert second.get_full_name() in page


# ----- flags towards the company's later applications -------------------------------------------


def test_conflict_flags_follow_the_current_declaration_per_organisation(
    django_assert_num_queries,
):
    first_app, _coordinator, (conflicted, corrected) = states.in_review()
    other_company_app, _c, (elsewhere, _x) = states.in_review()
    services.declare_conflict(conflicted, assignment_of(first_app, conflicted), Kind.PERSONAL)
    services.declare_conflict(corrected, assignment_of(first_app, corrected), Kind.OTHER, "x")
    services.declare_conflict(corrected, assignment_of(first_app, corrected), Kind.NONE)
    services.declare_conflict(elsewhere, assignment_of(other_company_app, elsewhere), Kind.NONE)
    nobody = factories.OrganizationFactory()
    ids = [first_app.organization_id, other_company_app.organization_id, nobody.pk]
    with django_assert_num_queries(1):
        flags = selectors.conflict_flags(ids)
    assert flags == {
        first_app.organization_id: {conflicted.pk},
        other_company_app.organization_id: set(),
        nobody.pk: set(),
    }


def test_a_later_application_of_the_company_shows_the_flag_and_can_still_be_assigned(client):
    application, coordinator, (conflicted, _second) = states.in_review()
    services.declare_conflict(
        conflicted, assignment_of(application, conflicted), Kind.BUSINESS, "Lieferant."
    )
    later = states.submitted(organization=application.organization)
    unrelated = factories.reviewer(first_name="Ulla", last_name="Unbeteiligt")
    client.force_login(coordinator)
    page = client.get(reverse("review-round", args=[later.pk])).content.decode()
    name = conflicted.get_full_name()
    assert f"{name} (declared a conflict towards this company)" in page
    assert f"{unrelated.get_full_name()} (declared" not in page
    assert "They are never proposed automatically" in page
    # The office may still assign them by hand, with the flag in view.
    response = client.post(reverse("review-assign", args=[later.pk]), {"reviewer": conflicted.pk})
    assert response.status_code == 302
    assert assignment_of(later, conflicted).status == Assignment.Status.OPEN


def flagged_round(size):
    """A submitted application whose company already has ``size`` reviewers who declared a
    conflict on an earlier application (each with a correction), and ``size`` others."""
    earlier, coordinator, reviewers = states.with_reviewers(count=size)
    for reviewer in reviewers:
        assignment = assignment_of(earlier, reviewer)
        services.declare_conflict(reviewer, assignment, Kind.NONE)
        services.declare_conflict(reviewer, assignment, Kind.COMPETITOR)
    for _ in range(size):
        factories.reviewer()
    later = states.submitted(organization=earlier.organization)
    return later, coordinator, reviewers


def test_the_round_page_with_flags_runs_the_same_queries_at_two_sizes(client):
    counts = []
    for size in (2, 9):
        later, coordinator, reviewers = flagged_round(size)
        client.force_login(coordinator)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("review-round", args=[later.pk]))
        page = response.content.decode()
        assert page.count("(declared a conflict towards this company)") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
