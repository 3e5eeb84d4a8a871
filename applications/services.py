"""Use cases of an application: drafting, submission, return and withdrawal.

One function per action, in the shape every service here keeps: lock the row, check the state
(409) and then the permission (403), check the rules (422), fire the transition (logged by
django-fsm-log in the same transaction), write what belongs to it, and queue background work
with ``on_commit``. Each docstring lists the effects. Later steps react to these transitions
through django-fsm's ``post_transition`` (e.g. reviews close open assignments, decisions void
an open proposal), inside the same transaction.
"""

import hashlib
from decimal import Decimal

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from funding.errors import RuleViolation, StateConflict
from funding.models import DocumentKind, Organization
from notifications.services import notify

from . import checks, history_notes
from .forms import OrganizationForm
from .models import (
    EDITABLE_FIELDS,
    EDITABLE_STATES,
    Application,
    ApplicationVersion,
    Document,
    ReferenceCounter,
)


def ensure_transition(bound_method, user):
    """Refuse a transition: 409 when the state does not allow it, 403 when the role may not."""
    if not can_proceed(bound_method):
        raise StateConflict()
    if not has_transition_perm(bound_method, user):
        raise PermissionDenied(_("You may not do this."))


def may_fire(bound_method, user):
    """Whether the user may fire this transition now (state, role and object)."""
    return can_proceed(bound_method) and has_transition_perm(bound_method, user)


def locked(application):
    """The application's row, locked for this transaction (a no-op on SQLite)."""
    return Application.objects.select_for_update(of=("self",)).get(pk=application.pk)


def on_commit(func):
    transaction.on_commit(func, robust=True)


# ----- drafts ------------------------------------------------------------------------------


def ensure_perm(name, user, obj, message=None):
    """Refuse with 403 unless the registered permission ``name`` allows it."""
    if not rules.has_perm(name, user, obj):
        raise PermissionDenied(message or _("You may not do this."))


def locked_editable(application, user, conflict, refusal):
    """The application's row locked, if it is editable (else 409 ``conflict``) and the user may
    edit it (else 403 ``refusal``): the start of every change of a draft or revision."""
    app = locked(application)
    if app.state not in EDITABLE_STATES:
        raise StateConflict(conflict)
    ensure_perm("applications.edit_draft", user, app, refusal)
    return app


def create_application(user, programme, organization, title):
    """A new draft of the user's organisation (no transition, nothing queued)."""
    if not rules.has_perm("applications.create", user, organization):
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
    """Save the applicant's edits; a stale version (someone saved in between) answers 409.

    Effects: the row locked; the edited fields and ``version + 1`` saved. No transition.
    """
    with transaction.atomic():
        app = locked_editable(
            application,
            user,
            _("The application can no longer be edited."),
            _("You may not edit this application."),
        )
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
    """Store an uploaded PDF with its SHA-256; refused: unknown kind, too large, not a PDF.

    Effects: the row locked; a ``Document`` and its file written; ``updated_at`` touched.
    """
    content = upload.read(settings.MAX_UPLOAD_BYTES + 1)
    with transaction.atomic():
        app = locked_editable(
            application,
            user,
            _("Documents can only be changed while the application is open."),
            _("You may not add documents to this application."),
        )
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
    """Remove a document from an open application; a file a submitted version names stays.

    Effects: the row locked; the ``Document`` deleted; its file deleted on commit unless a
    submitted version names it.
    """
    with transaction.atomic():
        app = locked_editable(
            document.application,
            user,
            _("Documents can only be changed while the application is open."),
            _("You may not remove documents of this application."),
        )
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
    """A field's value as the version's snapshot keeps it (JSON): a related row by its name."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def submit(user, application, declarations):
    """Hand in a draft or a revision (transition ``submit``).

    Effects: the row locked; state 409, ``applications.submit`` 403, every rule 422; the
    reference (first submission, from the locked counter); the transition logged; a frozen
    ``ApplicationVersion`` with the declarations; the mails ``submitted`` (to the office) and
    ``submitted_receipt`` (to the company, with the version's key figures) written to the outbox.
    """
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
        app.submit(by=user, description=history_notes.note("version", n=app.submission_count + 1))
        app.submission_count += 1
        app.last_submitted_at = now
        app.return_reason, app.return_deadline = "", None
        app.save()
        version = ApplicationVersion.objects.create(
            application=app,
            number=app.submission_count,
            snapshot=snapshot(app),
            submitted_by=user,
            submitted_at=now,
            declared_truthful=True,
            declared_de_minimis=True,
            declared_authorized=True,
        )
        notify("submitted", app)
        notify("submitted_receipt", version)
    return app


def return_for_revision(user, application, reason, deadline):
    """Send it back to the company (transition ``return_for_revision``).

    The coordination office while checking it (submitted), the board while deciding it
    (awaiting decision). Effects: the row locked; state 409,
    ``applications.return_for_revision`` 403, reason and deadline 422; the transition logged
    with the reason; reason and deadline stored; the mail ``returned`` written to the outbox.
    Reacting in the same transaction: reviews close open assignments, decisions void an open
    proposal.
    """
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
        notify("returned", app)
    return app


def withdraw(user, application, reason=""):
    """The company withdraws it before a decision (transition ``withdraw``).

    Effects: the row locked; state 409, ``applications.withdraw`` 403; the transition logged
    with the reason; the mail ``withdrawn`` written to the outbox (only once it had a reference:
    a draft never submitted is nobody's news). Reacting in the same transaction: reviews close
    open assignments, decisions void an open proposal.
    """
    with transaction.atomic():
        app = locked(application)
        ensure_transition(app.withdraw, user)
        app.withdraw(by=user, description=(reason or "").strip() or None)
        app.save()
        if app.reference:  # a draft never handed in: nobody was told of it
            notify("withdrawn", app)
    return app


def update_organization(user, application, data, expected_version):
    """Save the company data from the application's page; a stale version answers 409.

    Effects: the application's and the organisation's rows locked; state 409,
    ``applications.edit_draft`` 403, a stale organisation version 409; the company data
    (only the fields of ``OrganizationForm``) and ``version + 1`` saved on the organisation.
    No transition, nothing queued.
    """
    with transaction.atomic():
        app = locked_editable(
            application,
            user,
            _("The application can no longer be edited."),
            _("You may not edit this application."),
        )
        organization = Organization.objects.select_for_update().get(pk=app.organization_id)
        if organization.version != expected_version:
            raise StateConflict(
                _("Someone else saved the company data in the meantime. Please reload it.")
            )
        fields = [name for name in OrganizationForm._meta.fields if name in data]
        for name in fields:
            setattr(organization, name, data[name])
        organization.version += 1
        organization.save(update_fields=[*fields, "version"])
    return organization
