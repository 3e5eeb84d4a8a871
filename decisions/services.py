"""Use cases of the board: propose, confirm or object to a decision; the letter it writes.

Each keeps the services' shape (lock the rows in a fixed order: application, then programme,
then decision; state 409, permission 403, rules 422; transition and log; work on commit) and
lists its effects in its docstring. A return or withdrawal voids an open proposal
(``signals``), in the transition's own transaction.
"""

import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import checks, history_notes
from applications.models import State
from applications.services import ensure_perm, ensure_transition, locked, on_commit
from funding.errors import RuleViolation, StateConflict
from funding.models import Programme
from notifications.services import notify
from reviews import selectors as review_selectors
from reviews.models import ConflictDeclaration
from reviews.services import record_declaration

from . import selectors, tasks
from .models import Decision, DecisionLetter

logger = logging.getLogger(__name__)


def _approval_violations(app, amount, programme, reserved):
    errors = []
    if amount is None or amount <= 0:
        return {"amount": [_("The granted amount must be greater than zero.")]}
    if amount > app.requested_amount:
        errors.append(
            _("The granted amount may not exceed the requested amount of %(amount)s.")
            % {"amount": checks.euro(app.requested_amount)}
        )
    remaining = programme.budget - selectors.committed_budget(programme) - reserved
    if amount > remaining:
        errors.append(
            _("The granted amount exceeds the remaining budget of %(amount)s.")
            % {"amount": checks.euro(max(remaining, Decimal("0")))}
        )
    headroom = selectors.de_minimis_headroom(app)
    if amount > headroom:
        errors.append(
            _("The granted amount exceeds the de minimis headroom of %(amount)s.")
            % {"amount": checks.euro(max(headroom, Decimal("0")))}
        )
    return {"amount": errors} if errors else {}


DECISION_TERMS = ("instrument", "loan_term_months", "interest_rate", "grace_period_months")


def propose_decision(user, application, outcome, amount=None, conditions="", reasons="", **terms):
    """A board member proposes approval or rejection; without four eyes it takes effect at once.

    Effects: application, then programme locked; state 409, ``decisions.decide`` 403, an open
    proposal 409, the decision's rules 422 (budget counts open proposals as reserved); a
    ``Decision`` (open) for the current version; the mail ``decision_proposed`` written to the
    outbox.
    Without four eyes it is confirmed at once (see ``confirm_decision``).
    """
    with transaction.atomic():
        app = locked(application)
        method = app.approve if outcome == Decision.Outcome.APPROVE else app.reject
        if outcome not in Decision.Outcome.values:
            raise RuleViolation({"outcome": [_("Please choose approve or reject.")]})
        ensure_transition(method, user)
        # Before the rules: an open proposal of this application would count as reserved.
        if app.decisions.filter(status=Decision.Status.OPEN).exists():
            raise StateConflict(_("A decision has already been proposed for this application."))
        programme = Programme.objects.select_for_update().get(pk=app.programme_id)
        if outcome == Decision.Outcome.APPROVE:
            errors = _approval_violations(
                app, amount, programme, selectors.reserved_budget(programme)
            )
        else:
            errors = {} if (reasons or "").strip() else {"reasons": [_("Please give reasons.")]}
        if errors:
            raise RuleViolation(errors)
        decision = Decision.objects.create(
            application=app,
            application_version=app.versions.get(number=app.submission_count),
            outcome=outcome,
            amount=amount if outcome == Decision.Outcome.APPROVE else None,
            conditions=(conditions or "").strip(),
            reasons=(reasons or "").strip(),
            proposed_by=user,
            **{name: terms.get(name, getattr(app, name)) for name in DECISION_TERMS},
        )
        if not programme.four_eyes:
            return _confirm(user, app, programme, decision)
        notify("decision_proposed", decision)
    return decision


