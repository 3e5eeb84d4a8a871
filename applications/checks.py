"""The programme's rules for an application, answered in plain, translated words.

Each check returns ``{field: [message, ...]}`` (``None`` for the whole application) so that a
form can show every violated rule beside its field.
"""

from collections import defaultdict
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from django.utils.translation import gettext as _

from funding.models import DocumentKind
from funding.numbers import format_decimal, format_money

REQUIRED_FIELDS = (
    "title",
    "purpose",
    "cost_items",
    "eligible_costs",
    "planned_start",
    "requested_amount",
    "instrument",
    "own_contribution",
    "staff_total",
    "staff_severely_disabled",
    "cooperation_partner",
    "cooperation_description",
)
LOAN_FIELDS = ("loan_term_months", "interest_rate")
DECLARATIONS = ("declared_truthful", "declared_de_minimis", "declared_authorized")


def euro(value):
    """An amount as the messages name it, in the reader's format: "60.000,00 €"."""
    return format_money(value)


def pct(value):
    """A percentage's number with the decimals it needs, in the reader's format: "1,5"."""
    return format_decimal(value, grouping=False)


def completeness(application):
    errors = defaultdict(list)
    for name in REQUIRED_FIELDS:
        if getattr(application, name) in (None, ""):
            errors[name].append(_("This field is required for the submission."))
    if application.instrument == "loan":
        for name in LOAN_FIELDS:
            if getattr(application, name) is None:
                errors[name].append(_("A loan needs its term and interest rate."))
    if not (application.jobs_new or 0) + (application.jobs_secured or 0):
        errors["jobs_new"].append(
            _("The project must create or secure at least one job for the target group.")
        )
    total, disabled = application.staff_total, application.staff_severely_disabled
    if total is not None and disabled is not None and disabled > total:
        errors["staff_severely_disabled"].append(
            _("There cannot be more severely disabled staff than staff in total.")
        )
    if total == 0:
        errors["staff_total"].append(_("The total staff must be at least 1."))
    return errors


def documents(application, present_kinds):
    missing = [k for k in application.programme.required_documents if k not in present_kinds]
    return {
        "documents": [
            _("The document “%(kind)s” is missing.") % {"kind": DocumentKind(kind).label}
            for kind in missing
        ]
    }


def declarations(given):
    if all(given.get(name) for name in DECLARATIONS):
        return {}
    return {"declarations": [_("Please confirm all declarations before submitting.")]}


def _exact_quota(application):
    """The share of severely disabled staff in per cent, unrounded (None if not computable).

    The bounds compare this exact share: the rounded one (``severely_disabled_share``) would
    let 62 of 207 (29.95 %) pass a 30 % lower bound as "30.0 %".
    """
    total, disabled = application.staff_total, application.staff_severely_disabled
    if disabled is None or not total:
        return None
    return Decimal(disabled) * 100 / Decimal(total)


def programme_open(application, today):
    if application.submitted_at is None and not application.programme.is_open(today):
        return {None: [_("The programme is not open for new applications.")]}
    return {}


