"""Which records are past their retention period: a pure selection (reads, never writes).

- decision letters: ``LETTER_YEARS`` after they were produced (rendered; created if never
  rendered), e.g. the six years of commercial letters;
- approved applications: ``DE_MINIMIS_YEARS`` after the decision (the de minimis records
  that must be kept ten years);
- rejected or withdrawn applications: the programme's ``retention_years_unsuccessful`` after
  the decision or the withdrawal.

A period counts from the local date (Europe/Berlin) of the event and ends on the same date
so many years later (29 February: 28 February); the record is due from that day on.
An erased application is not selected again; its letters are, when their own period ends.
"""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import Application, State
from decisions.models import DecisionLetter
from funding.models import Programme

LETTER_YEARS = 6
DE_MINIMIS_YEARS = 10
APPLICATION = "application"
LETTER = "letter"
CLOSED_STATES = (State.APPROVED, State.REJECTED, State.WITHDRAWN)


@dataclass(frozen=True, slots=True)
class Record:
    kind: str  # APPLICATION or LETTER
    application_id: int
    letter_id: int | None
    letter_number: int | None
    reference: str
    organization: str
    counts_from: datetime.date
    due_on: datetime.date

    @property
    def key(self):
        return (self.kind, self.application_id, self.letter_id)

    @property
    def label(self):
        """The reference, with the letter's number for a letter (``RK-2026-0001/1``)."""
        if self.kind == LETTER:
            return f"{self.reference}/{self.letter_number}"
        return self.reference


def add_years(day, years):
    """The same calendar date ``years`` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _before(day):
    """The start of the second local day after ``day``: a generous bound for the SQL filter
    (the exact comparison on local dates follows in Python, 29 February included)."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=2), datetime.time.min)
    return timezone.make_aware(start)


def expired(today=None, applications=None):
    """Every record due on ``today`` (default: the local date), by due date, kind, reference.

    ``applications``: limit to these application ids (the confirmation re-checks one).
    """
    today = today or timezone.localdate()
    records = [*expired_applications(today, applications), *expired_letters(today, applications)]
    return sorted(records, key=lambda r: (r.due_on, r.kind, r.reference, r.letter_number or 0))


def closed_at():
    """The time of the last transition into the application's current state (SQL)."""
    logs = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_id=OuterRef("pk"),
        state=OuterRef("state"),
    ).order_by("-timestamp", "-id")
    return Subquery(logs.values("timestamp")[:1])


def expired_applications(today, applications=None):
    by_years = {DE_MINIMIS_YEARS: Q(state=State.APPROVED)}
    unsuccessful = Q(state__in=(State.REJECTED, State.WITHDRAWN))
    for programme_id, years in Programme.objects.values_list("id", "retention_years_unsuccessful"):
        condition = unsuccessful & Q(programme_id=programme_id)
        by_years[years] = by_years.get(years, Q(pk__in=[])) | condition
    bounds = Q(pk__in=[])
    for years, condition in by_years.items():
        bounds |= condition & Q(closed__lt=_before(add_years(today, -years)))
    queryset = Application.objects.filter(state__in=CLOSED_STATES, erased_at__isnull=True)
    if applications is not None:
        queryset = queryset.filter(pk__in=applications)
    rows = (
        queryset.annotate(closed=closed_at())
        .filter(bounds)
        .values_list(
            "pk",
            "reference",
            "organization__name",
            "state",
            "closed",
            "programme__retention_years_unsuccessful",
        )
    )
    for pk, reference, organization, state, closed, unsuccessful_years in rows:
        years = DE_MINIMIS_YEARS if state == State.APPROVED else unsuccessful_years
        counts_from = timezone.localdate(closed)
        due_on = add_years(counts_from, years)
        if due_on <= today:
            yield Record(
                APPLICATION, pk, None, None, reference or "", organization, counts_from, due_on
            )


def expired_letters(today, applications=None):
    queryset = DecisionLetter.objects.annotate(produced=Coalesce("rendered_at", "created_at"))
    if applications is not None:
        queryset = queryset.filter(application_id__in=applications)
    rows = queryset.filter(produced__lt=_before(add_years(today, -LETTER_YEARS))).values_list(
        "pk", "number", "application_id", "application__reference",
        "application__organization__name", "produced",
    )  # fmt: skip
    for pk, number, application_id, reference, organization, produced in rows:
        counts_from = timezone.localdate(produced)
        due_on = add_years(counts_from, LETTER_YEARS)
        if due_on <= today:
            yield Record(
                LETTER, application_id, pk, number, reference or "", organization, counts_from,
                due_on,
            )  # fmt: skip
