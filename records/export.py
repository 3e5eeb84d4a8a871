"""An organisation's data as a ZIP, for an access request (GDPR Art. 15).

``organization.json``: the organisation's master data, its members (names, e-mails), and
every application with all its fields, its submitted versions, its documents (a list), the
decisions as the letters state them (outcome, amount, terms, conditions, reasons) and its
history. ``documents/<reference>/<file>`` and ``letters/<reference>/<file>.pdf``: the files.

Never in it: reviews, scores, conflict declarations, assignments, proposals that were objected
to or voided, the board's notes, and the name of anyone outside the organisation. Whoever acted
on an application without being a member of the organisation is named by their role only
(``ROLE_LABELS``), so no reviewer or board member is ever named.
"""

import datetime
import json
import zipfile
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm_log.models import StateLog

from applications import history_notes
from applications.models import Application, Message
from decisions.models import Decision
from funding.models import BOARD, COORDINATORS, REVIEWERS

FORMAT = "risikokapital-export/1"
# A non-member is named by the first of their roles, in this order.
ROLE_LABELS = (
    (COORDINATORS, gettext_lazy("Coordination office")),
    (BOARD, gettext_lazy("Board")),
    (REVIEWERS, gettext_lazy("Expert reviewer")),
)
ORGANIZATION_FIELDS = (
    "id",
    "name",
    "legal_form",
    "register_number",
    "non_profit",
    "representative",
    "address",
    "region",
    "contact_email",
    "language",
    "iban",
)
# Transitions whose description was addressed to the company (shown whoever wrote it).
SENT_TO_THE_COMPANY = ("return_for_revision",)


def write_zip(organization, fileobj):
    """Write the ZIP to ``fileobj``; returns the number of applications."""
    with translation.override(organization.language):
        data, files = collect(organization)
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "organization.json", json.dumps(data, ensure_ascii=False, indent=2, default=_plain)
        )
        for name, field_file in files:
            with field_file.open("rb") as source, archive.open(name, "w") as target:
                while chunk := source.read(1 << 20):
                    target.write(chunk)
    return len(data["applications"])


def collect(organization):
    """``(data, files)``: the JSON document and ``[(path in the ZIP, FieldFile)]``."""
    memberships = organization.memberships.select_related("user").order_by("created_at", "id")
    member_ids = {m.user_id for m in memberships}
    applications = list(
        Application.objects.filter(organization=organization)
        .select_related("programme")
        .prefetch_related(
            "versions",
            "documents",
            Prefetch("messages", queryset=Message.objects.order_by("created_at", "id")),
            "letters",
            Prefetch(
                "decisions",
                queryset=Decision.objects.filter(status=Decision.Status.CONFIRMED).order_by(
                    "confirmed_at", "id"
                ),
                to_attr="confirmed_decisions",
            ),
        )
        .order_by("created_at", "id")
    )
    history = _history([a.pk for a in applications])
    names = _Names(member_ids, _actor_ids(applications, history))
    files = []
    data = {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "organization": {name: getattr(organization, name) for name in ORGANIZATION_FIELDS},
        "members": [
            {
                "name": m.user.get_full_name(),
                "username": m.user.get_username(),
                "email": m.user.email,
                "company_admin": m.is_admin,
                "member_since": m.created_at,
            }
            for m in memberships
        ],
        "applications": [
            _application(a, history.get(a.pk, []), names, files) for a in applications
        ],
    }
    return data, files


