"""The project's settings for benchmark runs: a fast password hasher, quieter logging."""

from funding.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
