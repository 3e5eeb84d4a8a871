"""``seed_demo --no-past``: today's stories only (for tests that do not need the past)."""

import io

import pytest
from django.core.management import call_command

from applications.models import Application
from demo.people import PAST_APPLICANTS, PROGRAMME_NAME
from funding.models import Organization
from tests.demo.test_seed_demo import seed, story_applications

pytestmark = pytest.mark.django_db


def test_no_past_seeds_todays_stories_only(django_capture_on_commit_callbacks):
    output = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--no-past", stdout=output)
    applications = Application.objects.filter(programme__name=PROGRAMME_NAME)
    assert applications.count() == story_applications().count() == 11
    assert "The fund's past" not in output.getvalue()
    # the past companies and their people exist all the same (a later run adds nothing)
    assert Organization.objects.count() == 7
    assert seed(django_capture_on_commit_callbacks).count("already present") == 1
    assert set(PAST_APPLICANTS) <= set(
        Organization.objects.values_list("memberships__user__username", flat=True)
    )
