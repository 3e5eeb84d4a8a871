"""funding.numbers: decimals typed and shown in the user's language, strictly.

Expected messages are computed with the catalogue of the language under test, so that the
tests hold before and after the German translations are merged.
"""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext, ngettext

from applications.models import Application
from funding import numbers
from funding.models import Programme

D = Decimal
MONEY = numbers.Limits(decimal_places=2, max_digits=14, min_value=0)
RATE = numbers.Limits(decimal_places=2, max_digits=5, min_value=0, max_value=100)
THREE_PLACES = numbers.Limits(decimal_places=3, max_digits=9)


def parse(text, language, limits=MONEY, units=("€", "%")):
    with translation.override(language):
        return numbers.parse_decimal(text, limits=limits, units=units)


def refusal(text, language, limits=MONEY, units=("€", "%")):
    with translation.override(language), pytest.raises(ValidationError) as caught:
        numbers.parse_decimal(text, limits=limits, units=units)
    return caught.value.code, caught.value.messages


def message(language, msgid, **values):
    with translation.override(language):
        plural = msgid == PLACES
        text = ngettext(PLACE, PLACES, values["places"]) if plural else gettext(msgid)
    return text % values if values else text


# ----- what is read -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1,5", D("1.5")),
        ("20.000", D("20000")),
        ("1.234,56", D("1234.56")),
        ("1234,56", D("1234.56")),
        ("1.234.567,8", D("1234567.8")),
        ("0,05", D("0.05")),
        (",5", D("0.5")),
        ("60.000,00", D("60000.00")),
        ("20 000", D("20000")),  # a space groups as well
        ("20\u00a0000,50", D("20000.50")),  # a no-break space
        ("1\u202f234,56", D("1234.56")),  # a narrow no-break space
        ("  1.234,56  ", D("1234.56")),
        ("1.234,56 €", D("1234.56")),
        ("1.234,56€", D("1234.56")),
        ("€ 1.234,56", D("1234.56")),
        ("20.000,-", D("20000")),  # German "no cents"
        ("+7", D("7")),
        ("0", D("0")),
    ],
)
def test_german_input(typed, value):
    assert parse(typed, "de") == value


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.5", D("1.5")),
        ("20,000", D("20000")),
        ("1,234.56", D("1234.56")),
        ("1234.56", D("1234.56")),
        ("1,234,567.8", D("1234567.8")),
        ("€1,234.56", D("1234.56")),
        ("1,234.56 €", D("1234.56")),
        ("20 000", D("20000")),
        (".5", D("0.5")),
    ],
)
def test_english_input(typed, value):
    assert parse(typed, "en") == value


def test_a_trailing_percent_sign_is_tolerated():
    assert parse("1,5 %", "de", RATE) == D("1.5")
    assert parse("1.5%", "en", RATE) == D("1.5")


def test_a_negative_number_is_read_and_then_refused_by_the_minimum():
    assert parse("−5", "de", numbers.Limits()) == D("-5")  # the minus sign U+2212
    code, messages = refusal("-5", "de")
    assert code == "min_value"
    assert messages == [message("de", "Please enter a value of at least %(limit)s.", limit="0")]


def test_extra_zeros_are_accepted_only_where_no_other_reading_fits():
    # "1,500" in German is 1.5; read as English it would be 1500, above a rate's maximum
    assert parse("1,500", "de", RATE) == D("1.50")
    assert parse("2,50000", "de", RATE) == D("2.50")
    assert parse("1.500", "en", RATE) == D("1.50")


def test_with_three_places_allowed_a_decimal_comma_and_three_digits_is_plain():
    assert parse("1,234", "de", THREE_PLACES) == D("1.234")
    assert parse("1.234", "de", THREE_PLACES) == D("1234")


# ----- what is refused ----------------------------------------------------------------------

DE_COMMA = "Please write decimal numbers with a comma, e.g. 1,5."
EN_POINT = "Please write decimal numbers with a point, e.g. 1.5."
DE_GROUPED = (
    "Please write decimal numbers with a comma and separate thousands with a point or not at "
    "all, e.g. 1.234,56 or 1234,56."
)
EN_GROUPED = (
    "Please write decimal numbers with a point and separate thousands with a comma or not at "
    "all, e.g. 1,234.56 or 1234.56."
)
NUMBER = "Please enter a number, e.g. %(grouped)s or %(plain)s."
PLACE = "Please enter at most %(places)s decimal place."
PLACES = "Please enter at most %(places)s decimal places."


@pytest.mark.parametrize("typed", ["1.5", "0.75", "12.50", ".5", "1.5 €"])
def test_german_refuses_the_decimal_point(typed):
    assert refusal(typed, "de") == ("decimal_sign", [message("de", DE_COMMA)])


@pytest.mark.parametrize("typed", ["1,5", "0,75", "12,50", ",5"])
def test_english_refuses_the_decimal_comma(typed):
    assert refusal(typed, "en") == ("decimal_sign", [message("en", EN_POINT)])


