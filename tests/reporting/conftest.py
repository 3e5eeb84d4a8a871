"""Worlds for the reporting tests: applications carried through the services, each step at a
moment of its own (Berlin time), as the people involved would act."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications import services
from decisions import services as decision_services
from records import services as record_services
from reporting.report import Basis, Period
from reviews import services as review_services
from reviews.models import Assignment
from tests import factories, states

BERLIN = ZoneInfo("Europe/Berlin")


def at(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def travel(moment):
    return time_machine.travel(moment, tick=False)


def period(start, end, basis=Basis.SUBMITTED, label="2025"):
    return Period(start=start, end=end, basis=basis, label=label)


def year(number, basis=Basis.SUBMITTED):
    return period(
        datetime.date(number, 1, 1), datetime.date(number, 12, 31), basis, label=str(number)
    )


def programme(**kwargs):
    """A programme open since 2020 that needs one document and one review."""
    defaults = {
        "required_documents": ["business_plan"],
        "reviews_required": 1,
        "opens_on": datetime.date(2020, 1, 1),
    }
    return factories.ProgrammeFactory(**{**defaults, **kwargs})


def company(name, region=""):
    return factories.OrganizationFactory(name=name, region=region)


class World:
    """Carries applications through the services; every step at its moment."""

    def __init__(self):
        self.coordinator = factories.coordinator()

    def draft(self, moment, **fields):
        with travel(moment):
            return states.draft(**fields)

    def submit(self, moment, **fields):
        with travel(moment):
            return states.submitted(**fields)

    def return_(self, application, moment):
        application.refresh_from_db()
        with travel(moment):
            deadline = moment.date() + datetime.timedelta(days=14)
            return services.return_for_revision(
                self.coordinator, application, "Bitte ergänzen.", deadline
            )

    def resubmit(self, application, moment):
        application.refresh_from_db()
        with travel(moment):
            return services.submit(application.created_by, application, states.DECLARATIONS)

    def start_review(self, application, moment, reviewers=None):
        """Assign the reviewers the programme needs and start the round."""
        application.refresh_from_db()
        with travel(moment):
            for _ in range(reviewers or application.programme.reviews_required):
                review_services.assign_reviewer(self.coordinator, application, factories.reviewer())
            return review_services.start_review(self.coordinator, application)

    def review(self, application, moment, count=None):
        """The open assignments of the current round reviewed (the first ``count`` of them)."""
        application.refresh_from_db()
        assignments = Assignment.objects.filter(
            application=application,
            round=application.submission_count,
            status=Assignment.Status.OPEN,
        ).order_by("pk")
        with travel(moment):
            for assignment in list(assignments)[:count]:
                states.review(assignment.reviewer, application)
        application.refresh_from_db()
        return application

    def decide(self, application, moment, outcome="approve", amount=None, **terms):
        """Two board members propose and confirm (four eyes)."""
        application.refresh_from_db()
        with travel(moment):
            first, second = states.deciding_board(application)
            if outcome == "approve":
                decision = decision_services.propose_decision(
                    first,
                    application,
                    "approve",
                    amount=amount or application.requested_amount,
                    **terms,
                )
            else:
                decision = decision_services.propose_decision(
                    first, application, "reject", reasons="Die Finanzierung ist nicht gesichert."
                )
            decision_services.confirm_decision(second, decision)
        application.refresh_from_db()
        return application

    def withdraw(self, application, moment):
        application.refresh_from_db()
        with travel(moment):
            return services.withdraw(application.created_by, application, "Projekt verschoben.")

    def erase(self, application, moment):
        """Reduced to a tombstone by the retention rules."""
        record_services.erase_application(application, moment)
        return application

    def through(self, submitted, decided, outcome="approve", amount=None, terms=None, **fields):
        """Submitted, reviewed the next day (review started and done), decided at ``decided``."""
        application = self.submit(submitted, **fields)
        self.start_review(application, submitted + datetime.timedelta(days=1))
        self.review(application, submitted + datetime.timedelta(days=1, hours=1))
        return self.decide(application, decided, outcome, amount, **(terms or {}))


@pytest.fixture
def world():
    return World()
