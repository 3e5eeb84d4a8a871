"""Letters under faults: failed renderings, stuck renderings, and sending a letter again."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from decisions import letters, services, tasks
from decisions.models import DecisionLetter
from funding.errors import StateConflict
from tests import factories, states
from tests.decisions.letter_factories import make_letter, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

Status = DecisionLetter.Status


def sent_letter():
    letter = make_letter()
    tasks.generate_decision_letter.delay(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.SENT
    return letter


def set_status(letter, status, minutes_ago=0, **fields):
    claimed_at = timezone.now() - timedelta(minutes=minutes_ago)
    DecisionLetter.objects.filter(pk=letter.pk).update(
        status=status, claimed_at=claimed_at, **fields
    )


# ----- failed renderings -------------------------------------------------------------------------


def test_a_letter_failing_every_attempt_becomes_failed_with_the_error(
    settings, media, mailoutbox, caplog
):
    settings.LETTER_RENDER_ATTEMPTS = 3
    letter = make_letter()
    boom = RuntimeError("font missing")
    with mock.patch.object(letters, "render_letter_pdf", side_effect=boom):
        for attempt in (1, 2):
            with pytest.raises(Retry):
                tasks.generate_decision_letter.delay(letter.pk)
            letter.refresh_from_db()
            assert (letter.status, letter.attempts) == (Status.PENDING, attempt)
        tasks.generate_decision_letter.delay(letter.pk)  # the last attempt: no retry
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (Status.FAILED, 3)
    assert letter.last_error == "RuntimeError: font missing"
    assert f"Letter {letter.pk}: rendering failed 3 times, now failed" in caplog.text
    assert stored_files(media) == []
    assert mailoutbox == []
    # neither a task nor the sweep picks a failed letter up again
    tasks.generate_decision_letter.delay(letter.pk)
    assert tasks.sweep_letters.delay().get() == 0
    assert DecisionLetter.objects.get(pk=letter.pk).status == Status.FAILED


def test_the_sweep_puts_a_letter_stuck_in_rendering_back_within_minutes(media, mailoutbox):
    stuck = make_letter()
    set_status(stuck, Status.RENDERING, minutes_ago=3, attempts=1)
    busy = make_letter(reference="RK-2026-0043")
    set_status(busy, Status.RENDERING, minutes_ago=1, attempts=1)

    assert tasks.sweep_letters.delay().get() == 1

    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (Status.SENT, 2)
    assert stuck.last_error == "Rendering interrupted: the worker stopped while rendering."
    assert DecisionLetter.objects.get(pk=busy.pk).status == Status.RENDERING
    assert len(stored_files(media)) == 1
    assert len(mailoutbox) == 1


def test_a_letter_stuck_in_rendering_with_no_attempts_left_fails(settings, mailoutbox):
    settings.LETTER_RENDER_ATTEMPTS = 2
    letter = make_letter()
    set_status(letter, Status.RENDERING, minutes_ago=3, attempts=2)
    assert tasks.sweep_letters.delay().get() == 0
    letter.refresh_from_db()
    assert letter.status == Status.FAILED
    assert "Rendering interrupted" in letter.last_error
    assert mailoutbox == []


def test_a_slow_worker_whose_letter_was_swept_stores_nothing(media, mailoutbox):
    """The sweep released a rendering that was only slow: the second run stores the file; the
    slow one's claim is gone, so it discards its file. One file, one mail."""
    letter = make_letter()
    slow_token = letters.claim(letter.pk, Status.PENDING, Status.RENDERING)
    DecisionLetter.objects.filter(pk=letter.pk).update(claimed_at=slow_token - timedelta(minutes=3))
    tasks.sweep_letters.delay()
    letters.store(letters.load_letter(letter.pk), slow_token)  # the slow worker finishes
    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert [path.name for path in stored_files(media)] == [f"1-{letter.sha256}.pdf"]
    assert len(mailoutbox) == 1


# ----- sending again: the service ----------------------------------------------------------------


def test_an_uncertain_letter_is_sent_again_from_its_stored_bytes(media, mailoutbox, caplog):
    letter = sent_letter()
    first_sent_at = letter.sent_at
    set_status(letter, Status.UNCERTAIN)
    files = stored_files(media)
    coordinator = factories.coordinator(first_name="Carla", last_name="Koordination")

    services.resend_letter(coordinator, letter)
    letter.refresh_from_db()
    assert letter.status == Status.RENDERED  # on_commit does not run inside a test transaction
    tasks.generate_decision_letter.delay(letter.pk)

    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert letter.attempts == 1
    assert stored_files(media) == files
    assert len(mailoutbox) == 2
    assert mailoutbox[1].attachments[0][1] == mailoutbox[0].attachments[0][1]
    (entry,) = letter.history
    assert entry["action"] == "resend"
    assert entry["from"] == Status.UNCERTAIN
    assert (entry["by"], entry["name"]) == (coordinator.pk, "Carla Koordination")
    assert entry["sent_at"] == first_sent_at.isoformat()
    assert f"Letter {letter.pk} (RK-2026-0042, letter 1): sending again by Carla" in caplog.text


