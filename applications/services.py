"""Use cases of an application: one function per action.

Each checks the caller's permission and every rule, runs in one transaction, logs the
transition (django-fsm-log) and queues background work on commit.
"""

import datetime
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from funding import roles
from funding.errors import RuleViolation, StateConflict
from funding.models import DocumentKind, Programme

from . import checks, notifications
from . import rules as perms
from .models import (
    EDITABLE_FIELDS,
    EDITABLE_STATES,
    Application,
    ApplicationVersion,
    ConflictDeclaration,
    Decision,
    DecisionLetter,
    Document,
    ReferenceCounter,
)


def ensure_transition(bound_method, user):
    """Refuse a transition: 409 when the state does not allow it, 403 when the role may not."""
    if not can_proceed(bound_method):
        raise StateConflict()
    if not has_transition_perm(bound_method, user):
        raise PermissionDenied(_("You may not do this."))


def may_transition(bound_method, user):
    """Whether the user may fire this transition now (role, object and state)."""
    return has_transition_perm(bound_method, user)


def locked(application):
    """The application's row, locked for this transaction (a no-op on SQLite)."""
    return Application.objects.select_for_update(of=("self",)).get(pk=application.pk)


def on_commit(func):
    transaction.on_commit(func, robust=True)


# ----- drafts ------------------------------------------------------------------------------


def create_application(user, programme, organization, title):
    if organization.pk not in roles.organization_ids(user):
        raise PermissionDenied(_("You may only apply for your own organisation."))
    if not programme.is_open():
        raise RuleViolation([_("The programme is not open for new applications.")])
    title = (title or "").strip()
    if not title:
        raise RuleViolation({"title": [_("Please give the project a title.")]})
    return Application.objects.create(
        programme=programme, organization=organization, created_by=user, title=title
    )


def update_application(user, application, data, expected_version):
    """Save the applicant's edits; a stale version (someone saved in between) answers 409."""
    if not perms.is_member(user, application):
        raise PermissionDenied(_("You may not edit this application."))
    with transaction.atomic():
        app = locked(application)
        if app.state not in EDITABLE_STATES:
            raise StateConflict(_("The application can no longer be edited."))
        if app.version != expected_version:
            raise StateConflict(
                _("Someone else saved this application in the meantime. Please reload it.")
            )
        fields = [name for name in data if name in EDITABLE_FIELDS]
        for name in fields:
            setattr(app, name, data[name])
        app.version += 1
        app.save(update_fields=[*fields, "version", "updated_at"])
    return app


