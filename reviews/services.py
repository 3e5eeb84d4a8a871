"""Use cases of the review round: assign, declare conflicts, review, start and complete.

Each keeps the services' shape (lock the application, state 409, permission 403, rules 422,
transition and log, work on commit) and lists its effects in its docstring.
"""

import datetime

import rules
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import State
from applications.services import ensure_perm, ensure_transition, locked
from funding import roles
from funding.errors import RuleViolation, StateConflict
from funding.models import REVIEWERS
from notifications.services import notify

from .models import Assignment, ConflictDeclaration, Review
from .rules import ASSIGNABLE_STATES, REVIEWABLE_STATES


def due_date(application, start=None):
    """A review is due a review period after the later of assignment and start of review."""
    start = start or timezone.localdate()
    return start + datetime.timedelta(days=application.programme.review_period_days)


def active_assignments(application):
    return application.assignments.filter(
        round=application.submission_count, status__in=Assignment.ACTIVE
    )


def assign_reviewer(user, application, reviewer):
    """The coordination office asks a member of the expert project to review this round.

    Effects: the application locked; state 409, ``reviews.assign`` 403, the reviewer 422; an
    ``Assignment`` (new, or a declined one reopened), due a review period after the start of
    the review if it runs; the mail ``assigned`` written to the outbox.
    """
    with transaction.atomic():
        app = locked(application)
        if app.state not in ASSIGNABLE_STATES:
            raise StateConflict(_("Reviewers can only be assigned before or during the review."))
        ensure_perm(
            "reviews.assign", user, app, _("Only the coordination office assigns reviewers.")
        )
        errors = []
        if not roles.is_reviewer(reviewer) or not reviewer.is_active:
            errors.append(_("Only members of the expert project can review."))
        if app.organization_id in roles.organization_ids(reviewer):
            errors.append(_("A member of the applicant organisation cannot review it."))
        if errors:
            raise RuleViolation({"reviewer": errors})
        assignment, created = Assignment.objects.get_or_create(
            application=app,
            reviewer=reviewer,
            round=app.submission_count,
            defaults={"assigned_by": user},
        )
        if not created:
            if assignment.status in (Assignment.Status.OPEN, Assignment.Status.DONE):
                raise RuleViolation({"reviewer": [_("This reviewer is already assigned.")]})
            if assignment.status == Assignment.Status.RECUSED:
                raise RuleViolation({"reviewer": [_("This reviewer declared a conflict.")]})
            assignment.status, assignment.assigned_by = Assignment.Status.OPEN, user
            assignment.assigned_at = timezone.now()
        assignment.due_on = due_date(app) if app.state == State.IN_REVIEW else None
        assignment.save()
        notify("assigned", assignment)
    return assignment


def remove_assignment(user, assignment):
    """Take an open assignment back (to reassign it to someone else).

    Effects: application and assignment locked; state 409, ``reviews.assign`` 403; the
    assignment ``removed`` (the reviewer no longer sees the application).
    """
    with transaction.atomic():
        app = locked(assignment.application)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if app.state not in ASSIGNABLE_STATES or assignment.status != Assignment.Status.OPEN:
            raise StateConflict(_("Only an open assignment can be removed."))
        ensure_perm(
            "reviews.assign", user, app, _("Only the coordination office assigns reviewers.")
        )
        assignment.status = Assignment.Status.REMOVED
        assignment.save(update_fields=["status"])
    return assignment


def _own_assignment(user, assignment):
    if assignment.reviewer_id != user.pk:
        raise PermissionDenied(_("This is not your assignment."))


def declare_conflict(user, assignment, has_conflict, note=""):
    """The reviewer declares on conflicts of interest for the round; a conflict recuses them.

    Effects: application and assignment locked; 403 unless their own, 409 unless open, 422
    for a conflict without a description; a ``ConflictDeclaration`` (once per round: 409);
    with a conflict the assignment ``recused`` and the mail ``recused`` written to the outbox.
    """
    _own_assignment(user, assignment)
    with transaction.atomic():
        app = locked(assignment.application)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status != Assignment.Status.OPEN or app.state not in ASSIGNABLE_STATES:
            raise StateConflict(_("This assignment is no longer open."))
        if has_conflict and not (note or "").strip():
            raise RuleViolation({"note": [_("Please describe the conflict of interest.")]})
        _declaration, created = ConflictDeclaration.objects.get_or_create(
            application=app,
            user=user,
            round=app.submission_count,
            defaults={"has_conflict": has_conflict, "note": (note or "").strip()},
        )
        if not created:
            raise StateConflict(_("You have already declared on conflicts for this round."))
        if has_conflict:
            assignment.status = Assignment.Status.RECUSED
            assignment.save(update_fields=["status"])
            notify("recused", assignment)
    return assignment