def test_the_other_languages_grouping_is_refused_with_how_to_write_it():
    assert refusal("1,234.56", "de") == ("decimal_sign", [message("de", DE_GROUPED)])
    assert refusal("1.234,56", "en") == ("decimal_sign", [message("en", EN_GROUPED)])


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "1.2.3",
        "1,2,3",
        "12.34.567",
        "1 2",
        "1.234 567",
        "--5",
        "",
        "   ",
        "€",
        "1e5",
    ],
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_what_is_no_number_is_refused_with_an_example(typed, language):
    code, messages = refusal(typed, language)
    grouped, plain = ("1.234,56", "1234,56") if language == "de" else ("1,234.56", "1234.56")
    assert (code, messages) == (
        "invalid",
        [message(language, NUMBER, grouped=grouped, plain=plain)],
    )


def test_the_wrong_unit_is_refused():
    assert refusal("5 %", "de", units=("€",))[0] == "invalid"
    assert refusal("5 €", "de", RATE, units=("%",))[0] == "invalid"


def test_too_many_decimals_are_refused():
    expected = [message("de", PLACES, places=2)]
    assert refusal("1,2345", "de") == ("max_decimal_places", expected)
    assert refusal("1,234", "de", RATE) == ("max_decimal_places", expected)
    assert refusal("1.2345", "en") == ("max_decimal_places", [message("en", PLACES, places=2)])


def test_a_decimal_sign_and_three_digits_is_ambiguous_for_an_amount():
    # "20,000" typed in German: twenty euros with three decimals, or twenty thousand?
    code, messages = refusal("20,000", "de")
    assert code == "ambiguous"
    assert messages == [
        message(
            "de",
            "“%(value)s” has more decimal places than allowed here. If you mean %(other)s, "
            "please write %(other)s or %(plain)s.",
            value="20,000",
            other="20.000",
            plain="20000",
        )
        + " "
        + message("de", PLACES, places=2)
    ]
    code, messages = refusal("1.234", "en")
    assert code == "ambiguous"
    assert "1,234" in messages[0] and "1234" in messages[0]


def test_a_grouped_number_above_a_rates_maximum_is_ambiguous():
    # "1.500" typed in German for a rate: 1500 (above 100) or 1.5?
    code, messages = refusal("1.500", "de", RATE)
    assert code == "ambiguous"
    assert messages == [
        message(
            "de",
            "“%(value)s” means %(plain)s, which is not allowed here. If you mean %(other)s, "
            "please write %(other)s.",
            value="1.500",
            plain="1500",
            other="1,5",
        )
        + " "
        + message("de", "Please enter a value of at most %(limit)s.", limit="100")
    ]
    assert refusal("1,500", "en", RATE)[0] == "ambiguous"


def test_a_grouped_number_that_fits_is_never_ambiguous():
    assert parse("1.500", "de") == D("1500")
    assert parse("1,500", "en") == D("1500")


def test_the_largest_amount_is_named_in_the_users_format():
    code, messages = refusal("1.000.000.000.000", "de")
    assert code == "max_value"
    limit = "999.999.999.999,99"
    assert messages == [message("de", "Please enter a value of at most %(limit)s.", limit=limit)]


def test_the_digits_limit_holds_below_zero_as_well():
    code, messages = refusal("-1.000.000,00", "de", numbers.Limits(2, 8))
    limit = "-999.999,99"
    assert (code, messages) == (
        "min_value",
        [message("de", "Please enter a value of at least %(limit)s.", limit=limit)],
    )


def test_an_overlong_input_is_refused_without_an_error():
    assert refusal("1" * 200, "de")[0] == "invalid"
    assert refusal("1" * 40 + ",000", "de")[0] == "max_decimal_places"


# ----- formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "german", "english"),
    [
        (D("60000.00"), numbers.MONEY, "60.000,00", "60,000.00"),
        (D("1234.5"), numbers.MONEY, "1.234,50", "1,234.50"),
        (D("0"), numbers.MONEY, "0,00", "0.00"),
        (D("1.50"), numbers.PERCENT, "1,5", "1.5"),
        (D("2.00"), numbers.PERCENT, "2", "2"),
        (D("0.25"), numbers.PERCENT, "0,25", "0.25"),
        (D("1234.5"), numbers.NUMBER, "1.234,5", "1,234.5"),
    ],
)
def test_inputs_show_values_in_the_users_format_and_read_them_back(value, kind, german, english):
    for language, shown in (("de", german), ("en", english)):
        with translation.override(language):
            assert numbers.format_for_input(value, kind) == shown
            assert numbers.parse_decimal(shown, limits=MONEY) == value


def test_money_and_percent_for_messages():
    with translation.override("de"):
        assert numbers.format_money(D("80000")) == "80.000,00 €"
        assert numbers.format_percent(D("1.50")) == "1,5 %"
    with translation.override("en"):
        assert numbers.format_money(D("80000")) == "80,000.00 €"
        assert numbers.format_percent(D("12.5"), 1) == "12.5 %"