def _limits(application):
    """The numeric rules of the programme; each yields (field, message) when violated."""
    p, a = application.programme, application
    requested, eligible, own = a.requested_amount, a.eligible_costs, a.own_contribution
    if requested is not None and requested > p.max_amount:
        yield (
            "requested_amount",
            _("The requested amount exceeds the programme's maximum of %(max)s.")
            % {"max": euro(p.max_amount)},
        )
    if requested is not None and eligible and requested > eligible * p.max_share_percent / 100:
        yield (
            "requested_amount",
            _("The requested amount exceeds %(share)s %% of the eligible investment.")
            % {"share": pct(p.max_share_percent)},
        )
    if own is not None and eligible and own < eligible * p.min_own_contribution_percent / 100:
        yield (
            "own_contribution",
            _("The own contribution is below %(share)s %% of the eligible investment.")
            % {"share": pct(p.min_own_contribution_percent)},
        )
    job_cap = (a.jobs_new or 0) * p.cap_per_new_job + (a.jobs_secured or 0) * p.cap_per_secured_job
    if requested is not None and requested > job_cap:
        yield (
            "requested_amount",
            _(
                "The requested amount exceeds the cap per job: %(new)s new jobs × %(per_new)s "
                "plus %(secured)s secured jobs × %(per_secured)s = %(cap)s."
            )
            % {
                "new": a.jobs_new or 0,
                "per_new": euro(p.cap_per_new_job),
                "secured": a.jobs_secured or 0,
                "per_secured": euro(p.cap_per_secured_job),
                "cap": euro(job_cap),
            },
        )
    quota = _exact_quota(a)
    if quota is not None and quota < p.quota_min_percent:
        shown = quota.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        yield (
            "staff_severely_disabled",
            _("The share of severely disabled staff (%(share)s %%) is below %(min)s %%.")
            % {"share": pct(shown), "min": pct(p.quota_min_percent)},
        )
    if None not in (requested, own, eligible) and a.financing_total != eligible:
        yield (
            "other_funding",
            _(
                "The financing plan does not balance: requested amount, own contribution and "
                "other funding add up to %(total)s, the eligible investment is %(eligible)s."
            )
            % {"total": euro(a.financing_total), "eligible": euro(eligible)},
        )
    yield from terms(p, a.loan_term_months, a.interest_rate, a.grace_period_months)
    if requested is not None:
        headroom = de_minimis_headroom(a)
        if requested > headroom:
            yield (
                "de_minimis_received",
                _(
                    "With the de minimis aid already received, the requested amount exceeds "
                    "the de minimis ceiling of %(ceiling)s (%(headroom)s remain)."
                )
                % {"ceiling": euro(p.de_minimis_ceiling), "headroom": euro(max(headroom, 0))},
            )


def terms(programme, loan_term_months, interest_rate, grace_period_months):
    """The programme's rules on the terms, for the application and the board's decision alike;
    each yields (field, message) when violated: the interest rate at most the programme's
    maximum, a term of at least one month, a grace period no longer than the term."""
    if interest_rate is not None and interest_rate > programme.max_interest_rate:
        yield (
            "interest_rate",
            _("The interest rate exceeds the programme's maximum of %(max)s %% p.a.")
            % {"max": pct(programme.max_interest_rate)},
        )
    if loan_term_months is not None and loan_term_months < 1:
        yield ("loan_term_months", _("The term must be at least one month."))
    if None not in (loan_term_months, grace_period_months) and (
        grace_period_months > loan_term_months
    ):
        yield (
            "grace_period_months",
            _("The grace period (%(grace)s months) is longer than the term (%(term)s months).")
            % {"grace": grace_period_months, "term": loan_term_months},
        )


def de_minimis_headroom(application, granted_since_declaration=Decimal("0")):
    """How much de minimis aid the company may still receive under the programme's ceiling.

    At submission the company's declaration covers all aid of the last three years, so the
    headroom is the ceiling less the declared aid. At the board's decision, grants of this
    fund confirmed after that declaration are not in it yet and count as well
    (``decisions.selectors.granted_de_minimis``): one function, never counted twice.
    """
    ceiling = application.programme.de_minimis_ceiling
    return ceiling - (application.de_minimis_received or 0) - granted_since_declaration


def programme_rules(application):
    errors = defaultdict(list)
    for field, message in _limits(application):
        errors[field].append(message)
    return errors


def flags(application):
    """Notes for the coordination office that do not refuse the application."""
    quota = _exact_quota(application)
    limit = application.programme.quota_flag_percent
    if quota is not None and quota > limit:
        shown = quota.quantize(Decimal("0.1"), rounding=ROUND_UP)
        return [
            _(
                "The share of severely disabled staff (%(share)s %%) is above %(limit)s %%, "
                "more than the rule of thumb for inclusion companies."
            )
            % {"share": pct(shown), "limit": pct(limit)}
        ]
    return []


def submission_violations(application, present_kinds, given_declarations, today):
    """Every rule the submission breaks, by field."""
    errors = defaultdict(list)
    for part in (
        completeness(application),
        documents(application, present_kinds),
        declarations(given_declarations),
        programme_open(application, today),
        programme_rules(application),
    ):
        for field, messages in part.items():
            errors[field].extend(messages)
    return {field: messages for field, messages in errors.items() if messages}
