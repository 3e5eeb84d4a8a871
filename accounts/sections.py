"""The profile page's own sections (``accounts.profile`` registry): second factor, password."""

from django.utils.translation import gettext_lazy as _

from notifications import forms_preferences

from . import profile, security


def two_factor_context(request):
    user = request.user
    static = user.staticdevice_set.first()
    return {
        "has_app": user.totpdevice_set.filter(confirmed=True).exists(),
        "recovery_codes_left": static.token_set.count() if static else 0,
        "may_disable": not security.must_use_2fa(user),
        "required": security.must_use_2fa(user),
    }


def register():
    profile.add_section(
        "two_factor",
        _("Two-factor authentication"),
        "accounts/_profile_two_factor.html",
        two_factor_context,
        order=10,
    )
    profile.add_section("password", _("Password"), "accounts/_profile_password.html", order=20)
    # notifications sits below accounts (layers): its section is registered from here
    profile.add_section(**forms_preferences.PROFILE_SECTION)
