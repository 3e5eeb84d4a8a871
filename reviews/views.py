"""Pages of the review round: the reviewer's assignments and reviews, the office's round page.

Views stay thin: they read through selectors and act through services. A refused form is
re-rendered with what the user typed: 400 (invalid input), 409 (state conflict), 422 (a rule
refused it, the messages beside the fields).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from applications import selectors as application_selectors
from applications.forms import SECTIONS
from applications.models import Application, State
from funding import roles
from funding.errors import RuleViolation, StateConflict
from funding.web import add_violation

from . import forms, selectors, services
from .models import Assignment, Review

# Figures computed from the application, shown after the section they belong to.
COMPUTED = {
    "financing": (
        ("financing_total", gettext_lazy("Total financing (EUR)"), "money"),
        (
            "funding_share",
            gettext_lazy("Requested amount as share of the eligible investment"),
            "percent",
        ),
        (
            "own_contribution_share",
            gettext_lazy("Own contribution as share of the eligible investment"),
            "percent",
        ),
    ),
    "employment": (
        ("severely_disabled_share", gettext_lazy("Share of severely disabled staff"), "percent"),
    ),
}


CRITERIA = [(name, capfirst(Review._meta.get_field(name).verbose_name)) for name in Review.CRITERIA]


def _scored(review):
    """The review with ``scores``: [(criterion label, score)] for the templates."""
    if review is not None:
        review.scores = [(label, getattr(review, name)) for name, label in CRITERIA]
    return review


# ----- the reviewer ------------------------------------------------------------------------


@login_required
def review_list(request):
    if not roles.is_reviewer(request.user):
        raise PermissionDenied
    context = {
        "assignments": selectors.reviewer_assignments(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "reviews/list.html", context)


def _facts(application):
    """[(key, section label, [(label, value, kind)])] of the application's content."""
    sections = []
    for key, (label, names) in SECTIONS.items():
        rows = []
        for name in names:
            field = Application._meta.get_field(name)
            value = getattr(application, name)
            if field.choices:
                value, kind = getattr(application, f"get_{name}_display")(), "plain"
            elif isinstance(field, models.DecimalField) and field.max_digits == 14:
                kind = "money"
            elif isinstance(field, models.TextField):
                kind = "text"
            else:
                kind = "plain"
            rows.append((capfirst(field.verbose_name), value, kind))
        for attribute, computed_label, kind in COMPUTED.get(key, ()):
            rows.append((computed_label, getattr(application, attribute), kind))
        sections.append((key, label, rows))
    return sections


def _assignment_context(assignment, conflict_form=None, review_form=None, errors=()):
    application = assignment.application
    declared = selectors.declaration(assignment)
    current = assignment.round == application.submission_count
    Status = Assignment.Status
    may_read = (
        declared is not None
        and not declared.has_conflict
        and assignment.status in (Status.OPEN, Status.DONE, Status.CLOSED)
    )
    review = _scored(selectors.own_review(assignment))
    may_review = (
        may_read
        and current
        and assignment.is_active
        and application.state in services.REVIEWABLE_STATES
    )
    context = {
        "assignment": assignment,
        "application": application,
        "declared": declared,
        "current": current,
        "may_read": may_read,
        "may_declare": declared is None
        and current
        and assignment.status == Status.OPEN
        and application.state in services.ASSIGNABLE_STATES,
        "may_decline": assignment.status == Status.OPEN,
        "may_review": may_review,
        "waiting_for_start": may_read and current and application.state == State.SUBMITTED,
        "own_review": review,
        "errors": list(errors),
        "today": timezone.localdate(),
    }
    if context["may_declare"]:
        context["conflict_form"] = conflict_form or forms.ConflictForm()
    if may_review:
        context["review_form"] = review_form or forms.ReviewForm.for_review(review)
    if may_read:
        context["facts"] = _facts(application)
        context["documents"] = application_selectors.documents(application)
        context["earlier_reviews"] = [_scored(r) for r in selectors.earlier_reviews(assignment)]
        if review is not None:
            context["other_reviews"] = [_scored(r) for r in selectors.other_reviews(assignment)]
    return context


def _render_assignment(request, assignment, status=200, **forms_):
    context = _assignment_context(assignment, **forms_)
    return render(request, "reviews/assignment.html", context, status=status)


@login_required
def assignment_detail(request, pk):
    assignment = selectors.get_own_assignment(request.user, pk)
    return _render_assignment(request, assignment)


@login_required
@require_POST
def declare(request, pk):
    assignment = selectors.get_own_assignment(request.user, pk)
    form = forms.ConflictForm(request.POST)
    if not form.is_valid():
        return _render_assignment(request, assignment, 400, conflict_form=form)
    data = form.cleaned_data
    try:
        services.declare_conflict(request.user, assignment, data["has_conflict"], data["note"])
    except RuleViolation as violation:
        add_violation(form, violation)
        return _render_assignment(request, assignment, 422, conflict_form=form)
    except StateConflict as conflict:
        return _render_assignment(
            request, assignment, 409, conflict_form=form, errors=[conflict.message]
        )
    if data["has_conflict"]:
        messages.success(
            request,
            _(
                "You have declared a conflict of interest. You will not review this "
                "application; the coordination office has been informed."
            ),
        )
        return redirect("review-list")
    messages.success(request, _("Thank you. You can now read the application and review it."))
    return redirect("assignment-detail", pk=pk)