def add_document(user, application, kind, upload):
    if not perms.is_member(user, application):
        raise PermissionDenied(_("You may not add documents to this application."))
    content = upload.read(settings.MAX_UPLOAD_BYTES + 1)
    errors = []
    if kind not in DocumentKind.values:
        errors.append(_("Please choose the kind of document."))
    if len(content) > settings.MAX_UPLOAD_BYTES:
        errors.append(
            _("The file is larger than %(mb)s MB.") % {"mb": settings.MAX_UPLOAD_BYTES // 2**20}
        )
    elif not content.startswith(b"%PDF-"):
        errors.append(_("Only PDF files can be uploaded."))
    if errors:
        raise RuleViolation({"file": errors})
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        app = locked(application)
        if app.state not in EDITABLE_STATES:
            raise StateConflict(_("Documents can only be changed while the application is open."))
        document = Document(
            application=app,
            kind=kind,
            original_name=(upload.name or "document.pdf")[-255:],
            size=len(content),
            sha256=digest,
            uploaded_by=user,
        )
        document.file.save(f"{digest}.pdf", ContentFile(content), save=False)
        document.save()
        Application.objects.filter(pk=app.pk).update(updated_at=timezone.now())
    return document


def remove_document(user, document):
    """Remove a document from an open application; a file a submitted version names stays."""
    application = document.application
    if not perms.is_member(user, application):
        raise PermissionDenied(_("You may not remove documents of this application."))
    with transaction.atomic():
        app = locked(application)
        if app.state not in EDITABLE_STATES:
            raise StateConflict(_("Documents can only be changed while the application is open."))
        document.delete()
        Application.objects.filter(pk=app.pk).update(updated_at=timezone.now())
        frozen = {
            item["sha256"]
            for snap in app.versions.values_list("snapshot", flat=True)
            for item in snap.get("documents", [])
        }
        if document.sha256 not in frozen:
            name, storage = document.file.name, document.file.storage
            on_commit(lambda: storage.delete(name))


# ----- submission ----------------------------------------------------------------------------


def next_reference(year):
    """The next reference number of the year, under a row lock (safe when concurrent)."""
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"RK-{year}-{counter.last:04d}"


def snapshot(application):
    data = {name: _plain(getattr(application, name)) for name in EDITABLE_FIELDS}
    data["organization"] = {
        "name": application.organization.name,
        "legal_form": application.organization.legal_form,
        "register_number": application.organization.register_number,
        "non_profit": application.organization.non_profit,
        "representative": application.organization.representative,
        "address": application.organization.address,
    }
    data["documents"] = [
        {"kind": d.kind, "name": d.original_name, "size": d.size, "sha256": d.sha256}
        for d in application.documents.all()
    ]
    return data


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def submit(user, application, declarations):
    """Hand in a draft or a revision; freezes a numbered version with the declarations."""
    with transaction.atomic():
        app = locked(application)
        ensure_transition(app.submit, user)
        kinds = set(app.documents.values_list("kind", flat=True))
        now = timezone.now()
        errors = checks.submission_violations(app, kinds, declarations, timezone.localdate(now))
        if errors:
            raise RuleViolation(errors)
        first = app.reference is None
        if first:
            app.reference = next_reference(timezone.localdate(now).year)
            app.submitted_at = now
        app.submit(by=user, description=_("Version %(n)s") % {"n": app.submission_count + 1})
        app.submission_count += 1
        app.last_submitted_at = now
        app.return_reason, app.return_deadline = "", None
        app.save()
        ApplicationVersion.objects.create(
            application=app,
            number=app.submission_count,
            snapshot=snapshot(app),
            submitted_by=user,
            submitted_at=now,
            declared_truthful=True,
            declared_de_minimis=True,
            declared_authorized=True,
        )
        on_commit(lambda: notifications.notify("submitted", app))
    return app


def return_for_revision(user, application, reason, deadline):
    """The coordination office (from submitted) or the board (awaiting decision) sends it back."""
    with transaction.atomic():
        app = locked(application)
        ensure_transition(app.return_for_revision, user)
        errors = {}
        if not (reason or "").strip():
            errors["reason"] = [_("Please give the reason for the return.")]
        if deadline is None:
            errors["deadline"] = [_("Please set a deadline for the revision.")]
        elif deadline <= timezone.localdate():
            errors["deadline"] = [_("The deadline must lie in the future.")]
        if errors:
            raise RuleViolation(errors)
        app.return_for_revision(by=user, description=reason.strip())
        app.return_reason, app.return_deadline = reason.strip(), deadline
        app.save()
        app.decisions.filter(status=Decision.Status.OPEN).update(status=Decision.Status.VOID)
        on_commit(lambda: notifications.notify("returned", app))
    return app


def withdraw(user, application, reason=""):
    with transaction.atomic():
        app = locked(application)
        ensure_transition(app.withdraw, user)
        app.withdraw(by=user, description=(reason or "").strip() or None)
        app.save()
        app.decisions.filter(status=Decision.Status.OPEN).update(status=Decision.Status.VOID)
        on_commit(lambda: notifications.notify("withdrawn", app))
    return app


# ----- conflicts of interest (used by reviews) ------------------------------------------------


def declare_conflict(user, application, has_conflict, note=""):
    """Record a reviewer's declaration for the current round (once per round)."""
    declaration, created = ConflictDeclaration.objects.get_or_create(
        application=application,
        user=user,
        round=application.submission_count,
        defaults={"has_conflict": has_conflict, "note": (note or "").strip()},
    )
    if not created:
        raise StateConflict(_("You have already declared on conflicts for this round."))
    return declaration


# ----- board decisions -------------------------------------------------------------------------


def committed_budget(programme):
    """Money already granted by confirmed approvals of the programme."""
    total = Decision.objects.filter(
        application__programme=programme,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.CONFIRMED,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def reserved_budget(programme, exclude=None):
    """Money in open approval proposals (checked at proposal, not yet granted)."""
    qs = Decision.objects.filter(
        application__programme=programme,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.OPEN,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def granted_de_minimis(application):
    """What this fund granted the company after it declared its de minimis aid.

    The declaration at the last submission covers the three years before it; grants of this
    fund confirmed since then are not in it yet and count as well (never twice).
    """
    three_years = timezone.now() - datetime.timedelta(days=3 * 365)
    since = max(three_years, application.last_submitted_at or three_years)
    total = Decision.objects.filter(
        application__organization_id=application.organization_id,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.CONFIRMED,
        confirmed_at__gt=since,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def de_minimis_headroom(application):
    """How much de minimis aid the company may still receive under the programme's ceiling."""
    ceiling = application.programme.de_minimis_ceiling
    return ceiling - application.de_minimis_received - granted_de_minimis(application)


def _approval_violations(app, amount, programme, reserved):
    errors = []
    if amount is None or amount <= 0:
        return {"amount": [_("The granted amount must be greater than zero.")]}
    if amount > app.requested_amount:
        errors.append(
            _("The granted amount may not exceed the requested amount of %(amount)s.")
            % {"amount": checks.euro(app.requested_amount)}
        )
    remaining = programme.budget - committed_budget(programme) - reserved
    if amount > remaining:
        errors.append(
            _("The granted amount exceeds the remaining budget of %(amount)s.")
            % {"amount": checks.euro(max(remaining, Decimal("0")))}
        )
    headroom = de_minimis_headroom(app)
    if amount > headroom:
        errors.append(
            _("The granted amount exceeds the de minimis headroom of %(amount)s.")
            % {"amount": checks.euro(max(headroom, Decimal("0")))}
        )
    return {"amount": errors} if errors else {}


DECISION_TERMS = ("instrument", "loan_term_months", "interest_rate", "grace_period_months")


def propose_decision(user, application, outcome, amount=None, conditions="", reasons="", **terms):
    """A board member proposes approval or rejection; without four eyes it takes effect at once."""
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
            errors = _approval_violations(app, amount, programme, reserved_budget(programme))
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
        on_commit(lambda: notifications.notify("decision_proposed", decision))
    return decision


def confirm_decision(user, decision):
    """A second board member confirms: the transition fires and the letter is queued."""
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
                app, decision.amount, programme, reserved_budget(programme, exclude=decision)
            )
            if errors:
                raise RuleViolation(errors)
        return _confirm(user, app, programme, decision)


def _confirm(user, app, programme, decision):
    method = app.approve if decision.outcome == Decision.Outcome.APPROVE else app.reject
    if decision.proposed_by_id == user.pk:
        note = _("Decided by %(user)s") % {"user": user.get_full_name() or user.username}
    else:
        note = _("Proposed by %(proposer)s, confirmed by %(user)s") % {
            "proposer": decision.proposed_by.get_full_name() or decision.proposed_by.username,
            "user": user.get_full_name() or user.username,
        }
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
    from .tasks import generate_decision_letter

    generate_decision_letter.delay(letter_id)


def object_to_decision(user, decision, note):
    """A second board member objects: the proposal closes and a new one can be made."""
    with transaction.atomic():
        app = locked(decision.application)
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.status != Decision.Status.OPEN:
            raise StateConflict(_("This proposal is no longer open."))
        if not perms.may_decide(user, app):
            raise PermissionDenied(_("You may not decide this application."))
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
