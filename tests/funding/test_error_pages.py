"""Error pages for requests that never passed the middleware (no user, no session, no language
chosen): they render our look, never a 500; a bad Host answers 400; require_POST answers 405."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponseNotAllowed
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.test import Client, override_settings
from django.urls import get_resolver, reverse
from django.utils import translation
from django.views.csrf import csrf_failure

from funding.middleware import DomainErrorMiddleware, too_large
from tests import factories

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def bare(rf):
    """A request as the handler has it before any middleware: no user, no session."""
    request = rf.get("/somewhere/")
    assert not hasattr(request, "user")
    assert not hasattr(request, "session")
    return request


def handler(status):
    return get_resolver().resolve_error_handler(status)


@pytest.mark.parametrize(
    ("status", "exception", "heading"),
    [
        (400, SuspiciousOperation("bad"), "Bad request"),
        (403, PermissionDenied(), "Not allowed"),
        (404, Http404(), "Not found"),
    ],
)
def test_error_handlers_render_without_user_or_session(bare, status, exception, heading):
    with translation.override("en"):
        response = handler(status)(bare, exception)
    html = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in html
    assert 'href="/static/css/app.css"' in html
    assert "Log out" not in html


def test_500_renders_without_anything(bare):
    response = handler(500)(bare)
    assert response.status_code == 500
    assert "<h1>Ein Fehler ist aufgetreten / An error occurred</h1>" in response.content.decode()


@pytest.mark.parametrize(
    "error", [OperationalError("server closed the connection"), InterfaceError()]
)
def test_a_lost_database_answers_503_without_touching_it(bare, error, django_assert_num_queries):
    middleware = DomainErrorMiddleware(lambda request: None)
    with django_assert_num_queries(0):
        response = middleware.process_exception(bare, error)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "<h1>Vorübergehend nicht erreichbar / Temporarily unavailable</h1>" in html
    assert "Ihre Änderung wurde nicht gespeichert" in html


def test_other_exceptions_are_left_to_the_500_handler(bare):
    middleware = DomainErrorMiddleware(lambda request: None)
    assert middleware.process_exception(bare, ValueError("bug")) is None


def test_csrf_failure_renders_our_page_without_user(bare):
    with translation.override("en"):
        response = csrf_failure(bare, reason=REASON_NO_CSRF_COOKIE)
    assert response.status_code == 403
    assert "<h1>Form expired</h1>" in response.content.decode()


def test_405_and_413_pages_render_without_user(bare):
    with translation.override("en"):
        not_allowed = DomainErrorMiddleware(lambda request: HttpResponseNotAllowed(["POST"]))(bare)
        large = too_large(bare)
    assert not_allowed.status_code == 405
    assert not_allowed["Allow"] == "POST"
    assert "<h1>Not possible this way</h1>" in not_allowed.content.decode()
    assert large.status_code == 413
    assert "<h1>Too large</h1>" in large.content.decode()


def test_a_405_with_content_of_its_own_is_kept(bare):
    response = DomainErrorMiddleware(lambda request: HttpResponseNotAllowed(["GET"], b"mine"))(bare)
    assert response.content == b"mine"


@pytest.mark.parametrize("https", [False, True])
def test_a_request_for_another_host_answers_400(https):
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["example.org"], SECURE_SSL_REDIRECT=https):
        response = Client(raise_request_exception=False).get(
            "/accounts/login/", headers={"Host": "evil.example", **ENGLISH}
        )
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()


def test_csrf_failure_through_the_stack(client):
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "x", "password": "y"}, headers=ENGLISH
    )
    assert response.status_code == 403
    assert "<h1>Form expired</h1>" in response.content.decode()


def test_get_on_a_post_only_view_answers_our_405(client):
    application = factories.ApplicationFactory()
    client.force_login(application.created_by)
    # require_POST answers before the view checks who asks
    url = reverse("review-start", args=[application.pk])
    response = client.get(url, headers=ENGLISH)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "<h1>Not possible this way</h1>" in html
    assert "Content-Security-Policy" in response


def test_error_pages_for_a_logged_in_user_keep_the_navigation(client):
    client.force_login(factories.coordinator())
    response = client.get("/no-such-page/", headers=ENGLISH)
    assert response.status_code == 404
    assert "Log out" in response.content.decode()
