"""The transitions as paths: each calls the web's service and answers as the web does
(400 malformed, 403 role, 404 not visible, 409 state, 422 rules); Idempotency-Key."""

import datetime

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from api.models import IdempotencyRecord
from applications.models import Application, ApplicationVersion, State
from tests import factories, states

from .conftest import client_for

pytestmark = pytest.mark.django_db

DECLARED = {"declared_truthful": True, "declared_de_minimis": True, "declared_authorized": True}


def path(application, name):
    return f"/api/v1/applications/{application.pk}/{name}/"


def future(days=14):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


# ----- submit ---------------------------------------------------------------------------------


def test_submit_with_the_declarations():
    application = states.draft()
    response = client_for(application.created_by).post(
        path(application, "submit"), DECLARED, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "submitted"
    assert body["reference"].startswith("RK-")
    assert response["ETag"] == f'"{body["version"]}"'
    assert ApplicationVersion.objects.get().number == 1


def test_submit_without_declarations_or_documents_answers_422_with_every_rule():
    application = factories.ApplicationFactory(requested_amount=None)
    response = client_for(application.created_by).post(
        path(application, "submit"), {}, format="json"
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"declarations", "documents", "requested_amount"} <= set(errors)
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_submit_with_malformed_declarations_answers_400():
    application = states.draft()
    response = client_for(application.created_by).post(
        path(application, "submit"), {"declared_truthful": "vielleicht"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["declared_truthful"]


def test_submit_twice_answers_409():
    application = states.submitted()
    response = client_for(application.created_by).post(
        path(application, "submit"), DECLARED, format="json"
    )
    assert response.status_code == 409


def test_the_office_may_not_submit_403():
    application = states.draft()
    response = client_for(factories.coordinator()).post(
        path(application, "submit"), DECLARED, format="json"
    )
    assert response.status_code == 403
    assert response.json()["type"] == "urn:risikokapital:problem:permission-denied"


# ----- return for revision ---------------------------------------------------------------------


def test_the_office_returns_with_reason_and_deadline():
    application = states.submitted()
    response = client_for(factories.coordinator()).post(
        path(application, "return_for_revision"),
        {"reason": "Bitte den Finanzplan ergänzen.", "deadline": future()},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["state"] == "returned"
    assert response.json()["return_reason"] == "Bitte den Finanzplan ergänzen."
    assert response.json()["return_deadline"] == future()


def test_return_without_reason_or_with_a_past_deadline_answers_422():
    application = states.submitted()
    office = client_for(factories.coordinator())
    response = office.post(path(application, "return_for_revision"), {}, format="json")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"reason", "deadline"}
    response = office.post(
        path(application, "return_for_revision"),
        {"reason": "x", "deadline": future(-1)},
        format="json",
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["deadline"]


def test_return_with_a_malformed_deadline_answers_400():
    application = states.submitted()
    response = client_for(factories.coordinator()).post(
        path(application, "return_for_revision"),
        {"reason": "x", "deadline": "morgen"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["deadline"]


def test_the_company_may_not_return_its_own_403():
    application = states.submitted()
    response = client_for(application.created_by).post(
        path(application, "return_for_revision"),
        {"reason": "x", "deadline": future()},
        format="json",
    )
    assert response.status_code == 403


def test_a_draft_cannot_be_returned_409():
    application = states.draft()
    response = client_for(factories.coordinator()).post(
        path(application, "return_for_revision"),
        {"reason": "x", "deadline": future()},
        format="json",
    )
    assert response.status_code == 409


# ----- the review round ---------------------------------------------------------------------


def test_start_review_needs_enough_reviewers_422_then_starts():
    application = states.submitted()
    office = client_for(factories.coordinator())
    response = office.post(path(application, "start_review"), {}, format="json")
    assert response.status_code == 422
    application, _coordinator, _reviewers = states.with_reviewers(application=application)
    response = office.post(path(application, "start_review"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "in_review"


def test_complete_review_needs_a_reason():
    application, _coordinator, _reviewers = states.in_review()
    office = client_for(factories.coordinator())
    missing = office.post(path(application, "complete_review"), {}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["reason"]
    blank = office.post(path(application, "complete_review"), {"reason": " "}, format="json")
    assert blank.status_code == 422
    assert list(blank.json()["errors"]) == ["reason"]
    done = office.post(
        path(application, "complete_review"), {"reason": "Gutachter erkrankt."}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["state"] == "awaiting_decision"
    log = StateLog.objects.for_(Application.objects.get()).latest("timestamp")
    assert log.description == "Gutachter erkrankt."


def test_a_reviewer_may_not_start_the_round():
    application, _coordinator, reviewers = states.with_reviewers()
    response = client_for(reviewers[0]).post(path(application, "start_review"), {}, format="json")
    assert response.status_code == 403


# ----- withdraw -------------------------------------------------------------------------------


def test_the_company_withdraws_with_an_optional_reason():
    application = states.submitted()
    response = client_for(application.created_by).post(
        path(application, "withdraw"), {"reason": "Projekt verschoben."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    again = client_for(application.created_by).post(
        path(application, "withdraw"), {}, format="json"
    )
    assert again.status_code == 409


def test_the_office_may_not_withdraw_403():
    application = states.submitted()
    response = client_for(factories.coordinator()).post(
        path(application, "withdraw"), {}, format="json"
    )
    assert response.status_code == 403


def test_a_get_on_a_transition_answers_405():
    application = states.draft()
    response = client_for(application.created_by).get(path(application, "submit"))
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "POST, OPTIONS"


# ----- Idempotency-Key -----------------------------------------------------------------------


def test_a_retried_create_returns_the_first_answer_and_creates_one_application(
    applicant_client,
):
    client, _user, organization = applicant_client
    programme = factories.ProgrammeFactory()
    data = {"programme": programme.pk, "organization": organization.pk, "title": "Werkstatt"}
    first = client.post("/api/v1/applications/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/applications/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1
    other = client.post("/api/v1/applications/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 201
    assert Application.objects.count() == 2


def test_the_same_key_with_another_body_answers_422(applicant_client):
    client, _user, organization = applicant_client
    programme = factories.ProgrammeFactory()
    data = {"programme": programme.pk, "organization": organization.pk, "title": "Werkstatt"}
    client.post("/api/v1/applications/", data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    changed = client.post(
        "/api/v1/applications/",
        {**data, "title": "Anders"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert changed.status_code == 422
    assert changed.json()["type"] == "urn:risikokapital:problem:idempotency-key-reused"
    assert list(changed.json()["errors"]) == ["Idempotency-Key"]
    assert Application.objects.count() == 1


def test_keys_are_per_user(applicant_client):
    client, _user, organization = applicant_client
    programme = factories.ProgrammeFactory()
    other_org = factories.OrganizationFactory()
    other = client_for(factories.applicant(organization=other_org))
    data = {"programme": programme.pk, "organization": organization.pk, "title": "W"}
    client.post("/api/v1/applications/", data, format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = other.post(
        "/api/v1/applications/",
        {**data, "organization": other_org.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 201
    assert Application.objects.count() == 2


def test_a_refused_request_stores_nothing_and_may_be_retried():
    application = factories.ApplicationFactory(requested_amount=None)
    for kind in application.programme.required_documents:
        from applications import services

        services.add_document(application.created_by, application, kind, states.pdf())
    client = client_for(application.created_by)
    refused = client.post(
        path(application, "submit"), DECLARED, format="json", HTTP_IDEMPOTENCY_KEY="s-1"
    )
    assert refused.status_code == 422
    assert not IdempotencyRecord.objects.exists()
    Application.objects.filter(pk=application.pk).update(requested_amount=60000)
    done = client.post(
        path(application, "submit"), DECLARED, format="json", HTTP_IDEMPOTENCY_KEY="s-1"
    )
    assert done.status_code == 200
    replay = client.post(
        path(application, "submit"), DECLARED, format="json", HTTP_IDEMPOTENCY_KEY="s-1"
    )
    assert replay.status_code == 200
    assert replay.json() == done.json()
    assert ApplicationVersion.objects.count() == 1


def test_a_key_expires_after_24_hours(applicant_client):
    client, _user, organization = applicant_client
    programme = factories.ProgrammeFactory()
    data = {"programme": programme.pk, "organization": organization.pk, "title": "W"}
    client.post("/api/v1/applications/", data, format="json", HTTP_IDEMPOTENCY_KEY="k")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    response = client.post("/api/v1/applications/", data, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Application.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_an_overlong_key_answers_400(applicant_client):
    client, _user, organization = applicant_client
    data = {
        "programme": factories.ProgrammeFactory().pk,
        "organization": organization.pk,
        "title": "W",
    }
    response = client.post(
        "/api/v1/applications/", data, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert not Application.objects.exists()
