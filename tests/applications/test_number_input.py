"""Amounts and rates typed into the section forms in German and English, through the real views.

German is the site's default language; the ``english`` fixture makes the client ask for
English. Expected messages are computed with the catalogue of the language under test.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from applications import forms
from applications.models import Application
from tests import factories, states

pytestmark = pytest.mark.django_db

D = Decimal
# Every money, percentage and rate field of the application, with its section.
MONEY_FIELDS = [
    ("project", "eligible_costs"),
    ("financing", "requested_amount"),
    ("financing", "own_contribution"),
    ("financing", "other_funding"),
    ("de_minimis", "de_minimis_received"),
]
RATE_FIELDS = [("financing", "interest_rate")]
ALL_FIELDS = MONEY_FIELDS + RATE_FIELDS


def test_every_decimal_field_of_the_sections_is_covered():
    decimals = {
        (section, name)
        for section, (_label, names) in forms.SECTIONS.items()
        for name in names
        if Application._meta.get_field(name).get_internal_type() == "DecimalField"
    }
    assert decimals == set(ALL_FIELDS)


def section_url(application, section):
    return reverse("application-section", args=[application.pk, section])


def post(client, application, section, field, typed):
    client.force_login(application.created_by)
    return client.post(
        section_url(application, section), {field: typed, "version": application.version}
    )


def saved(application, field):
    return getattr(Application.objects.get(pk=application.pk), field)


def text(language, msgid, **values):
    """A message as the page shows it in ``language`` (HTML-escaped)."""
    with translation.override(language):
        plural = msgid == PLACES
        message = ngettext(PLACE, PLACES, values["places"]) if plural else gettext(msgid)
    return escape(message % values if values else message)


# ----- round trips --------------------------------------------------------------------------

GERMAN_MONEY = [
    ("20.000", D("20000"), "20.000,00"),
    ("1.234,56", D("1234.56"), "1.234,56"),
    ("1234,5", D("1234.50"), "1.234,50"),
    ("75.000,00 €", D("75000"), "75.000,00"),
    ("0", D("0"), "0,00"),
]
ENGLISH_MONEY = [
    ("20,000", D("20000"), "20,000.00"),
    ("1,234.56", D("1234.56"), "1,234.56"),
    ("1234.5", D("1234.50"), "1,234.50"),
]
GERMAN_RATE = [("1,5", D("1.50"), "1,5"), ("0,75", D("0.75"), "0,75"), ("2", D("2.00"), "2")]
ENGLISH_RATE = [("1.5", D("1.50"), "1.5"), ("0.75", D("0.75"), "0.75"), ("2", D("2.00"), "2")]


def round_trip(client, section, field, typed, value, shown):
    draft = factories.ApplicationFactory()
    response = post(client, draft, section, field, typed)
    assert response.status_code == 302, response.context["form"].errors
    assert saved(draft, field) == value
    html = client.get(section_url(draft, section)).content.decode()
    assert f'name="{field}" value="{shown}"' in html
    assert saved(draft, field) == value  # shown as it was saved: no drift on the next save
    response = client.post(
        section_url(draft, section), {field: shown, "version": draft.version + 1}
    )
    assert response.status_code == 302
    assert saved(draft, field) == value


@pytest.mark.parametrize(("section", "field"), MONEY_FIELDS)
@pytest.mark.parametrize(("typed", "value", "shown"), GERMAN_MONEY)
def test_german_amounts_round_trip(client, section, field, typed, value, shown):
    round_trip(client, section, field, typed, value, shown)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("section", "field"), MONEY_FIELDS)
@pytest.mark.parametrize(("typed", "value", "shown"), ENGLISH_MONEY)
def test_english_amounts_round_trip(client, section, field, typed, value, shown):
    round_trip(client, section, field, typed, value, shown)


@pytest.mark.parametrize(("section", "field"), RATE_FIELDS)
@pytest.mark.parametrize(("typed", "value", "shown"), GERMAN_RATE)
def test_german_rates_round_trip(client, section, field, typed, value, shown):
    round_trip(client, section, field, typed, value, shown)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("section", "field"), RATE_FIELDS)
@pytest.mark.parametrize(("typed", "value", "shown"), ENGLISH_RATE)
def test_english_rates_round_trip(client, section, field, typed, value, shown):
    round_trip(client, section, field, typed, value, shown)


def test_the_rate_of_the_issue_is_one_and_a_half_per_cent_not_fifteen(client):
    draft = factories.ApplicationFactory(interest_rate=None)
    data = {**section_as_shown(client, draft, "financing"), "interest_rate": "1,5"}
    assert client.post(section_url(draft, "financing"), data).status_code == 302
    assert saved(draft, "interest_rate") == D("1.50")
    page = client.get(reverse("application-detail", args=[draft.pk])).content.decode()
    assert "1,5 % Zinsen" in page or "1,5 % interest" in page
    assert "15,00 %" not in page and "15 %" not in page


# ----- refusals -----------------------------------------------------------------------------

NUMBER = "Please enter a number, e.g. %(grouped)s or %(plain)s."
GERMAN_EXAMPLE = {"grouped": "1.234,56", "plain": "1234,56"}
ENGLISH_EXAMPLE = {"grouped": "1,234.56", "plain": "1234.56"}
PLACE = "Please enter at most %(places)s decimal place."
PLACES = "Please enter at most %(places)s decimal places."
COMMA = "Please write decimal numbers with a comma, e.g. 1,5."
POINT = "Please write decimal numbers with a point, e.g. 1.5."
AMBIGUOUS = (
    "“%(value)s” has more decimal places than allowed here. If you mean %(other)s, please "
    "write %(other)s or %(plain)s."
)

GERMAN_REFUSALS = [
    ("1.5", [text("de", COMMA)]),
    ("1.2.3", [text("de", NUMBER, **GERMAN_EXAMPLE)]),
    ("abc", [text("de", NUMBER, **GERMAN_EXAMPLE)]),
    ("1,2345", [text("de", PLACES, places=2)]),
]
ENGLISH_REFUSALS = [
    ("1,5", [text("en", POINT)]),
    ("1.2.3", [text("en", NUMBER, **ENGLISH_EXAMPLE)]),
    ("abc", [text("en", NUMBER, **ENGLISH_EXAMPLE)]),
    ("1.2345", [text("en", PLACES, places=2)]),
]


def refused(client, section, field, typed, messages):
    draft = factories.ApplicationFactory()
    before = saved(draft, field)
    response = post(client, draft, section, field, typed)
    assert response.status_code == 400
    form = response.context["form"]
    assert [escape(error) for error in form.errors[field]] == messages
    html = response.content.decode()
    assert f'name="{field}" value="{escape(typed)}"' in html  # what was typed stays
    errors = html.split(f'id="id_{field}_errors"', 1)[1].split("</ul>", 1)[0]
    assert all(message in errors for message in messages)  # beside the field
    assert saved(draft, field) == before
    assert Application.objects.get(pk=draft.pk).version == draft.version


@pytest.mark.parametrize(("section", "field"), ALL_FIELDS)
@pytest.mark.parametrize(("typed", "messages"), GERMAN_REFUSALS)
def test_german_refusals_name_how_to_write_it(client, section, field, typed, messages):
    with translation.override("de"):
        refused(client, section, field, typed, messages)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("section", "field"), ALL_FIELDS)
@pytest.mark.parametrize(("typed", "messages"), ENGLISH_REFUSALS)
def test_english_refusals_name_how_to_write_it(client, section, field, typed, messages):
    refused(client, section, field, typed, messages)


@pytest.mark.parametrize(("section", "field"), MONEY_FIELDS)
def test_a_german_amount_with_a_comma_and_three_digits_is_ambiguous(client, section, field):
    message = text("de", AMBIGUOUS, value="20,000", other="20.000", plain="20000")
    refused(client, section, field, "20,000", [f"{message} {text('de', PLACES, places=2)}"])


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("section", "field"), MONEY_FIELDS)
def test_an_english_amount_with_a_point_and_three_digits_is_ambiguous(client, section, field):
    message = text("en", AMBIGUOUS, value="20.000", other="20,000", plain="20000")
    refused(client, section, field, "20.000", [f"{message} {text('en', PLACES, places=2)}"])


def test_a_german_rate_of_fifteen_hundred_is_ambiguous(client):
    message = text(
        "de",
        "“%(value)s” means %(plain)s, which is not allowed here. If you mean %(other)s, please "
        "write %(other)s.",
        value="1.500",
        plain="1500",
        other="1,5",
    )
    limit = text("de", "Please enter a value of at most %(limit)s.", limit="100")
    refused(client, "financing", "interest_rate", "1.500", [f"{message} {limit}"])


def test_a_negative_amount_is_refused_with_the_minimum(client):
    limit = text("de", "Please enter a value of at least %(limit)s.", limit="0")
    refused(client, "financing", "other_funding", "-5", [limit])


# ----- pre-filled values --------------------------------------------------------------------

PREFILLED = {
    "project": {"eligible_costs": ("100.000,00", "100,000.00")},
    "financing": {
        "requested_amount": ("60.000,00", "60,000.00"),
        "interest_rate": ("1,5", "1.5"),
        "own_contribution": ("25.000,00", "25,000.00"),
        "other_funding": ("15.000,00", "15,000.00"),
    },
    "de_minimis": {"de_minimis_received": ("10.000,00", "10,000.00")},
}


@pytest.mark.parametrize("section", list(PREFILLED))
def test_prefilled_values_are_shown_in_german(client, section):
    draft = factories.ApplicationFactory()
    client.force_login(draft.created_by)
    html = client.get(section_url(draft, section)).content.decode()
    for field, (german, _english) in PREFILLED[section].items():
        assert f'name="{field}" value="{german}" inputmode="decimal"' in html


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("section", list(PREFILLED))
def test_prefilled_values_are_shown_in_english(client, section):
    draft = factories.ApplicationFactory()
    client.force_login(draft.created_by)
    html = client.get(section_url(draft, section)).content.decode()
    for field, (_german, english) in PREFILLED[section].items():
        assert f'name="{field}" value="{english}" inputmode="decimal"' in html


def section_as_shown(client, draft, section):
    """The section's data as the page shows it (the decimals as their inputs hold them)."""
    client.force_login(draft.created_by)
    html = client.get(section_url(draft, section)).content.decode()
    _label, names = forms.SECTIONS[section]
    data = {name: getattr(draft, name) for name in names}
    data = {name: "" if value is None else value for name, value in data.items()}
    for name in names:
        if Application._meta.get_field(name).get_internal_type() == "DecimalField":
            shown = re.search(f'name="{name}"(?: value="([^"]*)")?', html).group(1)
            data[name] = shown or ""
    return {**data, "version": draft.version}


