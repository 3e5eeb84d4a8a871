"""The HTML part of a reminder: each paragraph as ``urlize|linebreaksbr`` would write it, with
``urlize`` skipped where no link can be (the sweep's hot path)."""

import pytest
from django.template import Context, Template

from notifications.reminders import paragraph_html

TEXTS = [
    "Sehr geehrte Frau Müller,",
    "Ihr Antrag „Küche & Café <Nord>“ wartet.\nBitte prüfen Sie ihn.",
    "Hier: https://foerderung.example.org/applications/12/ und mehr.",
    "Fragen an info@example.org oder www.example.net",
    "Mit freundlichen Grüßen\nDie Koordinierungsstelle",
    "Preis 5 < 7 > 3 \"zitiert\" 'einfach'",
    "example.com ohne Schema",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_paragraph_is_written_as_the_template_filters_would(text):
    expected = Template("{{ text|urlize|linebreaksbr }}").render(Context({"text": text}))
    assert paragraph_html(text) == expected
