"""Who must log in with a second factor, and what a session of theirs may reach before."""

from django.conf import settings
from two_factor.utils import default_device

from funding import roles


def is_privileged(user):
    """Coordinators, board members, staff and superusers: 2FA required, short sessions."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or roles.is_coordinator(user) or roles.is_board(user)


def must_use_2fa(user):
    """The user must log in with a second factor now (``settings.REQUIRE_2FA``)."""
    return bool(settings.REQUIRE_2FA) and is_privileged(user)


def has_device(user):
    """The user has a confirmed authenticator app, which the login asks a code of.

    Recovery codes alone do not count: the login asks for a code only when an app exists, so
    such a user is sent to set up an app instead of being asked to log in again (a loop).
    """
    return default_device(user) is not None


def client_ip(request):
    """The address failed logins are counted under (django-axes' ``AXES_CLIENT_IP_CALLABLE``).

    Behind ``settings.TRUSTED_PROXIES`` reverse proxies every request comes from the nearest
    one, so the client is the address the outermost trusted proxy saw: that many entries from
    the right of ``X-Forwarded-For`` (each proxy appends the address it was reached from; what
    a client put further left is not trusted). Without proxies: ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXIES
    if count <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count] or remote