@pytest.mark.parametrize("language", ["de", "en"])
def test_saving_a_prefilled_form_unchanged_changes_no_figure(client, language):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    draft = factories.ApplicationFactory()
    _label, names = forms.SECTIONS["financing"]
    before = {name: saved(draft, name) for name in names}
    data = section_as_shown(client, draft, "financing")
    assert data["requested_amount"] == {"de": "60.000,00", "en": "60,000.00"}[language]
    response = client.post(section_url(draft, "financing"), data)
    assert response.status_code == 302
    assert {name: saved(draft, name) for name in names} == before


# ----- the application's page and the submitted version -------------------------------------


def test_the_application_page_shows_figures_and_dates_in_german(client):
    draft = factories.ApplicationFactory()
    client.force_login(draft.created_by)
    html = client.get(reverse("application-detail", args=[draft.pk])).content.decode()
    assert "60.000,00&nbsp;€ (60,0&nbsp;%)" in html
    assert "1,5 %" in html
    assert "<dd>01.03.2027</dd>" in html


@pytest.mark.usefixtures("english")
def test_the_application_page_shows_figures_and_dates_in_english(client):
    draft = factories.ApplicationFactory()
    client.force_login(draft.created_by)
    html = client.get(reverse("application-detail", args=[draft.pk])).content.decode()
    assert "60,000.00&nbsp;€ (60.0&nbsp;%)" in html
    assert "84 months, 1.5 % interest, 12 months grace" in html
    assert "<dd>01/03/2027</dd>" in html


