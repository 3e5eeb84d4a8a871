"""The mails about an application's own steps, registered with ``notifications``.

Each answers ``(recipients, context, language)``: users (each reads it in their own language,
in their inbox too) and plain addresses (the organisation's contact address, in the
organisation's language), with a context of plain values taken from the application at the
transition (``notifications.mails.compose`` renders it there and then). ``url`` is the page the
reader acts on (the inbox links to it).

| kind | to | optional |
|---|---|---|
| ``submitted`` | the coordination office | yes |
| ``submitted_receipt`` | the company (its active users and contact address) | yes |
| ``returned`` | the company | no: a return cannot be turned off |
| ``withdrawn`` | the coordination office | yes |
"""

from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from funding.models import COORDINATORS
from notifications import registry
from notifications.mails import absolute, group_users, organization_recipients

from .models import Instrument


def facts(application):
    """What every mail about an application names: reference, title, company, its page."""
    return {
        "reference": application.reference or "",
        "title": application.title,
        "organization": application.organization.name,
        "application_id": application.pk,
        "url": absolute(reverse("application-detail", args=[application.pk])),
    }


def to_the_company(application):
    """The organisation's active users and its contact address; the organisation's language."""
    organization = application.organization
    return organization_recipients(organization), organization.language


def _submitted(application):
    return group_users(COORDINATORS), facts(application), None


def _number(value):
    """A figure of the version's snapshot (stored as text) as a number, or None."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def key_figures(snapshot):
    """The figures a receipt repeats, from a version's snapshot (numbers, a lazy label)."""
    instrument = snapshot.get("instrument") or ""
    return {
        "requested_amount": _number(snapshot.get("requested_amount")),
        "eligible_costs": _number(snapshot.get("eligible_costs")),
        "own_contribution": _number(snapshot.get("own_contribution")),
        "instrument": Instrument(instrument).label if instrument in Instrument.values else "",
        "is_loan": instrument == Instrument.LOAN,
        "loan_term_months": snapshot.get("loan_term_months"),
        "interest_rate": _number(snapshot.get("interest_rate")),
        "grace_period_months": snapshot.get("grace_period_months"),
        "jobs_new": snapshot.get("jobs_new") or 0,
        "jobs_secured": snapshot.get("jobs_secured") or 0,
    }


def _submitted_receipt(version):
    """To the company: the receipt of a submitted version, with its key figures."""
    application = version.application
    recipients, language = to_the_company(application)
    context = {
        **facts(application),
        "version": version.number,
        "submitted_at": version.submitted_at,
        "resubmission": version.number > 1,
        **key_figures(version.snapshot),
    }
    return recipients, context, language


def _returned(application):
    recipients, language = to_the_company(application)
    context = {
        **facts(application),
        "reason": application.return_reason,
        "deadline": application.return_deadline,
    }
    return recipients, context, language


def _withdrawn(application):
    return group_users(COORDINATORS), facts(application), None


def register():
    registry.add_mail_kind("submitted", _submitted, label=_("Application submitted"), optional=True)
    registry.add_mail_kind(
        "submitted_receipt",
        _submitted_receipt,
        label=_("Receipt of a submission"),
        optional=True,
    )
    # Mandatory: the company must learn of a return and its deadline.
    registry.add_mail_kind("returned", _returned, label=_("Application returned"))
    registry.add_mail_kind("withdrawn", _withdrawn, label=_("Application withdrawn"), optional=True)