def _application(application, history, names, files):
    folder = get_valid_filename(application.reference or f"draft-{application.pk}")
    item = {}
    for field in Application._meta.concrete_fields:
        value = getattr(application, field.attname)
        if field.name == "programme":
            value = application.programme.name
        elif field.name == "created_by":
            value = names.label(value)
        item[field.name] = value
    item["versions"] = [
        {
            "number": v.number,
            "submitted_at": v.submitted_at,
            "submitted_by": names.label(v.submitted_by_id),
            "declared_truthful": v.declared_truthful,
            "declared_de_minimis": v.declared_de_minimis,
            "declared_authorized": v.declared_authorized,
            "snapshot": v.snapshot,
        }
        for v in application.versions.all()
    ]
    item["documents"] = []
    taken = set()
    for document in application.documents.all():
        path = _unique(f"documents/{folder}/{get_valid_filename(document.original_name)}", taken)
        files.append((path, document.file))
        item["documents"].append(
            {
                "kind": document.kind,
                "name": document.original_name,
                "size": document.size,
                "sha256": document.sha256,
                "uploaded_at": document.uploaded_at,
                "uploaded_by": names.label(document.uploaded_by_id),
                "file": path,
            }
        )
    item["decisions"] = [
        {
            "outcome": d.outcome,
            "decided_at": d.confirmed_at,
            "amount": d.amount,
            "instrument": d.instrument,
            "loan_term_months": d.loan_term_months,
            "interest_rate": d.interest_rate,
            "grace_period_months": d.grace_period_months,
            "conditions": d.conditions,
            "reasons": d.reasons,
        }
        for d in application.confirmed_decisions
    ]
    item["letters"] = []
    for letter in application.letters.all():
        path = None
        if letter.file:
            path = _unique(f"letters/{folder}/Bescheid-{folder}-{letter.number}.pdf", taken)
            files.append((path, letter.file))
        item["letters"].append(
            {
                "number": letter.number,
                "language": letter.language,
                "status": letter.status,
                "created_at": letter.created_at,
                "sent_at": letter.sent_at,
                "file": path,
            }
        )
    # the thread with the office: the office speaks as the office, never by name
    item["messages"] = [
        {
            "at": m.created_at,
            "from": "coordination_office" if m.from_office else names.label(m.author_id),
            "text": m.body,
        }
        for m in application.messages.all()
    ]
    item["history"] = [
        {
            "at": entry.timestamp,
            "transition": entry.transition,
            "from": entry.source_state,
            "to": entry.state,
            "by": names.label(entry.by_id),
            "description": (
                history_notes.render(entry.description)
                if names.is_member(entry.by_id) or entry.transition in SENT_TO_THE_COMPANY
                else ""
            ),
        }
        for entry in history
    ]
    return item


def _history(application_ids):
    entries = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_id__in=application_ids,
    ).order_by("timestamp", "id")
    grouped = {}
    for entry in entries:
        grouped.setdefault(entry.object_id, []).append(entry)
    return grouped


def _actor_ids(applications, history):
    ids = set()
    for application in applications:
        ids.add(application.created_by_id)
        ids.update(v.submitted_by_id for v in application.versions.all())
        ids.update(d.uploaded_by_id for d in application.documents.all())
    ids.update(entry.by_id for entries in history.values() for entry in entries)
    ids.discard(None)
    return ids


class _Names:
    """A member by name; anyone else by role (one query for the users and their groups)."""

    def __init__(self, member_ids, actor_ids):
        self.member_ids = member_ids
        users = get_user_model().objects.filter(pk__in=actor_ids).prefetch_related("groups")
        self.users = {user.pk: user for user in users}

    def is_member(self, user_id):
        return user_id is not None and user_id in self.member_ids

    def label(self, user_id):
        if user_id is None:
            return ""
        user = self.users.get(user_id)
        if user is not None and user_id in self.member_ids:
            return user.get_full_name() or user.get_username()
        groups = {group.name for group in user.groups.all()} if user is not None else set()
        for group, label in ROLE_LABELS:
            if group in groups:
                return str(label)
        return _("Someone outside the organisation")


def _unique(path, taken):
    stem, dot, suffix = path.rpartition(".")
    candidate, n = path, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem} ({n}).{suffix}" if dot else f"{path} ({n})"
    taken.add(candidate)
    return candidate


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)
