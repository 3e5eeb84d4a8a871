"""The report as PDF: title, every section, the charts drawn as vector graphics and text, the
letters' fonts, page numbers and the appendix on landscape pages."""

import datetime
import functools
import io
from unittest import mock

import pdfplumber
import pytest
from django.utils import translation
from pypdf import PdfReader

from reporting import pdf
from tests.reporting.builders import empty_report, make_report, make_row

BRAND = (0.043, 0.353, 0.549)  # #0b5a8c, the bars' colour
A4 = (595.28, 841.89)
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@pytest.fixture(scope="module")
def english_pdf():
    with (
        translation.override("en"),
        mock.patch.object(pdf.timezone, "localdate", return_value=datetime.date(2026, 3, 5)),
    ):
        return pdf.render(make_report())


@pytest.fixture(scope="module")
def german_pdf():
    with mock.patch.object(pdf.timezone, "localdate", return_value=datetime.date(2026, 3, 5)):
        return pdf.render(make_report())


def pdfa_ids(reader):
    descriptions = reader.xmp_metadata.rdf_root.getElementsByTagNameNS(RDF, "Description")
    return {
        (node.getAttributeNS(PDFAID, "part"), node.getAttributeNS(PDFAID, "conformance"))
        for node in descriptions
        if node.getAttributeNS(PDFAID, "part")
    }


@functools.cache
def pages_text(content):
    with pdfplumber.open(io.BytesIO(content)) as document:
        return [page.extract_text() for page in document.pages]


def test_pdf_is_a_tagged_pdfa_in_the_readers_language(english_pdf, german_pdf):
    assert english_pdf.startswith(b"%PDF")
    root = PdfReader(io.BytesIO(english_pdf)).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert root["/Lang"] == "en"
    assert PdfReader(io.BytesIO(german_pdf)).trailer["/Root"]["/Lang"] == "de"
    assert pdfa_ids(PdfReader(io.BytesIO(english_pdf))) == {("3", "A")}


def test_title_names_programme_period_basis_and_date(english_pdf):
    first = pages_text(english_pdf)[0].splitlines()
    assert first[:8] == [
        "Risikokapital für Integrationsunternehmen",
        "Koordinierungsstelle",
        "Funding report",
        "Risikokapital 2025",
        "Period 2025 (01/01/2025–31/12/2025)",
        "Counted by date of first submission",
        "Generated on 5 March 2026",
        "The charts per quarter and per year count approvals by the date of the decision. Counts "
        "and amounts only: no",
    ]
    assert PdfReader(io.BytesIO(english_pdf)).metadata.title == (
        "Funding report: Risikokapital 2025, 2025"
    )


def test_german_pdf_shows_german_numbers_and_dates(german_pdf):
    text = "\n".join(pages_text(german_pdf))
    assert "2025 (01.01.2025–31.12.2025)" in text
    assert "5. März 2026" in text
    assert "1.000.000,00 €" in text
    assert "120.000,00 €" in text


def test_every_section_is_printed(english_pdf):
    text = "\n".join(pages_text(english_pdf))
    for line in (
        "Overview",
        "Applications in the period 7",
        "Approval rate (approved of decided) 80 %",
        "By current state",
        "Budget of the programme 1,000,000.00 €",
        "Median grant 75,000.50 €",
        "Loan 3 200,000.00 €",
        "Days from first submission to decision: median 45",
        "In review 6 20.3",
        "Awaiting decision 5 —",
        "Reviews overdue 1",
        "Share of severely disabled staff 37.5 %",
        "Granted per job created or secured 26,666.67 €",
        "Rheinland 3 2",
        "Caritas Köln 1",
        "De minimis",
        "Q3 2025 1 200,000.00 €",
        "2025 8 4",
        "Reviewed 6",
    ):
        assert line in text, line


def chart_lines(page):
    """The lines of a page read closely: the charts' glyphs are placed one by one, and the
    default tolerance would run their words together."""
    return page.extract_text(x_tolerance=1).splitlines()


