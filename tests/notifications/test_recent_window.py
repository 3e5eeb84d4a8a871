"""How far back the sweep reads claimed keys follows the offsets in use, not their maximum."""

from datetime import timedelta

import pytest

from notifications import offsets, registry
from tests import factories

pytestmark = pytest.mark.django_db


def window(name):
    [rule] = [rule for rule in registry.reminder_rules() if rule.name == name]
    return rule.recent_for(offsets.table())


def test_with_the_defaults_the_windows_are_short():
    assert window("reviews.review_due") == timedelta(days=8)  # overdue every 7 days
    assert window("applications.return_due") == timedelta(days=8)  # LATE_DAYS
    assert window("decisions.decision_due") == timedelta(days=36)  # until the second stage


def test_a_programmes_wider_offset_widens_the_window():
    factories.ProgrammeFactory(reminder_days={"review_due_soon": 30, "return_due_soon": 20})
    assert window("reviews.review_due") == timedelta(days=31)
    assert window("applications.return_due") == timedelta(days=21)
