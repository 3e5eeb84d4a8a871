"""Letters are stored in a folder of the test's own (``media``, used by the letter tests)."""

import pytest


@pytest.fixture
def media(settings, tmp_path):
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location
