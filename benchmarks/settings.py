"""The project's settings for benchmark runs: a key of their own, plain HTTP, a fast password
hasher."""

import os

os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-any-server")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("REQUIRE_2FA", "false")

from funding.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Plain storage: templates render {% static %} without a collectstatic manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
