"""The retention rules: which records are due, exactly when; the command and the daily task."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from records import retention, services, tasks
from records.models import RetentionCandidate
from records.retention import add_years
from tests import states

from . import worlds
from .worlds import at

pytestmark = pytest.mark.django_db
D = datetime.date


def keys(today, **kwargs):
    return [(r.kind, r.application_id, r.letter_id) for r in retention.expired(today, **kwargs)]


def test_add_years_keeps_the_date_and_turns_29_february_into_28_february():
    assert add_years(D(2020, 3, 15), 3) == D(2023, 3, 15)
    assert add_years(D(2024, 2, 29), 6) == D(2030, 2, 28)
    assert add_years(D(2030, 2, 28), -6) == D(2024, 2, 28)
    assert add_years(D(2028, 2, 29), 4) == D(2032, 2, 29)


def test_a_rejected_application_is_due_on_the_day_its_programme_period_ends():
    application = worlds.rejected(at(2020, 3, 15), programme=worlds.programme())
    key = ("application", application.pk, None)
    assert keys(D(2023, 3, 14)) == []
    assert keys(D(2023, 3, 15)) == [key]
    record = retention.expired(D(2024, 1, 1))[0]
    assert (record.counts_from, record.due_on) == (D(2020, 3, 15), D(2023, 3, 15))
    assert (record.reference, record.organization) == (
        application.reference,
        application.organization.name,
    )


def test_the_period_counts_from_the_local_date_in_berlin():
    # 23:30 UTC on 14 March is 00:30 on 15 March in Berlin.
    moment = datetime.datetime(2020, 3, 14, 23, 30, tzinfo=datetime.UTC)
    application = worlds.rejected(moment, programme=worlds.programme())
    assert keys(D(2023, 3, 14)) == []
    assert keys(D(2023, 3, 15)) == [("application", application.pk, None)]


def test_a_withdrawn_application_follows_its_programmes_number_of_years():
    application = worlds.withdrawn(
        at(2020, 6, 1), programme=worlds.programme(retention_years_unsuccessful=5)
    )
    assert keys(D(2025, 5, 31)) == []
    assert keys(D(2025, 6, 1)) == [("application", application.pk, None)]


def test_an_approved_application_is_kept_ten_years_its_letter_six():
    application = worlds.approved(
        at(2016, 4, 20), letter_moment=at(2016, 4, 22), programme=worlds.programme()
    )
    letter = application.letters.get()
    assert keys(D(2022, 4, 21)) == []
    assert keys(D(2022, 4, 22)) == [("letter", application.pk, letter.pk)]
    assert keys(D(2026, 4, 19)) == [("letter", application.pk, letter.pk)]
    assert keys(D(2026, 4, 20)) == [
        ("letter", application.pk, letter.pk),
        ("application", application.pk, None),
    ]


def test_a_letter_produced_on_29_february_is_due_on_28_february():
    application = worlds.approved(
        at(2024, 2, 29), letter_moment=at(2024, 2, 29), programme=worlds.programme()
    )
    letter = application.letters.get()
    assert keys(D(2030, 2, 27)) == []
    assert keys(D(2030, 2, 28)) == [("letter", application.pk, letter.pk)]


def test_a_letter_never_rendered_counts_from_its_creation():
    application = worlds.closed_on(
        states.approved(programme=worlds.programme()), at(2030, 1, 1)
    )  # the application itself is far from due
    letter = application.letters.get()
    type(letter).objects.filter(pk=letter.pk).update(created_at=at(2019, 5, 5))
    assert keys(D(2025, 5, 4)) == []
    assert keys(D(2025, 5, 5)) == [("letter", application.pk, letter.pk)]


def test_open_and_erased_applications_are_never_selected():
    programme = worlds.programme()
    submitted = states.submitted(programme=programme)
    worlds.closed_on(submitted, at(2000, 1, 1))
    erased = worlds.rejected(at(2000, 1, 1), programme=programme)
    type(erased).objects.filter(pk=erased.pk).update(erased_at=at(2010, 1, 1))
    assert keys(D(2026, 1, 1)) == []


def test_the_selection_can_be_limited_to_applications():
    programme = worlds.programme()
    first = worlds.rejected(at(2010, 1, 1), programme=programme)
    worlds.rejected(at(2010, 1, 1), programme=programme)
    assert keys(D(2026, 1, 1), applications=[first.pk]) == [("application", first.pk, None)]


# ----- marking -------------------------------------------------------------------------------


def test_marking_creates_pending_candidates_once_and_refreshes_them():
    programme = worlds.programme()
    application = worlds.rejected(at(2020, 3, 15), programme=programme)
    records, created = services.mark_candidates(D(2023, 3, 15))
    assert (len(records), created) == (1, 1)
    candidate = RetentionCandidate.objects.get()
    assert (candidate.kind, candidate.application_id, candidate.status) == (
        "application",
        application.pk,
        "pending",
    )
    assert (candidate.counts_from, candidate.due_on) == (D(2020, 3, 15), D(2023, 3, 15))
    # Idempotent: a second run changes nothing.
    assert services.mark_candidates(D(2023, 3, 16))[1] == 0
    assert RetentionCandidate.objects.count() == 1
    # A shorter period set meanwhile refreshes the dates.
    programme.retention_years_unsuccessful = 2
    programme.save()
    services.mark_candidates(D(2023, 3, 16))
    candidate.refresh_from_db()
    assert candidate.due_on == D(2022, 3, 15)


def test_marking_drops_pending_candidates_no_longer_due():
    programme = worlds.programme()
    worlds.rejected(at(2020, 3, 15), programme=programme)
    services.mark_candidates(D(2023, 3, 15))
    programme.retention_years_unsuccessful = 5
    programme.save()
    records, created = services.mark_candidates(D(2023, 3, 15))
    assert (records, created) == ([], 0)
    assert RetentionCandidate.objects.count() == 0


def test_the_daily_task_marks_what_is_due_now():
    application = worlds.rejected(at(2001, 1, 1), programme=worlds.programme())
    assert tasks.find_expired_records.delay().get() == 1
    assert list(RetentionCandidate.objects.values_list("application_id", "status")) == [
        (application.pk, "pending")
    ]


# ----- the command ---------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_the_records_and_marks_nothing():
    programme = worlds.programme()
    rejected = worlds.rejected(at(2020, 3, 15), programme=programme)
    approved = worlds.approved(at(2019, 1, 10), letter_moment=at(2019, 1, 11), programme=programme)
    output = run("--dry-run", "--today", "2025-06-30")
    assert output == (
        f"application\t{rejected.reference}\t{rejected.organization.name}\t2020-03-15\t"
        "2023-03-15\n"
        f"letter\t{approved.reference}/1\t{approved.organization.name}\t2019-01-11\t2025-01-11\n"
        "2 record(s) past their retention period (dry run).\n"
    )
    assert RetentionCandidate.objects.count() == 0


def test_without_dry_run_the_command_marks_them():
    rejected = worlds.rejected(at(2020, 3, 15), programme=worlds.programme())
    output = run("--today", "2025-06-30")
    assert output == (
        f"application\t{rejected.reference}\t{rejected.organization.name}\t2020-03-15\t"
        "2023-03-15\n"
        "1 record(s) past their retention period, 1 newly marked; a coordinator confirms "
        "the deletion.\n"
    )
    assert run("--today", "2025-06-30").endswith(
        ", 0 newly marked; a coordinator confirms the deletion.\n"
    )
    assert RetentionCandidate.objects.filter(status="pending").count() == 1


def test_nothing_due():
    assert run("--dry-run") == "0 record(s) past their retention period (dry run).\n"


def test_a_malformed_date_is_refused():
    with pytest.raises(CommandError, match="--today: not a date"):
        run("--today", "30.06.2025")
