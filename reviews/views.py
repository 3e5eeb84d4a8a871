"""Pages of the review round: the reviewer's assignments and reviews, the office's round page.

Views stay thin: they read through selectors and act through services. A refused form is
re-rendered with what the user typed: 400 (invalid input), 409 (state conflict), 422 (a rule
refused it, the messages beside the fields).
"""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications import presenters
from applications import selectors as application_selectors
from applications.models import State
from applications.services import may_fire
from funding.audit import Action, log_access
from funding.web import attempt

from . import forms, selectors, services
from .models import Assignment, Review

CRITERIA = [(name, capfirst(Review._meta.get_field(name).verbose_name)) for name in Review.CRITERIA]


def _scored(review):
    """The review with ``scores``: [(criterion label, score)] for the templates."""
    if review is not None:
        review.scores = [(label, getattr(review, name)) for name, label in CRITERIA]
    return review


# ----- the reviewer ------------------------------------------------------------------------


@login_required
def review_list(request):
    if not rules.has_perm("reviews.list", request.user):
        raise PermissionDenied
    context = {
        "assignments": selectors.reviewer_assignments(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "reviews/list.html", context)


def _assignment_context(user, assignment, conflict_form=None, review_form=None, errors=()):
    """The reviewer's page; ``errors`` of a refusal are shown when its form is not."""
    application = assignment.application
    current = assignment.round == application.submission_count
    may_read = rules.has_perm("reviews.read_assigned", user, assignment)
    review = _scored(selectors.own_review(assignment))
    may_review = rules.has_perm("reviews.review", user, assignment)
    context = {
        "assignment": assignment,
        "application": application,
        "declared": selectors.declaration(assignment),
        "current": current,
        "may_read": may_read,
        "may_declare": rules.has_perm("reviews.declare", user, assignment),
        "may_decline": rules.has_perm("reviews.decline", user, assignment),
        "may_review": may_review,
        "waiting_for_start": may_read and current and application.state == State.SUBMITTED,
        "own_review": review,
        "today": timezone.localdate(),
    }
    context["errors"] = [] if context["may_declare"] else list(errors)
    if context["may_declare"]:
        context["conflict_form"] = conflict_form or forms.ConflictForm()
    if may_review:
        context["review_form"] = review_form or forms.ReviewForm.for_review(review)
    if may_read:
        context["facts"] = presenters.facts(application)
        context["documents"] = application_selectors.documents(application)
        context["earlier_reviews"] = [_scored(r) for r in selectors.earlier_reviews(assignment)]
        if review is not None:
            context["other_reviews"] = [_scored(r) for r in selectors.other_reviews(assignment)]
    return context


def _render_assignment(request, assignment, status=200, **forms_):
    context = _assignment_context(request.user, assignment, **forms_)
    return render(request, "reviews/assignment.html", context, status=status)


@login_required
def assignment_detail(request, pk):
    assignment = selectors.get_own_assignment(request.user, pk)
    if rules.has_perm("reviews.read_assigned", request.user, assignment):
        log_access(request.user, Action.VIEW, application=assignment.application)
    return _render_assignment(request, assignment)


@login_required
@require_POST
def declare(request, pk):
    assignment = selectors.get_own_assignment(request.user, pk)
    form = forms.ConflictForm(request.POST)
    if not form.is_valid():
        return _render_assignment(request, assignment, 400, conflict_form=form)
    data = form.cleaned_data
    _declared, refused = attempt(
        lambda: services.declare_conflict(
            request.user, assignment, data["has_conflict"], data["note"]
        ),
        form,
    )
    if refused is not None:
        return _render_assignment(
            request, assignment, refused.status, conflict_form=form, errors=refused.messages
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
    data = form.cleaned_data
    _review, refused = attempt(lambda: services.submit_review(request.user, assignment, data), form)
    if refused is not None:
        return _render_review_form(request, assignment, form, refused.status, refused.messages)
    messages.success(request, _("Your review has been saved."))
    return redirect("assignment-detail", pk=pk)


def _render_review_form(request, assignment, form, status, errors=()):
    """Re-render the page with the review form as sent, even where it is no longer offered."""
    context = _assignment_context(request.user, assignment, review_form=form, errors=errors)
    if context["may_read"]:
        context["errors"] = []
        context["may_review"] = True
        context["review_form"] = form
        context["waiting_for_start"] = False
    return render(request, "reviews/assignment.html", context, status=status)


# ----- the coordination office -------------------------------------------------------------


def _coordinator(request, application=None):
    if not rules.has_perm("reviews.manage_round", request.user, application):
        raise PermissionDenied


def _application(request, pk):
    _coordinator(request)
    return application_selectors.get_visible_application(request.user, pk)


def _round_context(user, application, assign_form=None, close_form=None, errors=()):
    current, earlier = [], []
    for assignment in selectors.round_assignments(application):
        assignment.submitted_review = _scored(selectors.own_review(assignment))
        if assignment.round == application.submission_count:
            current.append(assignment)
        else:
            earlier.append(assignment)
    busy = {a.reviewer_id for a in current if a.is_active or a.status == Assignment.Status.RECUSED}
    candidates = [user for user in services.reviewer_candidates(application) if user.pk not in busy]
    context = {
        "application": application,
        "current": current,
        "earlier": earlier,
        "active_count": sum(1 for a in current if a.is_active),
        "required": application.programme.reviews_required,
        "reviews": [a for a in current if a.submitted_review is not None],
        "earlier_reviews": [a for a in earlier if a.submitted_review is not None],
        "may_assign": rules.has_perm("reviews.assign", user, application),
        "may_start": may_fire(application.start_review, user),
        "may_close": may_fire(application.complete_review, user),
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
    context = _round_context(request.user, application, **kwargs)
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
    reviewer = form.cleaned_data["reviewer"]
    _assignment, refused = attempt(
        lambda: services.assign_reviewer(request.user, application, reviewer), form
    )
    if refused is not None:
        return _render_round(request, application, refused.status, assign_form=form)
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
    _removed, refused = attempt(lambda: services.remove_assignment(request.user, assignment))
    if refused is not None:
        return _render_round(request, application, refused.status, errors=refused.messages)
    messages.success(request, _("The assignment has been removed."))
    return redirect("review-round", pk=application.pk)


@login_required
@require_POST
def start(request, pk):
    application = _application(request, pk)
    _started, refused = attempt(lambda: services.start_review(request.user, application))
    if refused is not None:
        return _render_round(request, application, refused.status, errors=refused.messages)
    messages.success(request, _("The review round has started; the due dates count from today."))
    return redirect("review-round", pk=pk)


@login_required
@require_POST
def close_round(request, pk):
    application = _application(request, pk)
    form = forms.CloseRoundForm(request.POST)
    if not form.is_valid():
        return _render_round(request, application, 400, close_form=form)
    reason = form.cleaned_data["reason"]
    _closed, refused = attempt(
        lambda: services.close_review_round(request.user, application, reason), form
    )
    if refused is not None:
        return _render_round(request, application, refused.status, close_form=form)
    messages.success(request, _("The review round has been closed; the board can now decide."))
    return redirect("review-round", pk=pk)