def decline_assignment(user, assignment):
    """The reviewer cannot take the review on (without a conflict).

    Effects: application and assignment locked; 403 unless their own, 409 unless open; the
    assignment ``declined``; the mail ``declined`` written to the outbox.
    """
    _own_assignment(user, assignment)
    with transaction.atomic():
        locked(assignment.application)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status != Assignment.Status.OPEN:
            raise StateConflict(_("This assignment is no longer open."))
        assignment.status = Assignment.Status.DECLINED
        assignment.save(update_fields=["status"])
        notify("declined", assignment)
    return assignment


def start_review(user, application):
    """Start the round once enough reviewers are active (transition ``start_review``).

    Effects: the application locked; state 409, ``reviews.start_review`` 403, too few active
    assignments 422; the transition logged; open assignments due a review period from today.
    """
    with transaction.atomic():
        app = locked(application)
        ensure_transition(app.start_review, user)
        required = app.programme.reviews_required
        if active_assignments(app).count() < required:
            raise RuleViolation(
                [
                    _("At least %(n)s active reviewer assignments are needed to start.")
                    % {"n": required}
                ]
            )
        app.start_review(by=user)
        app.review_started_at = timezone.now()
        app.save()
        Assignment.objects.filter(
            application=app, round=app.submission_count, status=Assignment.Status.OPEN
        ).update(due_on=due_date(app))
    return app


def review_violations(data):
    """Scores 1–5, a known recommendation and a comment (else the database refuses: a 500)."""
    errors = {}
    for name in Review.CRITERIA:
        score = data.get(name)
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            errors[name] = [_("Please give a score from 1 to 5.")]
    if data.get("recommendation") not in Review.Recommendation.values:
        errors["recommendation"] = [_("Please choose a recommendation.")]
    if not str(data.get("comment") or "").strip():
        errors["comment"] = [_("Please write a comment for the board.")]
    return errors


def submit_review(user, assignment, data):
    """Submit or edit a review; the last required review closes the round by itself.

    Effects: application and assignment locked; 403 unless their own, 409 unless the round
    runs or awaits the decision, 403 without a declaration of no conflict, 422 for the review's
    rules; the ``Review`` written, the assignment ``done``. When it is the last required
    review: transition ``complete_review`` logged as done by this reviewer ("automatic"),
    ``awaiting_since`` set, open assignments of the round ``closed``.
    """
    _own_assignment(user, assignment)
    with transaction.atomic():
        app = locked(assignment.application)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status not in Assignment.ACTIVE or app.state not in REVIEWABLE_STATES:
            raise StateConflict(_("This review can no longer be submitted or changed."))
        if assignment.round != app.submission_count:
            raise StateConflict(_("This review belongs to an earlier round."))
        if not rules.has_perm("reviews.read_assigned", user, assignment):
            raise PermissionDenied(_("Please declare on conflicts of interest first."))
        errors = review_violations(data)
        if errors:
            raise RuleViolation(errors)
        fields = {name: data[name] for name in (*Review.CRITERIA, "recommendation", "comment")}
        review, _created = Review.objects.update_or_create(assignment=assignment, defaults=fields)
        if assignment.status == Assignment.Status.OPEN:
            assignment.status = Assignment.Status.DONE
            assignment.save(update_fields=["status"])
        done = app.assignments.filter(round=app.submission_count, status=Assignment.Status.DONE)
        if app.state == State.IN_REVIEW and done.count() >= app.programme.reviews_required:
            _complete(app, user, _("automatic: the last required review was submitted"))
    return review


def close_review_round(user, application, reason):
    """The coordination office closes the round with fewer reviews (``complete_review``).

    Effects: the application locked; state 409, ``reviews.complete_review`` 403, a reason 422;
    then as for the last required review, logged with the reason.
    """
    with transaction.atomic():
        app = locked(application)
        ensure_transition(app.complete_review, user)
        if not (reason or "").strip():
            raise RuleViolation({"reason": [_("Please give the reason for closing the round.")]})
        _complete(app, user, reason.strip())
    return app


def _complete(app, user, description):
    app.complete_review(by=user, description=description)
    app.awaiting_since = timezone.now()
    app.save()
    Assignment.objects.filter(
        application=app, round=app.submission_count, status=Assignment.Status.OPEN
    ).update(status=Assignment.Status.CLOSED)


def reviewer_candidates(application):
    """Members of the expert project who may review it (never applicant staff)."""
    return (
        get_user_model()
        .objects.filter(groups__name=REVIEWERS, is_active=True)
        .exclude(memberships__organization_id=application.organization_id)
        .order_by("last_name", "first_name", "username")
    )
