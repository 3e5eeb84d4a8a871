"""Use cases of the records app: mark records past their retention period, delete them once a
coordinator confirms, and export an organisation's data for an access request.

Nothing is deleted without a coordinator's confirmation. Deleting keeps a tombstone of each
application: the ``Application`` row with what statistics need (reference, organisation,
programme, dates, state, instrument, amounts, job counts, the cooperation partner: a company,
which the funders' report names), its decisions' outcome and terms, the review scores and the
transition log (who, when, from, to); every other free text, document, submitted snapshot and
(when their own period has ended) the letters are removed.
"""

import logging
import posixpath

import rules
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from applications.models import Application, ApplicationVersion, Document, Message
from decisions.models import Decision, DecisionLetter
from funding import roles
from funding.audit import Action, log_access
from notifications.models import Notification, OutboxMail
from reviews.models import ConflictDeclaration, Post, PostRevision, Review

from . import export, retention
from .models import RetentionCandidate

logger = logging.getLogger(__name__)

# The free text of an application: what the company wrote and the office's return reason.
# Not the cooperation partner: a company, not personal data, named in the funders' report.
APPLICATION_FREE_TEXT = (
    "title",
    "purpose",
    "cost_items",
    "other_funders",
    "cooperation_description",
    "de_minimis_details",
    "return_reason",
)


# ----- marking -------------------------------------------------------------------------------


def mark_candidates(today=None):
    """Create a pending ``RetentionCandidate`` for every record due (``records.retention``).

    Effects: new records get a pending row; pending rows whose dates changed are refreshed;
    pending rows no longer due (e.g. a longer period set meanwhile) are removed. Nothing is
    deleted. Running it twice changes nothing. Returns ``(records, created)``.
    """
    records = retention.expired(today)
    with transaction.atomic():
        pending = {
            candidate.key: candidate
            for candidate in RetentionCandidate.objects.select_for_update().filter(
                status=RetentionCandidate.Status.PENDING
            )
        }
        new, changed = [], []
        for record in records:
            candidate = pending.pop(record.key, None)
            if candidate is None:
                new.append(
                    RetentionCandidate(
                        kind=record.kind,
                        application_id=record.application_id,
                        letter_id=record.letter_id,
                        letter_number=record.letter_number,
                        counts_from=record.counts_from,
                        due_on=record.due_on,
                    )
                )
            elif (candidate.counts_from, candidate.due_on) != (record.counts_from, record.due_on):
                candidate.counts_from, candidate.due_on = record.counts_from, record.due_on
                changed.append(candidate)
        RetentionCandidate.objects.bulk_create(new, ignore_conflicts=True)
        RetentionCandidate.objects.bulk_update(changed, ["counts_from", "due_on"])
        RetentionCandidate.objects.filter(pk__in=[c.pk for c in pending.values()]).delete()
    return records, len(new)


# ----- confirming ----------------------------------------------------------------------------


def confirm_deletion(user, candidate_ids=None, now=None):
    """A coordinator confirms: the records of the chosen pending candidates are deleted.

    ``candidate_ids``: those candidates; ``None``: every pending one the user may confirm.
    Effects, in one transaction per application (its row locked first): 403 without
    ``records.manage_retention`` for it; each record re-checked (no longer due: its candidate
    is dropped); an application erased (see ``erase_application``); a letter's row deleted;
    the candidates ``done`` with who and when; the files deleted after the commit.
    Returns ``{"applications": n, "letters": n}``.
    """
    if not rules.has_perm("records.manage_retention", user):
        raise PermissionDenied(_("Only the coordination office handles the retention rules."))
    now = now or timezone.now()
    pending = RetentionCandidate.objects.filter(status=RetentionCandidate.Status.PENDING)
    if candidate_ids is None:
        pending = pending.exclude(application__organization_id__in=roles.organization_ids(user))
    else:
        pending = pending.filter(pk__in=candidate_ids)
    application_ids = sorted(set(pending.values_list("application_id", flat=True)))
    wanted = None if candidate_ids is None else set(candidate_ids)
    done = {"applications": 0, "letters": 0}
    for application_id in application_ids:
        erased, letters = _confirm_for_application(user, application_id, wanted, now)
        done["applications"] += erased
        done["letters"] += letters
    return done


