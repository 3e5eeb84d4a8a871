"""Worlds for the records tests: closed applications with their closing moved into the past."""

import datetime
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django_fsm_log.models import StateLog

from decisions.models import DecisionLetter
from tests import factories, states

BERLIN = ZoneInfo("Europe/Berlin")


def at(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def closed_on(application, moment):
    """Move the transition into the application's current state to ``moment``."""
    StateLog.objects.for_(application).filter(state=application.state).update(timestamp=moment)
    return application


def produced_on(letter, moment, content=b"%PDF-1.7 letter"):
    """Give the letter a stored file, rendered at ``moment``."""
    letter.file.save(f"{letter.number}-{letter.pk}.pdf", ContentFile(content), save=False)
    DecisionLetter.objects.filter(pk=letter.pk).update(
        file=letter.file.name, rendered_at=moment, status=DecisionLetter.Status.SENT
    )
    letter.refresh_from_db()
    return letter


def programme(**kwargs):
    return factories.ProgrammeFactory(required_documents=["business_plan"], **kwargs)


def approved(moment, letter_moment=None, **kwargs):
    application = closed_on(states.approved(**kwargs), moment)
    letter = application.letters.get()
    produced_on(letter, letter_moment or moment)
    return application


def rejected(moment, **kwargs):
    return closed_on(states.rejected(**kwargs), moment)


def withdrawn(moment, **kwargs):
    return closed_on(states.withdrawn(**kwargs), moment)
