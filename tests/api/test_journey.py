"""A company's tool, the office's system and the board carry an application through the API:
create, fill, upload the documents, submit, return, resubmit, the review round (reviewers
assigned through the service: no assignment endpoint yet), the decision."""

import datetime

import pytest
from django.utils import timezone

from applications.models import Application
from tests import factories, states

from .conftest import client_for

pytestmark = pytest.mark.django_db

FILLED = {
    "purpose": "Aufbau einer Werkstatt für Dienstfahrräder regionaler Betriebe.",
    "cost_items": "Werkbänke 30.000 €\nLastenrad-Prüfstand 50.000 €\nUmbau 20.000 €",
    "eligible_costs": "100000.00",
    "planned_start": "2027-04-01",
    "requested_amount": "60000.00",
    "instrument": "loan",
    "loan_term_months": 96,
    "interest_rate": "1.00",
    "grace_period_months": 12,
    "own_contribution": "25000.00",
    "other_funding": "15000.00",
    "other_funders": "Stiftung Wohlfahrtspflege",
    "staff_total": 24,
    "staff_severely_disabled": 10,
    "jobs_new": 3,
    "jobs_secured": 1,
    "cooperation_partner": "Stadtwerke Musterstadt GmbH",
    "cooperation_description": "Wartung der Dienstfahrradflotte des Partners.",
    "de_minimis_received": "0.00",
}
DECLARED = {"declared_truthful": True, "declared_de_minimis": True, "declared_authorized": True}


def test_from_draft_to_the_board_through_the_api():
    organization = factories.OrganizationFactory()
    user = factories.applicant(organization=organization)
    programme = factories.ProgrammeFactory()
    company = client_for(user)
    office_user = factories.coordinator()
    office = client_for(office_user)

    created = company.post(
        "/api/v1/applications/",
        {"programme": programme.pk, "organization": organization.pk, "title": "Fahrradwerkstatt"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="create-1",
    )
    assert created.status_code == 201
    url = created["Location"]

    # fill it in two steps, each with the ETag of the step before
    half = dict(list(FILLED.items())[:8])
    step = company.patch(url, half, format="json", HTTP_IF_MATCH=created["ETag"])
    assert step.status_code == 200
    step = company.patch(
        url,
        {k: v for k, v in FILLED.items() if k not in half},
        format="json",
        HTTP_IF_MATCH=step["ETag"],
    )
    assert step.status_code == 200
    assert step.json()["version"] == 3

    company_data = company.get(f"{url}company/")
    saved = company.patch(
        f"{url}company/",
        {"representative": "Erika Muster"},
        format="json",
        HTTP_IF_MATCH=company_data["ETag"],
    )
    assert saved.status_code == 200

    # what still blocks the submission: the documents
    rows = {row["name"]: row for row in company.get(f"{url}transitions/").json()}
    assert rows["submit"]["allowed"] is False
    assert list(rows["submit"]["errors"]) == ["documents"]
    for kind in programme.required_documents:
        upload = {"kind": kind, "file": states.pdf(f"{kind}.pdf")}
        assert company.post(f"{url}documents/", upload, format="multipart").status_code == 201
    rows = {row["name"]: row for row in company.get(f"{url}transitions/").json()}
    assert rows["submit"] == {**rows["submit"], "allowed": True, "errors": {}}

    submitted = company.post(
        f"{url}submit/", DECLARED, format="json", HTTP_IDEMPOTENCY_KEY="submit-1"
    )
    assert submitted.status_code == 200
    assert submitted.json()["state"] == "submitted"
    reference = submitted.json()["reference"]
    listed = office.get("/api/v1/applications/", {"q": reference}).json()["results"]
    assert [row["reference"] for row in listed] == [reference]

    # the office returns it; the company revises and submits again
    deadline = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    returned = office.post(
        f"{url}return_for_revision/",
        {"reason": "Bitte den Kooperationsvertrag erläutern.", "deadline": deadline},
        format="json",
    )
    assert returned.json()["state"] == "returned"
    etag = company.get(url)["ETag"]
    revised = company.patch(
        url, {"cooperation_description": "Wartung und Leasing."}, format="json", HTTP_IF_MATCH=etag
    )
    assert revised.status_code == 200
    again = company.post(f"{url}submit/", DECLARED, format="json")
    assert again.json()["state"] == "submitted"
    assert [v["number"] for v in company.get(f"{url}versions/").json()["results"]] == [2, 1]

    # the review round: reviewers assigned in the office's pages, then started and closed here
    application = Application.objects.get()
    states.with_reviewers(application=application)
    assert office.post(f"{url}start_review/", {}, format="json").json()["state"] == "in_review"
    closed = office.post(
        f"{url}complete_review/", {"reason": "Ein Gutachten genügt."}, format="json"
    )
    assert closed.json()["state"] == "awaiting_decision"
    assert company.get(url).json()["state"] == "awaiting_decision"

    # two board members (declared no conflict on the board's pages) decide with four eyes
    first, second = (client_for(member) for member in states.deciding_board(application))
    proposal = first.post(f"{url}approve/", {"amount": "55000.00"}, format="json")
    assert proposal.status_code == 202
    confirmed = second.post(
        f"/api/v1/decisions/{proposal.json()['id']}/confirm/", {}, format="json"
    )
    assert confirmed.json()["status"] == "confirmed"
    decided = company.get(url).json()
    assert decided["state"] == "approved"
    assert company.get(f"{url}transitions/").json() == []
