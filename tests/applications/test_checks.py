"""The programme rules of docs/design.md, with worked examples at and just beyond each bound.

The messages are asserted in English (the msgids); the German catalogue translates them.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from applications import checks, services
from funding.errors import RuleViolation
from funding.models import DocumentKind
from tests import factories, states

pytestmark = pytest.mark.usefixtures("english")

D = Decimal
TODAY = datetime.date(2026, 6, 1)
ALL_DOCUMENTS = set(DocumentKind.values)
REQUIRED = "This field is required for the submission."


def make(programme=None, **fields):
    """An unsaved complete application (the factory's figures pass every default rule)."""
    programme = programme or factories.ProgrammeFactory.build()
    return factories.ApplicationFactory.build(programme=programme, created_by=None, **fields)


def violations(application, kinds=ALL_DOCUMENTS, declarations=None, today=TODAY):
    given = states.DECLARATIONS if declarations is None else declarations
    return checks.submission_violations(application, kinds, given, today)


def programme(**fields):
    return factories.ProgrammeFactory.build(**fields)


def test_the_factory_application_passes_every_rule():
    application = make()
    assert violations(application) == {}
    assert checks.flags(application) == []


# ----- requested amount ≤ programme maximum --------------------------------------------------


def test_requested_amount_equal_to_the_maximum_passes():
    assert violations(make(programme(max_amount=D("60000")), requested_amount=D("60000"))) == {}


def test_requested_amount_above_the_maximum_is_refused():
    application = make(programme(max_amount=D("59999.99")), requested_amount=D("60000"))
    assert violations(application) == {
        "requested_amount": ["The requested amount exceeds the programme's maximum of 59,999.99 €."]
    }


# ----- requested amount ≤ maximum share of the eligible investment ---------------------------


def test_requested_amount_at_80_percent_of_the_eligible_investment_passes():
    application = make(
        programme(min_own_contribution_percent=D("10")),
        eligible_costs=D("75000"),
        requested_amount=D("60000"),
        own_contribution=D("15000"),
        other_funding=D("0"),
    )
    assert application.funding_share == D("80.0")
    assert violations(application) == {}


def test_requested_amount_a_cent_above_80_percent_is_refused():
    application = make(
        programme(min_own_contribution_percent=D("10")),
        eligible_costs=D("75000"),
        requested_amount=D("60000.01"),
        own_contribution=D("14999.99"),
        other_funding=D("0"),
    )
    assert violations(application) == {
        "requested_amount": ["The requested amount exceeds 80 % of the eligible investment."]
    }


def test_maximum_share_with_decimals_is_shown_as_given():
    application = make(programme(max_share_percent=D("59.50")))
    assert violations(application) == {
        "requested_amount": ["The requested amount exceeds 59.5 % of the eligible investment."]
    }


def test_above_80_percent_with_the_default_rules_also_breaks_the_own_contribution():
    # With a balanced plan and no other funders, more than 80 % requested means less than
    # 20 % own contribution: both rules are named.
    application = make(
        eligible_costs=D("75000"),
        requested_amount=D("60001"),
        own_contribution=D("14999"),
        other_funding=D("0"),
    )
    assert violations(application) == {
        "requested_amount": ["The requested amount exceeds 80 % of the eligible investment."],
        "own_contribution": ["The own contribution is below 20 % of the eligible investment."],
    }


# ----- own contribution ≥ 20 % ---------------------------------------------------------------


def test_own_contribution_of_exactly_20_percent_passes():
    application = make(own_contribution=D("20000"), other_funding=D("20000"))
    assert application.own_contribution_share == D("20.0")
    assert violations(application) == {}


def test_own_contribution_a_cent_below_20_percent_is_refused():
    application = make(own_contribution=D("19999.99"), other_funding=D("20000.01"))
    assert violations(application) == {
        "own_contribution": ["The own contribution is below 20 % of the eligible investment."]
    }


# ----- caps per job: new × 20,000 + secured × 15,000 -----------------------------------------

JOB_CAP_MESSAGE = (
    "The requested amount exceeds the cap per job: {new} new jobs × 20,000.00 € plus "
    "{secured} secured jobs × 15,000.00 € = {cap}."
)


def test_requested_amount_equal_to_the_job_cap_passes():
    # 2 × 20,000 + 2 × 15,000 = 70,000
    application = make(requested_amount=D("70000"), other_funding=D("5000"))
    assert violations(application) == {}


def test_requested_amount_a_cent_above_the_job_cap_is_refused():
    application = make(requested_amount=D("70000.01"), other_funding=D("4999.99"))
    assert violations(application) == {
        "requested_amount": [JOB_CAP_MESSAGE.format(new=2, secured=2, cap="70,000.00 €")]
    }


@pytest.mark.parametrize(
    ("jobs_new", "jobs_secured", "cap", "shown"),
    [
        (3, 0, "60000", "60,000.00 €"),
        (0, 4, "60000", "60,000.00 €"),
        (1, 1, "35000", "35,000.00 €"),
    ],
)
def test_job_cap_counts_new_and_secured_jobs_at_their_own_rate(jobs_new, jobs_secured, cap, shown):
    jobs = {"jobs_new": jobs_new, "jobs_secured": jobs_secured}
    own = D("40000")
    at_cap = make(
        requested_amount=D(cap),
        own_contribution=own,
        other_funding=D("100000") - own - D(cap),
        **jobs,
    )
    assert violations(at_cap) == {}
    above = make(
        requested_amount=D(cap) + D("0.01"),
        own_contribution=own,
        other_funding=D("100000") - own - D(cap) - D("0.01"),
        **jobs,
    )
    assert violations(above) == {
        "requested_amount": [JOB_CAP_MESSAGE.format(new=jobs_new, secured=jobs_secured, cap=shown)]
    }


def test_caps_per_job_follow_the_programme():
    application = make(
        programme(cap_per_new_job=D("10000"), cap_per_secured_job=D("5000")),
        requested_amount=D("30000.01"),
        other_funding=D("44999.99"),
    )
    assert violations(application) == {
        "requested_amount": [
            "The requested amount exceeds the cap per job: 2 new jobs × 10,000.00 € plus "
            "2 secured jobs × 5,000.00 € = 30,000.00 €."
        ]
    }


def test_no_job_at_all_is_refused_twice():
    application = make(jobs_new=0, jobs_secured=0)
    assert violations(application) == {
        "jobs_new": ["The project must create or secure at least one job for the target group."],
        "requested_amount": [JOB_CAP_MESSAGE.format(new=0, secured=0, cap="0.00 €")],
    }


# ----- quota of severely disabled staff: lower bound refuses, upper bound flags ---------------


def test_quota_of_exactly_30_percent_passes():
    application = make(staff_total=20, staff_severely_disabled=6)
    assert application.severely_disabled_share == D("30.0")
    assert violations(application) == {}


def test_quota_below_30_percent_is_refused():
    application = make(staff_total=20, staff_severely_disabled=5)
    assert violations(application) == {
        "staff_severely_disabled": ["The share of severely disabled staff (25 %) is below 30 %."]
    }


def test_quota_just_below_30_percent_is_refused_although_it_rounds_to_30():
    # 62 of 207 are 29.95 %: shown rounded to one decimal it would read 30.0 %.
    application = make(staff_total=207, staff_severely_disabled=62)
    assert violations(application) == {
        "staff_severely_disabled": ["The share of severely disabled staff (29.9 %) is below 30 %."]
    }


def test_quota_lower_bound_follows_the_programme():
    application = make(programme(quota_min_percent=D("45")), staff_severely_disabled=8)
    assert violations(application) == {
        "staff_severely_disabled": ["The share of severely disabled staff (40 %) is below 45 %."]
    }


def test_quota_of_exactly_50_percent_is_not_flagged():
    application = make(staff_total=20, staff_severely_disabled=10)
    assert checks.flags(application) == []
    assert violations(application) == {}


def test_quota_above_50_percent_is_only_flagged():
    application = make(staff_total=20, staff_severely_disabled=11)
    assert checks.flags(application) == [
        "The share of severely disabled staff (55 %) is above 50 %, more than the rule of "
        "thumb for inclusion companies."
    ]
    assert violations(application) == {}


def test_quota_just_above_50_percent_is_flagged_although_it_rounds_to_50():
    # 501 of 1,001 are 50.05 % (50.0499…): still above the rule of thumb.
    application = make(staff_total=1001, staff_severely_disabled=501)
    assert checks.flags(application) == [
        "The share of severely disabled staff (50.1 %) is above 50 %, more than the rule of "
        "thumb for inclusion companies."
    ]


def test_quota_without_counts_is_neither_refused_by_the_quota_nor_flagged():
    application = make(staff_total=None, staff_severely_disabled=None)
    assert checks.flags(application) == []
    assert violations(application) == {
        "staff_total": [REQUIRED],
        "staff_severely_disabled": [REQUIRED],
    }


# ----- the financing plan must balance -------------------------------------------------------


@pytest.mark.parametrize(
    ("other_funding", "total"), [("15000.01", "100,000.01 €"), ("14999.99", "99,999.99 €")]
)
def test_financing_plan_that_does_not_balance_is_refused(other_funding, total):
    application = make(other_funding=D(other_funding))
    assert violations(application) == {
        "other_funding": [
            "The financing plan does not balance: requested amount, own contribution and other "
            f"funding add up to {total}, the eligible investment is 100,000.00 €."
        ]
    }


def test_financing_plan_without_other_funders_balances():
    application = make(own_contribution=D("40000"), other_funding=D("0"))
    assert violations(application) == {}


# ----- de minimis ceiling: received + requested ≤ 300,000 ------------------------------------


def test_de_minimis_received_plus_requested_equal_to_the_ceiling_passes():
    assert violations(make(de_minimis_received=D("240000"))) == {}


def test_de_minimis_a_cent_above_the_ceiling_is_refused():
    application = make(de_minimis_received=D("240000.01"))
    assert violations(application) == {
        "de_minimis_received": [
            "With the de minimis aid already received, the requested amount exceeds the de "
            "minimis ceiling of 300,000.00 € (59,999.99 € remain)."
        ]
    }


def test_de_minimis_ceiling_already_used_up_shows_nothing_remaining():
    application = make(de_minimis_received=D("310000"))
    assert violations(application) == {
        "de_minimis_received": [
            "With the de minimis aid already received, the requested amount exceeds the de "
            "minimis ceiling of 300,000.00 € (0.00 € remain)."
        ]
    }


# ----- programme open and closed (close applies to the first submission only) ----------------

CLOSED = "The programme is not open for new applications."


def test_programme_open_on_its_first_and_last_day():
    application = make(programme(opens_on=TODAY, closes_on=TODAY))
    assert violations(application) == {}


@pytest.mark.parametrize(
    ("opens_on", "closes_on"),
    [
        (TODAY + datetime.timedelta(days=1), None),
        (datetime.date(2026, 1, 1), TODAY - datetime.timedelta(days=1)),
    ],
    ids=["not yet open", "closed"],
)
def test_first_submission_outside_the_programme_period_is_refused(opens_on, closes_on):
    application = make(programme(opens_on=opens_on, closes_on=closes_on))
    assert violations(application) == {None: [CLOSED]}


def test_resubmission_after_the_close_is_not_refused_by_the_close():
    application = make(programme(closes_on=TODAY - datetime.timedelta(days=1)))
    application.submitted_at = datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC)
    assert violations(application) == {}


