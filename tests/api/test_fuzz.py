"""Fuzzing of the whole API (schemathesis) against the live schema and a freshly seeded demo.

Every operation that ``/api/schema/`` lists at test time runs for each role's token
(applicant, coordinator, reviewer, board) with a bounded number of generated requests
(derandomized, so that CI is reproducible), and every answer must pass four checks:
no 5xx (``not_a_server_error``), a body that matches the schema
(``response_schema_conformance``), a documented status code (``status_code_conformance``), and
no success without or with a wrong key (``ignored_auth``).

- The demo is seeded once for the module in a transaction that is rolled back at the end; each
  request runs in a savepoint of its own that is rolled back too, so what one request changes
  (a submission, an approval, a deleted document) never reaches the next one.
- Path parameters come half of the time from the seeded rows (the n-th application, decision,
  document, ...), so that the fuzzer gets past 404 into the operations themselves.
- The requests go through Django's WSGI handler in the test's own thread and database
  connection; Celery runs eagerly (tests/conftest.py) and on_commit callbacks never run (the
  savepoints are rolled back).
- Token revocation (``/api/tokens/...``) is left out: it would end the run's own credentials.
"""

import contextlib
import io

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup, ServerError
from schemathesis.openapi.checks import IgnoredAuth, JsonSchemaError, UndefinedStatusCode
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from api import services

#: The demo's users, one per role (demo/people.py).
ROLES = {
    "applicant": "antrag",
    "coordinator": "koordination",
    "reviewer": "gutachter1",
    "board": "vorstand1",
}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, ignored_auth]
#: Generated requests per operation and role (~3 minutes for the module on two cores).
MAX_EXAMPLES = 8
#: Operations left out of the run (regular expression on the path).
EXCLUDED_PATHS = r"^/api/tokens/"
SCHEMA_PATH = "/api/schema/?format=json"
#: schemathesis' own configuration (no schemathesis.toml is read): no coverage phase (its
#: deterministic cases alone would take minutes; the fuzzing phase generates valid and invalid
#: data) and no cache of its own (it would write .schemathesis/ into the working folder).
CONFIG = {"phases": {"coverage": {"enabled": False}}, "cache": {"enabled": False}}
#: The seeded rows by resource, filled by the ``world`` fixture before any request is generated.
SEEDED = {}


@contextlib.contextmanager
def seeded_world(django_db_blocker):
    """The demo seeded, a token per role, in a transaction rolled back at the end.
    Yields {role: key}."""
    from django.contrib.auth import get_user_model
    from django.test import TestCase

    from funding.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True  # as tests/conftest.py
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("seed_demo", "--no-past", stdout=io.StringIO())
        finally:
            app.conf.task_always_eager, app.conf.task_eager_propagates = saved
        users = get_user_model().objects
        keys = {
            role: services.create_token(users.get(username=username), f"fuzz {role}")[1]
            for role, username in ROLES.items()
        }
        yield keys
        transaction.set_rollback(True)


@contextlib.contextmanager
def connections_kept_open():
    """Django closes "old" database connections at the start and end of every request; inside
    the test's transaction that would end it. The test client does the same (for its own
    requests); here the real WSGI handler serves schemathesis' requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def seeded_ids():
    """The seeded rows the path parameters may name, by resource, in a stable order."""
    from applications.models import Application, ApplicationVersion, Document
    from decisions.models import Decision
    from funding.models import Organization, Programme

    def pks(model):
        return list(model.objects.order_by("pk").values_list("pk", flat=True))

    return {
        "applications": pks(Application),
        "decisions": pks(Decision),
        "organisations": pks(Organization),
        "programmes": pks(Programme),
        "documents": list(Document.objects.order_by("pk").values_list("application_id", "pk")),
        "versions": list(
            ApplicationVersion.objects.order_by("pk").values_list("application_id", "number")
        ),
    }


def known_parameters(path, ids):
    """A strategy of path parameters naming seeded rows for ``path``, or None."""
    segments = path.strip("/").split("/")
    names = [segment[1:-1] for segment in segments if segment.startswith("{")]
    if not names:
        return None
    if names[0] != "id":
        return None
    resource = segments[segments.index("{id}") - 1]
    if len(names) == 1:
        if not ids.get(resource):
            return None
        return st.sampled_from(ids[resource]).map(lambda pk: {"id": pk})
    if len(names) == 2 and resource == "applications":
        child = segments[segments.index("{id}") + 1]
        if not ids.get(child):
            return None
        second = names[1]
        return st.sampled_from(ids[child]).map(lambda pair: {"id": pair[0], second: pair[1]})
    return None


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo seeded once for the module: {role: token key}."""
    with seeded_world(django_db_blocker) as keys, connections_kept_open():
        SEEDED.clear()
        SEEDED.update(seeded_ids())
        yield keys
        SEEDED.clear()


def seeded_or_nothing(path):
    known = known_parameters(path, SEEDED)
    return st.nothing() if known is None else known


def closing(application):
    """``application`` answering with its whole body, its response closed (as a WSGI server
    does; schemathesis' WSGI transport leaves a streamed answer, a document's file, open)."""

    def app(environ, start_response):
        result = application(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()

    return app


def load_schema():
    """The live schema, loaded through Django's WSGI handler (no database needed), its path
    parameters half of the time naming seeded rows, without the excluded operations."""
    loaded = schemathesis.openapi.from_wsgi(
        SCHEMA_PATH, closing(WSGIHandler()), config=schemathesis.Config.from_dict(CONFIG)
    )

    @loaded.hook
    def before_generate_path_parameters(context, strategy):
        path = context.operation.path
        # Deferred: the strategy is built before the demo is seeded.
        known = st.deferred(lambda: seeded_or_nothing(path))
        return st.one_of(strategy, known)

    return loaded.exclude(path_regex=EXCLUDED_PATHS).exclude(
        method="DELETE", path_regex=r"/tokens?/"
    )


@pytest.fixture(params=list(ROLES))
def role(request):
    return request.param


schema = load_schema()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api(case, role, world, db):
    keys = world
    cache.clear()  # the throttles count per token and per address
    with transaction.atomic():
        case.call_and_validate(
            headers={"Authorization": f"Token {keys[role]}"},
            checks=CHECKS,
        )
        transaction.set_rollback(True)


def answering(status, body):
    """A stand-in WSGI app that gives every request the same JSON answer."""

    def app(environ, start_response):
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [body]

    return app


@pytest.mark.parametrize(
    ("check", "status", "body", "failure"),
    [
        (not_a_server_error, 500, b"{}", ServerError),
        (response_schema_conformance, 200, b"[1]", JsonSchemaError),
        (status_code_conformance, 418, b"{}", UndefinedStatusCode),
        (ignored_auth, 200, b"{}", IgnoredAuth),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_each_check_catches_its_fault(check, status, body, failure):
    """The four checks are real: each fails on an answer that breaks its rule (a server that
    answers ``status`` with ``body`` to everything, also without or with a wrong key)."""
    case = schema["/api/v1/programmes/"]["GET"].Case()
    with pytest.raises(FailureGroup) as raised:
        case.call_and_validate(
            headers={"Authorization": "Token rk_00000000.x"},
            checks=[check],
            app=answering(status, body),
        )
    assert [type(error) for error in raised.value.exceptions] == [failure]
