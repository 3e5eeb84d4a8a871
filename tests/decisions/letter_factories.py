"""Decisions and letters built directly with the ORM (the decision services are separate)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from applications.models import ApplicationVersion
from decisions.models import Decision, DecisionLetter
from tests.factories import ApplicationFactory, board_member

BERLIN = ZoneInfo("Europe/Berlin")
SUBMITTED_AT = datetime.datetime(2026, 2, 10, 9, 30, tzinfo=BERLIN)
# Late in the evening in Berlin: the letter's date is the local date, not the UTC one.
CONFIRMED_AT = datetime.datetime(2026, 3, 12, 23, 30, tzinfo=BERLIN)


def version_for(application, number=1):
    return ApplicationVersion.objects.create(
        application=application,
        number=number,
        snapshot={"title": application.title, "requested_amount": "60000.00"},
        submitted_by=application.created_by,
        submitted_at=SUBMITTED_AT,
        declared_truthful=True,
        declared_de_minimis=True,
        declared_authorized=True,
    )


def decision_for(application, outcome=Decision.Outcome.APPROVE, **fields):
    approve = outcome == Decision.Outcome.APPROVE
    values = {
        "application_version": version_for(application),
        "amount": Decimal("60000.00") if approve else None,
        "instrument": "loan" if approve else "",
        "loan_term_months": 84 if approve else None,
        "interest_rate": Decimal("1.50") if approve else None,
        "grace_period_months": 12 if approve else None,
        "conditions": "Vorlage des Verwendungsnachweises bis 31.03.2028." if approve else "",
        "reasons": "" if approve else "Der Finanzierungsplan ist nicht ausgeglichen.",
        "proposed_by": board_member(username="anna", first_name="Anna", last_name="Vorstand"),
        "confirmed_by": board_member(username="bernd", first_name="Bernd", last_name="Zweitprüfer"),
        "confirmed_at": CONFIRMED_AT,
        **fields,
    }
    return Decision.objects.create(
        application=application, outcome=outcome, status=Decision.Status.CONFIRMED, **values
    )


def make_letter(outcome=Decision.Outcome.APPROVE, language="de", number=1, **application):
    """A pending letter for a confirmed decision on a fresh application."""
    application.setdefault("reference", "RK-2026-0042")
    app = ApplicationFactory(**application)
    decision = decision_for(app, outcome)
    return DecisionLetter.objects.create(
        application=app, decision=decision, number=number, language=language
    )


def stored_files(media):
    """The files under the test's media folder, sorted."""
    return sorted(path for path in media.rglob("*") if path.is_file())
