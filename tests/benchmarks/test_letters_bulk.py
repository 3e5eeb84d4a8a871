"""``benchmarks.letters_bulk``: its floors and its seeding, without workers (the full run needs
PostgreSQL, Redis and minutes: ``python -m benchmarks.letters_bulk``)."""

import io
from unittest import mock

import pytest
from pypdf import PdfReader

from benchmarks import letters_bulk
from decisions import tasks
from decisions.models import Decision, DecisionLetter


def embedded_fonts(pdf):
    """``{base font name without subset prefix: embedded?}`` of the first page."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"].get_object().get("/Font", {})
    found = {}
    for ref in fonts.values():
        font = ref.get_object()
        name = str(font["/BaseFont"]).lstrip("/").split("+")[-1]
        descriptor = font.get("/FontDescriptor")
        if descriptor is None:  # a composite font: the descriptor is its descendant's
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        descriptor = descriptor.get_object()
        found[name] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def test_the_pdfa3_floor_embeds_the_letters_two_fonts():
    pdf = letters_bulk.Floors().bare_pdfa3()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    # the two faces of letter.css (Liberation Sans Regular and Bold), embedded
    assert embedded_fonts(pdf) == {"Letter-Sans": True, "Letter-Sans-Bold": True}
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp  # PDF/A-3a
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"] == True  # noqa: E712 (tagged)


def test_the_bare_page_is_an_empty_page_without_fonts():
    pdf = letters_bulk.Floors().bare_page()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert embedded_fonts(pdf) == {}
    assert "/Metadata" not in reader.trailer["/Root"]  # plain PDF, not PDF/A


def test_plain_text_keeps_the_words_and_drops_the_layout():
    html = (
        '<html><head><style>@page { margin: 0 }</style></head><body><header class="head">'
        "<div>Absender</div><address>Firma &amp; Co<br>Straße 1</address></header>"
        "<table><tr><th>Betrag</th><td>60.000,00 €</td></tr></table><p>Gruß</p></body></html>"
    )
    text = letters_bulk.plain_text(html)
    assert "<p>Absender</p>" in text
    assert "<p>Firma &amp; Co Straße 1</p>" in text
    assert "<p>Betrag 60.000,00 €</p>" in text
    assert "<p>Gruß</p>" in text
    assert "table" not in text and "header" not in text and "@page" not in text


def test_the_workers_mail_to_the_smtp_server_and_use_the_bench_services(tmp_path):
    env = letters_bulk.environment(tmp_path, smtp_port=2525)
    assert env["EMAIL_URL"] == "smtp://127.0.0.1:2525"
    assert "bench" in env["DATABASE_URL"] and env["DATABASE_URL"].startswith("postgres")
    assert env["REDIS_URL"].endswith("/11")
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "false"


@pytest.mark.django_db
def test_seed_approves_through_the_services_and_records_the_letter_tasks(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        queued = letters_bulk.seed(count=3)
    assert queued == []  # a test never commits: run what the confirmations left for the commit
    with mock.patch.object(tasks.generate_decision_letter, "delay", side_effect=queued.append):
        for callback in callbacks:
            callback()
    letters = DecisionLetter.objects.filter(pk__in=queued)
    assert len(queued) == len(set(queued)) == letters.count() == 3
    assert set(letters.values_list("status", flat=True)) == {DecisionLetter.Status.PENDING}
    decisions = Decision.objects.filter(letters__in=letters)
    assert set(decisions.values_list("status", flat=True)) == {Decision.Status.CONFIRMED}
    for decision in decisions:
        assert decision.proposed_by_id != decision.confirmed_by_id  # four eyes
        assert decision.application.state == "approved"
