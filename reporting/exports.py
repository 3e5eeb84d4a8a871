"""The report as files: XLSX (every table), CSV of the rows and CSV of the figures.

The files present a ``Report`` (``reporting.report``) and compute nothing: counts and amounts,
no personal data, no review text, no reviewer. Headers and labels follow the reader's language;
the formats follow the application list's export (``applications.export``):

- XLSX: one sheet per section, a title row naming programme, period and basis; amounts are
  numbers with a euro format, percentages numbers with a percent format (62.5 % is 0.625),
  counts and days numbers, dates dates; text is always text, never a formula.
- CSV: UTF-8 with a byte order mark. German: ``;`` between fields, a decimal comma, dates as
  31.12.2025; English: ``,``, a decimal point, dates as 2025-12-31. Numbers without grouping
  (so that they stay numbers), percentages as the number of percent. A text starting with
  ``= + - @`` (or a tab or a carriage return) gets a leading ``'``, so that no spreadsheet runs
  it as a formula.

``sections(report)`` is the report as titled tables of typed cells; the PDF (``reporting.pdf``)
prints the same tables.
"""

import csv
import dataclasses
import io
import re
from decimal import Decimal

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from applications.export import AMOUNT_FORMAT, FORMULA_STARTS, dialect
from funding.numbers import format_decimal, format_money, format_percent

from . import charts
from .report import Basis

# The kinds of a cell: how it is written and shown.
TEXT, COUNT, WHOLE, MONEY, PERCENT, DAYS, DATE, YES_NO = (
    "text",
    "count",
    "whole",  # a whole number without grouping: a year, a version
    "money",
    "percent",
    "days",
    "date",
    "yes_no",
)
NUMBER_FORMATS = {
    COUNT: "#,##0",
    WHOLE: "0",
    MONEY: AMOUNT_FORMAT,
    PERCENT: "0.0%",
    DAYS: "#,##0.0",
}
UNITS = {MONEY: "€", PERCENT: "%"}
BASIS_LABELS = {
    Basis.SUBMITTED: gettext_lazy("date of first submission"),
    Basis.DECIDED: gettext_lazy("date of the decision or withdrawal"),
}
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
TITLE_FONT = Font(bold=True, size=13)
BOLD = Font(bold=True)


@dataclasses.dataclass(frozen=True)
class Cell:
    value: object  # None: no value
    kind: str = TEXT


@dataclasses.dataclass
class Table:
    title: str  # "" for a section's main table
    headers: list[str]
    rows: list[list[Cell]]
    figures: bool = False  # a list of figures: a label and its value per row


@dataclasses.dataclass
class Section:
    key: str
    title: str
    tables: list[Table]


# ----- the report as tables -------------------------------------------------------------------


def basis_label(basis):
    """What puts an application into the period, in the reader's language."""
    return str(BASIS_LABELS.get(basis, basis))


def title(report):
    """The files' title: programme, period and basis."""
    return _("%(programme)s, %(period)s, counted by %(basis)s") % {
        "programme": report.programme,
        "period": report.period.label,
        "basis": basis_label(report.period.basis),
    }


def _figures(*pairs, title=""):
    """A table of figures: ``(label, value, kind)`` each."""
    rows = [[Cell(str(label)), Cell(value, kind)] for label, value, kind in pairs]
    return Table(str(title), [_("Figure"), _("Value")], rows, figures=True)


def _table(title, headers, rows):
    return Table(str(title), [str(h) for h in headers], rows)


