"""The security headers on real answers: a page, a page of an application, a static file, an
error page; and nothing in the pages (ours or the admin's) that the strict CSP would block."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from tests import factories
from tests.helpers import close_file

pytestmark = pytest.mark.django_db

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
PAGE = EVERY_ANSWER | {"X-Frame-Options": "DENY"}
SECURITY_HEADERS = {
    *PAGE,
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "Content-Security-Policy-Report-Only",
}


def csp(response):
    """The Content-Security-Policy header as {directive: sources} (its order is not fixed)."""
    parts = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return dict(parts)


def security_headers(response):
    return {
        name: value
        for name, value in response.headers.items()
        if name in SECURITY_HEADERS and name != "Content-Security-Policy"
    }


def assert_page_headers(response):
    assert security_headers(response) == PAGE
    assert csp(response) == CSP


def test_login_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_page_headers(response)


def test_application_page_of_a_logged_in_applicant(client):
    application = factories.ApplicationFactory()
    client.force_login(application.created_by)
    response = client.get(reverse("application-detail", args=[application.pk]))
    assert response.status_code == 200
    assert_page_headers(response)


def test_static_file(client):
    response = client.get("/static/css/app.css")
    close_file(response)
    assert response.status_code == 200
    assert response["Content-Type"] == 'text/css; charset="utf-8"'
    # A stylesheet is no document: no CSP or frame options needed, the rest as everywhere.
    assert security_headers(response) == EVERY_ANSWER
    assert "Content-Security-Policy" not in response


def test_error_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_page_headers(response)


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31_536_000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
)
def test_with_https_on_every_secure_answer_carries_hsts(client):
    response = client.get(reverse("login"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert client.get(reverse("login")).status_code == 301


INLINE = [
    ("inline script", re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)),
    ("style element", re.compile(r"<style\b", re.I)),
    ("style attribute", re.compile(r"\sstyle\s*=", re.I)),
    ("event handler", re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)),
    ("javascript: URL", re.compile(r"javascript:", re.I)),
]


def blocked_by_csp(html):
    return [name for name, pattern in INLINE if pattern.search(html)]


def test_our_pages_have_nothing_inline(client):
    application = factories.ApplicationFactory()
    client.force_login(application.created_by)
    for url in (
        reverse("home"),
        reverse("application-list"),
        reverse("application-detail", args=[application.pk]),
        reverse("application-documents", args=[application.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert blocked_by_csp(response.content.decode()) == [], url


def test_admin_pages_work_under_the_csp(client, rf):
    """Django's admin brings only external scripts; its one inline <style> (a column width on
    change lists without any actions) is not used by our ModelAdmins: no exception needed."""
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    client.force_login(superuser)
    request = rf.get("/admin/")
    request.user = superuser
    pages = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label.startswith(("otp_", "two_factor")):
            continue  # the device admins of django-otp are tested in test_admin.py
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
    assert len(pages) > 10
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response, url
        assert blocked_by_csp(response.content.decode()) == [], url
