"""The section pages: an emptied field saves as its default or as empty, never a 500."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from applications import forms
from applications.models import Application
from funding.numbers import format_decimal
from tests import factories

pytestmark = pytest.mark.django_db

# What each field holds after its section was saved with every field empty: a NOT NULL
# field with a default gets its default (0), a nullable one NULL, a text field "".
EMPTIED = {
    "project": {
        "title": "",
        "sector": None,
        "purpose": "",
        "cost_items": "",
        "eligible_costs": None,
        "planned_start": None,
    },
    "financing": {
        "requested_amount": None,
        "instrument": "",
        "loan_term_months": None,
        "interest_rate": None,
        "grace_period_months": None,
        "own_contribution": None,
        "other_funding": Decimal("0"),
        "other_funders": "",
    },
    "employment": {
        "staff_total": None,
        "staff_severely_disabled": None,
        "jobs_new": 0,
        "jobs_secured": 0,
    },
    "cooperation": {
        "cooperation_partner": "",
        "cooperation_description": "",
    },
    "de_minimis": {
        "de_minimis_received": Decimal("0"),
        "de_minimis_details": "",
    },
}


def section_url(application, section):
    return reverse("application-section", args=[application.pk, section])


def values(application, fields):
    return {name: getattr(application, name) for name in fields}


def typed(value):
    """A field's value as a German user types it ("60000,00"); "" for None."""
    if value is None:
        return ""
    with translation.override("de"):
        return format_decimal(value) if isinstance(value, Decimal) else value


def test_every_section_and_field_is_covered():
    assert {key: tuple(fields) for key, fields in EMPTIED.items()} == {
        key: tuple(fields) for key, (_label, fields) in forms.SECTIONS.items()
    }


@pytest.mark.parametrize("section", list(forms.SECTIONS))
def test_emptying_every_field_of_a_section_saves_defaults_and_blanks(client, section):
    draft = factories.ApplicationFactory()
    _label, fields = forms.SECTIONS[section]
    client.force_login(draft.created_by)
    data = dict.fromkeys(fields, "")
    response = client.post(section_url(draft, section), {**data, "version": draft.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("application-detail", args=[draft.pk]) + f"#{section}"
    saved = Application.objects.get(pk=draft.pk)
    assert values(saved, fields) == EMPTIED[section]
    assert saved.version == draft.version + 1


@pytest.mark.parametrize(
    ("section", "field", "default"),
    [
        ("financing", "other_funding", Decimal("0")),
        ("employment", "jobs_new", 0),
        ("employment", "jobs_secured", 0),
        ("de_minimis", "de_minimis_received", Decimal("0")),
    ],
)
def test_clearing_a_not_null_field_alone_saves_its_default(client, section, field, default):
    draft = factories.ApplicationFactory()
    _label, fields = forms.SECTIONS[section]
    client.force_login(draft.created_by)
    before = values(draft, fields)
    data = {**before, field: "", "version": draft.version}
    data = {name: typed(value) for name, value in data.items()}
    assert getattr(draft, field) != default
    response = client.post(section_url(draft, section), data)
    assert response.status_code == 302
    saved = Application.objects.get(pk=draft.pk)
    assert values(saved, fields) == {**before, field: default}


def test_the_section_form_cleans_an_empty_not_null_field_to_its_default():
    form = forms.section_form("financing")(data={"other_funding": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["other_funding"] == Decimal("0")
    assert form.cleaned_data["own_contribution"] is None
    assert form.cleaned_data["other_funders"] == ""


@pytest.mark.parametrize("typed", ["abc", "-5"])
def test_malformed_or_negative_amount_answers_400_and_changes_nothing(client, typed):
    draft = factories.ApplicationFactory()
    _label, fields = forms.SECTIONS["financing"]
    client.force_login(draft.created_by)
    before = values(Application.objects.get(pk=draft.pk), fields)
    data = dict.fromkeys(fields, "")
    response = client.post(
        section_url(draft, "financing"),
        {**data, "other_funding": typed, "version": draft.version},
    )
    assert response.status_code == 400
    assert "other_funding" in response.context["form"].errors
    assert f'value="{typed}"' in response.content.decode()
    saved = Application.objects.get(pk=draft.pk)
    assert values(saved, fields) == before
    assert saved.version == draft.version