@pytest.mark.django_db
def test_returned_application_can_be_resubmitted_after_the_programme_closed():
    application = states.returned()
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    application.programme.closes_on = yesterday
    application.programme.save()
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    assert application.state == "submitted"
    assert application.submission_count == 2


@pytest.mark.django_db
def test_draft_cannot_be_submitted_after_the_programme_closed():
    application = states.draft()
    application.programme.closes_on = datetime.date.today() - datetime.timedelta(days=1)
    application.programme.save()
    with pytest.raises(RuleViolation) as refused:
        services.submit(application.created_by, application, states.DECLARATIONS)
    assert refused.value.errors == {None: [CLOSED]}
    application.refresh_from_db()
    assert application.state == "draft"
    assert application.reference is None


# ----- documents and declarations ------------------------------------------------------------


def test_every_missing_required_document_is_named():
    kinds = {DocumentKind.BUSINESS_PLAN, DocumentKind.OTHER}
    assert violations(make(), kinds=kinds) == {
        "documents": [
            "The document “Financing plan” is missing.",
            "The document “Register extract” is missing.",
            "The document “Recognition as an inclusion company” is missing.",
            "The document “Cooperation agreement” is missing.",
        ]
    }


def test_required_documents_follow_the_programme():
    application = make(programme(required_documents=[DocumentKind.BUSINESS_PLAN]))
    assert violations(application, kinds={DocumentKind.BUSINESS_PLAN}) == {}
    assert violations(application, kinds=set()) == {
        "documents": ["The document “Business plan” is missing."]
    }


