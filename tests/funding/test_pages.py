"""The site's icon on every page and at /favicon.ico; error pages in the app's look."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.helpers import close_file

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en"}
ICON_LINKS = (
    '<link rel="icon" href="/static/favicon.ico" sizes="32x32">',
    '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
)


def test_favicon_ico_answers_with_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/x-icon"
    assert close_file(icon)[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


def test_the_svg_icon_is_served(client):
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert close_file(icon).startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


@pytest.mark.parametrize("logged_in", [False, True])
def test_every_page_links_the_icon(client, logged_in):
    if logged_in:
        client.force_login(factories.coordinator())
    html = client.get(reverse("login" if not logged_in else "home")).content.decode()
    for link in ICON_LINKS:
        assert link in html


def test_a_get_on_a_post_only_address_answers_405_in_the_apps_look(client):
    member = factories.board_member()
    client.force_login(member)
    response = client.get(reverse("decision-confirm", args=[999]), headers=ENGLISH)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert '<div class="card error-page">' in html
    assert '<p class="error-code">Error code 405</p>' in html
    assert "<h1>Not possible this way</h1>" in html
    assert '<a class="button" href="/">Back to the start page</a>' in html
    assert "Log out" in html  # the navigation of the logged-in user stays
    for link in ICON_LINKS:
        assert link in html


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/no-such-page/", 404, "Not found"),
        ("/applications/new/", 403, "Not allowed"),  # a coordinator creates no application
    ],
)
def test_error_pages_have_the_apps_look(client, path, status, heading):
    client.force_login(factories.coordinator())
    response = client.get(path, headers=ENGLISH)
    assert response.status_code == status
    html = response.content.decode()
    assert f'<p class="error-code">Error code {status}</p>' in html
    assert f"<h1>{heading}</h1>" in html
    assert '<header class="site">' in html


@pytest.mark.parametrize(
    ("template", "code", "heading"),
    [
        ("500.html", 500, "Ein Fehler ist aufgetreten / An error occurred"),
        ("503.html", 503, "Vorübergehend nicht erreichbar / Temporarily unavailable"),
    ],
)
def test_500_and_503_have_the_apps_look_without_any_context(template, code, heading):
    from django.template.loader import get_template

    html = get_template(template).render()  # as Django's server_error does: no context at all
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert (
        '<header class="site"><div class="bar"><a class="brand" href="/">Risikokapital</a>' in html
    )
    assert f'<p class="error-code">Fehlercode / Error code {code}</p>' in html
    assert f"<h1>{heading}</h1>" in html


def test_a_refused_csrf_token_answers_in_the_apps_look():
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "x", "password": "y"}, headers=ENGLISH
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert '<p class="error-code">Error code 403</p>' in html
    assert "<h1>Form expired</h1>" in html


@pytest.mark.parametrize("path", ["/no-such-page/", "/applications/999999/"])
def test_with_debug_on_a_missing_page_is_our_404_not_djangos(client, settings, path):
    settings.DEBUG = True
    client.force_login(factories.coordinator())
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Using the URLconf" not in html  # Django's technical 404
    assert "Traceback" not in html
    assert "/static/css/app.css" in html
