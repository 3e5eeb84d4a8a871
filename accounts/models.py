"""A user's profile (language) and invitations into an organisation."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funding.models import Organization


def token_hash(token):
    """The stored form of an invitation token: its SHA-256 (the token itself is only mailed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Profile(models.Model):
    """What a user chooses for themselves; created on demand (``selectors.profile_of``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class Invitation(models.Model):
    """An invitation of a person (by email) into an organisation, accepted through a mailed link.

    Only the SHA-256 of the link's token is stored; sending again makes a new token.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("email"))
    is_admin = models.BooleanField(_("company admin"), default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_open(self):
        """Neither accepted, revoked nor expired: the link still works."""
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def status(self):
        if self.accepted_at:
            return _("accepted")
        if self.revoked_at:
            return _("revoked")
        if self.is_expired:
            return _("expired")
        if self.sent_at is None:
            return _("not delivered")
        return _("open")