@pytest.mark.parametrize(
    "missing", ["declared_truthful", "declared_de_minimis", "declared_authorized"]
)
def test_every_declaration_is_needed(missing):
    given = {**states.DECLARATIONS, missing: False}
    assert violations(make(), declarations=given) == {
        "declarations": ["Please confirm all declarations before submitting."]
    }


def test_no_declarations_at_all_are_refused():
    assert violations(make(), declarations={}) == {
        "declarations": ["Please confirm all declarations before submitting."]
    }


# ----- completeness of the fields ------------------------------------------------------------


@pytest.mark.parametrize("field", checks.REQUIRED_FIELDS)
def test_every_required_field_is_needed(field):
    application = make(**{field: "" if field in ("title", "purpose") else None})
    assert violations(application)[field] == [REQUIRED]


def test_loan_needs_its_term_and_interest_rate():
    application = make(loan_term_months=None, interest_rate=None)
    assert violations(application) == {
        "loan_term_months": ["A loan needs its term and interest rate."],
        "interest_rate": ["A loan needs its term and interest rate."],
    }


def test_loan_at_zero_interest_is_complete():
    assert violations(make(interest_rate=D("0"))) == {}


def test_silent_partnership_needs_no_term_or_interest_rate():
    application = make(instrument="silent_partnership", loan_term_months=None, interest_rate=None)
    assert violations(application) == {}