@login_required
@require_POST
def decline(request, pk):
    assignment = selectors.get_own_assignment(request.user, pk)
    services.decline_assignment(request.user, assignment)
    messages.success(
        request,
        _("You have declined the assignment; the coordination office has been informed."),
    )
    return redirect("review-list")


@login_required
def review_form(request, pk):
    assignment = selectors.get_own_assignment(request.user, pk)
    if request.method != "POST":
        return redirect("assignment-detail", pk=pk)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        return _render_review_form(request, assignment, form, 400)
    try:
        services.submit_review(request.user, assignment, form.cleaned_data)
    except RuleViolation as violation:
        add_violation(form, violation)
        return _render_review_form(request, assignment, form, 422)
    except StateConflict as conflict:
        return _render_review_form(request, assignment, form, 409, errors=[conflict.message])
    messages.success(request, _("Your review has been saved."))
    return redirect("assignment-detail", pk=pk)


def _render_review_form(request, assignment, form, status, errors=()):
    """Re-render the page with the review form as sent, even where it is no longer offered."""
    context = _assignment_context(assignment, review_form=form, errors=errors)
    if context["may_read"]:
        context["may_review"] = True
        context["review_form"] = form
        context["waiting_for_start"] = False
    return render(request, "reviews/assignment.html", context, status=status)


# ----- the coordination office -------------------------------------------------------------


def _coordinator(request):
    if not roles.is_coordinator(request.user):
        raise PermissionDenied


def _application(request, pk):
    _coordinator(request)
    return application_selectors.get_visible_application(request.user, pk)


def _round_context(application, assign_form=None, close_form=None, errors=()):
    current, earlier = [], []
    for assignment in selectors.round_assignments(application):
        assignment.submitted_review = _scored(selectors.own_review(assignment))
        if assignment.round == application.submission_count:
            current.append(assignment)
        else:
            earlier.append(assignment)
    busy = {a.reviewer_id for a in current if a.is_active or a.status == Assignment.Status.RECUSED}
    candidates = [user for user in services.reviewer_candidates(application) if user.pk not in busy]
    state = application.state
    context = {
        "application": application,
        "current": current,
        "earlier": earlier,
        "active_count": sum(1 for a in current if a.is_active),
        "required": application.programme.reviews_required,
        "reviews": [a for a in current if a.submitted_review is not None],
        "earlier_reviews": [a for a in earlier if a.submitted_review is not None],
        "may_assign": state in services.ASSIGNABLE_STATES,
        "may_start": state == State.SUBMITTED,
        "may_close": state == State.IN_REVIEW,
        "errors": list(errors),
        "today": timezone.localdate(),
    }
    if context["may_assign"]:
        context["assign_form"] = assign_form or forms.AssignForm()
        context["assign_form"].offer(candidates)
        context["candidates"] = candidates
    if context["may_close"]:
        context["close_form"] = close_form or forms.CloseRoundForm()
    return context


def _render_round(request, application, status=200, **kwargs):
    context = _round_context(application, **kwargs)
    return render(request, "reviews/round.html", context, status=status)


@login_required
def manage_round(request, pk):
    application = _application(request, pk)
    return _render_round(request, application)


@login_required
@require_POST
def assign(request, pk):
    application = _application(request, pk)
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        return _render_round(request, application, 400, assign_form=form)
    try:
        services.assign_reviewer(request.user, application, form.cleaned_data["reviewer"])
    except RuleViolation as violation:
        add_violation(form, violation)
        return _render_round(request, application, 422, assign_form=form)
    except StateConflict as conflict:
        form.add_error(None, conflict.message)
        return _render_round(request, application, 409, assign_form=form)
    messages.success(request, _("The reviewer has been assigned and informed."))
    return redirect("review-round", pk=pk)


@login_required
@require_POST
def remove(request, pk):
    _coordinator(request)
    assignment = get_object_or_404(
        Assignment.objects.select_related("application__programme", "application__organization"),
        pk=pk,
    )
    application = assignment.application
    try:
        services.remove_assignment(request.user, assignment)
    except StateConflict as conflict:
        return _render_round(request, application, 409, errors=[conflict.message])
    messages.success(request, _("The assignment has been removed."))
    return redirect("review-round", pk=application.pk)


@login_required
@require_POST
def start(request, pk):
    application = _application(request, pk)
    try:
        services.start_review(request.user, application)
    except RuleViolation as violation:
        return _render_round(request, application, 422, errors=violation.messages)
    except StateConflict as conflict:
        return _render_round(request, application, 409, errors=[conflict.message])
    messages.success(request, _("The review round has started; the due dates count from today."))
    return redirect("review-round", pk=pk)


@login_required
@require_POST
def close_round(request, pk):
    application = _application(request, pk)
    form = forms.CloseRoundForm(request.POST)
    if not form.is_valid():
        return _render_round(request, application, 400, close_form=form)
    try:
        services.close_review_round(request.user, application, form.cleaned_data["reason"])
    except RuleViolation as violation:
        add_violation(form, violation)
        return _render_round(request, application, 422, close_form=form)
    except StateConflict as conflict:
        return _render_round(request, application, 409, errors=[conflict.message])
    messages.success(request, _("The review round has been closed; the board can now decide."))
    return redirect("review-round", pk=pk)
