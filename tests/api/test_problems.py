"""One error body: RFC 9457 problem details for every refusal; throttling per token and per
address (429 as a problem)."""

import pytest
from django.test import override_settings
from django.utils import translation
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from api import problems
from funding.errors import RuleViolation, StateConflict
from tests import factories, states

from .conftest import client_for

pytestmark = pytest.mark.django_db

KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status, slug):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= KEYS
    assert body["status"] == status
    assert body["type"] == f"urn:risikokapital:problem:{slug}"
    assert body["title"] and body["detail"]
    return body


def test_each_status_is_a_problem():
    application = states.draft()
    client = client_for(application.created_by)
    office = client_for(factories.coordinator())
    url = f"/api/v1/applications/{application.pk}/"
    assert_problem(APIClient().get(url), 401, "not-authenticated")
    assert_problem(office.post(f"{url}submit/", {}, format="json"), 403, "permission-denied")
    assert_problem(client_for(factories.applicant()).get(url), 404, "not-found")
    assert_problem(client.delete(url), 405, "405")
    assert_problem(client.patch(url, {}, format="json"), 428, "precondition-required")
    assert_problem(
        client.patch(url, {}, format="json", HTTP_IF_MATCH='"9"'), 412, "precondition-failed"
    )
    body = assert_problem(client.post(f"{url}submit/", {}, format="json"), 422, "rule-violation")
    assert body["errors"]["declarations"]
    body = assert_problem(
        client.patch(url, {"staff_total": "x"}, format="json", HTTP_IF_MATCH='"1"'),
        400,
        "validation-error",
    )
    assert list(body["errors"]) == ["staff_total"]
    submitted = states.submitted()
    assert_problem(
        client_for(submitted.created_by).post(
            f"/api/v1/applications/{submitted.pk}/submit/", {}, format="json"
        ),
        409,
        "state-conflict",
    )


def test_an_unknown_path_under_v1_is_a_problem():
    assert_problem(APIClient().get("/api/v1/nowhere/"), 404, "not-found")
    assert_problem(APIClient().get("/api/v1/applications/abc/"), 404, "not-found")


def test_problems_speak_the_readers_language():
    english = APIClient().get("/api/v1/programmes/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["title"] == "Authentication required."
    german = APIClient().get("/api/v1/programmes/", HTTP_ACCEPT_LANGUAGE="de").json()
    assert german["detail"] == "Anmeldedaten fehlen."


def test_the_handler_maps_the_domain_errors():
    with translation.override("en"):
        conflict = problems.exception_handler(StateConflict("Nope."), {})
        assert (conflict.status_code, conflict.data["detail"]) == (409, "Nope.")
        violation = problems.exception_handler(
            RuleViolation({"title": ["A"], None: ["B", "C"]}), {}
        )
        assert violation.status_code == 422
        assert violation.data["errors"] == {"title": ["A"], "non_field_errors": ["B", "C"]}
        assert problems.exception_handler(ValueError("bug"), {}) is None


def test_nested_validation_errors_are_flattened():
    detail = {"a": ["x"], "b": {"c": ["y"]}, "non_field_errors": ["z"], "d": [{"e": ["w"]}]}
    assert problems.flatten(detail) == {
        "a": ["x"],
        "b.c": ["y"],
        "non_field_errors": ["z"],
        "d.0.e": ["w"],
    }


def rates(token="600/min", ip="60/min"):
    return override_settings(
        REST_FRAMEWORK={
            **_rest_framework(),
            "DEFAULT_THROTTLE_RATES": {"token": token, "ip": ip},
        }
    )


def _rest_framework():
    from django.conf import settings

    return settings.REST_FRAMEWORK


def test_a_token_is_throttled_with_a_429_problem():
    client = client_for(factories.applicant())
    with rates(token="3/min"):
        for _ in range(3):
            assert client.get("/api/v1/programmes/").status_code == 200
        response = client.get("/api/v1/programmes/")
        body = assert_problem(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert body["status"] == 429
        # another token of another user has its own count
        assert client_for(factories.applicant()).get("/api/v1/programmes/").status_code == 200


def test_each_token_counts_separately_even_for_one_user():
    user = factories.applicant()
    first, second = client_for(user), client_for(user)
    with rates(token="2/min"):
        for _ in range(2):
            assert first.get("/api/v1/programmes/").status_code == 200
        assert first.get("/api/v1/programmes/").status_code == 429
        assert second.get("/api/v1/programmes/").status_code == 200


def test_requests_without_valid_credentials_are_throttled_per_address():
    with rates(ip="2/min"):
        guesser = APIClient(REMOTE_ADDR="10.0.0.1")
        guesser.credentials(HTTP_AUTHORIZATION="Token rk_00000000.guess")
        assert guesser.get("/api/v1/programmes/").status_code == 401
        assert guesser.get("/api/v1/programmes/").status_code == 401
        assert_problem(guesser.get("/api/v1/programmes/"), 429, "throttled")
        assert APIClient(REMOTE_ADDR="10.0.0.2").get("/api/v1/programmes/").status_code == 401


def test_the_throttle_counts_in_the_default_cache():
    from django.core.cache import cache

    client = client_for(factories.applicant())
    client.get("/api/v1/programmes/")
    token = client._credentials["HTTP_AUTHORIZATION"].split()[1].split(".")[0]
    from api.models import ApiToken

    pk = ApiToken.objects.get(prefix=token).pk
    assert len(cache.get(f"throttle_token_t{pk}")) == 1
    assert api_settings.DEFAULT_THROTTLE_RATES == {"token": "600/min", "ip": "60/min"}
