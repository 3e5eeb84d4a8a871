"""Accounts pages: login with a second factor, profile, language, invitations, company users.

Thin: the use cases are in ``services``, the queries in ``selectors``.
"""

from base64 import b32encode
from binascii import unhexlify

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from two_factor import views as two_factor_views
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.utils import get_otpauth_url, totp_digits

from funding.errors import StateConflict
from funding.rules import is_coordinator
from funding.web import attempt

from . import forms, profile, security, selectors, services, sessions

# ----- login with a second factor ------------------------------------------------------------


class LoginView(two_factor_views.LoginView):
    """two_factor's wizard (password → code from the app or a recovery code) in our look."""

    form_list = (
        (two_factor_views.LoginView.AUTH_STEP, forms.LoginForm),
        (two_factor_views.LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (two_factor_views.LoginView.BACKUP_STEP, BackupTokenForm),
    )

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        context["next_url"] = self.get_redirect_url()
        return context


class SetupView(two_factor_views.SetupView):
    """Enrolling an authenticator app (QR code), issued as ``settings.OTP_TOTP_ISSUER``."""

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        context["user_must_enrol"] = security.must_use_2fa(self.request.user)
        if self.steps.current == "generator":
            key = self.get_key("generator")
            secret = b32encode(unhexlify(key.encode("ascii"))).decode("utf-8")
            context["issuer"] = settings.OTP_TOTP_ISSUER
            context["otpauth_url"] = get_otpauth_url(
                self.request.user.get_username(), secret, settings.OTP_TOTP_ISSUER, totp_digits()
            )
        return context


class QRGeneratorView(two_factor_views.QRGeneratorView):
    def get_issuer(self):
        return settings.OTP_TOTP_ISSUER


class SetupCompleteView(two_factor_views.SetupCompleteView):
    pass


class BackupTokensView(two_factor_views.BackupTokensView):
    """The recovery codes: shown, and made anew (the old ones stop working)."""


class DisableView(two_factor_views.DisableView):
    """Removing every second factor; refused while the user's role requires one."""

    def get_success_url(self):
        return reverse("profile")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and security.must_use_2fa(request.user):
            return render(request, "two_factor/profile/disable_refused.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        for device in devices_for_user(self.request.user, confirmed=None):
            device.delete()
        messages.success(self.request, _("Two-factor authentication is now off."))
        return redirect("profile")


# ----- profile and language --------------------------------------------------------------------


@login_required
def profile_view(request):
    user = request.user
    stored = selectors.profile_of(user)
    initial = {"first_name": user.first_name, "last_name": user.last_name}
    initial["language"] = stored.language
    form = forms.ProfileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _result, refusal = attempt(
                lambda: services.update_profile(user, **form.cleaned_data), form
            )
            if refusal is None:
                language = form.cleaned_data["language"]
                sessions.remember_language(request, language)
                translation.activate(language)
                messages.success(request, _("Your profile has been saved."))
                return redirect("profile")
            status = refusal.status
        else:
            status = 400
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "sections": profile.sections(request)},
        status=status,
    )


@require_POST
def set_language(request):
    """Django's language switch; for a logged-in user the choice is kept in the profile too."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.set_language(request.user, language)
        sessions.remember_language(request, language)
    return response


# ----- invitations -----------------------------------------------------------------------------


def _invalid(request, invitation):
    return render(
        request, "accounts/invitation_invalid.html", {"invitation": invitation}, status=410
    )


def accept_invitation(request, token):
    """The mailed link: a new account, or the logged-in invitee joins the organisation.

    Unknown link: 404. Accepted, revoked or expired: 410 with a page saying so.
    """
    invitation = selectors.invitation_by_token(token)
    if not invitation.is_open:
        return _invalid(request, invitation)
    context = {"invitation": invitation, "organization": invitation.organization}
    user = request.user
    if user.is_authenticated:
        if not user.email or user.email.lower() != invitation.email.lower():
            return render(request, "accounts/invitation_other_user.html", context, status=403)
        form = forms.ConfirmForm(request.POST or None)
        if request.method == "POST":
            try:
                services.accept_as_user(invitation, user)
            except StateConflict:
                invitation.refresh_from_db()
                return _invalid(request, invitation)
            messages.success(
                request,
                _("You now act for %(organization)s.") % {"organization": invitation.organization},
            )
            return redirect("home")
        return render(request, "accounts/invitation_confirm.html", {**context, "form": form})
    if selectors.user_with_email(invitation.email) is not None:
        login_url = f"{reverse('login')}?next={request.path}"
        return render(
            request, "accounts/invitation_login.html", {**context, "login_url": login_url}
        )
    form = forms.AcceptForm(request.POST or None, email=invitation.email)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            new_user, refusal = attempt(
                lambda: services.accept_as_new_user(
                    invitation,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    password=data["password1"],
                ),
                form,
            )
            if refusal is None:
                login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Welcome! You now act for %(organization)s.")
                    % {"organization": invitation.organization},
                )
                return redirect("home")
            invitation.refresh_from_db()
            if not invitation.is_open:
                return _invalid(request, invitation)
            status = refusal.status
        else:
            status = 400
    return render(
        request, "accounts/invitation_accept.html", {**context, "form": form}, status=status
    )


# ----- company users ---------------------------------------------------------------------------


@login_required
def organization_list(request):
    """The office's list of organisations, each with a link to its users."""
    if not is_coordinator(request.user):
        raise PermissionDenied
    return render(
        request,
        "accounts/organization_list.html",
        {"organizations": selectors.organizations_with_counts()},
    )


