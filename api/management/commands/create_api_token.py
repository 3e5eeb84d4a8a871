"""``manage.py create_api_token USERNAME [--name N] [--expires-days D]``: a new API token.

The key is printed once, alone on the last line (for scripts: ``| tail -n 1``).
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from funding.errors import RuleViolation

from ... import services


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (alone on the last line)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="manage.py create_api_token")
        parser.add_argument("--expires-days", type=int, default=None)

    def handle(self, username, name, expires_days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        expires_at = None
        if expires_days is not None:
            if expires_days < 1:
                raise CommandError("--expires-days must be at least 1.")
            expires_at = timezone.now() + datetime.timedelta(days=expires_days)
        try:
            token, key = services.create_token(user, name, expires_at)
        except PermissionDenied:
            raise CommandError(f"{username!r} is not an active user.") from None
        except RuleViolation as violation:
            raise CommandError("; ".join(str(m) for m in violation.messages)) from None
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        self.stdout.write(
            f"Token {token.name!r} for {user.get_username()} (prefix {token.prefix}, "
            f"expires {expiry}). The key is shown only now:"
        )
        self.stdout.write(key)
