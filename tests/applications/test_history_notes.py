"""Notes the system writes into the transition log are shown in each reader's language."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation
from django_fsm_log.models import StateLog

from applications import history_notes
from tests import states

pytestmark = pytest.mark.django_db

migration = importlib.import_module("applications.migrations.0007_history_notes")


def test_a_note_is_stored_neutral_and_read_in_the_readers_language():
    stored = history_notes.note("version", n=2)
    assert stored == 'rk:{"key": "version", "n": 2}'
    with translation.override("de"):
        assert history_notes.render(stored) == "Fassung 2"
    with translation.override("en"):
        assert history_notes.render(stored) == "Version 2"


def test_text_written_by_people_is_shown_as_written():
    assert history_notes.render("Bitte ergänzen Sie den Finanzplan.") == (
        "Bitte ergänzen Sie den Finanzplan."
    )
    assert history_notes.render(None) == ""
    assert history_notes.render('rk:{"key": "unknown"}') == 'rk:{"key": "unknown"}'


def test_an_unknown_note_is_refused_when_written():
    with pytest.raises(LookupError):
        history_notes.note("no_such_note")


def test_submitting_and_deciding_store_notes():
    application = states.approved()
    descriptions = dict(StateLog.objects.for_(application).values_list("transition", "description"))
    assert descriptions["submit"] == 'rk:{"key": "version", "n": 1}'
    assert descriptions["approve"].startswith('rk:{"key": "')
    with translation.override("en"):
        assert history_notes.render(descriptions["approve"]).startswith(
            ("Decided by ", "Proposed by ")
        )


def test_the_migration_turns_old_german_and_english_notes_into_notes():
    application = states.approved()
    log = StateLog.objects.for_(application)
    log.filter(transition="submit").update(description="Fassung 1")
    log.filter(transition="approve").update(
        description="Vorgeschlagen von Anna Berg, bestätigt von Bernd Carl"
    )

    migration.forwards(apps, None)

    descriptions = dict(log.values_list("transition", "description"))
    assert descriptions["submit"] == 'rk:{"key": "version", "n": 1}'
    assert descriptions["approve"] == (
        'rk:{"key": "confirmed_by", "proposer": "Anna Berg", "user": "Bernd Carl"}'
    )
    migration.backwards(apps, None)
    descriptions = dict(log.values_list("transition", "description"))
    assert descriptions["submit"] == "Fassung 1"
    assert descriptions["approve"] == "Vorgeschlagen von Anna Berg, bestätigt von Bernd Carl"


def test_the_page_shows_the_note_in_the_readers_language(client, english):
    application = states.submitted()
    client.force_login(application.created_by)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert " — Version 1</li>" in page
    assert "rk:" not in page


def _read_by(user, application):
    from applications import selectors

    return [
        (entry.transition, entry.named, entry.note)
        for entry in selectors.readable_history(user, application)
    ]


def test_the_company_reads_its_own_names_and_a_returns_reason_only():
    application = states.returned()
    coordinator = StateLog.objects.get(transition="return_for_revision").by
    assert _read_by(application.created_by, application) == [
        ("submit", True, "Fassung 1"),
        ("return_for_revision", False, "Bitte ergänzen."),
    ]
    assert _read_by(coordinator, application) == [
        ("submit", True, "Fassung 1"),
        ("return_for_revision", True, "Bitte ergänzen."),
    ]