def confirm_decision(user, decision):
    """A second board member confirms: the transition fires and the letter is queued.

    Effects: application, programme and decision locked (in this order); 409 unless the
    proposal is open or the state allows it, ``decisions.decide`` 403, the proposer 403, the
    budget and de minimis 422; transition ``approve`` or ``reject`` logged naming both members;
    the decision ``confirmed``; a ``DecisionLetter`` (pending); the letter queued on commit
    (the letter sweep re-queues it if the broker is down).
    """
    with transaction.atomic():
        app = locked(decision.application)
        programme = Programme.objects.select_for_update().get(pk=app.programme_id)
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.status != Decision.Status.OPEN:
            raise StateConflict(_("This proposal is no longer open."))
        method = app.approve if decision.outcome == Decision.Outcome.APPROVE else app.reject
        ensure_transition(method, user)
        if decision.proposed_by_id == user.pk:
            raise PermissionDenied(_("A second board member must confirm the proposal."))
        if decision.outcome == Decision.Outcome.APPROVE:
            errors = _approval_violations(
                app,
                decision.amount,
                programme,
                selectors.reserved_budget(programme, exclude=decision),
            )
            if errors:
                raise RuleViolation(errors)
        return _confirm(user, app, programme, decision)


def _confirm(user, app, programme, decision):
    method = app.approve if decision.outcome == Decision.Outcome.APPROVE else app.reject
    name = user.get_full_name() or user.username
    if decision.proposed_by_id == user.pk:
        note = history_notes.note("decided_by", user=name)
    else:
        proposer = decision.proposed_by.get_full_name() or decision.proposed_by.username
        note = history_notes.note("confirmed_by", proposer=proposer, user=name)
    method(by=user, description=note)
    app.save()
    decision.status = Decision.Status.CONFIRMED
    decision.confirmed_by = user
    decision.confirmed_at = timezone.now()
    decision.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    letter = DecisionLetter.objects.create(
        application=app,
        decision=decision,
        number=app.letters.count() + 1,
        language=app.organization.language,
    )
    on_commit(lambda: _queue_letter(letter.pk))
    return decision


def _queue_letter(letter_id):
    """Queue the letter task; a broker error is logged, the letter sweep catches up."""
    try:
        tasks.generate_decision_letter.delay(letter_id)
    except Exception as error:  # the broker is down: the letter stays pending or rendered
        logger.warning(
            "Letter %s not queued (%s: %s); the letter sweep will produce it",
            letter_id,
            type(error).__name__,
            error,
        )


# A letter the office may send again (sent, uncertain) or render again (failed).
RESENDABLE = (
    DecisionLetter.Status.SENT,
    DecisionLetter.Status.UNCERTAIN,
    DecisionLetter.Status.FAILED,
)
COMMAND = "manage.py resend_letter"


def resend_letter(user, letter):
    """The office sends a letter once more, or has a failed one rendered again.

    ``user`` is None only for ``manage.py resend_letter`` (the operator: no permission check,
    recorded as the command). Effects: application and letter locked (in this order); 409
    unless the letter is sent, uncertain or failed; ``decisions.resend_letter`` 403; a sent or
    uncertain letter back to ``rendered`` (its stored bytes are mailed again, never rendered
    again: the company may receive it twice), a failed one back to ``pending`` with its
    attempts reset (rendered, then mailed); an entry in the letter's ``history`` (who, when,
    from which status) and a log line; the letter task queued on commit (the sweep re-queues
    it if the broker is down). Returns the letter.
    """
    with transaction.atomic():
        app = locked(letter.application)
        letter = DecisionLetter.objects.select_for_update().get(pk=letter.pk)
        if letter.status not in RESENDABLE:
            raise StateConflict(_("This letter is still being produced or sent. Please wait."))
        if user is not None:
            ensure_perm(
                "decisions.resend_letter",
                user,
                app,
                _("Only the coordination office can send a letter again."),
            )
        previous = letter.status
        failed = previous == DecisionLetter.Status.FAILED
        letter.history = [
            *letter.history,
            {
                "action": "render_again" if failed else "resend",
                "from": previous,
                "by": user.pk if user is not None else None,
                "name": (user.get_full_name() or user.get_username()) if user else COMMAND,
                "at": timezone.now().isoformat(),
                "sent_at": letter.sent_at.isoformat() if letter.sent_at else None,
            },
        ]
        if failed:
            letter.status, letter.attempts = DecisionLetter.Status.PENDING, 0
        else:
            letter.status = DecisionLetter.Status.RENDERED
        letter.claimed_at = None
        letter.save(update_fields=["status", "attempts", "claimed_at", "history"])
        logger.warning(
            "Letter %s (%s, letter %s): %s by %s (was %s)",
            letter.pk,
            app.reference,
            letter.number,
            "rendering again" if failed else "sending again",
            letter.history[-1]["name"],
            previous,
        )
        on_commit(lambda: _queue_letter(letter.pk))
    return letter


