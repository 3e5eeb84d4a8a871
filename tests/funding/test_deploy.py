"""Production settings from a clean environment: `check --deploy` is clean, no key → no start,
the HTTPS switch, and the proxy header that prevents a redirect loop."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

SETTINGS_DUMP = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k, None) for k in ("
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
    "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'DEBUG')}))"
)


def run(*args, **variables):
    """Run the .venv's python in a clean environment (only PATH and the given variables)."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")} | variables
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production(**variables):
    return {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "example.org"} | variables


def dump(**variables):
    result = run("-c", SETTINGS_DUMP, DJANGO_SETTINGS_MODULE="funding.settings", **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_only_a_key_and_hosts():
    result = run("manage.py", "check", "--deploy", **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_without_secret_key_and_debug_off_the_project_refuses_to_start():
    result = run("manage.py", "check", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the SECRET_KEY environment variable" in result.stderr


def test_debug_has_a_development_key_of_its_own():
    result = run("manage.py", "check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_https_is_on_by_default_outside_debug():
    assert dump(**production()) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_PROXY_SSL_HEADER": None,
        "DEBUG": False,
    }


def test_https_false_turns_off_secure_cookies_hsts_and_the_redirect():
    assert dump(**production(HTTPS="false")) == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_PROXY_SSL_HEADER": None,
        "DEBUG": False,
    }


def test_proxy_ssl_header_switch_trusts_x_forwarded_proto():
    assert dump(**production(PROXY_SSL_HEADER="true"))["SECURE_PROXY_SSL_HEADER"] == [
        "HTTP_X_FORWARDED_PROTO",
        "https",
    ]


@override_settings(
    SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_behind_the_proxy_an_https_request_is_not_redirected(client):
    login = reverse("login")
    assert client.get(login, headers={"X-Forwarded-Proto": "https"}).status_code == 200
    plain = client.get(login, headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 301
    assert plain["Location"] == f"https://testserver{login}"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_without_the_proxy_header_setting_the_header_is_ignored(client):
    response = client.get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301


def test_static_files_are_hashed_and_compressed_outside_debug():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.STORAGES['staticfiles']['BACKEND'])"
    )
    production_run = run("-c", code, DJANGO_SETTINGS_MODULE="funding.settings", **production())
    debug_run = run("-c", code, DJANGO_SETTINGS_MODULE="funding.settings", DEBUG="true")
    assert production_run.stdout.strip() == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert debug_run.stdout.strip() == "django.contrib.staticfiles.storage.StaticFilesStorage"
