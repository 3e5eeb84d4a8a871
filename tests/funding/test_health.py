"""GET /healthz: 200 only when the database and the broker answer, else 503 naming the one that
failed; no login, no redirect to https, never cached."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def filesystem_broker(tmp_path, settings):
    folders = {name: tmp_path / name for name in ("queue", "processed")}
    for folder in folders.values():
        folder.mkdir()
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
    }
    return folders


def test_url_has_no_slash():
    assert reverse("healthz") == "/healthz"


def test_healthy_without_login(client, filesystem_broker):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/json"


def test_a_missing_broker_folder_fails(client, filesystem_broker):
    filesystem_broker["processed"].rmdir()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unreachable"}
    assert response["Cache-Control"] == "no-store"


def test_a_broker_folder_without_write_permission_fails(client, filesystem_broker):
    with mock.patch("funding.health.os.access", return_value=False):
        response = client.get("/healthz")
    assert response.json()["broker"] == "unreachable"


def test_redis_that_does_not_answer_fails(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unreachable"}


def test_redis_that_answers(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    with mock.patch("redis.Redis.ping", return_value=True) as ping:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert ping.call_count == 1


def test_a_database_failure_is_named(client, filesystem_broker):
    cursor = mock.MagicMock()
    cursor.__enter__.return_value.execute.side_effect = OperationalError("server closed")
    with mock.patch("funding.health.connection.cursor", return_value=cursor):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "broker": "ok"}


@override_settings(SECURE_SSL_REDIRECT=True)
def test_exempt_from_the_https_redirect(client, filesystem_broker):
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("login")).status_code == 301


def test_only_reads(client, filesystem_broker):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
