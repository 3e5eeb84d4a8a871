"""Per-request account rules: the user's language, and the second factor where it is required.

Runs after ``LocaleMiddleware``, ``AuthenticationMiddleware`` and django-otp's
``OTPMiddleware``:

- the language the user chose in the profile (kept in the session at login and on change)
  replaces the one ``LocaleMiddleware`` picked;
- ``/admin/login/`` sends everyone to our login (with its ``next``), so that the admin is no
  way around the second factor;
- while ``settings.REQUIRE_2FA`` is on, a coordinator, board member, staff member or
  superuser whose session is not verified with a second factor reaches only the setup pages,
  logout, static files, the language switch and ``/healthz``: without a device they are sent
  to the setup, with a device they are logged out and sent to log in again.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import get_script_prefix, reverse
from django.utils import translation

from . import security, sessions

# URL names a user who still needs the second factor may reach.
OPEN_NAMES = (
    "login",
    "logout",
    "two_factor:setup",
    "two_factor:qr",
    "set-language",
    "set_language",
    "healthz",
)


def _login_url(next_url):
    return f"{reverse('login')}?{urlencode({'next': next_url})}"


class AccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = sessions.chosen_language(request)
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        if request.path == reverse("admin:login"):
            return redirect(_login_url(request.GET.get("next") or reverse("admin:index")))
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and security.is_privileged(user)
            and not self.is_open(request.path)
        ):
            return self.refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def is_open(path):
        prefix = get_script_prefix()
        if path.startswith(prefix + settings.STATIC_URL.lstrip("/")) or path.startswith(
            prefix + "i18n/"
        ):
            return True
        return any(path == reverse(name) for name in OPEN_NAMES)

    @staticmethod
    def refuse(request, user):
        next_url = request.get_full_path()
        if security.has_device(user):
            # A session that was never verified although a device exists: log in again.
            logout(request)
            return redirect(_login_url(next_url))
        return redirect("two_factor:setup")
