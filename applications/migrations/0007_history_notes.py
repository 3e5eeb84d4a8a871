"""System notes in the transition log become language-neutral (``applications.history_notes``).

Descriptions the system wrote in one language ("Fassung 2", "Decided by …") are stored as a
note key with parameters, so each reader sees them in their own language. Descriptions
written by people are left alone. Reversible: the notes are written back in German.
"""

import json
import re

from django.db import migrations

PREFIX = "rk:"
PATTERNS = [
    ("submit", re.compile(r"^(?:Version|Fassung) (?P<n>\d+)$"), "version"),
    (
        "complete_review",
        re.compile(
            r"^(?:automatic: the last required review was submitted"
            r"|automatisch: Das letzte erforderliche Gutachten wurde eingereicht)$"
        ),
        "round_complete",
    ),
    ("approve|reject", re.compile(r"^(?:Decided by|Entschieden von) (?P<user>.+)$"), "decided_by"),
    (
        "approve|reject",
        re.compile(
            r"^(?:Proposed by (?P<p1>.+), confirmed by (?P<u1>.+)"
            r"|Vorgeschlagen von (?P<p2>.+), bestätigt von (?P<u2>.+))$"
        ),
        "confirmed_by",
    ),
]
GERMAN = {
    "version": "Fassung %(n)s",
    "round_complete": "automatisch: Das letzte erforderliche Gutachten wurde eingereicht",
    "decided_by": "Entschieden von %(user)s",
    "confirmed_by": "Vorgeschlagen von %(proposer)s, bestätigt von %(user)s",
}


def params_of(key, match):
    if key == "version":
        return {"n": int(match["n"])}
    if key == "round_complete":
        return {}
    if key == "decided_by":
        return {"user": match["user"]}
    return {"proposer": match["p1"] or match["p2"], "user": match["u1"] or match["u2"]}


def forwards(apps, schema_editor):
    StateLog = apps.get_model("django_fsm_log", "StateLog")
    ContentType = apps.get_model("contenttypes", "ContentType")
    kind = ContentType.objects.filter(app_label="applications", model="application").first()
    if kind is None:
        return
    rows = StateLog.objects.filter(content_type=kind).exclude(description=None)
    for entry in rows.exclude(description="").exclude(description__startswith=PREFIX).iterator():
        for transitions, pattern, key in PATTERNS:
            match = pattern.match(entry.description)
            if match and entry.transition in transitions.split("|"):
                params = {"key": key, **params_of(key, match)}
                entry.description = PREFIX + json.dumps(params, ensure_ascii=False, sort_keys=True)
                entry.save(update_fields=["description"])
                break


def backwards(apps, schema_editor):
    StateLog = apps.get_model("django_fsm_log", "StateLog")
    for entry in StateLog.objects.filter(description__startswith=PREFIX).iterator():
        params = json.loads(entry.description[len(PREFIX) :])
        entry.description = GERMAN[params.pop("key")] % params
        entry.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0006_message_thread"),
        ("django_fsm_log", "0005_description_null"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
