"""Shared test set-up.

- Celery runs tasks eagerly (and propagates their exceptions) in unit tests; tests marked
  ``integration`` keep the real configuration and talk to a worker through Redis.
- Uploaded documents and rendered letters go to a temporary MEDIA_ROOT for the whole session,
  never into ``var/``.
- Markers (declared in pyproject.toml):
  ``postgres``     needs PostgreSQL (DATABASE_URL=postgres://...);
  ``integration``  needs Redis at REDIS_URL.
  Without the service the test is skipped, except under CI (``CI`` set): there a missing
  service is a failure, so that CI never passes by skipping the tests that prove concurrency
  and background work.
"""

import copy
import os
from collections.abc import Callable, Mapping
from functools import cache

import pytest
from django.conf import settings
from django.test import override_settings

RUN, SKIP, FAIL = "run", "skip", "fail"
SERVICE_MARKERS = ("postgres", "integration")


def ci_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """True when running under CI: ``CI`` is set to anything but empty/0/false/no/off."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no", "off")


def marker_verdict(marker: str, *, available: bool, ci: bool, problem: str = "") -> tuple[str, str]:
    """Decide what a test carrying a service marker does: (RUN | SKIP | FAIL, message)."""
    if available:
        return RUN, ""
    if ci:
        return FAIL, (
            f"@pytest.mark.{marker}: {problem}. Under CI a missing service fails the run "
            "instead of skipping the test (see .ci/run)."
        )
    return SKIP, f"{problem} (@pytest.mark.{marker}; under CI this would fail)"


def postgres_available(database: Mapping) -> tuple[bool, str]:
    engine = database.get("ENGINE", "")
    if "postgresql" in engine:
        return True, ""
    return False, (
        f"needs PostgreSQL, but the database engine is {engine or 'unset'} "
        "(set DATABASE_URL=postgres://...)"
    )


def _ping_redis(url: str) -> None:
    import redis

    with redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2) as client:
        client.ping()


def redis_available(url: str, ping: Callable[[str], None] = _ping_redis) -> tuple[bool, str]:
    if not url:
        return False, "needs Redis, but REDIS_URL is not set"
    try:
        ping(url)
    except Exception as exc:  # any connection or protocol error means: not usable
        return False, f"needs Redis, but REDIS_URL={url} does not answer ({exc})"
    return True, ""


@cache
def _redis_available_once(url: str) -> tuple[bool, str]:
    return redis_available(url)


def check_service_markers(
    item,
    *,
    environ: Mapping[str, str] | None = None,
    database: Mapping | None = None,
    redis_check: Callable[[str], tuple[bool, str]] | None = None,
) -> None:
    """Skip or fail ``item`` when a service its markers ask for is missing."""
    ci = ci_enabled(environ)
    for marker in SERVICE_MARKERS:
        if item.get_closest_marker(marker) is None:
            continue
        if marker == "postgres":
            available, problem = postgres_available(
                settings.DATABASES["default"] if database is None else database
            )
        else:
            url = (
                getattr(settings, "REDIS_URL", "")
                if environ is None
                else environ.get("REDIS_URL", "")
            )
            available, problem = (redis_check or _redis_available_once)(url)
        verdict, message = marker_verdict(marker, available=available, ci=ci, problem=problem)
        if verdict == FAIL:
            pytest.fail(message, pytrace=False)
        if verdict == SKIP:
            pytest.skip(message)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    check_service_markers(item)


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Run Celery tasks in-process for unit tests; integration tests use a real worker."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    from funding.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(scope="session")
def media_root(tmp_path_factory):
    """The session's private MEDIA_ROOT (a temporary folder)."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session", autouse=True)
def _private_media_root(media_root):
    """Point MEDIA_ROOT and the default storage at ``media_root`` (also when S3 is configured)."""
    storages = copy.deepcopy(settings.STORAGES)
    storages["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(media_root), "base_url": "/nowhere/"},
    }
    with override_settings(MEDIA_ROOT=str(media_root), STORAGES=storages):
        yield media_root


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Factories hash a password per user; the default hasher would cost ~0.6 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english(client):
    """The English interface and messages (use it where a test reads English texts): in the
    test's own code, and in the pages the test client fetches (it asks for English)."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: their live server commits data and the database is flushed
    afterwards, which also empties what the migrations wrote (the role groups) for the
    transactional tests that would follow."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
