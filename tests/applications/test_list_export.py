"""The list's export: the rows of the list page (same filters, order and permission) as CSV
and XLSX, in the reader's language, with numbers and dates as such."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories, states
from tests.applications.test_list_columns import build_world

pytestmark = pytest.mark.django_db

CSV = reverse("application-export-csv")
XLSX = reverse("application-export-xlsx")
GERMAN = [
    "Aktenzeichen",
    "Titel",
    "Unternehmen",
    "Förderprogramm",
    "Status",
    "Zuletzt eingereicht",
    "Frist",
    "Beantragter Betrag (EUR)",
    "Letzte Änderung",
]
ENGLISH = [
    "Reference",
    "Title",
    "Company",
    "Programme",
    "State",
    "Last submitted",
    "Deadline",
    "Requested amount (EUR)",
    "Last change",
]


@pytest.fixture
def world():
    return build_world()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response, delimiter):
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def sheet_of(response):
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    return workbook.worksheets[0]


def test_german_csv_is_the_filtered_sorted_list_for_german_excel(client, world):
    client.force_login(world["coordinator"])
    response = client.get(CSV, {"state": "returned", "sort": "deadline"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''Antr%C3%A4ge-")
    assert response["Cache-Control"] == "private, no-store"
    assert csv_rows(response, ";") == [
        GERMAN,
        [
            "RK-2026-0004",
            "Vorhaben E",
            "Küchenwerk Nord gGmbH",
            "Risikokapitalfonds 2026",
            "Zur Überarbeitung zurückgegeben",
            "05.03.2026",
            "21.03.2026",
            "50000,00",
            "07.03.2026",
        ],
        [
            "RK-2026-0003",
            "Vorhaben D",
            "Küchenwerk Nord gGmbH",
            "Risikokapitalfonds 2026",
            "Zur Überarbeitung zurückgegeben",
            "04.03.2026",
            "27.03.2026",
            "70000,00",
            "07.03.2026",
        ],
    ]


def test_english_csv_uses_commas_points_and_iso_dates(client, world):
    client.force_login(world["coordinator"])
    response = client.get(CSV, {"sort": "-amount"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = csv_rows(response, ",")
    assert rows[0] == ENGLISH
    assert [row[0] for row in rows[1:]] == [
        "RK-2026-0003",
        "RK-2026-0001",
        "RK-2026-0005",
        "RK-2026-0004",
        "RK-2026-0002",
        "",  # the draft
    ]
    assert rows[1][4:] == [
        "Returned for revision",
        "2026-03-04",
        "2026-03-27",
        "70000.00",
        "2026-03-07",
    ]
    assert rows[6] == [
        "",
        "Entwurf ohne Betrag",
        "Küchenwerk Nord gGmbH",
        "Risikokapitalfonds 2026",
        "Draft",
        "",
        "",
        "",
        "2026-03-01",
    ]
    # withdrawn after a return: no deadline applies
    assert rows[2][4:7] == ["Withdrawn", "2026-03-02", ""]


def test_an_unknown_sort_or_filter_exports_as_the_list_shows(client, world):
    client.force_login(world["coordinator"])
    response = client.get(CSV, {"sort": "title", "state": "nonsense"}, HTTP_ACCEPT_LANGUAGE="en")
    titles = [row[1] for row in csv_rows(response, ",")[1:]]
    assert titles == [
        "Vorhaben C",
        "Vorhaben B",
        "Vorhaben E",
        "Vorhaben D",
        "Vorhaben G",
        "Entwurf ohne Betrag",
    ]


def test_german_xlsx_holds_numbers_and_dates(client, world):
    client.force_login(world["coordinator"])
    response = client.get(XLSX, {"sort": "reference"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith(".xlsx")
    sheet = sheet_of(response)
    assert sheet.title == "Anträge"
    assert [cell.value for cell in sheet[1]] == GERMAN
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [
        None,
        "RK-2026-0001",
        "RK-2026-0002",
        "RK-2026-0003",
        "RK-2026-0004",
        "RK-2026-0005",
    ]
    d = sheet[5]  # RK-2026-0003
    assert [cell.value for cell in d[:5]] == [
        "RK-2026-0003",
        "Vorhaben D",
        "Küchenwerk Nord gGmbH",
        "Risikokapitalfonds 2026",
        "Zur Überarbeitung zurückgegeben",
    ]
    submitted, deadline, amount, changed = d[5], d[6], d[7], d[8]
    assert submitted.is_date and submitted.value == datetime.datetime(2026, 3, 4)
    assert submitted.number_format == "DD.MM.YYYY"
    assert deadline.is_date and deadline.value == datetime.datetime(2026, 3, 27)
    assert changed.is_date and changed.value == datetime.datetime(2026, 3, 7)
    assert amount.data_type == "n" and amount.value == 70000
    assert amount.number_format == '#,##0.00 "€"'
    draft = sheet[2]
    assert [cell.value for cell in draft[5:8]] == [None, None, None]


def test_english_xlsx_has_english_headers_and_iso_dates(client, world):
    client.force_login(world["coordinator"])
    sheet = sheet_of(client.get(XLSX, {"state": "returned"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert sheet.title == "Applications"
    assert [cell.value for cell in sheet[1]] == ENGLISH
    assert [row[4].value for row in sheet.iter_rows(min_row=2)] == ["Returned for revision"] * 2
    assert sheet["F2"].number_format == "YYYY-MM-DD"
    assert isinstance(sheet["H2"].value, int | float)


def test_text_never_becomes_a_formula(client):
    application = factories.ApplicationFactory(title='=HYPERLINK("https://example.org","x")')
    client.force_login(factories.coordinator())
    rows = csv_rows(client.get(CSV, HTTP_ACCEPT_LANGUAGE="en"), ",")
    assert rows[1][1] == "'" + application.title
    sheet = sheet_of(client.get(XLSX, HTTP_ACCEPT_LANGUAGE="en"))
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value == application.title


def test_a_company_exports_only_its_own_applications(client, world):
    other = states.submitted(title="Fremdes Vorhaben")
    client.force_login(world["owner"])
    rows = csv_rows(client.get(CSV, HTTP_ACCEPT_LANGUAGE="en"), ",")
    assert len(rows) == 7
    assert "Fremdes Vorhaben" not in {row[1] for row in rows}
    asked = {"q": other.reference}  # the list shows nothing: so does the export
    assert csv_rows(client.get(CSV, asked, HTTP_ACCEPT_LANGUAGE="en"), ",") == [ENGLISH]
    sheet = sheet_of(client.get(XLSX, asked, HTTP_ACCEPT_LANGUAGE="en"))
    assert sheet.max_row == 1
    client.force_login(other.created_by)
    rows = csv_rows(client.get(CSV, HTTP_ACCEPT_LANGUAGE="en"), ",")
    assert [row[1] for row in rows[1:]] == ["Fremdes Vorhaben"]


@pytest.mark.parametrize("role", ["reviewer", "board_member"])
def test_who_has_no_list_has_no_export(client, role):
    application, _coordinator, reviewers = states.in_review()
    user = reviewers[0] if role == "reviewer" else factories.board_member()
    client.force_login(user)
    assert client.get(reverse("application-list")).status_code == 302  # to their own pages
    for url in (CSV, XLSX):
        assert client.get(url).status_code == 403


def test_nobody_gets_403_and_a_visitor_the_login(client):
    for url in (CSV, XLSX):
        assert client.get(url).status_code == 302
        assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(factories.UserFactory())
    for url in (CSV, XLSX):
        assert client.get(url).status_code == 403


def test_no_review_score_or_reviewer_name_is_exported(client):
    application, coordinator, reviewers = states.in_review()
    for reviewer in reviewers:
        states.review(reviewer, application)
    client.force_login(coordinator)
    for url in (CSV, XLSX):
        data = body(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
        if url == XLSX:
            sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
            rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        else:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == GERMAN  # no column for reviews, scores or reviewers
        assert [row[0] for row in rows[1:]] == [application.reference]
        text = "\n".join(str(value) for row in rows for value in row if value)
        assert states.REVIEW["comment"] not in text
        for reviewer in reviewers:
            assert reviewer.last_name not in text
            assert reviewer.username not in text


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_the_export_keeps_a_constant_number_of_queries(client, django_assert_num_queries, url):
    programme = factories.ProgrammeFactory()
    client.force_login(factories.coordinator())
    params = {"programme": programme.pk, "sort": "-amount"}
    for _ in range(3):
        factories.ApplicationFactory(programme=programme, requested_amount=Decimal("1000"))
    body(client.get(url, params))  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert len(body(client.get(url, params))) > 0
    assert len(small.captured_queries) <= 8
    for _ in range(40):
        factories.ApplicationFactory(programme=programme, requested_amount=Decimal("1000"))
    with django_assert_num_queries(len(small.captured_queries)):
        data = body(client.get(url, params))
    if url == CSV:
        assert data.count(b"\r\n") == 44
    else:
        assert openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].max_row == 44