def _confirm_for_application(user, application_id, wanted, now):
    with transaction.atomic():
        app = Application.objects.select_for_update(of=("self",)).get(pk=application_id)
        if not rules.has_perm("records.manage_retention", user, app):
            raise PermissionDenied(
                _("You may not delete the records of your own organisation's applications.")
            )
        candidates = RetentionCandidate.objects.select_for_update().filter(
            application_id=application_id, status=RetentionCandidate.Status.PENDING
        )
        if wanted is not None:
            candidates = candidates.filter(pk__in=wanted)
        candidates = list(candidates)
        due = {record.key for record in retention.expired(timezone.localdate(now), [app.pk])}
        stale = [c.pk for c in candidates if c.key not in due]
        RetentionCandidate.objects.filter(pk__in=stale).delete()
        candidates = [c for c in candidates if c.key in due]
        erased = letters = 0
        files = []
        for candidate in candidates:
            if candidate.kind == RetentionCandidate.Kind.APPLICATION:
                erase_application(app, now)
                files.append(("dir", f"documents/{app.pk}"))
                erased += 1
            else:
                letter = DecisionLetter.objects.filter(pk=candidate.letter_id).first()
                if letter is not None:
                    if letter.file:
                        files.append(("file", letter.file.name))
                    letter.delete()
                    letters += 1
            candidate.status = RetentionCandidate.Status.DONE
            candidate.confirmed_by, candidate.confirmed_at = user, now
            candidate.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        if files:
            transaction.on_commit(lambda: delete_files(files), robust=True)
    return erased, letters


def erase_application(app, now):
    """Remove an application's personal data and keep its tombstone (inside a transaction).

    Deleted: its documents (rows; the files after the commit). Emptied: the free text of the
    application (``APPLICATION_FREE_TEXT``), the snapshots of its submitted versions (the rows
    stay: decisions point to them), the reviews' comments, the conflict declarations' notes,
    the decisions' conditions, reasons and notes, the descriptions in the transition log, and
    the subject and text of the mails and inbox entries about it (the outbox keeps kind,
    recipients and times), the reviewers' discussion posts (their earlier versions deleted).
    Deleted too: the message thread between the office and the company.
    Kept: everything else (the cooperation partner too: a company, named in the funders'
    report), ``erased_at`` set to ``now``.
    """
    Document.objects.filter(application=app).delete()
    ApplicationVersion.objects.filter(application=app).update(snapshot={})
    Review.objects.filter(assignment__application=app).update(comment="")
    ConflictDeclaration.objects.filter(application=app).update(note="")
    Decision.objects.filter(application=app).update(conditions="", reasons="", closing_note="")
    StateLog.objects.for_(app).update(description="")
    OutboxMail.objects.filter(application_id=app.pk).update(subject="", body="", html="")
    Notification.objects.filter(application_id=app.pk).update(subject="", body="")
    Message.objects.filter(application=app).delete()
    PostRevision.objects.filter(post__application=app).delete()
    Post.objects.filter(application=app).update(body="")
    Application.objects.filter(pk=app.pk).update(
        erased_at=now, **dict.fromkeys(APPLICATION_FREE_TEXT, "")
    )
    app.refresh_from_db()


def delete_files(files):
    """Delete stored files (``("file", name)``) and folders (``("dir", path)``, recursively)."""
    for kind, name in files:
        try:
            if kind == "file":
                default_storage.delete(name)
            else:
                _delete_folder(name)
        except OSError:
            logger.exception("Could not delete %s", name)


def _delete_folder(path):
    try:
        folders, names = default_storage.listdir(path)
    except FileNotFoundError:
        return
    for name in names:
        default_storage.delete(posixpath.join(path, name))
    for folder in folders:
        _delete_folder(posixpath.join(path, folder))


# ----- export --------------------------------------------------------------------------------


def export_organization(user, organization, fileobj):
    """Write the organisation's data (access request, GDPR Art. 15) as a ZIP to ``fileobj``.

    Effects: 403 without ``records.export_organization``; the ZIP written (``records.export``);
    the export logged in the access log. Returns the number of applications exported.
    """
    if not rules.has_perm("records.export_organization", user, organization):
        raise PermissionDenied(_("You may not export this organisation's data."))
    count = export.write_zip(organization, fileobj)
    log_access(
        user,
        Action.EXPORT,
        organization_id=organization.pk,
        detail=_("%(n)s application(s)") % {"n": count},
    )
    return count
