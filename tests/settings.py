"""Settings for the test suite: the project's settings with a key of its own, plain HTTP (the
test client speaks http), no second factor (tests of 2FA switch it on) and a local cache."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-server")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("REQUIRE_2FA", "false")

from funding.settings import *  # noqa: E402, F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Static files from the app folders, as under DEBUG (no collectstatic before the tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Plain storage: templates render {% static %} without a collectstatic manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Templates that only the tests use (e.g. a mail kind registered by a test).
TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]},  # noqa: F405
    *TEMPLATES[1:],  # noqa: F405
]
