"""Forms of the applicant's sections and the office's actions. ``state`` is in none of them."""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from funding.models import DocumentKind, Organization, Programme, Sector
from funding.numbers import formfield_for, kind_of

from .models import SECTION_FIELDS, Application

SECTION_LABELS = {
    "project": _("Project and investment"),
    "financing": _("Financing plan"),
    "employment": _("Employment"),
    "cooperation": _("Cooperation partner"),
    "de_minimis": _("De minimis aid received"),
}
SECTIONS = {key: (SECTION_LABELS[key], fields) for key, fields in SECTION_FIELDS.items()}
FIELD_SECTION = {field: key for key, (_label, fields) in SECTIONS.items() for field in fields}
SNAPSHOT_FIELDS = tuple(FIELD_SECTION)
FIELD_SECTION.update({"documents": "documents", "declarations": "submit"})


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SectionForm(forms.ModelForm):
    """Base of the section forms: every field may stay empty while the company drafts.

    An empty field whose column is NOT NULL and has a default (e.g. ``other_funding``,
    ``jobs_new``) is saved as that default instead of NULL, which the database would refuse.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sector" in self.fields:
            # The office's list: the sectors it offers, and the one chosen if no longer offered.
            offered = Q(active=True) | Q(pk=self.instance.sector_id)
            self.fields["sector"].queryset = Sector.objects.filter(offered).order_by("name_de")

    def clean(self):
        cleaned_data = super().clean()
        for name, value in cleaned_data.items():
            if value is None:
                field = self._meta.model._meta.get_field(name)
                if not field.null and field.has_default():
                    cleaned_data[name] = field.get_default()
        return cleaned_data


def section_form(section):
    """A ModelForm class for one section of the application.

    Every amount, percentage and rate is a ``funding.numbers.LocalDecimalField``: typed and
    shown in the user's language ("60.000,00", "1,5"), with the model's limits.
    """
    _label, fields = SECTIONS[section]
    meta = type(
        "Meta",
        (),
        {
            "model": Application,
            "fields": fields,
            "widgets": {"planned_start": DateInput()},
            "formfield_callback": formfield_for,
        },
    )
    form = type(f"{section.title()}Form", (SectionForm,), {"Meta": meta})
    for name in fields:
        form.base_fields[name].required = False
    return form


def snapshot_rows(snapshot):
    """[(label, value, kind)] of a version's frozen fields, for ``applications/version.html``.

    The snapshot keeps JSON (amounts as "80000.00", dates as "2027-03-01"); each value comes
    back typed so that the page shows it in the reader's format: ``kind`` is ``money``,
    ``percent``, ``number``, ``date`` or ``plain`` (choices by their label).
    """
    return [_snapshot_row(name, snapshot.get(name)) for name in SNAPSHOT_FIELDS]


def _snapshot_row(name, value):
    field = Application._meta.get_field(name)
    label, kind = capfirst(field.verbose_name), "plain"
    if value in (None, ""):
        return label, value, kind
    if field.choices:
        return label, dict(field.flatchoices).get(value, value), kind
    try:
        if isinstance(field, models.DecimalField):
            return label, Decimal(str(value)), kind_of(field.max_digits, field.decimal_places)
        if isinstance(field, models.DateField):
            return label, datetime.date.fromisoformat(value), "date"
    except (InvalidOperation, TypeError, ValueError):
        pass  # not what the field keeps: shown as it is
    return label, value, kind


class NewApplicationForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.none(), label=_("Programme"))
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("Company"))
    title = forms.CharField(label=_("Title of the project"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        open_programmes = Programme.objects.filter(opens_on__lte=today).exclude(closes_on__lt=today)
        self.fields["programme"].queryset = open_programmes
        self.fields["organization"].queryset = Organization.objects.filter(members=user)
        for name in ("programme", "organization"):
            queryset = self.fields[name].queryset
            if len(queryset) == 1:
                self.fields[name].initial = queryset[0].pk


class OrganizationForm(forms.ModelForm):
    """The company's own data. The competent Inklusionsamt is required here (the model allows
    "" for records from before it was asked): nothing is preselected, the company chooses."""

    class Meta:
        model = Organization
        fields = (
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
        widgets = {"address": forms.Textarea(attrs={"rows": 6, "cols": 40})}
        error_messages = {"region": {"required": _("Please choose the competent Inklusionsamt.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        region.required = True
        region.choices = [("", _("Please choose")), *Organization.Region.choices]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class DeclarationsForm(forms.Form):
    declared_truthful = forms.BooleanField(
        required=False,
        label=_(
            "I declare that the facts relevant to the subsidy are true and complete, and that I "
            "will report any change at once."
        ),
    )
    declared_de_minimis = forms.BooleanField(
        required=False,
        label=_(
            "De minimis self-declaration: the de minimis aid stated is all that the company "
            "(as a single undertaking) received in the last three years."
        ),
    )
    declared_authorized = forms.BooleanField(
        required=False, label=_("I am authorised to sign for the company.")
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What must be completed or revised"), widget=forms.Textarea, required=False
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=14)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), widget=forms.Textarea, required=False)
    confirm = forms.BooleanField(label=_("Yes, withdraw this application."), required=True)
