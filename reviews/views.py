"""Pages of the review round: the reviewer's assignments and reviews, the office's round page.

Views stay thin: they read through selectors and act through services. A refused form is
re-rendered with what the user typed: 400 (invalid input), 409 (state conflict), 422 (a rule
refused it, the messages beside the fields).
"""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from applications import presenters
from applications import selectors as application_selectors
from applications.models import State
from applications.services import may_fire
from funding import roles
from funding.audit import Action, log_access
from funding.errors import RuleViolation
from funding.models import Programme
from funding.web import attempt

from . import discussion, forms, panels, selectors, services
from . import rubric as scoring
from .models import Assignment, ConflictDeclaration


def _scored(review):
    """The review with ``points`` for the templates: [Point] in the rubric's order, in the
    reader's language (prefetch the scores with ``selectors.review_points`` for lists)."""
    if review is not None:
        language = scoring.reader_language()
        scores = sorted(review.scores.all(), key=lambda s: (s.criterion.position, s.criterion_id))
        review.points = [
            scoring.Point(
                name=scoring.in_language(score.criterion, "name", language),
                value=score.value,
                label=scoring.label(score.criterion.labels, score.value, language),
                counted=score.criterion.kind in scoring.COUNTED,
            )
            for score in scores
        ]
    return review


# ----- the reviewer ------------------------------------------------------------------------


@login_required
def review_list(request):
    if not rules.has_perm("reviews.list", request.user):
        raise PermissionDenied
    todo = request.GET.get("todo")
    todo = todo if todo in panels.REVIEWER_TODO else None
    where = panels.reviewer_todo_conditions().get(todo)
    rows = selectors.reviewer_page(request.user, request.GET, where=where)
    query = "todo=" + todo if todo else ""
    context = {
        "assignments": rows.current,
        "page": rows.finished,
        "query": query,
        "today": timezone.localdate(),
        "todo": todo,
    }
    return render(request, "reviews/list.html", context)


PROGRESS_PAGE_SIZE = 50


@login_required
def progress(request):
    """The coordination office's view of the reviews: per reviewer open, due soon, overdue,
    done and declined; per application submitted or in review the reviews in against those
    required and the days to the due date. A constant number of queries."""
    user = request.user
    if not rules.has_perm("reviews.see_progress", user):
        raise PermissionDenied
    today = timezone.localdate()
    # Never the applications of the user's own organisation (as for the round page).
    applications = selectors.application_progress(roles.organization_ids(user))
    page = Paginator(applications, PROGRESS_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.required = row.programme.reviews_required
        row.days_left = (row.next_due_on - today).days if row.next_due_on else None
        row.overdue_days = -row.days_left if row.days_left is not None else None
    context = {
        "reviewers": list(selectors.reviewer_progress(today)),
        "page": page,
        "due_soon_days": selectors.DUE_SOON_DAYS,
    }
    return render(request, "reviews/progress.html", context)


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
    if context["may_decline"]:
        context["decline_form"] = forms.DeclineForm()
    # Every declaration of the reviewer on this application, corrected ones included.
    context["declarations"] = selectors.declaration_history(
        application, user=assignment.reviewer, role=ConflictDeclaration.Role.REVIEWER
    )
    if may_review:
        context["review_form"] = review_form or forms.ReviewForm.for_review(
            review, selectors.review_rubric(assignment)
        )
    if may_read:
        context["facts"] = presenters.facts(application)
        context["documents"] = application_selectors.documents(application)
        earlier = selectors.review_points(list(selectors.earlier_reviews(assignment)))
        context["earlier_reviews"] = [_scored(r) for r in earlier]
        if review is not None:
            others = selectors.review_points(list(selectors.other_reviews(assignment)))
            context["other_reviews"] = [_scored(r) for r in others]
    if rules.has_perm("reviews.read_discussion", user, application):
        context["discussion"] = discussion.context(user, application)
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
    """Declare on conflicts of interest, or correct the declaration (a new one supersedes it)."""
    assignment = selectors.get_own_assignment(request.user, pk)
    was_recused = assignment.status == Assignment.Status.RECUSED
    form = forms.ConflictForm(request.POST)
    if not form.is_valid():
        return _render_assignment(request, assignment, 400, conflict_form=form)
    kind, note = form.cleaned_data["kind"], form.cleaned_data["note"]
    declared, refused = attempt(
        lambda: services.declare_conflict(request.user, assignment, kind, note), form
    )
    if refused is not None:
        return _render_assignment(
            request, assignment, refused.status, conflict_form=form, errors=refused.messages
        )
    if was_recused:
        if kind == ConflictDeclaration.Kind.NONE:
            messages.success(
                request,
                _(
                    "Your correction has been recorded. You remain recused until the "
                    "coordination office assigns you again."
                ),
            )
        else:
            messages.success(request, _("Your correction has been recorded."))
        return redirect("assignment-detail", pk=pk)
    if declared.status == Assignment.Status.RECUSED:
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
    form = forms.DeclineForm(request.POST)
    refused = None
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        _declined, refused = attempt(
            lambda: services.decline_assignment(request.user, assignment, reason), form
        )
    if not form.is_valid() or refused is not None:
        context = _assignment_context(
            request.user, assignment, errors=refused.messages if refused else ()
        )
        if context["may_decline"]:
            context["decline_form"] = form
        status = refused.status if refused else 400
        return render(request, "reviews/assignment.html", context, status=status)
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
    form = forms.ReviewForm(
        request.POST,
        rubric=selectors.review_rubric(assignment),
        review=selectors.own_review(assignment),
    )
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


def _round_context(
    user, application, assign_form=None, close_form=None, errors=(), start_errors=()
):
    current, earlier = [], []
    assignments = list(selectors.round_assignments(application))
    selectors.review_points([selectors.own_review(a) for a in assignments])
    for assignment in assignments:
        assignment.submitted_review = _scored(selectors.own_review(assignment))
        if assignment.round == application.submission_count:
            current.append(assignment)
        else:
            earlier.append(assignment)
    # Every declaration (reviewers and board, corrected ones included) and who is flagged for
    # having declared a conflict towards the company: two queries.
    declarations = selectors.declaration_history(application)
    conflicted = selectors.current_conflicted(declarations, application.submission_count)
    flagged = selectors.conflict_flags([application.organization_id])[application.organization_id]
    # A recused reviewer who corrected the declaration to "no conflict" may be assigned again.
    busy = {a.reviewer_id for a in current if a.is_active or a.reviewer_id in conflicted}
    candidates = [user for user in services.reviewer_candidates(application) if user.pk not in busy]
    for candidate in candidates:
        candidate.conflict_flagged = candidate.pk in flagged
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
        # a refused start, shown once, in the place of the rule it broke
        "start_errors": list(start_errors),
        "today": timezone.localdate(),
        "declarations": declarations,
    }
    if context["may_assign"]:
        context["assign_form"] = assign_form or forms.AssignForm()
        context["assign_form"].offer(candidates)
        context["candidates"] = candidates
        context["flagged_candidates"] = [c for c in candidates if c.conflict_flagged]
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
        return _render_round(request, application, refused.status, start_errors=refused.messages)
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


