"""Use cases of the API's own data: tokens (create, revoke, authenticate).

A key is ``<prefix>.<secret>``: ``prefix`` (public, unique) finds the row, and only the
SHA-256 of the whole key is stored, compared in constant time. The key is returned once, by
``create_token``, and never again.
"""

import datetime
import hashlib
import hmac
import secrets

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from funding.errors import RuleViolation, StateConflict

from .models import ApiToken

PREFIX_START = "rk_"
# Touch ``last_used_at`` at most this often (no write on every request).
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key():
    prefix = PREFIX_START + secrets.token_hex(4)
    return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"


def end_of_day(day):
    """The moment a token that "expires on ``day``" stops working: the next local midnight."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(midnight)


def create_token(user, name, expires_at=None):
    """A new token of ``user``; answers ``(token, key)``: the key only here, never again.

    Effects: ``api.manage_tokens`` 403; an empty or too long name, an expiry in the past or
    beyond ``API_TOKEN_MAX_DAYS`` 422; an ``ApiToken`` with the key's hash.
    """
    if not rules.has_perm("api.manage_tokens", user):
        raise PermissionDenied(_("You may not create API tokens."))
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Please give the token a name.")]
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = [_("The name may have at most 100 characters.")]
    now = timezone.now()
    if expires_at is not None:
        if expires_at <= now:
            errors["expires"] = [_("The expiry date must lie in the future.")]
        elif expires_at > now + datetime.timedelta(days=settings.API_TOKEN_MAX_DAYS + 1):
            errors["expires"] = [
                _("A token may be valid for at most %(days)s days.")
                % {"days": settings.API_TOKEN_MAX_DAYS}
            ]
    if errors:
        raise RuleViolation(errors)
    prefix, key = _new_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=hash_key(key), expires_at=expires_at
    )
    return token, key


def revoke_token(user, token):
    """The owner revokes a token: it stops working at once.

    Effects: the row locked; already revoked 409, ``api.revoke_token`` 403; ``revoked_at`` set.
    """
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if not rules.has_perm("api.revoke_token", user, token):
            raise PermissionDenied(_("You may not revoke this token."))
        if token.revoked_at is not None:
            raise StateConflict(_("This token has already been revoked."))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_for_key(key):
    """The usable token of ``key`` (its user active), or None: unknown, wrong secret, expired,
    revoked. Touches ``last_used_at`` (at most once a minute)."""
    prefix, dot, _secret = (key or "").partition(".")
    if not dot or not prefix.startswith(PREFIX_START):
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
        return None
    now = timezone.now()
    if not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def own_tokens(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
