"""Structured logs: one line per request and one per task, as key=value text or JSON."""

import json
import logging
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import include, path, reverse

from funding.celery import app
from funding.logs import JSONFormatter, KeyValueFormatter, note, note_task
from tests import factories, states

pytestmark = pytest.mark.django_db


def lines(caplog, logger):
    return [record for record in caplog.records if record.name == logger]


def noting(request):
    note(request, reference="RK-2026-0001")
    return HttpResponse("ok")


urlpatterns = [path("noting/", noting), path("", include("funding.urls"))]


def test_one_line_per_request_with_user_and_application(client, caplog):
    application = factories.ApplicationFactory()
    client.force_login(application.created_by)
    caplog.set_level(logging.INFO, logger="funding.requests")
    url = reverse("application-detail", args=[application.pk])
    assert client.get(url).status_code == 200
    [record] = lines(caplog, "funding.requests")
    assert record.levelno == logging.INFO
    assert record.getMessage() == "request"
    fields = dict(record.fields)
    assert fields.pop("duration_ms") >= 0
    assert fields == {
        "method": "GET",
        "path": url,
        "status": 200,
        "user": application.created_by.pk,
        "application": application.pk,
    }


def test_a_page_about_a_submitted_application_names_its_reference(client, caplog):
    application = states.submitted()
    client.force_login(factories.coordinator())
    caplog.set_level(logging.INFO, logger="funding.requests")
    client.get(reverse("application-detail", args=[application.pk]))
    [record] = lines(caplog, "funding.requests")
    assert record.fields["application"] == application.pk
    assert record.fields["reference"] == application.reference


def test_secrets_in_links_are_not_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="funding.requests")
    client.get(reverse("invitation-accept", args=["s3cr3t-invitation-token"]))
    client.get(reverse("password_reset_confirm", args=["MQ", "abc123-0123456789abcdef"]))
    paths = [record.fields["path"] for record in lines(caplog, "funding.requests")]
    assert paths == ["/accounts/invitation/***/", "/accounts/reset/***/***/"]


def test_anonymous_request_and_redirect(client, caplog):
    caplog.set_level(logging.INFO, logger="funding.requests")
    client.get(reverse("home"))
    [record] = lines(caplog, "funding.requests")
    assert (record.fields["status"], record.fields["user"]) == (302, None)
    assert "application" not in record.fields


def test_views_add_fields(client, caplog, settings):
    settings.ROOT_URLCONF = __name__
    caplog.set_level(logging.INFO, logger="funding.requests")
    client.get("/noting/")
    [record] = lines(caplog, "funding.requests")
    assert record.fields["reference"] == "RK-2026-0001"


@mock.patch("funding.health.broker_ok", return_value=True)
def test_the_health_check_is_quiet_while_healthy(broker_ok, client, caplog):
    caplog.set_level(logging.INFO, logger="funding.requests")
    client.get("/healthz")
    assert lines(caplog, "funding.requests") == []
    caplog.set_level(logging.DEBUG, logger="funding.requests")
    client.get("/healthz")
    assert [r.levelno for r in lines(caplog, "funding.requests")] == [logging.DEBUG]


@app.task(name="tests.funding.noted")
def noted_task(value):
    note_task(reference=f"RK-{value}")
    return value


@app.task(name="tests.funding.broken")
def broken_task():
    raise ValueError("broken")


def test_one_line_per_task(caplog):
    caplog.set_level(logging.INFO, logger="funding.tasks")
    result = noted_task.delay(7)
    [record] = lines(caplog, "funding.tasks")
    fields = dict(record.fields)
    assert fields.pop("duration_ms") >= 0
    assert fields == {
        "task": "tests.funding.noted",
        "id": result.id,
        "outcome": "success",
        "reference": "RK-7",
    }


def test_a_failed_task_names_the_error(caplog):
    caplog.set_level(logging.INFO, logger="funding.tasks")
    result = broken_task.apply(throw=False)  # as in a worker: the failure is recorded
    [record] = lines(caplog, "funding.tasks")
    assert record.levelno == logging.WARNING
    fields = dict(record.fields)
    assert fields.pop("duration_ms") >= 0
    assert fields == {
        "task": "tests.funding.broken",
        "id": result.id,
        "outcome": "failure",
        "error": "ValueError",
    }


def test_an_eager_task_that_raises_is_a_failure(caplog):
    caplog.set_level(logging.INFO, logger="funding.tasks")
    with pytest.raises(ValueError):
        broken_task.delay()
    [record] = lines(caplog, "funding.tasks")
    assert record.fields["outcome"] == "failure"


def make_record(**fields):
    record = logging.LogRecord("funding.requests", logging.INFO, __file__, 1, "request", (), None)
    record.created = 1_767_225_600.25  # 2026-01-01T00:00:00.250Z
    record.fields = fields
    return record


def test_text_format():
    record = make_record(method="GET", path="/a b", status=200, user=None, note='say "hi"')
    assert KeyValueFormatter().format(record) == (
        "2026-01-01T00:00:00.250+00:00 INFO funding.requests request "
        'method=GET path="/a b" status=200 user=- note="say \\"hi\\""'
    )


def test_json_format():
    record = make_record(method="GET", status=200, user=None)
    assert json.loads(JSONFormatter().format(record)) == {
        "time": "2026-01-01T00:00:00.250+00:00",
        "level": "INFO",
        "logger": "funding.requests",
        "message": "request",
        "method": "GET",
        "status": 200,
        "user": None,
    }


@pytest.mark.parametrize(("value", "formatter"), [("", "text"), ("json", "json")])
def test_log_format_switch(value, formatter):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.LOGGING['handlers']['console']['formatter'])"
    )
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "funding.settings",
        "DEBUG": "true",
    }
    if value:
        environment["LOG_FORMAT"] = value
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip() == formatter, result.stderr


def test_an_unknown_log_format_refuses_to_start():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "funding.settings",
            "DEBUG": "true",
            "LOG_FORMAT": "xml",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json, not 'xml'" in result.stderr
