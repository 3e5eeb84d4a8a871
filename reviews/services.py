"""Use cases of the review round: assign, declare conflicts, review, start and complete.

Each keeps the services' shape (lock the application, state 409, permission 403, rules 422,
transition and log, work on commit) and lists its effects in its docstring.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

import rules
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import history_notes
from applications.models import Application, State
from applications.services import ensure_perm, ensure_transition, locked
from funding import roles
from funding.errors import RuleViolation, StateConflict
from funding.models import REVIEWERS, Programme, Sector
from notifications.services import notify

from . import proposal as balancing
from . import rubric as scoring
from . import selectors
from .models import (
    Assignment,
    ConflictDeclaration,
    Criterion,
    Post,
    PostRevision,
    Review,
    ReviewerProfile,
    Rubric,
    Score,
)
from .rules import ASSIGNABLE_STATES, REVIEWABLE_STATES


def due_date(application, start=None):
    """A review is due a review period after the later of assignment and start of review."""
    start = start or timezone.localdate()
    return start + datetime.timedelta(days=application.programme.review_period_days)


def active_assignments(application):
    return application.assignments.filter(
        round=application.submission_count, status__in=Assignment.ACTIVE
    )


def _still_conflicted(assignment):
    """A recused reviewer's current declaration still declares a conflict (a correction to
    "no conflict" lets the office assign them again)."""
    current = (
        ConflictDeclaration.objects.filter(
            application_id=assignment.application_id,
            user_id=assignment.reviewer_id,
            round=assignment.round,
            role=ConflictDeclaration.Role.REVIEWER,
            superseded_by__isnull=True,
        )
        .order_by("-declared_at", "-id")
        .first()
    )
    return current is None or current.kind != NO_CONFLICT


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
            if assignment.status == Assignment.Status.RECUSED and _still_conflicted(assignment):
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
    """Their own assignment, and not one they were recused from by a declared conflict: a
    conflicted reviewer may do nothing with it but correct the declaration (403)."""
    if assignment.reviewer_id != user.pk:
        raise PermissionDenied(_("This is not your assignment."))
    if assignment.status == Assignment.Status.RECUSED:
        raise PermissionDenied(_("You have declared a conflict of interest for this application."))


# ----- conflict-of-interest declarations ---------------------------------------------------

declaration_log = logging.getLogger("reviews.conflicts")
NO_CONFLICT = ConflictDeclaration.Kind.NONE


def declaration_kind(kind=None, has_conflict=None):
    """A declaration's kind; a bool (the former yes/no declaration) is read as "other" (a
    conflict, described in the note) or "none"."""
    if kind is None:
        kind = has_conflict
    if isinstance(kind, bool):
        return ConflictDeclaration.Kind.OTHER if kind else NO_CONFLICT
    return kind


def declaration_violations(kind, note):
    """A known kind; a description for "other" (the rules of every declaration)."""
    if kind not in ConflictDeclaration.Kind.values:
        return {"kind": [_("Please choose a declaration.")]}
    if kind == ConflictDeclaration.Kind.OTHER and not (note or "").strip():
        return {"note": [_("Please describe the conflict of interest.")]}
    return {}


def record_declaration(application, user, role, kind, note):
    """Write a declaration for the application's current round (call it inside the transaction
    that locked the application): a new row that supersedes the person's current one, never an
    edit. 422 for the rules, and for repeating the current declaration word for word.

    Effects: a ``ConflictDeclaration`` (``has_conflict`` in step with ``kind``); a log line.
    Returns ``(declaration, previous)``; ``previous`` is the superseded one or None.
    """
    note = (note or "").strip()
    errors = declaration_violations(kind, note)
    if errors:
        raise RuleViolation(errors)
    previous = (
        ConflictDeclaration.objects.select_for_update(of=("self",))
        .filter(
            application=application,
            user=user,
            round=application.submission_count,
            role=role,
            superseded_by__isnull=True,
        )
        .order_by("-declared_at", "-id")
        .first()
    )
    if previous is not None and (previous.kind, previous.note) == (kind, note):
        raise RuleViolation({"kind": [_("This is already your current declaration.")]})
    declaration = ConflictDeclaration.objects.create(
        application=application,
        user=user,
        role=role,
        round=application.submission_count,
        kind=kind,
        has_conflict=kind != NO_CONFLICT,
        note=note,
        supersedes=previous,
    )
    declaration_log.info(
        "Conflict declaration %s: user %s (%s) on application %s round %s: %s%s",
        declaration.pk,
        user.pk,
        role,
        application.pk,
        declaration.round,
        kind,
        f" (corrects declaration {previous.pk}: {previous.kind})" if previous else "",
    )
    return declaration, previous


def declare_conflict(user, assignment, kind=None, note="", *, has_conflict=None):
    """The reviewer declares on conflicts of interest for the round, or corrects a declaration.

    ``kind`` is a ``ConflictDeclaration.Kind`` ("none" or the type of the conflict; "other"
    needs a note); a bool (or ``has_conflict``) is the former yes/no form ("other"/"none").
    A correction is a new declaration superseding the current one; nothing is edited.

    Effects: application and assignment locked; 403 unless their own; 409 unless the
    assignment is of the current round and open or recused while submitted or in review; 422
    for the rules (see ``record_declaration``); the ``ConflictDeclaration`` and a log line.
    A conflict on an open assignment recuses the reviewer (assignment ``recused``) and writes
    the mail ``recused`` to the office (to reassign). A correction to "no conflict" keeps a
    recused assignment recused: the office may assign the reviewer again (``assign_reviewer``).
    Returns the assignment.
    """
    kind = declaration_kind(kind, has_conflict)
    if assignment.reviewer_id != user.pk:
        raise PermissionDenied(_("This is not your assignment."))
    with transaction.atomic():
        app = locked(assignment.application)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if (
            assignment.status not in (Assignment.Status.OPEN, Assignment.Status.RECUSED)
            or assignment.round != app.submission_count
            or app.state not in ASSIGNABLE_STATES
        ):
            raise StateConflict(_("This assignment is no longer open."))
        record_declaration(app, user, ConflictDeclaration.Role.REVIEWER, kind, note)
        if kind != NO_CONFLICT and assignment.status == Assignment.Status.OPEN:
            assignment.status = Assignment.Status.RECUSED
            assignment.save(update_fields=["status"])
            declaration_log.warning(
                "Reviewer %s recused from application %s round %s (%s)",
                user.pk,
                app.pk,
                assignment.round,
                kind,
            )
            notify("recused", assignment)
    return assignment


def decline_assignment(user, assignment, reason=None):
    """The reviewer cannot take the review on (without a conflict), and says why.

    Effects: application and assignment locked; 403 unless their own, 409 unless open, 422
    for a blank reason (the decline form always sends one; ``reason=None`` is left to
    programmatic callers that have none); the assignment ``declined`` with its
    ``decline_reason``, which the office sees on the round page and in the proposal; the mail
    ``declined`` written to the outbox.
    """
    _own_assignment(user, assignment)
    with transaction.atomic():
        locked(assignment.application)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status != Assignment.Status.OPEN:
            raise StateConflict(_("This assignment is no longer open."))
        if reason is not None and not reason.strip():
            raise RuleViolation({"reason": [_("Please say why you decline the assignment.")]})
        assignment.status = Assignment.Status.DECLINED
        assignment.decline_reason = (reason or "").strip()
        assignment.save(update_fields=["status", "decline_reason"])
        notify("declined", assignment)
    return assignment


def start_review(user, application):
    """Start the round once enough reviewers are active (transition ``start_review``).

    Effects: the application locked; state 409, ``reviews.start_review`` 403, too few active
    assignments 422; the transition logged; open assignments due a review period from today;
    the mail ``review_started`` to the company written to the outbox.
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
        notify("review_started", app)
    return app


