"""The board's pages: the queue, the decision page, confirming and objecting to a proposal;
and the download of a decision letter.

Board members only (others: 403); an application the board may not see answers 404. A member
who may not decide an application (separation of duties) reads it but cannot act (POST: 403).
Refused forms are re-rendered with what the user typed: 400 invalid input, 422 a rule refused
it, 409 the state no longer allows it.
"""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applications import checks as application_checks
from applications import selectors as application_selectors
from applications.models import State
from applications.services import may_fire
from funding import roles
from funding.audit import Action, log_access
from funding.errors import StateConflict
from funding.web import attempt
from reviews import selectors as review_selectors
from reviews import summary
from reviews.models import ConflictDeclaration
from reviews.rules import reviewed_it

from . import panels, selectors, services
from .forms import BoardDeclarationForm, DecisionForm, ObjectionForm
from .models import Decision

PAGE_SIZE = 50
NO_CONFLICT = ConflictDeclaration.Kind.NONE


def _require_board(user):
    if not rules.has_perm("decisions.use_board_pages", user):
        raise PermissionDenied(_("Only members of the board may open the board's pages."))


def _require_decider(user, application):
    if not rules.has_perm("decisions.decide", user, application):
        raise PermissionDenied(_("You may not decide this application."))


@login_required
def queue(request):
    """Applications awaiting a decision with their review summary: the longest waiting first,
    or (``?sort=mean`` / ``?sort=disagreement``) the highest mean or the disagreeing first."""
    user = request.user
    _require_board(user)
    sort = selectors.queue_sort(request.GET.get("sort"))
    todo = request.GET.get("todo")
    where = panels.board_todo_conditions(user).get(todo) if todo else None
    todo = todo if where is not None else None
    page = selectors.board_queue_page(user, sort, request.GET, per_page=PAGE_SIZE, where=where)
    now = timezone.now()
    own_organizations = roles.organization_ids(user)
    for row in page:
        row.waiting_days = (now - row.awaiting_since).days if row.awaiting_since else None
        row.recommendations = summary.recommendation_counts(row)
        row.quota_flags = application_checks.flags(row)
        # ``decisions.decide`` and ``decisions.read_application`` for a whole page in SQL: not
        # reviewed it, not of the applicant, declared no conflict. Who may not decide it reads
        # only what identifies it.
        row.separated = row.user_reviewed or row.organization_id in own_organizations
        row.may_decide = row.user_declared_none and not row.separated
        row.own_proposal = row.has_open_proposal and row.proposer_id == user.pk
        row.proposal_outcome_label = (
            Decision.Outcome(row.proposal_outcome).label if row.proposal_outcome else ""
        )
    context = {
        "page": page,
        "max_score": summary.MAX_SCORE,
        "sort": sort,
        "query": "&".join(
            part
            for part in (
                "" if sort == selectors.DEFAULT_SORT else f"sort={sort}",
                f"todo={todo}" if todo else "",
            )
            if part
        ),
        "todo": todo,
        "sorts": [
            ("waiting", _("longest waiting first")),
            ("mean", _("highest mean total first")),
            ("disagreement", _("disagreement first")),
        ],
    }
    return render(request, "board/queue.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def decide(request, pk):
    """The application's facts, its reviews, the budget and the decision (or the proposal)."""
    user = request.user
    _require_board(user)
    application = application_selectors.get_visible_application(user, pk)
    if request.method != "POST":
        return _render_decide(request, application)
    _require_decider(user, application)
    form = DecisionForm(request.POST, application=application)
    if not form.is_valid():
        return _render_decide(request, application, form=form, status=400)
    outcome, arguments = form.cleaned_data["outcome"], form.service_arguments()
    decision, refused = attempt(
        lambda: services.propose_decision(user, application, outcome, **arguments), form
    )
    if refused is not None:
        application.refresh_from_db()
        return _render_decide(request, application, form=form, status=refused.status)
    if decision.status == Decision.Status.CONFIRMED:
        messages.success(request, _decided_message(decision))
    else:
        messages.success(
            request, _("Your proposal has been recorded. A second board member must confirm it.")
        )
    return redirect("board-decide", pk=application.pk)


@login_required
@require_POST
def confirm(request, pk):
    """A second board member confirms an open proposal: the decision takes effect."""
    user = request.user
    decision = _decision_to_act_on(user, pk)
    application = decision.application
    decision, refused = attempt(lambda: services.confirm_decision(user, decision))
    if refused is not None:
        application.refresh_from_db()
        return _render_decide(
            request, application, problems=refused.messages, status=refused.status
        )
    messages.success(request, _decided_message(decision))
    return redirect("board-decide", pk=application.pk)


@login_required
@require_POST
def object_to(request, pk):
    """A second board member objects to an open proposal (with a note): the proposal closes."""
    user = request.user
    decision = _decision_to_act_on(user, pk)
    application = decision.application
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        return _render_decide(request, application, objection_form=form, status=400)
    note = form.cleaned_data["note"]
    _objected, refused = attempt(lambda: services.object_to_decision(user, decision, note))
    if refused is not None:
        application.refresh_from_db()
        if refused.status == 422:
            form.add_error("note", refused.messages[0])
            return _render_decide(request, application, objection_form=form, status=422)
        return _render_decide(
            request, application, problems=refused.messages, status=refused.status
        )
    messages.success(
        request,
        _("Your objection has been recorded. The proposal is closed; a new one can be made."),
    )
    return redirect("board-decide", pk=application.pk)


def _decision_to_act_on(user, pk):
    """A decision of an application the user sees (else 404), if they may decide it (else 403)."""
    _require_board(user)
    decision = selectors.get_visible_decision(user, pk)
    _require_decider(user, decision.application)
    return decision


def _decided_message(decision):
    if decision.outcome == Decision.Outcome.APPROVE:
        return _("The application has been approved. The decision letter is being produced.")
    return _("The application has been rejected. The decision letter is being produced.")


def _read_only_reason(user, application, declaration=None):
    """Why a board member may neither read nor decide it: separation of duties, a declared
    conflict, or no declaration yet (``declaration``: their current one for the round)."""
    if rules.has_perm("applications.act_for", user, application):
        return _(
            "You belong to the applicant organisation and therefore cannot read the board's "
            "documents on this application or decide on it (separation of duties)."
        )
    if reviewed_it(user, application):
        return _(
            "You were asked to review this application and therefore cannot read the board's "
            "documents on it or decide on it (separation of duties)."
        )
    if declaration is not None and declaration.kind != ConflictDeclaration.Kind.NONE:
        return _(
            "You have declared a conflict of interest for this application. You see only its "
            "reference, title and company and take no part in its decision; the coordination "
            "office has been informed."
        )
    return _(
        "Before you can read this application and propose, confirm or object to a decision, "
        "please declare whether you have a conflict of interest. Until then you see only its "
        "reference, title and company."
    )


def _declaration_context(user, application, declaration_form=None):
    """The board member's declaration on the board's pages: the current one, the history and
    the form (the conflict types only once a conflict is declared)."""
    declaration = review_selectors.current_declaration(
        application.pk, user.pk, application.submission_count, ConflictDeclaration.Role.BOARD
    )
    context = {
        "declaration": declaration,
        "declarations": review_selectors.declaration_history(
            application, user=user, role=ConflictDeclaration.Role.BOARD
        ),
        "declaration_form": None,
    }
    if rules.has_perm("decisions.declare", user, application):
        conflicted = declaration is not None and declaration.kind != ConflictDeclaration.Kind.NONE
        context["declaration_form"] = declaration_form or BoardDeclarationForm(
            conflicts_only=conflicted
        )
    return context


@login_required
@require_POST
def declare(request, pk):
    """A board member declares on conflicts of interest for the application (or corrects it)."""
    user = request.user
    _require_board(user)
    application = application_selectors.get_visible_application(user, pk)
    form = BoardDeclarationForm(request.POST)
    if not form.is_valid():
        return _render_decide(request, application, declaration_form=form, status=400)
    kind, note = form.cleaned_data["kind"], form.cleaned_data["note"]
    declaration, refused = attempt(
        lambda: services.declare_board_conflict(user, application, kind, note), form
    )
    if refused is not None:
        application.refresh_from_db()
        return _render_decide(request, application, declaration_form=form, status=refused.status)
    previous = declaration.supersedes
    if kind == NO_CONFLICT and previous is None:
        messages.success(request, _("Thank you. You can now read the application and decide."))
    elif previous is not None and (kind == NO_CONFLICT or previous.kind != NO_CONFLICT):
        messages.success(request, _("Your correction has been recorded."))
    else:
        messages.success(
            request,
            _(
                "You have declared a conflict of interest. You take no part in this decision; "
                "the coordination office has been informed."
            ),
        )
    return redirect("board-decide", pk=application.pk)


def _render_decide(
    request,
    application,
    form=None,
    objection_form=None,
    problems=(),
    status=200,
    declaration_form=None,
):
    user = request.user
    declared = _declaration_context(user, application, declaration_form)
    if not rules.has_perm("decisions.read_application", user, application):
        # Separation of duties, a declared conflict or no declaration yet: reference, title
        # and company only (and the declaration form where one may declare).
        reason = _read_only_reason(user, application, declared["declaration"])
        context = {"application": application, "reason": reason, **declared}
        return render(request, "board/decide_limited.html", context, status=status)
    log_access(user, Action.VIEW, application=application)
    may_decide = rules.has_perm("decisions.decide", user, application)
    awaiting = application.state == State.AWAITING_DECISION
    decisions = selectors.decisions(application)
    open_proposal = next((d for d in decisions if d.status == Decision.Status.OPEN), None)
    confirmed = next((d for d in decisions if d.status == Decision.Status.CONFIRMED), None)
    closed = [d for d in decisions if d.status in (Decision.Status.OBJECTED, Decision.Status.VOID)]
    own_proposal = open_proposal is not None and open_proposal.proposed_by_id == user.pk
    can_act = awaiting and may_decide
    if form is None and can_act and open_proposal is None:
        form = DecisionForm(application=application)
    if objection_form is None and can_act and open_proposal is not None and not own_proposal:
        objection_form = ObjectionForm()
    programme = application.programme
    committed = selectors.committed_budget(programme)
    reserved = selectors.reserved_budget(programme)
    context = {
        **declared,
        "application": application,
        "summary": summary.summary_for(application),
        "awaiting": awaiting,
        "may_decide": may_decide,
        "open_proposal": open_proposal,
        "own_proposal": own_proposal,
        "confirmed": confirmed,
        "closed_proposals": closed,
        "form": form,
        "objection_form": objection_form,
        "problems": problems,
        "may_return": can_act and may_fire(application.return_for_revision, user),
        "budget": {
            "total": programme.budget,
            "committed": committed,
            "remaining": programme.budget - committed,
            "reserved": reserved,
        },
        "de_minimis_headroom": selectors.de_minimis_headroom(application),
        "four_eyes": programme.four_eyes,
        "waiting_days": (
            (timezone.now() - application.awaiting_since).days
            if awaiting and application.awaiting_since
            else None
        ),
    }
    return render(request, "board/decide.html", context, status=status)


@login_required
def letter_download(request, pk, letter_pk):
    """The stored bytes of a letter, for whoever may read the application's letters."""
    letter = selectors.get_visible_letter(request.user, pk, letter_pk)
    if not letter.file:
        raise StateConflict(_("The letter has not been produced yet."))
    filename = f"Bescheid-{letter.application.reference}-{letter.number}.pdf"
    log_access(request.user, Action.LETTER, application=letter.application, detail=filename)
    return FileResponse(
        letter.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def letter_resend(request, pk, letter_pk):
    """The office sends a letter once more (sent or uncertain) or renders a failed one again.

    GET shows what will happen, with the warning that the company may receive the letter
    twice; POST does it (``services.resend_letter``: 409 unless sent, uncertain or failed).
    Whoever may not read the letters: 404; may read but not resend: 403.
    """
    letter = selectors.get_visible_letter(request.user, pk, letter_pk)
    application = letter.application
    if not rules.has_perm("decisions.resend_letter", request.user, application):
        raise PermissionDenied(_("Only the coordination office can send a letter again."))
    if request.method == "POST":
        letter = services.resend_letter(request.user, letter)
        if letter.status == letter.Status.PENDING:
            messages.success(request, _("The letter is being rendered again and then sent."))
        else:
            messages.success(request, _("The letter is being sent again."))
        return redirect("application-detail", pk=application.pk)
    if letter.status not in services.RESENDABLE:
        raise StateConflict(_("This letter is still being produced or sent. Please wait."))
    context = {"application": application, "letter": letter}
    return render(request, "decisions/letter_resend.html", context)
