"""The invitation mail, sent right after the invitation's transaction (the inviter waits)."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Invitation

logger = logging.getLogger(__name__)


def send_invitation(invitation, token):
    """Mail the link with ``token``; True when sent (``sent_at`` is then stored), else False."""
    link = settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[token])
    with translation.override(invitation.organization.language or settings.LANGUAGE_CODE):
        text = render_to_string(
            "accounts/mail/invitation.txt",
            {
                "invitation": invitation,
                "organization": invitation.organization,
                "inviter": invitation.created_by,
                "link": link,
                "site_url": settings.SITE_URL,
            },
        )
    subject, _sep, body = text.strip().partition("\n")
    try:
        EmailMessage(subject.strip(), body.strip(), to=[invitation.email]).send()
    except Exception:  # SMTP or connection trouble: the inviter is told and can send again
        logger.exception("invitation %s: mail not sent", invitation.pk)
        return False
    invitation.sent_at = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=invitation.sent_at)
    return True