def review_violations(data, criteria=(), confidence_required=True):
    """Scores by the rubric's ``criteria`` (required ones 1–5, others 1–5 where given), a
    confidence (unless editing a review that has none), a known recommendation and a comment
    (else the database refuses: a 500)."""
    errors = scoring.score_violations(criteria, scoring.scores_from(criteria, data))
    confidence = data.get("confidence") or ""
    if confidence not in Review.Confidence.values and (confidence or confidence_required):
        errors["confidence"] = [_("Please state your confidence.")]
    if data.get("recommendation") not in Review.Recommendation.values:
        errors["recommendation"] = [_("Please choose a recommendation.")]
    if not str(data.get("comment") or "").strip():
        errors["comment"] = [_("Please write a comment for the board.")]
    return errors


def _locked_review_rubric(app, review):
    """The rubric a review is written against, locked (an edit of the rubric waits): its own
    for an existing review, else the programme's current one (created if it has none)."""
    rubrics = Rubric.objects.select_for_update()
    if review is not None and review.rubric_id is not None:
        return rubrics.get(pk=review.rubric_id)
    rubric = rubrics.filter(programme_id=app.programme_id).order_by("-version").first()
    if rubric is None:
        create_default_rubric(app.programme)
        rubric = rubrics.filter(programme_id=app.programme_id).order_by("-version").first()
    return rubric