def sections(report):
    """Every figure of ``report`` as titled sections of tables, in the page's order (the rows
    of the applications last)."""
    counts, amounts, times = report.counts, report.amounts, report.times
    effect, cooperation = report.effect, report.cooperation
    return [
        Section(
            "overview",
            _("Overview"),
            [
                _figures(
                    (_("Applications in the period"), counts.total, COUNT),
                    (_("Submitted"), counts.submitted, COUNT),
                    (_("Approved"), counts.approved, COUNT),
                    (_("Rejected"), counts.rejected, COUNT),
                    (_("Withdrawn"), counts.withdrawn, COUNT),
                    (_("Returned for revision at least once"), counts.returned, COUNT),
                    (_("Returns in all"), counts.returns, COUNT),
                    (_("Approval rate (approved of decided)"), counts.approval_rate, PERCENT),
                ),
                _table(
                    _("By current state"),
                    [_("State"), _("Applications")],
                    [[Cell(row.label), Cell(row.count, COUNT)] for row in counts.by_state],
                ),
            ],
        ),
        Section(
            "amounts",
            _("Amounts"),
            [
                _figures(
                    (_("Requested"), amounts.requested, MONEY),
                    (_("Granted"), amounts.granted, MONEY),
                    (_("Mean grant"), amounts.mean_grant, MONEY),
                    (_("Median grant"), amounts.median_grant, MONEY),
                    (_("Budget of the programme"), amounts.budget, MONEY),
                    (_("Committed up to the end of the period"), amounts.committed, MONEY),
                    (_("Remaining"), amounts.remaining, MONEY),
                ),
                _table(
                    _("Granted by instrument"),
                    [_("Instrument"), _("Approvals"), _("Granted")],
                    [
                        [Cell(row.label), Cell(row.count, COUNT), Cell(row.granted, MONEY)]
                        for row in amounts.by_instrument
                    ],
                ),
            ],
        ),
        Section(
            "times",
            _("Processing time"),
            [
                _figures(
                    (_("Decided applications"), times.decided, COUNT),
                    (
                        _("Days from first submission to decision: median"),
                        times.median_days_to_decision,
                        DAYS,
                    ),
                    (
                        _("Days from first submission to decision: 90th percentile"),
                        times.p90_days_to_decision,
                        DAYS,
                    ),
                ),
                _table(
                    _("Days from first submission to decision"),
                    [_("Days"), _("Applications")],
                    [
                        [Cell(b.label), Cell(b.count, COUNT)]
                        for b in charts.histogram(times.days_to_decision)
                    ],
                ),
                _table(
                    _("Where applications wait (an open stay counts up to today)"),
                    [_("State"), _("Stays"), _("Mean days")],
                    [
                        [Cell(row.label), Cell(row.stays, COUNT), Cell(row.mean_days, DAYS)]
                        for row in times.stays
                    ],
                ),
                _figures(
                    (_("Reviews on time"), times.reviews_on_time, COUNT),
                    (_("Reviews submitted late"), times.reviews_late, COUNT),
                    (_("Reviews overdue"), times.reviews_overdue, COUNT),
                    title=_("Reviews"),
                ),
            ],
        ),
        Section(
            "effect",
            _("Effect"),
            [
                _figures(
                    (_("Funded applications"), effect.funded, COUNT),
                    (_("New jobs for the target group"), effect.jobs_new, COUNT),
                    (_("Secured jobs for the target group"), effect.jobs_secured, COUNT),
                    (_("Staff of the funded companies"), effect.staff_total, COUNT),
                    (_("Of them severely disabled"), effect.staff_severely_disabled, COUNT),
                    (
                        _("Share of severely disabled staff"),
                        effect.severely_disabled_share,
                        PERCENT,
                    ),
                    (_("Granted per job created or secured"), effect.grant_per_job, MONEY),
                ),
            ],
        ),
        Section(
            "cooperation",
            _("Cooperation"),
            [
                _figures(
                    (_("Funded companies"), cooperation.companies, COUNT),
                    (_("With a cooperation partner"), cooperation.with_partner, COUNT),
                ),
                _table(
                    _("By competent Inklusionsamt"),
                    [_("Region"), _("Funded companies"), _("With a cooperation partner")],
                    [
                        [Cell(row.label), Cell(row.companies, COUNT), Cell(row.with_partner, COUNT)]
                        for row in cooperation.by_region
                    ],
                ),
                _table(
                    _("Cooperation partners named"),
                    [_("Partner"), _("Funded applications")],
                    [
                        [Cell(partner.name), Cell(partner.applications, COUNT)]
                        for partner in cooperation.partners
                    ],
                ),
            ],
        ),
        Section(
            "de_minimis",
            _("De minimis"),
            [
                _table(
                    "",
                    [
                        _("Company"),
                        _("Declared"),
                        _("Granted here"),
                        _("Total"),
                        _("Ceiling"),
                        _("Remaining"),
                        _("Over the ceiling"),
                    ],
                    [
                        [
                            Cell(row.organization),
                            Cell(row.declared, MONEY),
                            Cell(row.granted, MONEY),
                            Cell(row.total, MONEY),
                            Cell(row.ceiling, MONEY),
                            Cell(row.remaining, MONEY),
                            Cell(row.over, YES_NO),
                        ]
                        for row in report.de_minimis
                    ],
                ),
            ],
        ),
        Section(
            "quarters",
            _("Quarters"),
            [
                _table(
                    "",
                    [_("Quarter"), _("Approvals"), _("Granted")],
                    [
                        [Cell(q.label), Cell(q.approved, COUNT), Cell(q.granted, MONEY)]
                        for q in report.quarters
                    ],
                ),
            ],
        ),
        Section(
            "jobs",
            _("Jobs per year"),
            [
                _table(
                    "",
                    [_("Year"), _("Jobs created"), _("Jobs secured")],
                    [
                        [Cell(j.year, WHOLE), Cell(j.jobs_new, COUNT), Cell(j.jobs_secured, COUNT)]
                        for j in report.jobs_by_year
                    ],
                ),
            ],
        ),
        Section(
            "funnel",
            _("From submission to approval"),
            [
                _table(
                    "",
                    [_("Step"), _("Applications")],
                    [
                        [Cell(label), Cell(count, COUNT)]
                        for _key, label, count in charts.funnel_stages(report.funnel)
                    ],
                ),
            ],
        ),
        Section("rows", _("Applications"), [rows_table(report)]),
    ]


