"""The OpenAPI schema validates, and the docs page runs from local files under the strict CSP."""

import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--lang",
        "en",
        "--file",
        str(tmp_path / "schema.yaml"),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.0.3")


def test_the_schema_lists_the_resources_and_transitions():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/programmes/",
        "/api/v1/programmes/{id}/",
        "/api/v1/organisations/",
        "/api/v1/organisations/{id}/",
        "/api/v1/applications/",
        "/api/v1/applications/{id}/",
        "/api/v1/applications/{id}/company/",
        "/api/v1/applications/{id}/versions/",
        "/api/v1/applications/{id}/versions/{number}/",
        "/api/v1/applications/{id}/transitions/",
        "/api/v1/applications/{id}/submit/",
        "/api/v1/applications/{id}/return_for_revision/",
        "/api/v1/applications/{id}/start_review/",
        "/api/v1/applications/{id}/complete_review/",
        "/api/v1/applications/{id}/withdraw/",
        "/api/v1/applications/{id}/approve/",
        "/api/v1/applications/{id}/reject/",
        "/api/v1/applications/{id}/documents/",
        "/api/v1/applications/{id}/documents/{document_pk}/",
        "/api/v1/decisions/{id}/",
        "/api/v1/decisions/{id}/confirm/",
        "/api/v1/decisions/{id}/object/",
        "/api/v1/applications/{id}/letters/",
        "/api/v1/applications/{id}/letters/{number}/pdf/",
        "/api/v1/applications/{id}/log/",
        "/api/v1/applications/{id}/assignments/",
        "/api/v1/applications/{id}/assignments/{assignment_pk}/",
        "/api/v1/applications/{id}/board-declaration/",
        "/api/v1/applications/{id}/reviews/",
        "/api/v1/applications/{id}/posts/",
        "/api/v1/assignment-proposal/",
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/decline/",
        "/api/v1/assignments/{id}/declaration/",
        "/api/v1/assignments/{id}/review/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/read/",
    } == paths
    submit = schema["paths"]["/api/v1/applications/{id}/submit/"]["post"]
    body = submit["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body == "#/components/schemas/SubmitRequest"
    assert {"200", "400", "401", "403", "404", "409", "422", "429"} == set(submit["responses"])
    assert "application/problem+json" in submit["responses"]["422"]["content"]
    assert [p["name"] for p in submit["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    patch = schema["paths"]["/api/v1/applications/{id}/"]["patch"]
    if_match = [p for p in patch["parameters"] if p["name"] == "If-Match"][0]
    assert if_match["required"] is True
    security = schema["components"]["securitySchemes"]
    assert security["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'The key, prefixed: "Token <key>".',
    }


def test_the_schema_is_served_in_english():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith("openapi: 3.0.3")
    assert "Zeigerwert" not in text
    assert "The pagination cursor value." in text


def test_the_docs_page_uses_only_local_files_and_no_inline_code():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert "cdn" not in html.lower()
    assert "http" not in html.replace("http-equiv", "")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" and "src=" in attrs for attrs, body in scripts)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(urls) == 6
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
        else:
            assert url == "/api/docs/?script=", url
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_docs_script_is_served_as_a_file():
    response = APIClient().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert 'url: "/api/schema/"' in script
    assert "SwaggerUIBundle(" in script