def object_to_decision(user, decision, note):
    """A second board member objects: the proposal closes and a new one can be made.

    Effects: application and decision locked; 409 unless open, ``decisions.decide`` 403, the
    proposer 403, a note 422; the decision ``objected`` with the note. No transition.
    """
    with transaction.atomic():
        app = locked(decision.application)
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.status != Decision.Status.OPEN:
            raise StateConflict(_("This proposal is no longer open."))
        ensure_perm("decisions.decide", user, app, _("You may not decide this application."))
        if decision.proposed_by_id == user.pk:
            raise PermissionDenied(_("Only another board member can object."))
        if not (note or "").strip():
            raise RuleViolation({"note": [_("Please say why you object.")]})
        decision.status = Decision.Status.OBJECTED
        decision.confirmed_by = user
        decision.confirmed_at = timezone.now()
        decision.closing_note = note.strip()
        decision.save(update_fields=["status", "confirmed_by", "confirmed_at", "closing_note"])
    return decision


def declare_board_conflict(user, application, kind, note=""):
    """A board member declares on conflicts of interest for the application's current round, or
    corrects the declaration (a new one superseding it; nothing is edited).

    ``kind``: a ``reviews.models.ConflictDeclaration.Kind`` ("other" needs a note). A declared
    conflict stands for the round: it may be corrected to another type of conflict, never back
    to "no conflict" (422); a resubmission starts a new round and a new declaration.

    Effects: the application locked; 409 unless awaiting the decision;
    ``decisions.declare`` 403 (the applicant's people and whoever reviewed it are kept out
    already); the rules 422; the ``ConflictDeclaration`` (role "board") and a log line. A new
    conflict recuses the member: their own open proposal ``void`` (with a note), a log line
    and the mail ``board_recused`` to the coordination office. Returns the declaration.
    """
    with transaction.atomic():
        app = locked(application)
        if app.state != State.AWAITING_DECISION:
            raise StateConflict(
                _("The board declares on conflicts while the application awaits the decision.")
            )
        ensure_perm(
            "decisions.declare",
            user,
            app,
            _("You cannot declare on conflicts of interest for this application."),
        )
        previous = review_selectors.current_declaration(
            app.pk, user.pk, app.submission_count, ConflictDeclaration.Role.BOARD
        )
        had_conflict = previous is not None and previous.kind != ConflictDeclaration.Kind.NONE
        if had_conflict and kind == ConflictDeclaration.Kind.NONE:
            raise RuleViolation(
                {
                    "kind": [
                        _(
                            "A declared conflict of interest stands for this round; you can "
                            "only correct its type."
                        )
                    ]
                }
            )
        declaration, _previous = record_declaration(
            app, user, ConflictDeclaration.Role.BOARD, kind, note
        )
        if kind != ConflictDeclaration.Kind.NONE and not had_conflict:
            voided = Decision.objects.filter(
                application=app, status=Decision.Status.OPEN, proposed_by=user
            ).update(
                status=Decision.Status.VOID,
                closing_note=_("Void: the proposer declared a conflict of interest."),
            )
            logger.warning(
                "Board member %s recused from application %s round %s (%s)%s",
                user.pk,
                app.pk,
                app.submission_count,
                kind,
                "; their open proposal is void" if voided else "",
            )
            notify("board_recused", declaration)
    return declaration
