"""The report page and its downloads: who may open them, what a bad choice answers, the
languages, and a constant number of queries as the data grows."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from tests import factories, states

pytestmark = pytest.mark.django_db

URL = reverse("reporting-report")


def download(fmt):
    return reverse("reporting-download", args=[fmt])


@pytest.fixture
def programme():
    return factories.ProgrammeFactory(name="Inklusionsfonds", opens_on=datetime.date(2020, 1, 1))


@pytest.mark.parametrize(
    "who",
    [lambda: factories.applicant(), lambda: factories.reviewer()],
    ids=["applicant", "reviewer"],
)
@pytest.mark.parametrize("url", [URL, download("xlsx"), download("pdf"), download("rows.csv")])
def test_applicants_and_reviewers_are_refused(client, programme, who, url):
    client.force_login(who())
    assert client.get(url).status_code == 403


def test_anonymous_goes_to_the_login(client, programme):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", [factories.coordinator, factories.board_member])
def test_office_and_board_see_the_report_in_german(client, programme, who):
    client.force_login(who())
    response = client.get(URL, {"programme": programme.pk, "kind": "year", "year": 2025})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Auswertung: Inklusionsfonds, 2025</h1>" in html
    assert "Bewilligungsquote" in html
    assert 'href="/reports/"' in html  # the navigation leads here


def test_english_reader(client, programme):
    client.force_login(factories.coordinator())
    response = client.get(
        URL,
        {"programme": programme.pk, "kind": "quarter", "year": 2025, "quarter": 3},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "<h1>Report: Inklusionsfonds, Q3 2025</h1>" in response.content.decode()


def test_a_bare_page_shows_the_current_year_of_the_first_programme(client, programme, time_machine):
    time_machine.move_to("2026-05-04 10:00+02:00")
    factories.ProgrammeFactory(name="Zweiter Fonds")
    client.force_login(factories.coordinator())
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["report"].programme == "Inklusionsfonds"
    assert response.context["report"].period.label == "2026"


def test_a_period_ending_before_it_starts_is_refused(client, programme):
    client.force_login(factories.coordinator())
    query = {"programme": programme.pk, "kind": "range", "start": "2025-05-01", "end": "2025-01-31"}
    response = client.get(URL, query)
    assert response.status_code == 400
    assert "Der letzte Tag liegt vor dem ersten." in response.content.decode()
    assert client.get(download("xlsx"), query).status_code == 400


def test_an_unknown_programme_is_refused(client, programme):
    client.force_login(factories.coordinator())
    assert client.get(URL, {"programme": programme.pk + 1}).status_code == 400


def test_an_unknown_format_is_404(client, programme):
    client.force_login(factories.coordinator())
    assert client.get(download("docx")).status_code == 404


def test_downloads(client, programme):
    client.force_login(factories.board_member())
    query = {"programme": programme.pk, "kind": "year", "year": 2025}
    xlsx = client.get(download("xlsx"), query)
    assert xlsx["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx["Content-Disposition"] == (
        'attachment; filename="auswertung-inklusionsfonds-2025.xlsx"'
    )
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    pdf = client.get(download("pdf"), query)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    rows = client.get(download("rows.csv"), query)
    assert rows["Content-Type"] == "text/csv; charset=utf-8"
    figures = client.get(download("figures.csv"), query)
    assert figures["Content-Disposition"] == (
        'attachment; filename="auswertung-inklusionsfonds-2025.figures.csv"'
    )


def _approved(programme, count):
    for _ in range(count):
        states.approved(programme=programme)


@pytest.mark.parametrize("count", [1, 4])
def test_constant_queries(client, programme, django_assert_num_queries, count, time_machine):
    time_machine.move_to("2025-06-01 10:00+02:00", tick=True)
    _approved(programme, count)
    states.withdrawn(programme=programme)
    client.force_login(factories.coordinator())
    query = {"programme": programme.pk, "kind": "year", "year": 2025}
    client.get(URL, query)  # warm the session and the role caches
    with django_assert_num_queries(QUERIES):
        response = client.get(URL, query)
    assert response.context["report"].counts.approved == count


# Session, user, roles, the programmes (one query for the choice) and the figures (seven).
QUERIES = 11