def test_charts_are_drawn_as_vector_graphics_and_text(english_pdf):
    with pdfplumber.open(io.BytesIO(english_pdf)) as document:
        (page,) = [p for p in document.pages if "Amount granted (€)" in chart_lines(p)]
        bars = [
            rect
            for rect in page.rects
            if tuple(round(c, 3) for c in rect["non_stroking_color"] or ()) == BRAND
        ]
        lines = chart_lines(page)
    # the quarters' chart: its axis titles and ticks are text; the four bars above zero
    # (Q1 and Q3, in both panels) are filled rectangles
    assert {"Approvals", "Amount granted (€)", "150,000", "Q1 Q2 Q3 Q4"} <= set(lines)
    assert len(bars) == 4


def test_histogram_median_label_is_text(english_pdf):
    with pdfplumber.open(io.BytesIO(english_pdf)) as document:
        lines = [line for page in document.pages for line in chart_lines(page)]
    assert "Median: 45 days" in lines


def test_only_the_letters_fonts_are_used(english_pdf):
    # Liberation Sans from templates/letters/fonts, also for the charts' text
    with pdfplumber.open(io.BytesIO(english_pdf)) as document:
        fonts = {char["fontname"].split("+")[-1] for page in document.pages for char in page.chars}
    assert fonts == {"Letter-Sans", "Letter-Sans-Bold"}


def test_pages_are_numbered_with_programme_and_period(english_pdf):
    texts = pages_text(english_pdf)
    total = len(texts)
    assert total >= 2
    for number, text in enumerate(texts, start=1):
        assert text.splitlines()[-1] == f"Risikokapital 2025 · 2025 {number} / {total}"


def test_applications_are_an_appendix_on_landscape_pages(english_pdf):
    reader = PdfReader(io.BytesIO(english_pdf))
    first, last = reader.pages[0].mediabox, reader.pages[-1].mediabox
    assert (float(first.width), float(first.height)) == pytest.approx(A4, abs=0.5)
    assert (float(last.width), float(last.height)) == pytest.approx(A4[::-1], abs=0.5)
    appendix = pages_text(english_pdf)[-1]
    assert appendix.startswith("Applications\n")
    assert "RK-2025-0001 Integra Köln" in appendix
    assert "RK-2025-0002 Werkhof" in appendix


def test_empty_period_renders_and_says_so():
    with translation.override("en"):
        text = "\n".join(pages_text(pdf.render(empty_report())))
    assert "No data in this period" in text
    assert "Applications in the period 0" in text
    assert "RK-" not in text


def test_text_from_the_report_is_escaped():
    report = make_report(rows=[make_row(organization="<b>Bold & Co</b>")])
    with translation.override("en"):
        words = pages_text(pdf.render(report))[-1].split()
    assert {"<b>Bold", "&", "Co</b>"} <= set(words)


def test_many_applications_are_left_to_the_spreadsheets(monkeypatch):
    monkeypatch.setattr(pdf, "APPENDIX_MAX_ROWS", 2)
    rows = [make_row(reference=f"RK-2025-{n:04d}") for n in range(3)]
    with translation.override("en"):
        text = "\n".join(pages_text(pdf.render(make_report(rows=rows))))
    assert "The 3 applications of the period are listed in the Excel and CSV exports." in text
    assert "RK-2025-0000" not in text


def test_up_to_the_limit_the_applications_are_printed(monkeypatch):
    monkeypatch.setattr(pdf, "APPENDIX_MAX_ROWS", 3)
    rows = [make_row(reference=f"RK-2025-{n:04d}") for n in range(3)]
    with translation.override("en"):
        text = pages_text(pdf.render(make_report(rows=rows)))[-1]
    assert "RK-2025-0000" in text and "RK-2025-0002" in text


def test_appendix_shows_the_main_columns(english_pdf):
    header = " ".join(pages_text(english_pdf)[-1].splitlines()[1:6])
    for word in ("Reference", "Company", "Region", "State", "Instrument", "Requested"):
        assert word in header
    assert "Erased" not in header and "Version" not in header