def version_context(language):
    application = states.submitted(
        requested_amount=D("80000.00"), eligible_costs=D("120000"), jobs_new=3
    )
    version = application.versions.get()
    with translation.override(language):
        rows = forms.snapshot_rows(version.snapshot)
    return application, version, rows


def test_the_snapshot_rows_come_back_typed():
    _application, _version, rows = version_context("de")
    assert len(rows) == len(forms.SNAPSHOT_FIELDS)
    by_field = {
        name: (value, kind)
        for name, (_label, value, kind) in zip(forms.SNAPSHOT_FIELDS, rows, strict=True)
    }
    assert by_field["requested_amount"] == (D("80000.00"), "money")
    assert by_field["interest_rate"] == (D("1.50"), "percent")
    assert by_field["planned_start"] == (datetime.date(2027, 3, 1), "date")
    assert by_field["loan_term_months"] == (84, "plain")
    assert by_field["title"][1] == "plain"
    with translation.override("de"):
        assert by_field["instrument"] == (gettext("Loan"), "plain")
        assert str(rows[0][0]) == capfirst(Application._meta.get_field("title").verbose_name)


@pytest.mark.parametrize(
    ("language", "amount", "rate", "day"),
    [
        ("de", "80.000,00&nbsp;€", "1,5&nbsp;%", "01.03.2027"),
        ("en", "80,000.00&nbsp;€", "1.5&nbsp;%", "01/03/2027"),
    ],
)
def test_the_version_template_shows_the_readers_format(language, amount, rate, day):
    application, version, rows = version_context(language)
    context = {"application": application, "version": version, "rows": rows}
    with translation.override(language):
        html = render_to_string("applications/version.html", context)
    assert f"<dd>{amount}</dd>" in html
    assert f"<dd>{rate}</dd>" in html
    assert f"<dd>{day}</dd>" in html
    assert "80000.00" not in html and "2027-03-01" not in html