def test_a_failed_letter_is_rendered_again(settings, media, mailoutbox):
    settings.LETTER_RENDER_ATTEMPTS = 1
    letter = make_letter()
    with mock.patch.object(letters, "render_letter_pdf", side_effect=RuntimeError("boom")):
        tasks.generate_decision_letter.delay(letter.pk)
    assert DecisionLetter.objects.get(pk=letter.pk).status == Status.FAILED

    services.resend_letter(factories.coordinator(), letter)
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (Status.PENDING, 0)
    assert letter.history[0]["action"] == "render_again"
    tasks.generate_decision_letter.delay(letter.pk)
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (Status.SENT, 1)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "status", [Status.PENDING, Status.RENDERING, Status.RENDERED, Status.SENDING]
)
def test_a_letter_in_progress_is_not_sent_again(status):
    letter = make_letter()
    set_status(letter, status)
    with pytest.raises(StateConflict):
        services.resend_letter(factories.coordinator(), letter)
    letter.refresh_from_db()
    assert (letter.status, letter.history) == (status, [])


def test_only_the_office_not_of_the_company_sends_again():
    letter = make_letter()
    set_status(letter, Status.UNCERTAIN)
    organization = letter.application.organization
    own_coordinator = factories.coordinator()
    factories.MembershipFactory(user=own_coordinator, organization=organization)
    for user in (factories.board_member(), letter.application.created_by, own_coordinator):
        with pytest.raises(PermissionDenied):
            services.resend_letter(user, letter)
    assert DecisionLetter.objects.get(pk=letter.pk).status == Status.UNCERTAIN


# ----- sending again: the page and the button ---------------------------------------------------


@pytest.fixture
def uncertain_approval(media):
    application = states.approved()
    letter = application.letters.get()
    tasks.generate_decision_letter.delay(letter.pk)
    set_status(letter, Status.UNCERTAIN)
    return application, DecisionLetter.objects.get(pk=letter.pk)


def test_the_office_sees_the_button_and_the_warning(client, uncertain_approval, english):
    application, letter = uncertain_approval
    detail = reverse("application-detail", args=[application.pk])
    resend = reverse("letter-resend", args=[application.pk, letter.pk])
    client.force_login(factories.coordinator())
    page = client.get(detail).content.decode()
    assert f'href="{resend}"' in page
    assert "may or may not have received this letter" in page

    client.force_login(application.created_by)  # reads the letters, may not send them again
    page = client.get(detail).content.decode()
    assert resend not in page
    assert "Send again" not in page


def test_sending_again_through_the_page(client, uncertain_approval, mailoutbox, english):
    application, letter = uncertain_approval
    url = reverse("letter-resend", args=[application.pk, letter.pk])
    coordinator = factories.coordinator()
    client.force_login(coordinator)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "The company may receive it twice" in confirm.content.decode()

    mails_before = len(mailoutbox)
    with mock.patch("django.db.transaction.on_commit", lambda func, robust=False: func()):
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("application-detail", args=[application.pk])
    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert letter.history[0]["by"] == coordinator.pk
    assert len(mailoutbox) == mails_before + 1

    assert client.post(url).status_code == 302  # sent: may be sent again
    set_status(letter, Status.SENDING)
    assert client.post(url).status_code == 409
    assert client.get(url).status_code == 409


def test_the_resend_page_refuses_others(client, uncertain_approval):
    application, letter = uncertain_approval
    url = reverse("letter-resend", args=[application.pk, letter.pk])
    client.force_login(application.created_by)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(factories.reviewer())
    assert client.post(url).status_code == 404
    assert DecisionLetter.objects.get(pk=letter.pk).history == []


def test_failed_letters_show_on_the_office_start_page(client, english):
    letter = make_letter()
    set_status(letter, Status.FAILED, last_error="RuntimeError: boom")
    client.force_login(factories.coordinator())
    page = client.get("/").content.decode()
    assert "Decision letters that failed or need checking" in page
    assert "Letter 1 of RK-2026-0042 could not be rendered" in page
    assert f"/applications/{letter.application_id}/#letters" in page


# ----- the command -------------------------------------------------------------------------------


def test_resend_letter_command(mailoutbox):
    letter = sent_letter()
    set_status(letter, Status.UNCERTAIN)
    out = io.StringIO()
    call_command("resend_letter", "RK-2026-0042", "--letter", "1", stdout=out)
    assert out.getvalue() == (
        "Letter 1 of RK-2026-0042 (was uncertain) is queued to be mailed again to the company; "
        "recorded in its history.\n"
    )
    letter.refresh_from_db()
    assert letter.status == Status.RENDERED
    assert (letter.history[0]["by"], letter.history[0]["name"]) == (None, services.COMMAND)


@pytest.mark.parametrize(
    ("reference", "number", "message"),
    [
        ("RK-1999-0001", None, 'No application with reference "RK-1999-0001"'),
        ("RK-2026-0042", 7, "has no letter 7"),
        ("RK-2026-0042", None, "Letter 1 of RK-2026-0042 is pending"),
    ],
)
def test_resend_letter_command_errors(reference, number, message):
    make_letter()
    extra = ["--letter", str(number)] if number else []
    with pytest.raises(CommandError, match=message):
        call_command("resend_letter", reference, *extra)
    assert DecisionLetter.objects.get().status == Status.PENDING
