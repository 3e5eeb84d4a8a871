"""The report's files: XLSX (every table), the rows and the figures as CSV."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
from django.utils import translation

from reporting import exports
from reporting.report import Basis, Partner
from tests.reporting.builders import (
    empty_report,
    make_cooperation,
    make_de_minimis,
    make_period,
    make_report,
    make_row,
)

D = Decimal
ROW_HEADERS_EN = [
    "Reference",
    "Company",
    "Region",
    "State",
    "Instrument",
    "First submitted",
    "Decided or withdrawn",
    "Version decided",
    "Submissions",
    "Returns",
    "Requested",
    "Granted",
    "New jobs for the target group",
    "Secured jobs for the target group",
    "Staff",
    "Of them severely disabled",
    "Cooperation partner",
    "Days to decision",
    "Erased (retention)",
]
SHEETS_EN = [
    "Overview",
    "Amounts",
    "Processing time",
    "Effect",
    "Cooperation",
    "De minimis",
    "Quarters",
    "Jobs per year",
    "From submission to approval",
    "Applications",
]
TITLE_EN = "Risikokapital 2025, 2025, counted by date of first submission"


def workbook(report=None, language=None):
    report = report or make_report()
    if language:
        with translation.override(language):
            return openpyxl.load_workbook(io.BytesIO(exports.xlsx(report)))
    return openpyxl.load_workbook(io.BytesIO(exports.xlsx(report)))


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def find_row(sheet, label):
    """The cells of the row whose first cell is ``label``."""
    return next(row for row in sheet.iter_rows() if row[0].value == label)


def parse_csv(text, delimiter):
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


# ----- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_has_one_sheet_per_section_in_english():
    assert workbook(language="en").sheetnames == SHEETS_EN


def test_xlsx_every_sheet_starts_with_the_title_row():
    book = workbook(language="en")
    for sheet in book.worksheets:
        assert sheet["A1"].value == TITLE_EN
        assert sheet["A1"].font.b is True


def test_xlsx_title_names_the_basis_decided():
    report = make_report(period=make_period(basis=Basis.DECIDED, label="Q3 2025"))
    sheet = workbook(report, "en")["Overview"]
    assert sheet["A1"].value == (
        "Risikokapital 2025, Q3 2025, counted by date of the decision or withdrawal"
    )


def test_xlsx_overview_figures_are_typed_numbers():
    sheet = workbook(language="en")["Overview"]
    assert rows_of(sheet)[:4] == [
        [TITLE_EN, None],
        [None, None],
        ["Figure", "Value"],
        ["Applications in the period", 7],
    ]
    total = find_row(sheet, "Applications in the period")[1]
    assert (total.data_type, total.number_format) == ("n", "#,##0")
    rate = find_row(sheet, "Approval rate (approved of decided)")[1]
    assert (rate.value, rate.number_format) == (0.8, "0.0%")
    assert rows_of(sheet)[12:15] == [
        ["By current state", None],
        ["State", "Applications"],
        ["Draft", 0],
    ]


def test_xlsx_amounts_are_numbers_with_the_euro_format():
    sheet = workbook(language="en")["Amounts"]
    median = find_row(sheet, "Median grant")[1]
    assert (median.value, median.number_format) == (75000.5, '#,##0.00 "€"')
    assert median.data_type == "n"
    loan = find_row(sheet, "Loan")
    assert [c.value for c in loan] == ["Loan", 3, 200000]
    assert [c.number_format for c in loan] == ["General", "#,##0", '#,##0.00 "€"']


def test_xlsx_missing_values_are_empty_cells():
    sheet = workbook(empty_report(), "en")["Amounts"]
    assert find_row(sheet, "Mean grant")[1].value is None
    assert (
        find_row(workbook(empty_report(), "en")["Overview"], "Approval rate (approved of decided)")[
            1
        ].value
        is None
    )


def test_xlsx_times_show_days_bins_stays_and_reviews():
    sheet = workbook(language="en")["Processing time"]
    median = find_row(sheet, "Days from first submission to decision: median")[1]
    assert (median.value, median.number_format) == (45, "#,##0.0")
    assert [c.value for c in find_row(sheet, "30–59")] == ["30–59", 3, None]
    assert [c.value for c in find_row(sheet, "In review")] == ["In review", 6, 20.3]
    assert [c.value for c in find_row(sheet, "Reviews overdue")] == ["Reviews overdue", 1, None]


def test_xlsx_lists_quarters_jobs_and_funnel():
    book = workbook(language="en")
    assert rows_of(book["Quarters"])[2:4] == [
        ["Quarter", "Approvals", "Granted"],
        ["Q1 2025", 3, 120000],
    ]
    year = find_row(book["Jobs per year"], 2025)
    assert [c.value for c in year] == [2025, 8, 4]
    assert year[0].number_format == "0"  # 2025, not 2.025
    assert rows_of(book["From submission to approval"])[2:] == [
        ["Step", "Applications"],
        ["Submitted", 7],
        ["Reviewed", 6],
        ["Decided", 5],
        ["Approved", 4],
    ]


def test_xlsx_de_minimis_and_cooperation():
    book = workbook(language="en")
    company = find_row(book["De minimis"], "Integra Köln gGmbH")
    assert [c.value for c in company] == [
        "Integra Köln gGmbH",
        50000,
        120000,
        170000,
        300000,
        130000,
        "no",
    ]
    assert [c.value for c in find_row(book["Cooperation"], "Rheinland")] == ["Rheinland", 3, 2]
    assert [c.value for c in find_row(book["Cooperation"], "Caritas Köln")] == [
        "Caritas Köln",
        1,
        None,
    ]


def test_xlsx_applications_rows_with_dates_as_dates():
    sheet = workbook(language="en")["Applications"]
    rows = rows_of(sheet)
    assert rows[2] == ROW_HEADERS_EN
    assert rows[3] == [
        "RK-2025-0001",
        "Integra Köln gGmbH",
        "Rheinland",
        "Approved",
        "Loan",
        datetime.datetime(2025, 2, 3),
        datetime.datetime(2025, 3, 20),
        2,
        2,
        1,
        150000,
        120000,
        3,
        1,
        30,
        12,
        "Caritas Köln",
        45,
        "no",
    ]
    assert len(rows) == 5
    assert sheet["F4"].number_format == "YYYY-MM-DD"
    assert sheet["K4"].number_format == '#,##0.00 "€"'
    assert sheet.freeze_panes == "A4"


def test_xlsx_in_german_has_german_headers_and_date_format():
    sheet = workbook().worksheets[-1]  # the default language
    headers = rows_of(sheet)[2]
    assert headers[:4] == ["Aktenzeichen", "Unternehmen", "Region", "Status"]
    assert sheet["F4"].number_format == "DD.MM.YYYY"
    assert sheet["F4"].value == datetime.datetime(2025, 2, 3)


def test_xlsx_text_is_never_a_formula():
    report = make_report(
        rows=[make_row(organization='=HYPERLINK("http://x")', cooperation_partner="+1")]
    )
    sheet = workbook(report, "en")["Applications"]
    assert (sheet["B4"].value, sheet["B4"].data_type) == ('=HYPERLINK("http://x")', "s")
    assert (sheet["Q4"].value, sheet["Q4"].data_type) == ("+1", "s")


def test_xlsx_of_an_empty_period():
    book = workbook(empty_report(), "en")
    assert book.sheetnames == SHEETS_EN
    assert rows_of(book["Applications"]) == [
        [TITLE_EN, *[None] * 18],
        [None] * 19,
        ROW_HEADERS_EN,
    ]


def test_sheet_names_are_valid_and_unique():
    taken = set()
    assert exports.sheet_name("A/B: C?", taken) == "A-B- C-"
    assert exports.sheet_name("a/b: c?", taken) == "a-b- c- (2)"
    assert exports.sheet_name("x" * 40, taken) == "x" * 31
    assert exports.sheet_name("x" * 40, taken) == "x" * 27 + " (2)"


# ----- CSV of the rows ----------------------------------------------------------------------------


def test_csv_rows_in_german_semicolons_decimal_comma_dates():
    lines = parse_csv(exports.csv_rows(make_report()), ";")
    assert lines[0][:2] == ["Aktenzeichen", "Unternehmen"]
    assert len(lines[0]) == len(ROW_HEADERS_EN)
    assert lines[1] == [
        "RK-2025-0001",
        "Integra Köln gGmbH",
        "Rheinland",
        "Approved",
        "Loan",
        "03.02.2025",
        "20.03.2025",
        "2",
        "2",
        "1",
        "150000,00",
        "120000,00",
        "3",
        "1",
        "30",
        "12",
        "Caritas Köln",
        "45",
        translation.gettext("no"),
    ]
    assert lines[2][6:8] == ["", ""]  # not decided: no date, no version
    assert len(lines) == 3


def test_csv_rows_in_english():
    with translation.override("en"):
        text = exports.csv_rows(make_report())
    lines = parse_csv(text, ",")
    assert lines[0] == ROW_HEADERS_EN
    assert lines[1][5:7] == ["2025-02-03", "2025-03-20"]
    assert lines[1][10:12] == ["150000.00", "120000.00"]
    assert lines[1][18] == "no"
    assert text.split("\n")[0].endswith("\r")  # csv's own line ends, as the list's export


def test_csv_rows_guard_against_formulas():
    report = make_report(
        rows=[
            make_row(
                organization="=cmd|' /C calc'!A0",
                cooperation_partner="@SUM(1)",
                reference="-2",
            )
        ]
    )
    with translation.override("en"):
        line = parse_csv(exports.csv_rows(report), ",")[1]
    assert line[0] == "'-2"
    assert line[1] == "'=cmd|' /C calc'!A0"
    assert line[16] == "'@SUM(1)"


def test_csv_rows_negative_numbers_stay_numbers():
    report = make_report(rows=[make_row(granted=D("-5.00"))])
    with translation.override("en"):
        assert parse_csv(exports.csv_rows(report), ",")[1][11] == "-5.00"


def test_csv_rows_of_an_empty_period_is_the_header():
    with translation.override("en"):
        assert parse_csv(exports.csv_rows(empty_report()), ",") == [ROW_HEADERS_EN]


# ----- CSV of the figures -------------------------------------------------------------------------


def test_csv_figures_long_format_in_english():
    with translation.override("en"):
        lines = parse_csv(exports.csv_figures(make_report()), ",")
    assert lines[:7] == [
        ["Section", "Figure", "Value"],
        ["Report", "Programme", "Risikokapital 2025"],
        ["Report", "Period", "2025"],
        ["Report", "From", "2025-01-01"],
        ["Report", "To", "2025-12-31"],
        ["Report", "Counted by", "date of first submission"],
        ["Overview", "Applications in the period", "7"],
    ]
    assert all(len(line) == 3 for line in lines)
    assert ["Overview", "Approval rate (approved of decided) (%)", "80.0"] in lines
    assert ["Overview", "By current state – Approved – Applications", "4"] in lines
    assert ["Amounts", "Median grant (€)", "75000.50"] in lines
    assert ["Amounts", "Granted by instrument – Loan – Granted (€)", "200000.00"] in lines
    assert [
        "Processing time",
        "Days from first submission to decision – 30–59 – Applications",
        "3",
    ] in lines
    assert [
        "Processing time",
        "Where applications wait (an open stay counts up to today) – Awaiting decision – Mean days",
        "",
    ] in lines
    assert ["Processing time", "Reviews submitted late", "2"] in lines
    assert ["Effect", "Share of severely disabled staff (%)", "37.5"] in lines
    assert [
        "Cooperation",
        "Cooperation partners named – Caritas Köln – Funded applications",
        "1",
    ] in lines
    assert ["De minimis", "Integra Köln gGmbH – Over the ceiling", "no"] in lines
    assert ["Quarters", "Q3 2025 – Granted (€)", "200000.00"] in lines
    assert ["Jobs per year", "2025 – Jobs secured", "4"] in lines
    assert lines[-1] == ["From submission to approval", "Approved – Applications", "4"]


def test_csv_figures_hold_no_rows_of_applications():
    with translation.override("en"):
        text = exports.csv_figures(make_report())
    assert "RK-2025-0001" not in text


def test_csv_figures_in_german_semicolons_and_decimal_comma():
    lines = parse_csv(exports.csv_figures(make_report()), ";")
    assert lines[3][2] == "01.01.2025"
    assert lines[6][2] == "7"
    values = {line[1]: line[2] for line in lines}
    rate = next(value for figure, value in values.items() if figure.endswith("(%)"))
    assert rate == "80,0"
    assert "75000,50" in values.values()


def test_csv_figures_guard_company_names_against_formulas():
    report = make_report(
        de_minimis=[make_de_minimis(organization="=1+1")],
        cooperation=make_cooperation(partners=[Partner("-x", 1)]),
    )
    with translation.override("en"):
        lines = parse_csv(exports.csv_figures(report), ",")
    assert ["De minimis", "'=1+1 – Declared (€)", "50000.00"] in lines
    assert ["Cooperation", "Cooperation partners named – -x – Funded applications", "1"] in lines


def test_csv_figures_programme_name_guarded():
    report = make_report(programme="+Programme")
    with translation.override("en"):
        lines = parse_csv(exports.csv_figures(report), ",")
    assert lines[1] == ["Report", "Programme", "'+Programme"]


def test_csv_figures_of_an_empty_period():
    with translation.override("en"):
        lines = parse_csv(exports.csv_figures(empty_report()), ",")
    assert ["Overview", "Approval rate (approved of decided) (%)", ""] in lines
    assert ["Amounts", "Mean grant (€)", ""] in lines
    assert not any(line[0] == "De minimis" for line in lines)


# ----- shown values -------------------------------------------------------------------------------


def test_display_formats_per_kind_in_german():
    C = exports.Cell
    assert exports.display(C(D("1234.5"), exports.MONEY)) == "1.234,50\u00a0€"
    assert exports.display(C(D("37.5"), exports.PERCENT)) == "37,5\u00a0%"
    assert exports.display(C(D("45.0"), exports.DAYS)) == "45"
    assert exports.display(C(1234, exports.COUNT)) == "1.234"
    assert exports.display(C(2025, exports.WHOLE)) == "2025"
    assert exports.display(C(datetime.date(2025, 3, 1), exports.DATE)) == "01.03.2025"
    assert exports.display(C(None, exports.MONEY)) == "—"
    assert exports.display(C(None, exports.TEXT)) == ""
    assert exports.display(C("<b>", exports.TEXT)) == "<b>"  # escaped by the template


def test_display_in_english():
    C = exports.Cell
    with translation.override("en"):
        assert exports.display(C(D("1234.5"), exports.MONEY)) == "1,234.50\u00a0€"
        assert exports.display(C(datetime.date(2025, 3, 1), exports.DATE)) == "01/03/2025"
        assert exports.display(C(True, exports.YES_NO)) == "yes"