def test_more_severely_disabled_than_total_staff_is_refused():
    application = make(staff_total=20, staff_severely_disabled=21)
    assert violations(application) == {
        "staff_severely_disabled": [
            "There cannot be more severely disabled staff than staff in total."
        ]
    }


def test_as_many_severely_disabled_as_total_staff_is_possible_and_flagged():
    application = make(staff_total=20, staff_severely_disabled=20)
    assert violations(application) == {}
    assert len(checks.flags(application)) == 1


def test_no_staff_at_all_is_refused():
    application = make(staff_total=0, staff_severely_disabled=0)
    assert violations(application) == {"staff_total": ["The total staff must be at least 1."]}


# ----- terms: interest rate ≤ programme maximum, term ≥ 1 month, grace ≤ term -----------------


def test_interest_rate_equal_to_the_programme_maximum_passes():
    assert violations(make(programme(max_interest_rate=D("6")), interest_rate=D("6.00"))) == {}


def test_interest_rate_a_hundredth_above_the_maximum_is_refused():
    application = make(programme(max_interest_rate=D("5.50")), interest_rate=D("5.51"))
    assert violations(application) == {
        "interest_rate": ["The interest rate exceeds the programme's maximum of 5.5 % p.a."]
    }


def test_the_maximum_is_named_in_the_readers_format():
    application = make(programme(max_interest_rate=D("5.25")), interest_rate=D("7"))
    with translation.override("de"):
        expected = gettext("The interest rate exceeds the programme's maximum of %(max)s %% p.a.")
        assert violations(application)["interest_rate"] == [expected % {"max": "5,25"}]


def test_the_default_maximum_is_six_per_cent():
    assert factories.ProgrammeFactory.build().max_interest_rate == D("6.00")
    assert violations(make(interest_rate=D("6.01")))["interest_rate"] == [
        "The interest rate exceeds the programme's maximum of 6 % p.a."
    ]


def test_the_maximum_holds_for_a_silent_partnership_rate_too():
    application = make(instrument="silent_partnership", interest_rate=D("9"))
    assert list(violations(application)) == ["interest_rate"]


def test_a_term_of_zero_months_is_refused():
    application = make(loan_term_months=0, grace_period_months=0)
    assert violations(application) == {"loan_term_months": ["The term must be at least one month."]}


def test_a_grace_period_as_long_as_the_term_passes():
    assert violations(make(loan_term_months=24, grace_period_months=24)) == {}


