"""Shared set-up of the API tests: a client, tokens, and a clean cache (throttle counts)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import services
from tests import factories


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def token_for(user, name="test", expires_at=None):
    """A new token of ``user``: (token, key)."""
    return services.create_token(user, name, expires_at)


def client_for(user):
    """An API client that sends a new token of ``user``."""
    client = APIClient()
    _token, key = token_for(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def applicant_client():
    """(client, user, organisation) of an applicant with a token."""
    organization = factories.OrganizationFactory()
    user = factories.applicant(organization=organization)
    return client_for(user), user, organization