def submit_review(user, assignment, data):
    """Submit or edit a review; the last required review closes the round by itself.

    ``data``: ``score_<criterion key>`` (points 1–5), ``confidence``, ``recommendation``,
    ``comment`` and optionally ``rubric`` (the id of the rubric the form showed).

    Effects: application, assignment and the rubric locked; 403 unless their own, 409 unless
    the round runs or awaits the decision, 403 without a declaration of no conflict, 409 when
    the form's rubric is no longer the one to use, 422 for the review's rules; the ``Review``
    written against its rubric (a new one: the programme's current rubric) with its ``Score``
    rows, confidence and total (weighted mean), the assignment ``done``. When it is the last
    required review: transition ``complete_review`` logged as done by this reviewer
    ("automatic"), ``awaiting_since`` set, open assignments of the round ``closed``; reacting
    in the same transaction, decisions write the mail ``round_complete`` to the board.
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
        existing = Review.objects.filter(assignment=assignment).first()
        rubric = _locked_review_rubric(app, existing)
        shown = data.get("rubric")
        if shown not in (None, "") and str(shown) != str(rubric.pk):
            raise StateConflict(
                _("The scoring rubric has changed in the meantime. Please check your scores.")
            )
        criteria = list(rubric.criteria.all())
        confidence_required = existing is None or bool(existing.confidence)
        errors = review_violations(data, criteria, confidence_required)
        if errors:
            raise RuleViolation(errors)
        scores = scoring.scores_from(criteria, data)
        fields = {
            "rubric": rubric,
            "confidence": data.get("confidence") or "",
            "total_score": scoring.weighted_total(criteria, scores),
            "recommendation": data["recommendation"],
            "comment": data["comment"],
        }
        review, _created = Review.objects.update_or_create(assignment=assignment, defaults=fields)
        Score.objects.filter(review=review).delete()
        Score.objects.bulk_create(
            [
                Score(review=review, criterion=criterion, value=scores[criterion.key])
                for criterion in criteria
                if criterion.key in scores
            ]
        )
        if assignment.status == Assignment.Status.OPEN:
            assignment.status = Assignment.Status.DONE
            assignment.save(update_fields=["status"])
        done = app.assignments.filter(round=app.submission_count, status=Assignment.Status.DONE)
        if app.state == State.IN_REVIEW and done.count() >= app.programme.reviews_required:
            _complete(app, user, history_notes.note("round_complete"))
    return review


# ----- the rubric and the programme's review settings ---------------------------------------

rubric_log = logging.getLogger("reviews.rubric")
CRITERION_FIELDS = (
    "key",
    "name_de",
    "name_en",
    "description_de",
    "description_en",
    "weight",
    "kind",
    "labels",
)
REVIEW_SETTINGS = ("reviews_required", "review_period_days", "review_cap", "disagreement_threshold")


def _create_criteria(rubric, criteria):
    Criterion.objects.bulk_create(
        [
            Criterion(rubric=rubric, position=position, **{f: c.get(f) for f in CRITERION_FIELDS})
            for position, c in enumerate(criteria)
        ]
    )


def create_default_rubric(programme, user=None):
    """Give a programme without a rubric its first one: version 1 with the default criteria.

    Effects: the ``Rubric`` and its ``Criterion`` rows (nothing if the programme has one).
    """
    with transaction.atomic():
        if Rubric.objects.filter(programme_id=programme.pk).exists():
            return None
        rubric = Rubric.objects.create(programme_id=programme.pk, version=1, created_by=user)
        _create_criteria(rubric, scoring.default_criteria())
    return rubric


def _clean_criteria(criteria):
    cleaned = []
    for criterion in criteria:
        item = {field: criterion.get(field) for field in CRITERION_FIELDS}
        for field in ("key", "name_de", "name_en", "description_de", "description_en"):
            item[field] = str(item[field] or "").strip()
        item["labels"] = item["labels"] or []
        cleaned.append(item)
    return cleaned


def save_rubric(user, programme, criteria):
    """The coordination office changes a programme's rubric: ``criteria`` in order (dicts of
    ``CRITERION_FIELDS``; labels as in ``rubric.DEFAULT_LABELS`` or empty).

    Effects: the current rubric locked; ``reviews.manage_rubric`` 403, the criteria's rules
    422 (errors keyed ``criteria.<index>.<field>``). A rubric no review uses is changed in
    place; once a review uses it, a new version with these criteria becomes the current one
    (reviews keep theirs). A log line. Returns the current rubric.
    """
    ensure_perm(
        "reviews.manage_rubric", user, programme, _("Only the coordination office edits rubrics.")
    )
    criteria = _clean_criteria(criteria)
    with transaction.atomic():
        current = (
            Rubric.objects.select_for_update()
            .filter(programme_id=programme.pk)
            .order_by("-version")
            .first()
        )
        errors = scoring.criteria_violations(criteria)
        if errors:
            raise RuleViolation(errors)
        if current is not None and not current.reviews.exists():
            Criterion.objects.filter(rubric=current).delete()
            rubric, action = current, "changed"
        else:
            version = current.version + 1 if current is not None else 1
            rubric = Rubric.objects.create(
                programme_id=programme.pk, version=version, created_by=user
            )
            action = "replaced by a new version"
        _create_criteria(rubric, criteria)
        rubric_log.info(
            "Rubric of programme %s %s (version %s) by user %s",
            programme.pk,
            action,
            rubric.version,
            user.pk,
        )
    return rubric


def review_settings_violations(data):
    errors = {}
    for name in ("reviews_required", "review_period_days", "review_cap"):
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 32767:
            errors[name] = [_("Please give a whole number of at least 1.")]
    threshold = data.get("disagreement_threshold")
    if not isinstance(threshold, Decimal) or not Decimal("0") <= threshold <= Decimal("4"):
        errors["disagreement_threshold"] = [_("Please give a number of points from 0 to 4.")]
    return errors


def update_review_settings(user, programme, data):
    """The coordination office sets the programme's review settings (``REVIEW_SETTINGS``).

    Effects: the programme locked; ``funding.manage_programme`` 403, the values' rules 422;
    the programme saved; a log line. Running rounds keep their due dates.
    """
    ensure_perm(
        "funding.manage_programme", user, programme, _("Only the coordination office does this.")
    )
    with transaction.atomic():
        locked_programme = Programme.objects.select_for_update().get(pk=programme.pk)
        errors = review_settings_violations(data)
        if errors:
            raise RuleViolation(errors)
        for name in REVIEW_SETTINGS:
            setattr(locked_programme, name, data[name])
        locked_programme.save(update_fields=list(REVIEW_SETTINGS))
        rubric_log.info("Review settings of programme %s changed by user %s", programme.pk, user.pk)
    return locked_programme


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


# ----- the discussion ----------------------------------------------------------------------

discussion_log = logging.getLogger("reviews.discussion")

# The board's decision (or a withdrawal) ends the review: reviews and the discussion lock.
DECIDED_STATES = (State.APPROVED, State.REJECTED, State.WITHDRAWN)


def ensure_not_decided(application):
    """Refuse with 409 once the board has decided (or the company withdrew): the reviews and
    the discussion of a decided application never change. Call it on the locked row."""
    if application.state in DECIDED_STATES:
        raise StateConflict(
            _("The board has decided: the reviews and the discussion can no longer change.")
        )


def _post_violations(body):
    if not (body or "").strip():
        return {"body": [_("Please write a text.")]}
    return {}


def add_post(user, application, body):
    """Write a post in the application's discussion.

    Effects: the application locked; 409 once decided or withdrawn, ``reviews.post`` 403
    (a reviewer before their own review of the round is in: 403), an empty text 422; a
    ``Post`` of the current round; a log line. No mail.
    """
    with transaction.atomic():
        app = locked(application)
        ensure_not_decided(app)
        ensure_perm("reviews.post", user, app, _("You may not write in this discussion."))
        errors = _post_violations(body)
        if errors:
            raise RuleViolation(errors)
        post = Post.objects.create(
            application=app, author=user, round=app.submission_count, body=body.strip()
        )
        discussion_log.info("Post %s added to application %s by user %s", post.pk, app.pk, user.pk)
    return post


def edit_post(user, post, body):
    """Change one's own post; the previous text is kept as a ``PostRevision``.

    Effects: application and post locked (in this order); 409 once decided or withdrawn,
    ``reviews.post`` 403, not the author 403, an empty text 422; the earlier text stored, the
    post's text replaced and ``edited_at`` set (an unchanged text changes nothing); a log line.
    """
    with transaction.atomic():
        app = locked(post.application)
        post = Post.objects.select_for_update().get(pk=post.pk)
        ensure_not_decided(app)
        ensure_perm("reviews.post", user, app, _("You may not write in this discussion."))
        if post.author_id != user.pk:
            raise PermissionDenied(_("You can only change your own posts."))
        errors = _post_violations(body)
        if errors:
            raise RuleViolation(errors)
        body = body.strip()
        if body == post.body:
            return post
        PostRevision.objects.create(post=post, body=post.body)
        post.body = body
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "edited_at"])
        discussion_log.info("Post %s of application %s edited by user %s", post.pk, app.pk, user.pk)
    return post


# ----- the assignment proposal -------------------------------------------------------------

proposal_log = logging.getLogger("reviews.proposal")


@dataclass
class ProposalRow:
    """One proposed assignment and why: a sector match, the reviewer's open assignments
    before the proposal and with it (``load``)."""

    application: object
    reviewer: object
    sector_match: bool
    open_before: int
    load: int


@dataclass
class AssignmentProposal:
    rows: list
    unfilled: list  # [(application, reviewers still missing: no one eligible is left)]
    choices: dict  # application id → the reviewers who may be chosen for it by hand
    declined: dict  # application id → [(reviewer, reason)] of the round, for those lacking
    reviewers: list  # every reviewer: open_count, load, proposal_profile, profile_sectors
    cap: int
    today: datetime.date
    applications: list  # every application lacking reviewers, oldest first


def _profile_of(user):
    try:
        return user.reviewer_profile
    except ReviewerProfile.DoesNotExist:
        return None


def propose_assignments(user, programme=None, today=None):
    """The office's proposal of reviewers for every application submitted or in review that
    lacks reviewers (of ``programme``, or of all programmes), by ``reviews.proposal``.

    Effects: none (reads only: a constant number of queries). 403 without
    ``reviews.propose_assignments``. Applications of an organisation the user acts for are
    left out. The cap is the programme's ``review_cap``; over all programmes, the smallest
    of theirs.
    """
    if not rules.has_perm("reviews.propose_assignments", user):
        raise PermissionDenied(_("Only the coordination office proposes assignments."))
    today = today or timezone.localdate()
    applications = selectors.proposal_openings(programme, roles.organization_ids(user))
    round_rows = selectors.proposal_round_assignments(programme)
    reviewers = selectors.proposal_reviewers()
    memberships = selectors.reviewer_organizations()
    sector_ids = selectors.reviewer_sectors()
    flags = selectors.conflict_flags({a.organization_id for a in applications})
    sector_names = {sector.pk: sector for sector in selectors.sectors()}
    if programme is not None:
        cap = programme.review_cap
    else:
        cap = min((a.programme.review_cap for a in applications), default=0)

    assigned, declined_ids = {}, {}
    for application_id, reviewer_id, status, reason in round_rows:
        assigned.setdefault(application_id, set()).add(reviewer_id)
        if status == Assignment.Status.DECLINED:
            declined_ids.setdefault(application_id, []).append((reviewer_id, reason))
    openings = [
        balancing.Opening(
            id=a.pk,
            organization_id=a.organization_id,
            sector_id=a.sector_id,
            needed=a.programme.reviews_required - a.active_count,
            assigned=frozenset(assigned.get(a.pk, ())),
            review_days=a.programme.review_period_days,
        )
        for a in applications
    ]
    pool = []
    for reviewer in reviewers:
        profile = _profile_of(reviewer)
        reviewer.proposal_profile = profile
        reviewer.profile_sectors = [
            sector_names[pk] for pk in sorted(sector_ids.get(reviewer.pk, ())) if pk in sector_names
        ]
        pool.append(
            balancing.Reviewer(
                id=reviewer.pk,
                organization_ids=frozenset(memberships.get(reviewer.pk, ())),
                sector_ids=frozenset(sector_ids.get(reviewer.pk, ())),
                available_from=profile.available_from if profile else None,
                open_count=reviewer.open_count,
            )
        )
    result = balancing.propose(openings, pool, flags, cap, today)

    by_application = {a.pk: a for a in applications}
    users = {reviewer.pk: reviewer for reviewer in reviewers}
    for reviewer in reviewers:
        reviewer.load = result.loads.get(reviewer.pk, reviewer.open_count)
    rows = [
        ProposalRow(
            application=by_application[pick.application_id],
            reviewer=users[pick.reviewer_id],
            sector_match=pick.sector_match,
            open_before=pick.open_before,
            load=pick.load,
        )
        for pick in result.picks
    ]
    choices = {
        opening.id: [users[r.id] for r in balancing.eligible_reviewers(opening, pool, flags, today)]
        for opening in openings
    }
    declined = {
        application_id: [(users.get(rid), reason) for rid, reason in entries]
        for application_id, entries in declined_ids.items()
        if application_id in by_application
    }
    unfilled = [(by_application[pk], missing) for pk, missing in result.unfilled.items()]
    return AssignmentProposal(
        rows, unfilled, choices, declined, reviewers, cap, today, applications
    )


def confirm_proposal(user, rows):
    """Assign every row of a (possibly changed) proposal at once: all or nothing.

    ``rows`` are (application id, reviewer id) pairs, in a list or by key in a dict (the
    refused rows are named by these keys, else ``row-<n>``). Effects: one transaction; the
    applications locked in id order; 403 without ``reviews.propose_assignments`` or, per
    application, ``reviews.assign``; 409 when an application no longer takes reviewers
    (decided, returned or withdrawn in the meantime: its reference named); 422 with the rules
    of every refused row under its key: an unknown user, a
    person flagged for a conflict towards the organisation, and whatever ``assign_reviewer``
    refuses (no reviewer, a member of the organisation, already assigned). Nothing is written
    unless every row is assigned; then each row as by ``assign_reviewer`` (the assignment, the
    mail ``assigned``), and a log line.
    """
    if not rules.has_perm("reviews.propose_assignments", user):
        raise PermissionDenied(_("Only the coordination office proposes assignments."))
    pairs = rows.items() if isinstance(rows, dict) else enumerate(rows)
    keyed = {
        key if isinstance(rows, dict) else f"row-{key}": (int(application_id), int(reviewer_id))
        for key, (application_id, reviewer_id) in pairs
    }
    rows = list(keyed.values())
    if not rows:
        raise RuleViolation([_("There is nothing to assign: every row was removed.")])
    application_ids = sorted({application_id for application_id, _reviewer in rows})
    with transaction.atomic():
        applications = {
            app.pk: app
            for app in Application.objects.select_for_update(of=("self",))
            .filter(pk__in=application_ids)
            .select_related("programme", "organization")
            .order_by("pk")
        }
        gone = [
            applications[pk].reference or str(pk)
            for pk in application_ids
            if pk in applications and applications[pk].state not in ASSIGNABLE_STATES
        ]
        if gone or len(applications) != len(application_ids):
            raise StateConflict(
                _(
                    "These applications no longer take reviewers: %(references)s. Nothing has "
                    "been assigned; please remove their rows or make a new proposal."
                )
                % {"references": ", ".join(gone) or "—"}
            )
        for app in applications.values():
            ensure_perm(
                "reviews.assign", user, app, _("Only the coordination office assigns reviewers.")
            )
        users = get_user_model().objects.in_bulk({reviewer_id for _app, reviewer_id in rows})
        flags = selectors.conflict_flags({a.organization_id for a in applications.values()})
        errors = {}
        for key in sorted(keyed, key=lambda k: keyed[k]):
            application_id, reviewer_id = keyed[key]
            app, reviewer = applications[application_id], users.get(reviewer_id)
            label = _("%(reference)s, %(reviewer)s") % {
                "reference": app.reference or app.title,
                "reviewer": (reviewer.get_full_name() or reviewer.username) if reviewer else "—",
            }
            if reviewer is None:
                errors[key] = [_("%(row)s: this person does not exist.") % {"row": label}]
                continue
            if reviewer_id in flags.get(app.organization_id, ()):
                errors[key] = [
                    _("%(row)s: this person declared a conflict towards the organisation.")
                    % {"row": label}
                ]
                continue
            try:
                assign_reviewer(user, app, reviewer)
            except RuleViolation as violation:
                errors[key] = [
                    _("%(row)s: %(message)s") % {"row": label, "message": message}
                    for message in violation.messages
                ]
        if errors:
            raise RuleViolation(errors)
        proposal_log.info(
            "Proposal confirmed by user %s: %s assignments of %s applications",
            user.pk,
            len(rows),
            len(application_ids),
        )
    return len(rows)


# ----- sectors and reviewer profiles -------------------------------------------------------


def _sector_violations(name_de, name_en, exclude=None):
    errors = {}
    name_de, name_en = (name_de or "").strip(), (name_en or "").strip()
    if not name_de:
        errors["name_de"] = [_("Please give the German name.")]
    else:
        taken = Sector.objects.filter(name_de__iexact=name_de)
        if exclude is not None:
            taken = taken.exclude(pk=exclude.pk)
        if taken.exists():
            errors["name_de"] = [_("A sector of this name exists already.")]
    return errors, name_de, name_en


def create_sector(user, name_de, name_en=""):
    """The office adds a sector (offered to applicants and reviewers at once).

    Effects: 403 without ``reviews.manage_sectors``; 422 without a German name or for one
    that exists; the ``Sector``; a log line.
    """
    ensure_perm(
        "reviews.manage_sectors", user, None, _("Only the coordination office keeps the sectors.")
    )
    with transaction.atomic():
        errors, name_de, name_en = _sector_violations(name_de, name_en)
        if errors:
            raise RuleViolation(errors)
        sector = Sector.objects.create(name_de=name_de, name_en=name_en)
        proposal_log.info("Sector %s added by user %s", sector.pk, user.pk)
    return sector


def update_sector(user, sector, name_de, name_en="", active=True):
    """The office renames a sector or stops offering it (``active``). A sector is never
    deleted: applications and profiles that name it keep it.

    Effects: the row locked; 403 without ``reviews.manage_sectors``; 422 as for a new one;
    the sector saved; a log line.
    """
    ensure_perm(
        "reviews.manage_sectors", user, None, _("Only the coordination office keeps the sectors.")
    )
    with transaction.atomic():
        sector = Sector.objects.select_for_update().get(pk=sector.pk)
        errors, name_de, name_en = _sector_violations(name_de, name_en, exclude=sector)
        if errors:
            raise RuleViolation(errors)
        sector.name_de, sector.name_en, sector.active = name_de, name_en, bool(active)
        sector.save(update_fields=["name_de", "name_en", "active"])
        proposal_log.info("Sector %s changed by user %s", sector.pk, user.pk)
    return sector


def update_reviewer_profile(user, sectors=(), available_from=None, note=""):
    """A reviewer keeps their own profile for the proposal: sectors, availability, a note.

    Effects: 403 without ``reviews.edit_reviewer_profile``; 422 for a sector no longer
    offered (one the profile names already may stay); the ``ReviewerProfile`` (created on
    first save) and its sectors.
    """
    ensure_perm("reviews.edit_reviewer_profile", user, None, _("Only reviewers keep this profile."))
    sector_ids = {getattr(sector, "pk", sector) for sector in sectors}
    with transaction.atomic():
        profile, _created = ReviewerProfile.objects.select_for_update().get_or_create(user=user)
        kept = set(profile.sectors.values_list("pk", flat=True))
        offered = set(Sector.objects.filter(active=True).values_list("pk", flat=True))
        if sector_ids - offered - kept:
            raise RuleViolation({"sectors": [_("Please choose only sectors from the list.")]})
        profile.available_from = available_from
        profile.note = (note or "").strip()
        profile.save(update_fields=["available_from", "note"])
        profile.sectors.set(sector_ids)
    return profile