def test_a_grace_period_longer_than_the_term_is_refused():
    application = make(loan_term_months=24, grace_period_months=25)
    assert violations(application) == {
        "grace_period_months": ["The grace period (25 months) is longer than the term (24 months)."]
    }


def test_the_terms_rules_are_one_function_for_application_and_decision():
    rules = checks.terms(programme(max_interest_rate=D("3")), 12, D("3.5"), 13)
    assert [field for field, _message in rules] == ["interest_rate", "grace_period_months"]
    assert list(checks.terms(programme(), None, None, None)) == []


# ----- every violated rule together ----------------------------------------------------------


def test_every_violated_rule_is_listed_together():
    application = make(
        programme(max_amount=D("100000"), closes_on=TODAY - datetime.timedelta(days=1)),
        purpose="",
        eligible_costs=D("100000"),
        requested_amount=D("120000"),
        loan_term_months=None,
        own_contribution=D("10000"),
        other_funding=D("0"),
        staff_total=10,
        staff_severely_disabled=2,
        jobs_new=1,
        jobs_secured=1,
        de_minimis_received=D("250000"),
    )
    assert violations(application, kinds={DocumentKind.BUSINESS_PLAN}, declarations={}) == {
        "purpose": [REQUIRED],
        "loan_term_months": ["A loan needs its term and interest rate."],
        "documents": [
            "The document “Financing plan” is missing.",
            "The document “Register extract” is missing.",
            "The document “Recognition as an inclusion company” is missing.",
            "The document “Cooperation agreement” is missing.",
        ],
        "declarations": ["Please confirm all declarations before submitting."],
        None: [CLOSED],
        "requested_amount": [
            "The requested amount exceeds the programme's maximum of 100,000.00 €.",
            "The requested amount exceeds 80 % of the eligible investment.",
            JOB_CAP_MESSAGE.format(new=1, secured=1, cap="35,000.00 €"),
        ],
        "own_contribution": ["The own contribution is below 20 % of the eligible investment."],
        "staff_severely_disabled": ["The share of severely disabled staff (20 %) is below 30 %."],
        "other_funding": [
            "The financing plan does not balance: requested amount, own contribution and other "
            "funding add up to 130,000.00 €, the eligible investment is 100,000.00 €."
        ],
        "de_minimis_received": [
            "With the de minimis aid already received, the requested amount exceeds the de "
            "minimis ceiling of 300,000.00 € (50,000.00 € remain)."
        ],
    }


@pytest.mark.django_db
def test_submit_answers_every_violated_rule_and_changes_nothing():
    application = factories.ApplicationFactory(
        requested_amount=D("90000"), own_contribution=D("5000"), staff_severely_disabled=4
    )
    services.add_document(
        application.created_by, application, DocumentKind.BUSINESS_PLAN, states.pdf()
    )
    with pytest.raises(RuleViolation) as refused:
        services.submit(
            application.created_by, application, {**states.DECLARATIONS, "declared_truthful": False}
        )
    assert refused.value.errors == {
        "documents": [
            "The document “Financing plan” is missing.",
            "The document “Register extract” is missing.",
            "The document “Recognition as an inclusion company” is missing.",
            "The document “Cooperation agreement” is missing.",
        ],
        "declarations": ["Please confirm all declarations before submitting."],
        "requested_amount": [
            "The requested amount exceeds 80 % of the eligible investment.",
            JOB_CAP_MESSAGE.format(new=2, secured=2, cap="70,000.00 €"),
        ],
        "own_contribution": ["The own contribution is below 20 % of the eligible investment."],
        "staff_severely_disabled": ["The share of severely disabled staff (20 %) is below 30 %."],
        "other_funding": [
            "The financing plan does not balance: requested amount, own contribution and other "
            "funding add up to 110,000.00 €, the eligible investment is 100,000.00 €."
        ],
    }
    assert len(refused.value.messages) == 10
    application.refresh_from_db()
    assert application.state == "draft"
    assert application.reference is None
    assert application.versions.count() == 0


@pytest.mark.django_db
def test_submission_with_a_flag_passes_and_the_flag_stays_visible():
    application = states.draft(staff_severely_disabled=15)
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    assert application.state == "submitted"
    assert checks.flags(application) == [
        "The share of severely disabled staff (75 %) is above 50 %, more than the rule of "
        "thumb for inclusion companies."
    ]