# The columns of the rows: name → (header, kind, value of a reporting.report.Row).
ROW_COLUMNS = {
    "reference": (gettext_lazy("Reference"), TEXT, lambda r: r.reference),
    "organization": (gettext_lazy("Company"), TEXT, lambda r: r.organization),
    "region": (gettext_lazy("Region"), TEXT, lambda r: r.region),
    "state": (gettext_lazy("State"), TEXT, lambda r: r.state),
    "instrument": (gettext_lazy("Instrument"), TEXT, lambda r: r.instrument),
    "first_submitted": (gettext_lazy("First submitted"), DATE, lambda r: r.first_submitted),
    "closed": (gettext_lazy("Decided or withdrawn"), DATE, lambda r: r.closed),
    "version": (gettext_lazy("Version decided"), WHOLE, lambda r: r.version),
    "submissions": (gettext_lazy("Submissions"), COUNT, lambda r: r.submissions),
    "returns": (gettext_lazy("Returns"), COUNT, lambda r: r.returns),
    "requested": (gettext_lazy("Requested"), MONEY, lambda r: r.requested),
    "granted": (gettext_lazy("Granted"), MONEY, lambda r: r.granted),
    "jobs_new": (gettext_lazy("New jobs for the target group"), COUNT, lambda r: r.jobs_new),
    "jobs_secured": (
        gettext_lazy("Secured jobs for the target group"),
        COUNT,
        lambda r: r.jobs_secured,
    ),
    "staff_total": (gettext_lazy("Staff"), COUNT, lambda r: r.staff_total),
    "staff_severely_disabled": (
        gettext_lazy("Of them severely disabled"),
        COUNT,
        lambda r: r.staff_severely_disabled,
    ),
    "cooperation_partner": (
        gettext_lazy("Cooperation partner"),
        TEXT,
        lambda r: r.cooperation_partner,
    ),
    "days_to_decision": (gettext_lazy("Days to decision"), COUNT, lambda r: r.days_to_decision),
    "erased": (gettext_lazy("Erased (retention)"), YES_NO, lambda r: r.erased),
}


def rows_table(report, columns=None):
    """One row per application of the period: every column, or the ``columns`` named."""
    chosen = [ROW_COLUMNS[name] for name in (columns or ROW_COLUMNS)]
    return Table(
        "",
        [str(header) for header, _kind, _value in chosen],
        [[Cell(value(row), kind) for _h, kind, value in chosen] for row in report.rows],
    )


# ----- text -------------------------------------------------------------------------------------


def yes_no(value):
    return _("yes") if value else _("no")


def display(cell):
    """A cell as the page and the PDF show it: "1.234,56 €", "80 %", "31.12.2025"; "—" for
    no value."""
    value, kind = cell.value, cell.kind
    if value is None or value == "":
        return "—" if kind != TEXT else ""
    if kind == MONEY:
        return format_money(value, space="\u00a0")
    if kind == PERCENT:
        return format_percent(value, space="\u00a0")
    if kind == DAYS:
        return format_decimal(value)
    if kind == COUNT:
        return format_decimal(value, 0)
    if kind == WHOLE:
        return str(value)
    if kind == DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == YES_NO:
        return yes_no(value)
    return str(value)


