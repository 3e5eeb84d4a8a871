"""The report as PDF for the funders' annual report: WeasyPrint, in the letters' house style.

``templates/reporting/pdf.html`` (the tables of ``exports.sections``, the charts with their
tables from ``_charts.html``, the applications' rows on landscape pages) styled by ``pdf.css``,
whose fonts are the letters' (``templates/letters/fonts``); a tagged PDF/A-3 on A4, in the
reader's language. Resources come only from files under ``templates/`` (no URL is fetched).
The charts are inline SVG, drawn by WeasyPrint as vector graphics and text.
"""

import dataclasses
import threading
import warnings
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from decisions.letters import PDF_VARIANT, LetterURLFetcher, letter_sender

from . import charts, exports

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
STYLESHEET = TEMPLATES_DIR / "reporting" / "pdf.css"
FONT_FAMILY = "Letter Sans"  # pdf.css's @font-face family: the charts' text too
# Printed from the charts' tables instead (each beside its chart).
WITH_THE_CHARTS = ("quarters", "jobs", "funnel")
_thread_cache = threading.local()


@dataclasses.dataclass
class Printable:
    """A table as the PDF prints it: every cell as its text, numbers right-aligned."""

    title: str
    figures: bool
    headers: list  # (text, numeric)
    rows: list  # [(text, numeric), ...] each
    widths: list = dataclasses.field(default_factory=list)  # of the columns, in mm (if fixed)


# The appendix: the applications' main columns (all of them are in the XLSX and the CSV) with
# their widths in mm (A4 landscape: 267 mm). A fixed layout is not measured cell by cell.
APPENDIX = {
    "reference": 22,
    "organization": 36,
    "region": 20,
    "state": 20,
    "instrument": 22,
    "first_submitted": 16,
    "closed": 16,
    "requested": 20,
    "granted": 20,
    "jobs_new": 15,
    "jobs_secured": 15,
    "cooperation_partner": 30,
    "days_to_decision": 15,
}


def printable(table, *, widths=()):
    numeric = [cell.kind != exports.TEXT for cell in table.rows[0]] if table.rows else []
    return Printable(
        widths=list(widths),
        title=table.title,
        figures=table.figures,
        headers=[
            (header, numeric[i] if i < len(numeric) else False)
            for i, header in enumerate(table.headers)
        ],
        rows=[
            [(exports.display(cell), cell.kind != exports.TEXT) for cell in row]
            for row in table.rows
        ],
    )


# Beyond this many applications the PDF leaves out the appendix (a few hundred pages would take
# minutes to render and nobody prints them): the rows are in the XLSX and the CSV.
APPENDIX_MAX_ROWS = 300


def context(report):
    sections = exports.sections(report)
    return {
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "report": report,
        "basis": exports.basis_label(report.period.basis),
        "charts": charts.render_all(report, font_family=FONT_FAMILY),
        "sections": [
            dataclasses.replace(section, tables=[printable(table) for table in section.tables])
            for section in sections
            if section.key not in (*WITH_THE_CHARTS, "rows")
        ],
        "rows": (
            printable(exports.rows_table(report, APPENDIX), widths=APPENDIX.values())
            if len(report.rows) <= APPENDIX_MAX_ROWS
            else None
        ),
        "row_count": len(report.rows),
        "sender": letter_sender(),
        "generated": timezone.localdate(),
    }


def render(report) -> bytes:
    """The report as PDF bytes, in the active language."""
    html = render_to_string("reporting/pdf.html", context(report))
    stylesheet, font_config = _stylesheet()
    document = HTML(
        string=html,
        base_url=(TEMPLATES_DIR / "reporting").resolve().as_uri() + "/",
        url_fetcher=LetterURLFetcher(root=TEMPLATES_DIR),
    )
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB output-intent profile for PDF/A and never closes it.
        warnings.filterwarnings("ignore", r"unclosed file .*sRGB2014\.icc", ResourceWarning)
        return document.write_pdf(
            pdf_variant=PDF_VARIANT, stylesheets=[stylesheet], font_config=font_config
        )


def _stylesheet():
    """pdf.css with its fonts loaded, parsed once per thread."""
    if not hasattr(_thread_cache, "stylesheet"):
        font_config = FontConfiguration()
        stylesheet = CSS(
            filename=STYLESHEET,
            url_fetcher=LetterURLFetcher(root=TEMPLATES_DIR),
            font_config=font_config,
        )
        _thread_cache.stylesheet = (stylesheet, font_config)
    return _thread_cache.stylesheet
