"""The profile section "API tokens" (``accounts.profile`` registry)."""

from django.utils.translation import gettext_lazy as _

from accounts import profile

from . import web


def register():
    profile.add_section(
        "api_tokens", _("API tokens"), "api/_profile_tokens.html", web.section_context, order=60
    )
