"""The board's decision form: the granted amount and the interest rate typed in German and
English, through the real view; the programme's maximum interest rate and the terms.

German is the site's default language; the ``english`` fixture makes the client ask for
English. Expected messages are computed with the catalogue of the language under test.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from decisions.models import Decision
from tests import factories, states

pytestmark = pytest.mark.django_db

D = Decimal


def text(language, msgid, **values):
    with translation.override(language):
        plural = msgid == PLACES
        message = ngettext(PLACE, PLACES, values["places"]) if plural else gettext(msgid)
    return escape(message % values if values else message)


@pytest.fixture
def deciding(client):
    """An application awaiting the decision (requested 60,000.00, 84 months at 1.50 %, 12
    months grace) and a board member without a conflict, logged in; four eyes on."""
    application = states.awaiting_decision(
        programme=factories.ProgrammeFactory(max_interest_rate=D("5.75"))
    )
    member = factories.board_member()
    states.board_declares(member, application)
    client.force_login(member)
    return application


def decide(client, application, **fields):
    data = {
        "outcome": "approve",
        "amount": "",
        "instrument": "loan",
        "loan_term_months": "84",
        "interest_rate": "",
        "grace_period_months": "12",
        "conditions": "Auflage A",
        "reasons": "",
        **fields,
    }
    return client.post(reverse("board-decide", args=[application.pk]), data)


def proposal(application):
    return Decision.objects.get(application=application)


# ----- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rate", "saved"),
    [
        ("50.000", "1,5", (D("50000"), D("1.50"))),
        ("45.678,90", "0,75", (D("45678.90"), D("0.75"))),
        ("45678,9 €", "2 %", (D("45678.90"), D("2.00"))),
        ("60.000,00", "1,50", (D("60000"), D("1.50"))),
    ],
)
def test_german_amount_and_rate_are_saved(client, deciding, amount, rate, saved):
    response = decide(client, deciding, amount=amount, interest_rate=rate)
    assert response.status_code == 302
    assert (proposal(deciding).amount, proposal(deciding).interest_rate) == saved


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("amount", "rate", "saved"),
    [
        ("50,000", "1.5", (D("50000"), D("1.50"))),
        ("45,678.90", "0.75", (D("45678.90"), D("0.75"))),
        ("€45,678.9", "2%", (D("45678.90"), D("2.00"))),
    ],
)
def test_english_amount_and_rate_are_saved(client, deciding, amount, rate, saved):
    response = decide(client, deciding, amount=amount, interest_rate=rate)
    assert response.status_code == 302
    assert (proposal(deciding).amount, proposal(deciding).interest_rate) == saved


def test_the_form_is_prefilled_in_german(client, deciding):
    html = client.get(reverse("board-decide", args=[deciding.pk])).content.decode()
    assert 'name="amount" value="60.000,00" inputmode="decimal"' in html
    assert 'name="interest_rate" value="1,5" inputmode="decimal"' in html


@pytest.mark.usefixtures("english")
def test_the_form_is_prefilled_in_english(client, deciding):
    html = client.get(reverse("board-decide", args=[deciding.pk])).content.decode()
    assert 'name="amount" value="60,000.00" inputmode="decimal"' in html
    assert 'name="interest_rate" value="1.5" inputmode="decimal"' in html


def test_the_prefilled_form_proposes_the_requested_figures_unchanged(client, deciding):
    response = decide(client, deciding, amount="60.000,00", interest_rate="1,5")
    assert response.status_code == 302
    decision = proposal(deciding)
    assert (decision.amount, decision.interest_rate) == (D("60000.00"), D("1.50"))


def test_the_open_proposal_shows_the_rate_in_german(client, deciding):
    decide(client, deciding, amount="50.000", interest_rate="1,25")
    html = client.get(reverse("board-decide", args=[deciding.pk])).content.decode()
    assert f"<dd>1,25&nbsp;% {text('de', 'p.a.')}</dd>" in html
    assert "<dd>50.000,00&nbsp;€</dd>" in html


@pytest.mark.usefixtures("english")
def test_the_open_proposal_shows_the_rate_in_english(client, deciding):
    decide(client, deciding, amount="50,000", interest_rate="1.25")
    html = client.get(reverse("board-decide", args=[deciding.pk])).content.decode()
    assert "<dd>1.25&nbsp;% p.a.</dd>" in html
    assert "<dd>50,000.00&nbsp;€</dd>" in html


# ----- refusals -----------------------------------------------------------------------------

NUMBER = "Please enter a number, e.g. %(grouped)s or %(plain)s."
PLACE = "Please enter at most %(places)s decimal place."
PLACES = "Please enter at most %(places)s decimal places."


def refused(client, application, field, typed, messages, status=400, **fields):
    response = decide(
        client, application, **{"amount": "50.000", "interest_rate": "1,5", **fields, field: typed}
    )
    assert response.status_code == status
    assert [escape(error) for error in response.context["form"].errors[field]] == messages
    html = response.content.decode()
    assert f'name="{field}" value="{escape(typed)}"' in html
    errors = html.split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]
    assert all(message in errors for message in messages)
    assert not Decision.objects.filter(application=application).exists()


GERMAN_REFUSALS = [
    ("1.5", [text("de", "Please write decimal numbers with a comma, e.g. 1,5.")]),
    ("1.2.3", [text("de", NUMBER, grouped="1.234,56", plain="1234,56")]),
    ("abc", [text("de", NUMBER, grouped="1.234,56", plain="1234,56")]),
    ("1,2345", [text("de", PLACES, places=2)]),
]
ENGLISH_REFUSALS = [
    ("1,5", [text("en", "Please write decimal numbers with a point, e.g. 1.5.")]),
    ("1.2.3", [text("en", NUMBER, grouped="1,234.56", plain="1234.56")]),
    ("abc", [text("en", NUMBER, grouped="1,234.56", plain="1234.56")]),
    ("1.2345", [text("en", PLACES, places=2)]),
]


@pytest.mark.parametrize("field", ["amount", "interest_rate"])
@pytest.mark.parametrize(("typed", "messages"), GERMAN_REFUSALS)
def test_german_refusals(client, deciding, field, typed, messages):
    refused(client, deciding, field, typed, messages)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("field", ["amount", "interest_rate"])
@pytest.mark.parametrize(("typed", "messages"), ENGLISH_REFUSALS)
def test_english_refusals(client, deciding, field, typed, messages):
    refused(client, deciding, field, typed, messages, interest_rate="1.5", amount="50,000")


def test_a_german_amount_with_a_comma_and_three_digits_is_ambiguous(client, deciding):
    message = text(
        "de",
        "“%(value)s” has more decimal places than allowed here. If you mean %(other)s, please "
        "write %(other)s or %(plain)s.",
        value="50,000",
        other="50.000",
        plain="50000",
    )
    refused(client, deciding, "amount", "50,000", [f"{message} {text('de', PLACES, places=2)}"])


@pytest.mark.usefixtures("english")
def test_an_english_rate_of_fifteen_hundred_is_ambiguous(client, deciding):
    message = text(
        "en",
        "“%(value)s” means %(plain)s, which is not allowed here. If you mean %(other)s, please "
        "write %(other)s.",
        value="1,500",
        plain="1500",
        other="1.5",
    )
    limit = text("en", "Please enter a value of at most %(limit)s.", limit="100")
    refused(client, deciding, "interest_rate", "1,500", [f"{message} {limit}"], amount="50,000")


# ----- the programme's rules on the terms ---------------------------------------------------

MAXIMUM = "The interest rate exceeds the programme's maximum of %(max)s %% p.a."


def test_a_rate_above_the_programmes_maximum_is_refused_in_german(client, deciding):
    refused(client, deciding, "interest_rate", "5,76", [text("de", MAXIMUM, max="5,75")])


@pytest.mark.usefixtures("english")
def test_a_rate_above_the_programmes_maximum_is_refused_in_english(client, deciding):
    messages = [text("en", MAXIMUM, max="5.75")]
    refused(client, deciding, "interest_rate", "5.76", messages, amount="50,000")


def test_a_rate_at_the_programmes_maximum_is_proposed(client, deciding):
    assert decide(client, deciding, amount="50.000", interest_rate="5,75").status_code == 302
    assert proposal(deciding).interest_rate == D("5.75")


def test_a_grace_period_longer_than_the_term_is_refused(client, deciding):
    message = text(
        "de",
        "The grace period (%(grace)s months) is longer than the term (%(term)s months).",
        grace=13,
        term=12,
    )
    refused(client, deciding, "grace_period_months", "13", [message], loan_term_months="12")


def test_a_rejection_is_not_checked_against_the_terms(client, deciding):
    response = decide(
        client,
        deciding,
        outcome="reject",
        amount="",
        interest_rate="9",
        grace_period_months="100",
        reasons="Nicht tragfähig.",
    )
    assert response.status_code == 302
    assert proposal(deciding).outcome == "reject"


# ----- dates of the letters -----------------------------------------------------------------

SENT = datetime.datetime(2027, 3, 1, 10, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(
    ("language", "shown"), [("de", "01.03.2027 10:30"), ("en", "01/03/2027 10:30")]
)
def test_the_letters_are_dated_in_the_readers_format(
    client, django_capture_on_commit_callbacks, language, shown
):
    with (
        time_machine.travel(SENT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        application = states.approved()  # the letter is rendered and mailed on commit
    assert application.letters.get().sent_at == SENT
    client.force_login(application.created_by)
    url = reverse("application-detail", args=[application.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f", {shown}" in html
