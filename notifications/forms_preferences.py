"""The profile page's section "Notifications": how each optional mail kind reaches the user.

One row per optional kind (``registry.optional_kinds()``): by mail right away, in the daily
digest, or only in the inbox. Everything else (reminders, returns, letters) always arrives by
mail at once. The form only parses; ``update_preferences`` checks every rule (422) and writes.

``PROFILE_SECTION`` is what ``accounts.profile.add_section`` takes; ``accounts`` registers it
(this app sits below ``accounts`` and may not import its registry). The section posts to
``/notifications/preferences/`` (``views.preferences``).
"""

import logging

import rules
from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.errors import RuleViolation

from . import preferences, registry
from .models import Preference

logger = logging.getLogger(__name__)

Delivery = Preference.Delivery
PREFIX = "delivery"  # the fields are named delivery-<kind>


class PreferencesForm(forms.Form):
    """A radio group per optional kind; posted names of kinds that are not optional are kept
    in ``unknown`` so that the use case can refuse them instead of ignoring them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        for kind in registry.optional_kinds():
            self.fields[kind.name] = forms.CharField(
                label=kind.label,
                required=False,
                widget=forms.RadioSelect(choices=Delivery.choices),
            )
        start = f"{self.prefix}-"
        self.unknown = {}
        if self.is_bound:
            for name in self.data:
                kind = name[len(start) :]
                if name.startswith(start) and kind not in self.fields:
                    self.unknown[kind] = self.data.get(name, "")

    def choices(self):
        """``{kind: delivery}`` as posted (kinds left out are not changed)."""
        chosen = {name: value for name, value in self.cleaned_data.items() if value != ""}
        return {**chosen, **self.unknown}


def initial_for(user):
    """What the form shows: the user's choices, "mail" for the kinds they left alone."""
    chosen = preferences.of(user)
    return {kind.name: chosen.get(kind.name, Delivery.MAIL) for kind in registry.optional_kinds()}


def violations(choices):
    """``{field or None: [message]}``: kinds that are not optional, deliveries not offered."""
    optional = {kind.name for kind in registry.optional_kinds()}
    errors = {}
    unknown = sorted(kind for kind in choices if kind not in optional)
    if unknown:
        errors[None] = [
            _("“%(kind)s” is not a notification you can choose how to receive.")
            % {"kind": kind[:50]}
            for kind in unknown
        ]
    for kind, delivery in choices.items():
        if kind in optional and delivery not in Delivery.values:
            errors[kind] = [
                _("Please choose one of: %(choices)s.")
                % {"choices": "; ".join(str(label) for label in Delivery.labels)}
            ]
    return errors


def update_preferences(user, choices):
    """The user chooses how the optional kinds reach them.

    ``choices``: ``{kind: delivery}``. Effects: ``notifications.edit_preferences`` 403; a kind
    that is not optional or a delivery that is not mail / digest / inbox 422 (every one named,
    nothing written); a ``Preference`` row per kind that differs from the default (mail), the
    rows of kinds set back to mail deleted; a log line. Mails written from now on follow them.
    """
    if not rules.has_perm("notifications.edit_preferences", user):
        raise PermissionDenied(_("Please log in to choose your notifications."))
    errors = violations(choices)
    if errors:
        raise RuleViolation(errors)
    default = [kind for kind, delivery in choices.items() if delivery == Delivery.MAIL]
    chosen = [
        Preference(user=user, kind=kind, delivery=delivery)
        for kind, delivery in sorted(choices.items())
        if delivery != Delivery.MAIL
    ]
    with transaction.atomic():
        if default:
            Preference.objects.filter(user=user, kind__in=default).delete()
        if chosen:
            Preference.objects.bulk_create(
                chosen,
                update_conflicts=True,
                unique_fields=["user", "kind"],
                update_fields=["delivery"],
            )
    logger.info(
        "Notification preferences of user %s: %s",
        user.pk,
        ", ".join(f"{kind}={delivery}" for kind, delivery in sorted(choices.items())) or "none",
    )


def preferences_context(request, form=None):
    """The section's context: the form (None hides the section: no optional kind exists)."""
    if not rules.has_perm("notifications.edit_preferences", request.user):
        return None
    if not registry.optional_kinds():
        return None
    if form is None:
        form = PreferencesForm(initial=initial_for(request.user))
    return {"form": form}


PROFILE_SECTION = {
    "key": "notifications",
    "title": gettext_lazy("Notifications"),
    "template": "notifications/_profile_preferences.html",
    "context": preferences_context,
    "order": 40,
}
