"""The application list as a file: CSV (streamed) or XLSX (built in memory).

The rows are the list page's (``selectors.application_list``, filtered and sorted as the page
is), so a file never holds more than its reader may see on the list; the columns are the
list's and nothing else (no review, score or reviewer). Headers, state names and formats
follow the reader's language:

- CSV: UTF-8 with a byte order mark (so that Excel reads it as UTF-8). German: ``;`` between
  fields, a decimal comma, dates as 31.12.2025 (what German Excel opens as numbers and
  dates); English: ``,``, a decimal point, dates as 2025-12-31 (ISO 8601: unambiguous to any
  Excel). Amounts without grouping, so that they stay numbers. A text starting with
  ``= + - @`` (or a tab or a carriage return) gets a leading ``'``, so that no spreadsheet runs
  it as a formula.
- XLSX: amounts are numbers with a euro number format, dates are dates (31.12.2025 or
  2025-12-31); text is always text, never a formula.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import Application, State

TEXT, DATE, AMOUNT = "text", "date", "amount"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's number format codes are independent of the reader's locale: German Excel shows this
# as "1.234,56 €".
AMOUNT_FORMAT = '#,##0.00 "€"'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    decimal: str
    date: str  # strftime
    excel_date: str  # an Excel number format


GERMAN = Dialect(delimiter=";", decimal=",", date="%d.%m.%Y", excel_date="DD.MM.YYYY")
ENGLISH = Dialect(delimiter=",", decimal=".", date="%Y-%m-%d", excel_date="YYYY-MM-DD")


def dialect(language):
    """German for German, English for any other language."""
    return GERMAN if (language or "de").lower().startswith("de") else ENGLISH


def _field_label(name):
    return capfirst(Application._meta.get_field(name).verbose_name)


def _local_date(moment):
    return timezone.localtime(moment).date() if moment is not None else None


# (header, kind, value of a row of ``selectors.application_list``)
COLUMNS = (
    (gettext_lazy("Reference"), TEXT, lambda a: a.reference or ""),
    (gettext_lazy("Title"), TEXT, lambda a: a.title),
    (gettext_lazy("Company"), TEXT, lambda a: a.organization.name),
    (gettext_lazy("Programme"), TEXT, lambda a: a.programme.name),
    (gettext_lazy("State"), TEXT, lambda a: a.state),  # replaced by its label in the language
    (lambda: _field_label("last_submitted_at"), DATE, lambda a: _local_date(a.last_submitted_at)),
    (gettext_lazy("Deadline"), DATE, lambda a: a.deadline),
    (lambda: _field_label("requested_amount"), AMOUNT, lambda a: a.requested_amount),
    (gettext_lazy("Last change"), DATE, lambda a: _local_date(a.updated_at)),
)
STATE_COLUMN = 4


def headers():
    """The column headers in the active language."""
    return [str(header()) if callable(header) else str(header) for header, _k, _v in COLUMNS]


def _values(application, states):
    values = [value(application) for _h, _kind, value in COLUMNS]
    values[STATE_COLUMN] = states.get(values[STATE_COLUMN], values[STATE_COLUMN])
    return values


def _safe_text(text):
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_value(value, kind, form):
    if value is None or value == "":
        return ""
    if kind == DATE:
        return value.strftime(form.date)
    if kind == AMOUNT:
        return f"{Decimal(value):.2f}".replace(".", form.decimal)
    return _safe_text(str(value))


class _Echo:
    """A file for ``csv.writer`` that hands each written line back."""

    def write(self, value):
        return value


def csv_lines(rows, language):
    """The CSV file line by line (a str each), the byte order mark first; ``rows`` are read
    in chunks by one query."""
    form = dialect(language)
    head = headers()  # evaluated now, in the reader's language (the lines are read later)
    states = {value: str(label) for value, label in State.choices}
    kinds = [kind for _h, kind, _v in COLUMNS]
    writer = csv.writer(_Echo(), delimiter=form.delimiter)

    def lines():
        yield "\ufeff" + writer.writerow(head)
        for application in rows.iterator(chunk_size=CHUNK_ROWS):
            values = _values(application, states)
            yield writer.writerow(
                [_csv_value(v, kind, form) for v, kind in zip(values, kinds, strict=True)]
            )

    return lines()


def xlsx_bytes(rows, language):
    """The XLSX file (one sheet, the header row frozen) as bytes; one query."""
    form = dialect(language)
    states = {value: str(label) for value, label in State.choices}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Applications"))[:31])
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHI", (14, 40, 30, 24, 22, 14, 12, 18, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header_row = []
    for text in headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_row.append(cell)
    sheet.append(header_row)
    kinds = [kind for _h, kind, _v in COLUMNS]
    for application in rows.iterator(chunk_size=CHUNK_ROWS):
        values = _values(application, states)
        sheet.append(
            [_xlsx_cell(sheet, v, kind, form) for v, kind in zip(values, kinds, strict=True)]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value, kind, form):
    if value is None or value == "":
        return None
    cell = WriteOnlyCell(sheet, value=value)
    if kind == DATE:
        cell.number_format = form.excel_date
    elif kind == AMOUNT:
        cell.number_format = AMOUNT_FORMAT
    else:
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _filename(extension):
    stamp = timezone.localdate().isoformat()
    return f"{_('applications')}-{stamp}.{extension}"


def csv_response(rows, language):
    response = StreamingHttpResponse(
        csv_lines(rows, language), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, "csv")


def xlsx_response(rows, language):
    """The file is built before the answer starts (one query), then sent as a download."""
    response = FileResponse(io.BytesIO(xlsx_bytes(rows, language)), content_type=XLSX_TYPE)
    return _attachment(response, "xlsx")


def _attachment(response, extension):
    response["Content-Disposition"] = content_disposition_header(True, _filename(extension))
    response["Cache-Control"] = "private, no-store"
    return response
