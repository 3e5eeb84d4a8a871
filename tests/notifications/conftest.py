"""Shared set-up of the notifications tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the unread counts of the inbox live there
    (``inbox:unread:<user id>``), and user ids repeat from test to test."""
    cache.clear()
    yield
    cache.clear()
