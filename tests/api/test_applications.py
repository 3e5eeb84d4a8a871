"""Applications through the API: list (filters, search, access), create, read, change with
If-Match, the company data, versions, and what the caller may do now."""

import datetime

import pytest
from django.utils import timezone

from applications.models import Application
from funding.models import AccessLog
from tests import factories, states

from .conftest import client_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/applications/"


def detail(application, suffix=""):
    return f"/api/v1/applications/{application.pk}/{suffix}"


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# ----- the list -------------------------------------------------------------------------------


def test_a_company_lists_only_its_own_applications():
    mine = factories.ApplicationFactory()
    factories.ApplicationFactory()
    client = client_for(mine.created_by)
    assert ids(client.get(LIST)) == [mine.pk]


def test_the_office_lists_all_newest_first():
    first, second = factories.ApplicationFactory(), factories.ApplicationFactory()
    assert ids(client_for(factories.coordinator()).get(LIST)) == [second.pk, first.pk]


@pytest.mark.parametrize("make", [factories.reviewer, factories.board_member])
def test_without_the_list_permission_the_list_answers_403(make):
    factories.ApplicationFactory()
    response = client_for(make()).get(LIST)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_a_row_has_the_list_columns():
    application = factories.ApplicationFactory()
    row = client_for(application.created_by).get(LIST).json()["results"][0]
    assert row == {
        "id": application.pk,
        "reference": None,
        "title": application.title,
        "state": "draft",
        "programme": {"id": application.programme_id, "name": application.programme.name},
        "organization": {
            "id": application.organization_id,
            "name": application.organization.name,
        },
        "requested_amount": "60000.00",
        "last_submitted_at": None,
        "deadline": None,
        "updated_at": row["updated_at"],
    }


def test_filters_state_programme_organisation_and_search():
    office = client_for(factories.coordinator())
    draft = factories.ApplicationFactory(title="Fahrradwerkstatt")
    submitted = states.submitted(title="Großküche")
    assert ids(office.get(LIST, {"state": "submitted"})) == [submitted.pk]
    assert ids(office.get(LIST, {"programme": draft.programme_id})) == [draft.pk]
    assert ids(office.get(LIST, {"organization": submitted.organization_id})) == [submitted.pk]
    assert ids(office.get(LIST, {"q": "fahrrad"})) == [draft.pk]
    assert ids(office.get(LIST, {"q": submitted.reference})) == [submitted.pk]


def test_filter_submitted_between():
    office = client_for(factories.coordinator())
    early, late = states.submitted(), states.submitted()
    Application.objects.filter(pk=early.pk).update(
        last_submitted_at=datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)
    )
    Application.objects.filter(pk=late.pk).update(
        last_submitted_at=datetime.datetime(2026, 6, 10, 12, tzinfo=datetime.UTC)
    )
    between = {"submitted_from": "2026-03-01", "submitted_to": "2026-03-31"}
    assert ids(office.get(LIST, between)) == [early.pk]
    assert ids(office.get(LIST, {"submitted_from": "2026-06-10"})) == [late.pk]
    assert ids(office.get(LIST, {"submitted_to": "2026-06-09"})) == [early.pk]