def safe_text(text):
    """Text that no spreadsheet takes for a formula (see applications.export)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_value(cell, form):
    value, kind = cell.value, cell.kind
    if value is None or value == "":
        return ""
    if kind == DATE:
        return value.strftime(form.date)
    if kind == MONEY:
        return f"{Decimal(value):.2f}".replace(".", form.decimal)
    if kind in (PERCENT, DAYS):
        return format(Decimal(value), "f").replace(".", form.decimal)
    if kind in (COUNT, WHOLE):
        return str(value)
    if kind == YES_NO:
        return yes_no(value)
    return safe_text(str(value))


def _csv(rows):
    form = dialect(translation.get_language())
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=form.delimiter)
    for row in rows:
        writer.writerow([cell if isinstance(cell, str) else _csv_value(cell, form) for cell in row])
    return buffer.getvalue()


def csv_rows(report) -> str:
    """The applications of the period, one row each (the header first), as CSV."""
    table = rows_table(report)
    return _csv([[safe_text(h) for h in table.headers], *table.rows])


def _figure_label(*parts, kind=TEXT):
    label = " – ".join(str(part) for part in parts if part)
    return f"{label} ({UNITS[kind]})" if kind in UNITS else label


def figure_rows(report):
    """The page's figures in long format: ``(section, figure, Cell)``, the report's programme,
    period and basis first. A row of a table becomes one figure per value column, named by the
    table, the row's label and the column."""
    period = report.period
    about = _("Report")
    yield about, _("Programme"), Cell(report.programme)
    yield about, _("Period"), Cell(period.label)
    yield about, _("From"), Cell(period.start, DATE)
    yield about, _("To"), Cell(period.end, DATE)
    yield about, _("Counted by"), Cell(basis_label(period.basis))
    for section in sections(report):
        if section.key == "rows":
            continue
        for table in section.tables:
            for row in table.rows:
                label, values = row[0], row[1:]
                if table.figures:
                    yield section.title, _figure_label(label.value, kind=values[0].kind), values[0]
                    continue
                for header, cell in zip(table.headers[1:], values, strict=True):
                    name = _figure_label(table.title, display(label), header, kind=cell.kind)
                    yield section.title, name, cell


def csv_figures(report) -> str:
    """The page's figures as CSV in long format: section; figure; value."""
    lines = [[_("Section"), _("Figure"), _("Value")]]
    lines += [
        [safe_text(str(section)), safe_text(figure), cell]
        for section, figure, cell in figure_rows(report)
    ]
    return _csv(lines)


# ----- XLSX -------------------------------------------------------------------------------------


def sheet_name(text, taken):
    """A valid, unique sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    base = SHEET_NAME_FORBIDDEN.sub("-", str(text)).strip("'")[:31] or "-"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def _xlsx_cell(sheet, cell, form):
    value, kind = cell.value, cell.kind
    if value is None or value == "":
        return None
    if kind == PERCENT:
        value = Decimal(value) / 100
    elif kind == YES_NO:
        value = yes_no(value)
    elif kind == TEXT:
        value = str(value)
    written = WriteOnlyCell(sheet, value=value)
    if kind == DATE:
        written.number_format = form.excel_date
    elif kind in NUMBER_FORMATS:
        written.number_format = NUMBER_FORMATS[kind]
    else:
        written.data_type = "s"  # never a formula, whatever the text starts with
    return written


def _text_cell(sheet, text, font=None):
    written = WriteOnlyCell(sheet, value=str(text))
    written.data_type = "s"
    if font is not None:
        written.font = font
    return written


def _widths(section):
    """Column widths from the longest text shown in each column (10 to 50 characters)."""
    widths = {}
    for table in section.tables:
        for row in [[Cell(h) for h in table.headers], *table.rows]:
            for i, cell in enumerate(row):
                widths[i] = max(widths.get(i, 10), min(len(display(cell)) + 2, 50))
    return widths


def xlsx(report) -> bytes:
    """Every table of the report in an XLSX workbook, one sheet per section."""
    form = dialect(translation.get_language())
    workbook = Workbook(write_only=True)
    taken = set()
    heading = title(report)
    for section in sections(report):
        sheet = workbook.create_sheet(title=sheet_name(section.title, taken))
        for i, width in _widths(section).items():
            sheet.column_dimensions[get_column_letter(i + 1)].width = width
        if section.key == "rows":
            sheet.freeze_panes = "A4"  # the title, a blank row, the header (before any row)
        sheet.append([_text_cell(sheet, heading, TITLE_FONT)])
        for table in section.tables:
            sheet.append([])
            if table.title:
                sheet.append([_text_cell(sheet, table.title, BOLD)])
            sheet.append([_text_cell(sheet, header, BOLD) for header in table.headers])
            for row in table.rows:
                sheet.append([_xlsx_cell(sheet, cell, form) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