def test_fewer_places_round_half_up():
    with translation.override("de"):
        assert numbers.format_decimal(D("29.95"), 1) == "30,0"
        assert numbers.format_decimal(D("29.94"), 1) == "29,9"
        assert numbers.format_money(D("0.005")) == "0,01 €"


def test_a_float_is_shown_with_its_short_form():
    with translation.override("de"):
        assert numbers.format_decimal(0.1) == "0,1"


# ----- the form field -----------------------------------------------------------------------


class RateForm(forms.Form):
    amount = numbers.LocalDecimalField(max_digits=14, decimal_places=2, required=False)
    rate = numbers.LocalDecimalField(
        max_digits=5, decimal_places=2, min_value=D("0"), max_value=D("100"), required=False
    )


def test_the_field_kind_follows_the_fields_shape():
    form = RateForm()
    assert (form.fields["amount"].kind, form.fields["rate"].kind) == ("money", "percent")
    assert numbers.kind_of(3, 1) == numbers.NUMBER


def test_the_widget_is_a_text_input_for_decimals():
    with translation.override("de"):
        html = str(RateForm(initial={"amount": D("60000"), "rate": D("1.50")})["amount"])
    assert html == (
        '<input type="text" name="amount" value="60.000,00" inputmode="decimal" '
        'autocomplete="off" id="id_amount">'
    )


@pytest.mark.parametrize(
    ("language", "data", "cleaned"),
    [
        ("de", {"amount": "20.000", "rate": "1,5"}, {"amount": D("20000"), "rate": D("1.5")}),
        ("en", {"amount": "20,000", "rate": "1.5"}, {"amount": D("20000"), "rate": D("1.5")}),
        ("de", {"amount": "", "rate": ""}, {"amount": None, "rate": None}),
    ],
)
def test_the_field_cleans_in_the_users_language(language, data, cleaned):
    with translation.override(language):
        form = RateForm(data)
        assert form.is_valid(), form.errors
    assert form.cleaned_data == cleaned


def test_a_bound_form_shows_what_was_typed():
    with translation.override("de"):
        form = RateForm({"amount": "1.5", "rate": "150"})
        assert not form.is_valid()
        assert 'value="1.5"' in str(form["amount"])
        assert form.errors == {
            "amount": [message("de", DE_COMMA)],
            "rate": [message("de", "Please enter a value of at most %(limit)s.", limit="100")],
        }


def test_the_field_replaces_djangos_unlocalised_validators():
    field = RateForm().fields["rate"]
    assert field.validators == []
    with translation.override("de"), pytest.raises(ValidationError) as caught:
        field.clean(D("100.5"))
    assert caught.value.messages == [
        message("de", "Please enter a value of at most %(limit)s.", limit="100")
    ]


def test_formfield_for_gives_every_model_decimal_the_local_field_with_its_limits():
    rate = numbers.formfield_for(Application._meta.get_field("interest_rate"))
    amount = numbers.formfield_for(Application._meta.get_field("requested_amount"))
    threshold = numbers.formfield_for(Programme._meta.get_field("disagreement_threshold"))
    title = numbers.formfield_for(Application._meta.get_field("title"))
    assert isinstance(rate, numbers.LocalDecimalField)
    assert (rate.kind, rate.min_value, rate.max_value) == ("percent", D("0"), D("100"))
    assert (amount.kind, amount.min_value, amount.max_value) == ("money", D("0"), None)
    assert (threshold.kind, threshold.decimal_places) == ("number", 1)
    assert type(title) is forms.CharField


# ----- template filters ---------------------------------------------------------------------


def render(source, language, **context):
    with translation.override(language):
        return Template("{% load numbers %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "value", "german", "english"),
    [
        ("{{ v|money }}", D("80000"), "80.000,00&nbsp;€", "80,000.00&nbsp;€"),
        ("{{ v|money }}", None, "—", "—"),
        ("{{ v|percent }}", D("1.50"), "1,5&nbsp;%", "1.5&nbsp;%"),
        ("{{ v|percent:1 }}", D("25"), "25,0&nbsp;%", "25.0&nbsp;%"),
        ("{{ v|percent }}", None, "—", "—"),
        ("{{ v|number }}", D("1234.5"), "1.234,5", "1,234.5"),
        ("{{ v|number:2 }}", 3, "3,00", "3.00"),
        ("{{ v|number }}", "", "—", "—"),
        ("{{ v|number }}", "viel", "—", "—"),
    ],
)
def test_filters_show_the_readers_format(source, value, german, english):
    assert render(source, "de", v=value) == german
    assert render(source, "en", v=value) == english


def test_the_money_library_is_the_same_filter():
    with translation.override("de"):
        shown = Template("{% load money %}{{ v|money }}").render(Context({"v": D("1234.56")}))
    assert shown == render("{{ v|money }}", "de", v=D("1234.56"))