@pytest.mark.parametrize(
    ("language", "amount", "day"),
    [("de", "80.000,00&nbsp;€", "01.03.2027"), ("en", "80,000.00&nbsp;€", "01/03/2027")],
)
def test_the_version_page_shows_the_readers_format(client, language, amount, day):
    application, version, _rows = version_context(language)
    client.force_login(application.created_by)
    url = reverse("application-version", args=[application.pk, version.number])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<dd>{amount}</dd>" in html
    assert f"<dd>{day}</dd>" in html
    assert "80000.00" not in html and "2027-03-01" not in html


# ----- the programme's maximum interest rate ------------------------------------------------

MAXIMUM = "The interest rate exceeds the programme's maximum of %(max)s %% p.a."


def test_a_rate_above_the_maximum_is_noted_beside_the_field_before_submitting(client):
    programme = factories.ProgrammeFactory(max_interest_rate=D("5.50"))
    draft = states.draft(programme=programme, interest_rate=D("6.25"))
    client.force_login(draft.created_by)
    response = client.get(section_url(draft, "financing"), {"check": 1})
    notes = [str(note) for note in response.context["form"].fields["interest_rate"].rule_notes]
    with translation.override("de"):
        assert notes == [gettext(MAXIMUM) % {"max": "5,5"}]
    assert text("de", MAXIMUM, max="5,5") in response.content.decode()


@pytest.mark.usefixtures("english")
def test_a_rate_above_the_maximum_refuses_the_submission(client):
    programme = factories.ProgrammeFactory(max_interest_rate=D("5.50"))
    draft = states.draft(programme=programme, interest_rate=D("6.25"))
    client.force_login(draft.created_by)
    response = client.post(
        reverse("application-submit", args=[draft.pk]), dict.fromkeys(states.DECLARATIONS, "on")
    )
    assert response.status_code == 422
    assert text("en", MAXIMUM, max="5.5") in response.content.decode()
    draft.refresh_from_db()
    assert (draft.state, draft.versions.count()) == ("draft", 0)


def test_a_rate_at_the_maximum_is_submitted(client):
    programme = factories.ProgrammeFactory(max_interest_rate=D("5.50"))
    draft = states.draft(programme=programme, interest_rate=None)
    data = {**section_as_shown(client, draft, "financing"), "interest_rate": "5,5"}
    assert client.post(section_url(draft, "financing"), data).status_code == 302
    response = client.post(
        reverse("application-submit", args=[draft.pk]), dict.fromkeys(states.DECLARATIONS, "on")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.interest_rate) == ("submitted", D("5.50"))