@pytest.mark.parametrize("query", [{"state": "nonsense"}, {"submitted_from": "10.03.2026x"}])
def test_an_invalid_filter_answers_400(query):
    response = client_for(factories.coordinator()).get(LIST, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == set(query)


def test_cursor_pagination_walks_every_row_once():
    office = client_for(factories.coordinator())
    made = [factories.ApplicationFactory().pk for _ in range(5)]
    seen, url = [], f"{LIST}?page_size=2"
    while url:
        page = office.get(url).json()
        seen += [row["id"] for row in page["results"]]
        assert len(page["results"]) <= 2
        url = page["next"]
    assert seen == sorted(made, reverse=True)


def test_a_new_row_does_not_shift_the_next_page():
    office = client_for(factories.coordinator())
    made = [factories.ApplicationFactory().pk for _ in range(4)]
    first = office.get(f"{LIST}?page_size=2").json()
    factories.ApplicationFactory()  # inserted while paging
    second = office.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == sorted(made, reverse=True)[2:]


@pytest.mark.parametrize("cursor", ["nonsense", "bz0tMQ=="])
def test_an_invalid_cursor_answers_404_as_a_problem(cursor):
    response = client_for(factories.coordinator()).get(LIST, {"cursor": cursor})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_list_costs_the_same_queries_at_two_sizes(django_assert_num_queries):
    organization = factories.OrganizationFactory()
    user = factories.applicant(organization=organization)
    client = client_for(user)
    client.get(LIST)  # the token's first use is written once
    counts = []
    for size in (2, 20):
        while Application.objects.filter(organization=organization).count() < size:
            factories.ApplicationFactory(organization=organization, created_by=user)
        # token, groups, organisations, the page
        with django_assert_num_queries(4):
            response = client.get(LIST, {"page_size": 50})
        counts.append(len(response.json()["results"]))
    assert counts == [2, 20]


# ----- one application ------------------------------------------------------------------------


def test_read_with_etag_and_access_log():
    application = factories.ApplicationFactory()
    response = client_for(application.created_by).get(detail(application))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["id"] == application.pk
    assert body["version"] == 1
    assert body["eligible_costs"] == "100000.00"
    assert body["interest_rate"] == "1.50"
    assert AccessLog.objects.get().application_id == application.pk


def test_another_companys_application_answers_404_everywhere():
    foreign = factories.ApplicationFactory()
    client = client_for(factories.applicant())
    for suffix in ("", "company/", "versions/", "versions/1/", "transitions/"):
        response = client.get(detail(foreign, suffix))
        assert response.status_code == 404, suffix
        assert response["Content-Type"] == "application/problem+json"
    response = client.patch(detail(foreign), {"title": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 404
    for name in ("submit", "withdraw", "return_for_revision", "start_review", "complete_review"):
        assert client.post(detail(foreign, f"{name}/"), {}, format="json").status_code == 404
    assert client.get("/api/v1/applications/999999/").status_code == 404


def test_a_reviewer_not_assigned_gets_404():
    application = states.submitted()
    assert client_for(factories.reviewer()).get(detail(application)).status_code == 404


def test_the_applicants_resource_carries_no_review_data():
    application, _coordinator, reviewers = states.in_review()
    for reviewer in reviewers:
        states.review(reviewer, application)
    body = client_for(application.created_by).get(detail(application)).json()
    for field in body:
        assert "review" not in field or field in ("review_started_at",), field
    text = str(body)
    for reviewer in reviewers:
        assert reviewer.last_name not in text
        assert reviewer.username not in text
    assert "Tragfähiges Konzept" not in text
    transitions = client_for(application.created_by).get(detail(application, "transitions/"))
    assert [row["name"] for row in transitions.json()] == ["withdraw"]


# ----- create ---------------------------------------------------------------------------------


def test_a_company_creates_a_draft(applicant_client):
    client, user, organization = applicant_client
    programme = factories.ProgrammeFactory()
    data = {"programme": programme.pk, "organization": organization.pk, "title": "Werkstatt"}
    response = client.post(LIST, data, format="json")
    assert response.status_code == 201
    application = Application.objects.get()
    assert response["Location"] == detail(application)
    assert response["ETag"] == '"1"'
    assert response.json()["state"] == "draft"
    assert (application.created_by, application.organization) == (user, organization)


def test_creating_for_another_organisation_answers_403(applicant_client):
    client, _user, _organization = applicant_client
    data = {
        "programme": factories.ProgrammeFactory().pk,
        "organization": factories.OrganizationFactory().pk,
        "title": "Werkstatt",
    }
    assert client.post(LIST, data, format="json").status_code == 403
    assert not Application.objects.exists()


def test_only_applicants_create():
    data = {
        "programme": factories.ProgrammeFactory().pk,
        "organization": factories.OrganizationFactory().pk,
        "title": "x",
    }
    assert client_for(factories.coordinator()).post(LIST, data, format="json").status_code == 403


def test_a_closed_programme_or_an_empty_title_answers_422(applicant_client):
    client, _user, organization = applicant_client
    closed = factories.ProgrammeFactory(closes_on=timezone.localdate() - datetime.timedelta(1))
    response = client.post(
        LIST,
        {"programme": closed.pk, "organization": organization.pk, "title": "x"},
        format="json",
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["non_field_errors"]
    programme = factories.ProgrammeFactory()
    response = client.post(
        LIST,
        {"programme": programme.pk, "organization": organization.pk, "title": " "},
        format="json",
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["title"]


def test_malformed_input_answers_400(applicant_client):
    client, _user, organization = applicant_client
    response = client.post(LIST, {"programme": "x", "organization": organization.pk}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"programme", "title"}
    response = client.post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


# ----- change with If-Match -------------------------------------------------------------------


def test_a_change_needs_if_match_428():
    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    response = client.patch(detail(application), {"title": "Neu"}, format="json")
    assert response.status_code == 428
    assert response.json()["type"] == "urn:risikokapital:problem:precondition-required"
    application.refresh_from_db()
    assert application.version == 1


def test_a_stale_version_answers_412():
    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    response = client.patch(
        detail(application), {"title": "Neu"}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert response.status_code == 412
    application.refresh_from_db()
    assert application.title != "Neu"


def test_the_current_version_saves_and_answers_the_next_etag():
    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    etag = client.get(detail(application))["ETag"]
    data = {
        "title": "Neu",
        "requested_amount": "50000.00",
        "interest_rate": "2.5",
        "planned_start": "2027-05-01",
        "sector": None,
    }
    response = client.patch(detail(application), data, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    application.refresh_from_db()
    assert application.title == "Neu"
    assert str(application.requested_amount) == "50000.00"
    assert str(application.interest_rate) == "2.50"
    assert application.planned_start == datetime.date(2027, 5, 1)
    # the old ETag is stale now
    again = client.patch(detail(application), {"title": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert again.status_code == 412


def test_a_race_lost_inside_the_service_answers_412(monkeypatch):
    from applications import services

    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    original = services.update_application

    def someone_saved_first(user, app, data, version):
        Application.objects.filter(pk=app.pk).update(version=version + 1)
        return original(user, app, data, version)

    monkeypatch.setattr(services, "update_application", someone_saved_first)
    response = client.patch(detail(application), {"title": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412


def test_invalid_values_answer_400_not_500():
    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    data = {
        "requested_amount": "viel",
        "interest_rate": "200",
        "staff_total": -1,
        "planned_start": "01/03/2027",
        "instrument": "gift",
        "sector": 9999,
    }
    response = client.patch(detail(application), data, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(data)


def test_the_office_may_not_change_it_403():
    application = factories.ApplicationFactory()
    response = client_for(factories.coordinator()).patch(
        detail(application), {"title": "x"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 403


def test_a_submitted_application_cannot_be_changed_409():
    application = states.submitted()
    response = client_for(application.created_by).patch(
        detail(application), {"title": "x"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:risikokapital:problem:state-conflict"


def test_the_company_data_with_its_own_version():
    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    response = client.get(detail(application, "company/"))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["name"] == application.organization.name
    url = detail(application, "company/")
    assert client.patch(url, {"representative": "X"}, format="json").status_code == 428
    stale = client.patch(url, {"representative": "X"}, format="json", HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412
    bad = client.patch(url, {"iban": "DE00"}, format="json", HTTP_IF_MATCH='"1"')
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["iban"]
    saved = client.patch(
        url, {"representative": "Erika Muster"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert saved.status_code == 200
    assert saved["ETag"] == '"2"'
    application.organization.refresh_from_db()
    assert application.organization.representative == "Erika Muster"


def test_own_organisations_only():
    organization = factories.OrganizationFactory()
    other = factories.OrganizationFactory()
    client = client_for(factories.applicant(organization=organization))
    assert ids(client.get("/api/v1/organisations/")) == [organization.pk]
    response = client.get(f"/api/v1/organisations/{organization.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert client.get(f"/api/v1/organisations/{other.pk}/").status_code == 404


def test_programmes_for_every_logged_in_user():
    programme = factories.ProgrammeFactory()
    response = client_for(factories.reviewer()).get(f"/api/v1/programmes/{programme.pk}/")
    assert response.status_code == 200
    assert response.json()["name"] == programme.name
    assert response.json()["is_open"] is True
    assert response.json()["required_documents"] == programme.required_documents


# ----- versions -------------------------------------------------------------------------------


def test_versions_list_and_detail():
    application = states.submitted()
    client = client_for(application.created_by)
    listed = client.get(detail(application, "versions/")).json()["results"]
    assert [row["number"] for row in listed] == [1]
    version = client.get(detail(application, "versions/1/")).json()
    assert version["snapshot"]["title"] == application.title
    assert version["declared_truthful"] is True
    assert client.get(detail(application, "versions/2/")).status_code == 404


# ----- what the caller may do now ------------------------------------------------------------


def test_transitions_list_the_rules_that_block():
    application = factories.ApplicationFactory(requested_amount=None)  # no documents either
    rows = client_for(application.created_by).get(detail(application, "transitions/")).json()
    by_name = {row["name"]: row for row in rows}
    assert list(by_name) == ["submit", "withdraw"]
    assert by_name["submit"]["allowed"] is False
    assert by_name["submit"]["path"] == detail(application, "submit/")
    assert {"requested_amount", "documents"} <= set(by_name["submit"]["errors"])
    assert by_name["withdraw"] == {
        "name": "withdraw",
        "method": "POST",
        "path": detail(application, "withdraw/"),
        "allowed": True,
        "errors": {},
    }


def test_the_office_sees_start_review_blocked_until_reviewers_are_assigned():
    application = states.submitted()
    office = client_for(factories.coordinator())
    rows = {row["name"]: row for row in office.get(detail(application, "transitions/")).json()}
    assert list(rows) == ["return_for_revision", "start_review"]
    assert rows["return_for_revision"]["allowed"] is True
    assert rows["start_review"]["allowed"] is False
    assert list(rows["start_review"]["errors"]) == ["non_field_errors"]


def test_a_draft_offers_the_office_nothing():
    application = factories.ApplicationFactory()
    office = client_for(factories.coordinator())
    assert office.get(detail(application, "transitions/")).json() == []
