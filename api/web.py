"""The profile page's section "API tokens" and its two forms (web pages, with CSRF).

Every logged-in user manages their own tokens (``api.manage_tokens``, ``api.revoke_token``);
another user's token answers 404. A new key is shown once, on the page that answers the
creation, and is never stored.
"""

import rules
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from funding.web import attempt

from . import services


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “Accounting system”."),
    )
    expires = forms.DateField(
        label=gettext_lazy("Valid until (optional)"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("The token stops working at the end of this day."),
    )


def section_context(request):
    """The section's context, or None (not shown) for a user who may not have tokens."""
    if not rules.has_perm("api.manage_tokens", request.user):
        return None
    return {
        "tokens": services.own_tokens(request.user),
        "form": TokenForm(),
        "max_days": settings.API_TOKEN_MAX_DAYS,
        "docs_url": reverse("api:docs"),
    }


def profile_url():
    return reverse("profile") + "#profile-api_tokens"


@never_cache
@login_required
@require_POST
def token_create(request):
    """Create a token: the answer is a page with its key (shown this once), never a redirect."""
    if not rules.has_perm("api.manage_tokens", request.user):
        raise PermissionDenied
    form = TokenForm(request.POST)
    status = 400
    if form.is_valid():
        day = form.cleaned_data["expires"]
        expires_at = services.end_of_day(day) if day else None
        created, refused = attempt(
            lambda: services.create_token(request.user, form.cleaned_data["name"], expires_at),
            form,
        )
        if refused is None:
            token, key = created
            context = {"token": token, "key": key, "profile_url": profile_url()}
            return render(request, "api/token_created.html", context, status=201)
        status = refused.status
    context = {"form": form, "profile_url": profile_url(), "max_days": settings.API_TOKEN_MAX_DAYS}
    return render(request, "api/token_form.html", context, status=status)


@login_required
@require_POST
def token_revoke(request, pk):
    token = services.own_tokens(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    services.revoke_token(request.user, token)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect(profile_url())
