"""The test set-up itself: marker decisions, eager Celery, the private MEDIA_ROOT."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from funding.celery import app
from tests.conftest import (
    FAIL,
    RUN,
    SKIP,
    check_service_markers,
    ci_enabled,
    marker_verdict,
    postgres_available,
    redis_available,
)

SQLITE = {"ENGINE": "django.db.backends.sqlite3"}
POSTGRES = {"ENGINE": "django.db.backends.postgresql"}


class FakeItem:
    """Just enough of a pytest item for check_service_markers."""

    def __init__(self, *markers):
        self.markers = set(markers)

    def get_closest_marker(self, name):
        return object() if name in self.markers else None


def _up(url):
    return True, ""


def _down(url):
    return False, f"needs Redis, but REDIS_URL={url} does not answer"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        ("true", True),
        ("1", True),
        ("yes", True),
    ],
)
def test_ci_enabled(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert ci_enabled() is expected
    assert ci_enabled({} if value is None else {"CI": value}) is expected


@pytest.mark.parametrize(
    ("available", "ci", "verdict"),
    [(True, False, RUN), (True, True, RUN), (False, False, SKIP), (False, True, FAIL)],
)
def test_marker_verdict(available, ci, verdict):
    result, message = marker_verdict("postgres", available=available, ci=ci, problem="no db")
    assert result == verdict
    if verdict == FAIL:
        assert "no db" in message and "CI" in message
    if verdict == SKIP:
        assert "no db" in message


def test_postgres_available_follows_the_engine():
    assert postgres_available(POSTGRES) == (True, "")
    available, problem = postgres_available(SQLITE)
    assert not available
    assert "sqlite3" in problem and "DATABASE_URL" in problem


def test_redis_available():
    assert redis_available("", ping=lambda url: None)[0] is False

    def refuse(url):
        raise ConnectionError("refused")

    available, problem = redis_available("redis://127.0.0.1:1/0", ping=refuse)
    assert not available and "refused" in problem
    assert redis_available("redis://127.0.0.1:6379/15", ping=lambda url: None) == (True, "")


def test_postgres_marker_skips_locally_and_fails_under_ci():
    item = FakeItem("postgres")
    with pytest.raises(pytest.skip.Exception):
        check_service_markers(item, environ={}, database=SQLITE)
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL"):
        check_service_markers(item, environ={"CI": "true"}, database=SQLITE)
    check_service_markers(item, environ={"CI": "true"}, database=POSTGRES)  # runs


def test_integration_marker_skips_locally_and_fails_under_ci():
    item = FakeItem("integration")
    with pytest.raises(pytest.skip.Exception, match="REDIS_URL is not set"):
        check_service_markers(item, environ={}, database=SQLITE, redis_check=redis_available)
    env = {"CI": "1", "REDIS_URL": "redis://127.0.0.1:1/0"}
    with pytest.raises(pytest.fail.Exception, match="Redis"):
        check_service_markers(item, environ=env, database=SQLITE, redis_check=_down)
    check_service_markers(item, environ=env, database=SQLITE, redis_check=_up)  # runs


def test_unmarked_tests_always_run():
    check_service_markers(FakeItem(), environ={"CI": "true"}, database=SQLITE, redis_check=_down)


def test_unit_tests_run_celery_eagerly():
    assert app.conf.task_always_eager is True
    assert app.conf.task_eager_propagates is True


@pytest.mark.integration
def test_integration_tests_use_the_real_broker():
    assert app.conf.task_always_eager is False
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_marker_runs_on_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql"


def test_uploads_go_to_the_private_media_root(media_root):
    var_dir = (Path(settings.BASE_DIR) / "var").resolve()
    assert Path(settings.MEDIA_ROOT) == media_root
    location = Path(default_storage.location).resolve()
    assert location == media_root.resolve()
    assert var_dir not in location.parents
    name = default_storage.save("probe/hello.txt", ContentFile(b"hello"))
    try:
        assert (media_root / name).read_bytes() == b"hello"
    finally:
        default_storage.delete(name)
