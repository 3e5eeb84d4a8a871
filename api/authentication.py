"""``Authorization: Token <key>``: the token's user, or 401 with ``WWW-Authenticate: Token``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import services

KEYWORD = "Token"


class TokenAuthentication(authentication.BaseAuthentication):
    """A header without "Token" is not ours (None: the session may answer); a "Token" header
    with a missing, unknown, expired or revoked key, or an inactive user, is refused (401).

    DRF answers 401 (not 403) because this is the first authentication class and it names a
    ``WWW-Authenticate`` challenge.
    """

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = services.token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        request.api_token = token
        return token.user, token

    def authenticate_header(self, request):
        return KEYWORD


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The key, prefixed: "Token <key>".',
        }
