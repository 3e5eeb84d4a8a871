"""Throttling per token (or session user) and per client address, in the default cache."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.security import client_ip


class SettingsRateThrottle(SimpleRateThrottle):
    """Reads its rate from the settings when it is made (DRF binds them once, at import)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(SettingsRateThrottle):
    """Per token (a session counts per user); anonymous requests are left to ``IPRateThrottle``."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"t{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class IPRateThrottle(SettingsRateThrottle):
    """Per client address (as ``accounts.security.client_ip`` reads it behind proxies), for
    requests without credentials: a token's own rate is higher."""

    scope = "ip"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}