def _users_page(request, organization, form=None, status=200):
    return render(
        request,
        "accounts/organization_users.html",
        {
            "organization": organization,
            "members": selectors.members(organization),
            "invitations": selectors.pending_invitations(organization),
            "form": form or forms.InvitationForm(),
            "invitation_days": settings.INVITATION_DAYS,
        },
        status=status,
    )


@login_required
def organization_users(request, organization_id):
    organization = selectors.managed_organization(request.user, organization_id)
    return _users_page(request, organization)


def _report_delivery(request, invitation):
    if invitation.delivered:
        messages.success(
            request, _("The invitation has been sent to %(email)s.") % {"email": invitation.email}
        )
    else:
        messages.error(
            request,
            _(
                "The invitation to %(email)s could not be sent. It has been kept: please "
                "check the address and send it again later."
            )
            % {"email": invitation.email},
        )


@login_required
@require_POST
def invite(request, organization_id):
    organization = selectors.managed_organization(request.user, organization_id)
    form = forms.InvitationForm(request.POST)
    if not form.is_valid():
        return _users_page(request, organization, form, status=400)
    invitation, refusal = attempt(
        lambda: services.invite(
            request.user, organization, form.cleaned_data["email"], form.cleaned_data["is_admin"]
        ),
        form,
    )
    if refusal is not None:
        return _users_page(request, organization, form, status=refusal.status)
    _report_delivery(request, invitation)
    return redirect("organization-users", organization.pk)


def _act(request, organization, call, success):
    """Run a service for the users page; a refusal is shown there with its status."""
    result, refusal = attempt(call)
    if refusal is not None:
        for message in refusal.messages:
            messages.error(request, message)
        return _users_page(request, organization, status=refusal.status)
    messages.success(request, success(result))
    return redirect("organization-users", organization.pk)


@login_required
@require_POST
def resend_invitation(request, organization_id, invitation_id):
    organization = selectors.managed_organization(request.user, organization_id)
    invitation = selectors.invitation_in(organization, invitation_id)
    invitation, refusal = attempt(lambda: services.resend(request.user, invitation))
    if refusal is not None:
        for message in refusal.messages:
            messages.error(request, message)
        return _users_page(request, organization, status=refusal.status)
    _report_delivery(request, invitation)
    return redirect("organization-users", organization.pk)


@login_required
@require_POST
def revoke_invitation(request, organization_id, invitation_id):
    organization = selectors.managed_organization(request.user, organization_id)
    invitation = selectors.invitation_in(organization, invitation_id)
    return _act(
        request,
        organization,
        lambda: services.revoke(request.user, invitation),
        lambda result: _("The invitation to %(email)s has been revoked.") % {"email": result.email},
    )


@login_required
@require_POST
def set_member_admin(request, organization_id, membership_id):
    organization = selectors.managed_organization(request.user, organization_id)
    membership = selectors.membership_in(organization, membership_id)
    make_admin = request.POST.get("is_admin") == "1"
    name = membership.user.get_full_name() or membership.user.get_username()
    return _act(
        request,
        organization,
        lambda: services.set_admin(request.user, membership, make_admin),
        lambda result: (
            (
                _("%(name)s is now a company admin.")
                if result.is_admin
                else _("%(name)s is no longer a company admin.")
            )
            % {"name": name}
        ),
    )


REMOVAL_MESSAGES = {
    services.REMOVED: gettext_lazy("%(name)s no longer acts for the company."),
    services.DEACTIVATED: gettext_lazy(
        "%(name)s no longer acts for the company; the account has been deactivated "
        "(it is kept because it appears in the records)."
    ),
    services.DELETED: gettext_lazy(
        "%(name)s no longer acts for the company; the account has been deleted."
    ),
}


@login_required
@require_POST
def remove_member(request, organization_id, membership_id):
    organization = selectors.managed_organization(request.user, organization_id)
    membership = selectors.membership_in(organization, membership_id)
    name = membership.user.get_full_name() or membership.user.get_username()
    removing_self = membership.user_id == request.user.pk
    response = _act(
        request,
        organization,
        lambda: services.remove_member(request.user, membership),
        lambda outcome: str(REMOVAL_MESSAGES[outcome]) % {"name": name},
    )
    if removing_self and response.status_code == 302:
        return redirect("home")
    return response
