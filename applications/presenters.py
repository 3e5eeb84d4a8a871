"""One way to present an application's facts: by section, with labels, values and kinds.

The reviewer's page and the board's page show the same facts; templates render each row by its
kind (``money``, ``percent``, ``text`` or ``plain``). For the company while it fills in: each
section complete or not, the submission checklist (every violated rule by field, linked), and
the shares shown beside the fields of a section form.
"""

from dataclasses import dataclass

from django.db import models
from django.urls import reverse
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.models import DocumentKind

from . import checks
from .forms import FIELD_SECTION, SECTIONS
from .models import Application
from .models import share as models_share

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


def facts(application):
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


# ----- guidance while the company fills in its application -----------------------------------

SUBMISSION = "submit"  # the group of the declarations and of rules on the whole application


@dataclass(frozen=True)
class Entry:
    """One line of the submission checklist: a field's label (None for a rule on the whole
    application or a document), where to fix it, and every message about it, each once."""

    label: str | None
    url: str | None
    messages: tuple


@dataclass(frozen=True)
class Group:
    """A section of the submission checklist, complete or not, with what is still wrong."""

    key: str
    label: str
    url: str | None
    entries: tuple

    @property
    def complete(self):
        return not self.entries


def field_label(name):
    """The label the form shows beside the field (its model field's verbose name)."""
    return capfirst(Application._meta.get_field(name).verbose_name)


def section_status(violations):
    """{section key: True when complete} for every section, from the pending violations."""
    incomplete = {FIELD_SECTION.get(name) for name in violations}
    return {key: key not in incomplete for key in SECTIONS}


def checklist(application, violations):
    """The submission checklist: every section and the documents with complete/incomplete, and
    for each violated rule the field's label, a link to the field and its messages (each once),
    grouped by section; the declarations and rules on the whole application last, if any."""
    pk = application.pk
    grouped = {}
    for name, messages in violations.items():
        key = FIELD_SECTION.get(name, SUBMISSION)  # None: a rule on the whole application
        grouped.setdefault(key, []).append((name, tuple(dict.fromkeys(map(str, messages)))))
    groups = []
    for key, (label, _fields) in SECTIONS.items():
        url = reverse("application-section", args=[pk, key])
        entries = tuple(
            Entry(field_label(name), f"{url}?check=1#id_{name}", messages)
            for name, messages in grouped.get(key, ())
        )
        groups.append(Group(key, label, url, entries))
    documents_url = reverse("application-documents", args=[pk])
    entries = tuple(
        Entry(None, f"{documents_url}#required", (message,))
        for _name, messages in grouped.get("documents", ())
        for message in messages
    )
    groups.append(Group("documents", _("Documents"), documents_url, entries))
    if SUBMISSION in grouped:
        entries = tuple(
            Entry(_("Declarations"), "#declarations", messages)
            if name == "declarations"
            else Entry(None, None, messages)
            for name, messages in grouped[SUBMISSION]
        )
        groups.append(Group(SUBMISSION, _("Submission"), None, entries))
    return groups


@dataclass(frozen=True)
class Share:
    """A share shown beside a field of a section form, computed from what the form holds.

    ``value`` is the share in per cent in the reader's locale ("12,5"), None when it cannot be
    computed (a field empty or not a number, a whole of 0). ``static/js/shares.js`` recomputes
    it as the user types from the inputs ``part_id`` and ``whole_id``, or from ``whole_value``
    (canonical, "100000.00") when the whole belongs to another section. ``whole_missing``
    names that other section when the whole is not filled in there yet.
    """

    label: str
    limit: str
    value: str | None
    part_id: str
    part_places: int
    whole_id: str | None = None
    whole_value: str | None = None
    whole_places: int = 0
    whole_label: str = ""
    whole_missing: str | None = None


# part, whole, what the share is, the programme's limit (attribute, "at least"/"at most")
SHARES = (
    (
        "requested_amount",
        "eligible_costs",
        gettext_lazy("Share of the eligible investment"),
        "max_share_percent",
        gettext_lazy("The programme allows at most %(limit)s %%."),
    ),
    (
        "own_contribution",
        "eligible_costs",
        gettext_lazy("Own contribution as share of the eligible investment"),
        "min_own_contribution_percent",
        gettext_lazy("The programme requires at least %(limit)s %%."),
    ),
    (
        "staff_severely_disabled",
        "staff_total",
        gettext_lazy("Quota of severely disabled staff"),
        "quota_min_percent",
        gettext_lazy("The programme requires at least %(limit)s %%."),
    ),
)


def shares(form, application):
    """{part field: Share} for the shares whose part is a field of this section form."""
    programme = application.programme
    found = {}
    for part, whole, label, limit_attribute, limit_text in SHARES:
        if part not in form.fields:
            continue
        whole_on_form = whole in form.fields
        whole_value = _form_value(form, whole) if whole_on_form else getattr(application, whole)
        share = models_share(_form_value(form, part), whole_value)
        found[part] = Share(
            label=label,
            limit=limit_text % {"limit": checks.pct(getattr(programme, limit_attribute))},
            value=None if share is None else _percent(share),
            part_id=form[part].auto_id,
            part_places=_places(form.fields[part]),
            whole_id=form[whole].auto_id if whole_on_form else None,
            whole_value=None if whole_on_form or whole_value is None else str(whole_value),
            whole_places=_places(form.fields[whole])
            if whole_on_form
            else _places(Application._meta.get_field(whole)),
            whole_label=field_label(whole),
            whole_missing=None
            if whole_on_form or whole_value is not None
            else SECTIONS[FIELD_SECTION[whole]][0],
        )
    return found


def _percent(value):
    """A share with its one decimal in the reader's locale, never grouped ("1234,5"), as
    ``static/js/shares.js`` writes it."""
    return f"{value:.1f}".replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def _form_value(form, name):
    """A field's value as the form holds it: the saved one on a GET; after a POST the typed
    one, or None when it could not be read."""
    if not form.is_bound:
        return form.initial.get(name)
    if name in form.errors:
        return None
    return getattr(form, "cleaned_data", {}).get(name)


def _places(field):
    """Decimal places a number field takes (0 for whole numbers)."""
    return getattr(field, "decimal_places", None) or 0


@dataclass(frozen=True)
class RequiredDocument:
    """A kind of document the programme requires, and the uploaded files of that kind."""

    kind: str
    label: str
    files: tuple

    @property
    def present(self):
        return bool(self.files)


def required_documents(application, documents):
    """The documents checklist: each kind the programme requires, in its order, with the
    uploaded ``documents`` of that kind (none: missing)."""
    return [
        RequiredDocument(
            kind, DocumentKind(kind).label, tuple(d for d in documents if d.kind == kind)
        )
        for kind in application.programme.required_documents
    ]