# ----- the discussion ----------------------------------------------------------------------


def _discussion_application(request, pk):
    application = application_selectors.get_visible_application(request.user, pk)
    if not rules.has_perm("reviews.read_discussion", request.user, application):
        raise PermissionDenied(
            _("The discussion is open to you once you have submitted your own review.")
        )
    return application


def _back_url(user, application):
    """Where the discussion page links back to: the reviewer's assignment, else the page."""
    assignment = (
        Assignment.objects.filter(
            application=application, reviewer=user, round=application.submission_count
        )
        .only("pk")
        .first()
    )
    if assignment is not None:
        return reverse("assignment-detail", args=[assignment.pk])
    return reverse("application-detail", args=[application.pk])


def _render_discussion(request, application, form=None, status=200, errors=()):
    context = discussion.context(request.user, application, link=False)
    context["form"] = form or forms.PostForm()
    context["errors"] = list(errors)
    context["back_url"] = _back_url(request.user, application)
    return render(request, "reviews/discussion.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def discussion_page(request, pk):
    """The application's discussion; POST writes a post."""
    application = _discussion_application(request, pk)
    if request.method != "POST":
        return _render_discussion(request, application)
    form = forms.PostForm(request.POST)
    if not form.is_valid():
        return _render_discussion(request, application, form, 400)
    body = form.cleaned_data["body"]
    post, refused = attempt(lambda: services.add_post(request.user, application, body), form)
    if refused is not None:
        return _render_discussion(request, application, form, refused.status, refused.messages)
    messages.success(request, _("Your post has been published."))
    return redirect(reverse("review-discussion", args=[pk]) + f"#post-{post.pk}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_edit(request, pk):
    """Change one's own post (the earlier text stays visible)."""
    post = selectors.get_post(pk)
    application = _discussion_application(request, post.application_id)
    if post.author_id != request.user.pk:
        raise PermissionDenied(_("You can only change your own posts."))
    if request.method != "POST":
        form = forms.PostForm(initial={"body": post.body})
        return _render_post_edit(request, application, post, form)
    form = forms.PostForm(request.POST)
    if not form.is_valid():
        return _render_post_edit(request, application, post, form, 400)
    body = form.cleaned_data["body"]
    _edited, refused = attempt(lambda: services.edit_post(request.user, post, body), form)
    if refused is not None:
        return _render_post_edit(request, application, post, form, refused.status, refused.messages)
    messages.success(request, _("Your post has been changed; the earlier text stays visible."))
    return redirect(reverse("review-discussion", args=[application.pk]) + f"#post-{post.pk}")


def _render_post_edit(request, application, post, form, status=200, errors=()):
    context = {
        "application": application,
        "post": post,
        "form": form,
        "errors": list(errors),
        "may_post": rules.has_perm("reviews.post", request.user, application),
    }
    return render(request, "reviews/post_edit.html", context, status=status)


# ----- the programme's scoring rubric ------------------------------------------------------


def _rubric_programme(request, pk):
    programme = get_object_or_404(Programme, pk=pk)
    if not rules.has_perm("reviews.manage_rubric", request.user, programme):
        raise PermissionDenied
    return programme


def _put_rubric_errors(formset, ordered, refused_errors):
    """Put the service's ``criteria.<index>.<field>`` messages beside the fields."""
    messages_above = []
    for key, texts in refused_errors.items():
        parts = key.split(".") if isinstance(key, str) else []
        if len(parts) == 3 and parts[0] == "criteria" and int(parts[1]) < len(ordered):
            form = ordered[int(parts[1])]
            field = "labels_de" if parts[2] == "labels" else parts[2]
            for text in texts:
                form.add_error(field if field in form.fields else None, text)
        else:
            messages_above.extend(texts)
    return messages_above


def _render_rubric(request, programme, formset, status=200, errors=()):
    context = {
        "programme": programme,
        "rubric": selectors.current_rubric(programme),
        "versions": list(selectors.rubric_versions(programme)),
        "formset": formset,
        "errors": list(errors),
    }
    context["in_use"] = bool(context["versions"]) and context["versions"][0].review_count > 0
    return render(request, "reviews/rubric.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rubric_edit(request, pk):
    """The programme's current rubric as a form: add, change, remove and reorder criteria.
    Saving a rubric that reviews use makes a new version (the service decides)."""
    programme = _rubric_programme(request, pk)
    if request.method != "POST":
        formset = forms.criterion_formset(selectors.current_rubric(programme))
        return _render_rubric(request, programme, formset)
    formset = forms.criterion_formset(data=request.POST)
    if not formset.is_valid():
        return _render_rubric(request, programme, formset, 400)
    ordered = list(formset.ordered_forms)
    criteria = [form.criterion() for form in ordered]
    before = selectors.current_rubric(programme)
    try:
        rubric = services.save_rubric(request.user, programme, criteria)
    except RuleViolation as violation:
        above = _put_rubric_errors(formset, ordered, violation.errors)
        return _render_rubric(request, programme, formset, 422, above)
    if before is not None and rubric.pk != before.pk:
        messages.success(
            request,
            _(
                "Reviews use the previous version, so the rubric has been saved as version "
                "%(version)s; those reviews keep theirs."
            )
            % {"version": rubric.version},
        )
    else:
        messages.success(request, _("The scoring rubric has been saved."))
    return redirect(reverse("programme-settings", args=[programme.pk]) + "#section-rubric")


# ----- the assignment proposal -------------------------------------------------------------


def _proposal_label(user):
    """A reviewer in a row's select: the name and their open assignments now."""
    name = user.get_full_name() or user.username
    return _("%(name)s · %(open)s open") % {"name": name, "open": user.open_count}


def _render_proposal(request, programme, filter_form, form=None, status=200, errors=()):
    proposal = services.propose_assignments(request.user, programme)
    users = {reviewer.pk: reviewer for reviewer in proposal.reviewers}
    if form is None:
        form = forms.ProposalForm(rows=[(r.application.pk, r.reviewer.pk) for r in proposal.rows])
    form.offer(proposal.choices, _proposal_label, users)
    reasons = {(row.application.pk, row.reviewer.pk): row for row in proposal.rows}
    applications = {row.application.pk: row.application for row in proposal.rows}
    wanted = {form.application_id(index) for index in range(form.row_count)}
    wanted.discard(None)
    if wanted - set(applications):
        applications.update(selectors.applications_by_id(wanted - set(applications)))
    lines = []
    for index in range(form.row_count):
        application_id = form.application_id(index)
        application = applications.get(application_id)
        name = (application.reference or application.title) if application else "—"
        label = _("Reviewer for %(application)s") % {"application": name}
        form.fields[f"row-{index}"].widget.attrs["aria-label"] = label
        field = form[f"row-{index}"]
        try:
            reviewer_id = int(field.value())
        except (TypeError, ValueError):
            reviewer_id = None
        lines.append(
            {
                "application": application,
                "hidden": form[f"application-{index}"],
                "field": field,
                "reason": reasons.get((application_id, reviewer_id)),
            }
        )
    lacking = {application.pk: application for application in proposal.applications}
    declined = [
        (lacking[pk], reviewer, reason)
        for pk, entries in proposal.declined.items()
        for reviewer, reason in entries
    ]
    context = {
        "proposal": proposal,
        "programme": programme,
        "filter_form": filter_form,
        "form": form,
        "lines": lines,
        "declined": declined,
        "errors": list(errors),
    }
    return render(request, "reviews/proposal.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal(request):
    """The office's proposal: every application lacking reviewers with the reviewers proposed
    for it; rows can be changed or removed; one button assigns them all."""
    if not rules.has_perm("reviews.propose_assignments", request.user):
        raise PermissionDenied
    filter_form = forms.ProgrammeFilterForm(request.GET or None, programmes=selectors.programmes())
    programme = filter_form.cleaned_data["programme"] if filter_form.is_valid() else None
    if request.method != "POST":
        return _render_proposal(request, programme, filter_form)
    form = forms.ProposalForm(request.POST)
    if not form.is_valid():
        return _render_proposal(request, programme, filter_form, form, 400)
    rows = {f"row-{index}": (application, reviewer) for index, application, reviewer in form.rows()}
    assigned, refused = attempt(lambda: services.confirm_proposal(request.user, rows), form)
    if refused is not None:
        return _render_proposal(
            request, programme, filter_form, form, refused.status, refused.messages
        )
    messages.success(
        request,
        ngettext(
            "%(n)s reviewer has been assigned and informed.",
            "%(n)s reviewers have been assigned and informed.",
            assigned,
        )
        % {"n": assigned},
    )
    url = reverse("review-proposal")
    return redirect(f"{url}?programme={programme.pk}" if programme else url)


# ----- sectors -----------------------------------------------------------------------------


def _sector_forms(sectors, posted=None):
    result = []
    for sector in sectors:
        initial = {"name_de": sector.name_de, "name_en": sector.name_en, "active": sector.active}
        form = forms.SectorEditForm(initial=initial, prefix=f"sector-{sector.pk}")
        if posted is not None and posted.prefix == form.prefix:
            form = posted
        result.append((sector, form))
    return result


def _render_sectors(request, add_form=None, edit_form=None, status=200):
    context = {
        "sectors": _sector_forms(selectors.sectors(), edit_form),
        "add_form": add_form or forms.SectorForm(prefix="new"),
    }
    return render(request, "reviews/sectors.html", context, status=status)


def _sector_manager(request):
    if not rules.has_perm("reviews.manage_sectors", request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def sectors(request):
    """The office keeps the list of sectors: list and add."""
    _sector_manager(request)
    if request.method != "POST":
        return _render_sectors(request)
    form = forms.SectorForm(request.POST, prefix="new")
    if not form.is_valid():
        return _render_sectors(request, add_form=form, status=400)
    data = form.cleaned_data
    _sector, refused = attempt(
        lambda: services.create_sector(request.user, data["name_de"], data["name_en"]), form
    )
    if refused is not None:
        return _render_sectors(request, add_form=form, status=refused.status)
    messages.success(request, _("The sector has been added."))
    return redirect("review-sectors")


@login_required
@require_POST
def sector_edit(request, pk):
    """Rename a sector or stop offering it."""
    _sector_manager(request)
    sector = get_object_or_404(selectors.sectors(), pk=pk)
    form = forms.SectorEditForm(request.POST, prefix=f"sector-{sector.pk}")
    if not form.is_valid():
        return _render_sectors(request, edit_form=form, status=400)
    data = form.cleaned_data
    _sector, refused = attempt(
        lambda: services.update_sector(
            request.user, sector, data["name_de"], data["name_en"], data["active"]
        ),
        form,
    )
    if refused is not None:
        return _render_sectors(request, edit_form=form, status=refused.status)
    messages.success(request, _("The sector has been saved."))
    return redirect("review-sectors")


# ----- the reviewer's profile for the proposal ---------------------------------------------


@login_required
@require_POST
def reviewer_profile(request):
    """Save the reviewer's sectors and availability (the form is on the profile page)."""
    if not rules.has_perm("reviews.edit_reviewer_profile", request.user):
        raise PermissionDenied
    form = forms.reviewer_profile_form(request.user, request.POST)
    refused = None
    if form.is_valid():
        data = form.cleaned_data
        _profile, refused = attempt(
            lambda: services.update_reviewer_profile(
                request.user, data["sectors"], data["available_from"], data["note"]
            ),
            form,
        )
        if refused is None:
            messages.success(request, _("Your reviewer profile has been saved."))
            return redirect(f"{reverse('profile')}#profile-reviewer_profile")
    status = refused.status if refused else 400
    context = {"section": {"form": form}}
    return render(request, "reviews/reviewer_profile.html", context, status=status)
