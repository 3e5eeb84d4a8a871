"""Use cases of accounts: invitations, company admins, removing members, the profile.

Each one checks the permission (403, ``PermissionDenied``), the state (409, ``StateConflict``,
e.g. an invitation already accepted) and the rules (422, ``RuleViolation``, by field), and
changes everything in one transaction. Invitation mails are sent right after that transaction
commits, in the same request, so that the inviter learns at once whether the mail went out.
"""

import logging
import secrets
from datetime import timedelta

import rules
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from funding.errors import RuleViolation, StateConflict
from funding.models import Membership

from . import mails, selectors
from .models import Invitation, Profile, token_hash

logger = logging.getLogger(__name__)


def _new_token():
    return secrets.token_urlsafe(32)


def _require(permission, user, obj):
    if not rules.has_perm(permission, user, obj):
        raise PermissionDenied(_("You may not do this."))


def _locked_invitation(invitation):
    return (
        Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    )


def _ensure_open(invitation):
    if invitation.accepted_at is not None:
        raise StateConflict(_("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        raise StateConflict(_("This invitation has been revoked."))


def invite(actor, organization, email, is_admin=False):
    """Invite ``email`` into ``organization`` and mail the link.

    Effects: an ``Invitation`` (token stored as its hash, expiring after
    ``settings.INVITATION_DAYS``), then the mail. Returns the invitation with ``delivered``
    (whether the mail went out; if not, it can be sent again). Refused: 403 without
    ``accounts.invite``; 422 when the address is already a member or has an open invitation.
    """
    _require("accounts.invite", actor, organization)
    email = email.strip()
    errors = []
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        errors.append(_("A user with this email address already belongs to the company."))
    elif selectors.open_invitation_for(organization, email) is not None:
        errors.append(
            _("This address already has an open invitation. You can send it again from the list.")
        )
    if errors:
        raise RuleViolation({"email": errors})
    token = _new_token()
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            is_admin=is_admin,
            token_hash=token_hash(token),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS),
        )
    logger.info("invitation %s created by %s for %s", invitation.pk, actor.pk, organization.pk)
    invitation.delivered = mails.send_invitation(invitation, token)
    return invitation


def resend(actor, invitation):
    """Send the invitation again with a new link (the old one stops working).

    Effects: a new token (hash) and a new expiry, then the mail; returns the invitation with
    ``delivered``. Refused: 403 without ``accounts.invite``; 409 once accepted or revoked.
    """
    _require("accounts.invite", actor, invitation.organization)
    token = _new_token()
    with transaction.atomic():
        invitation = _locked_invitation(invitation)
        _ensure_open(invitation)
        now = timezone.now()
        invitation.token_hash = token_hash(token)
        invitation.expires_at = now + timedelta(days=settings.INVITATION_DAYS)
        invitation.save(update_fields=["token_hash", "expires_at"])
    logger.info("invitation %s sent again by %s", invitation.pk, actor.pk)
    invitation.delivered = mails.send_invitation(invitation, token)
    return invitation


def revoke(actor, invitation):
    """Revoke an invitation: its link stops working. Refused: 403; 409 once accepted or revoked."""
    _require("accounts.manage_users", actor, invitation.organization)
    with transaction.atomic():
        invitation = _locked_invitation(invitation)
        _ensure_open(invitation)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    logger.info("invitation %s revoked by %s", invitation.pk, actor.pk)
    return invitation


def _accept(invitation, user):
    """Inside the transaction: the membership (admin if invited so) and the acceptance."""
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"is_admin": invitation.is_admin}
    )
    if not created and invitation.is_admin and not membership.is_admin:
        membership.is_admin = True
        membership.save(update_fields=["is_admin"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    logger.info("invitation %s accepted by %s", invitation.pk, user.pk)
    return membership


def _ensure_usable(invitation):
    _ensure_open(invitation)
    if invitation.is_expired:
        raise StateConflict(_("This invitation has expired."))


def accept_as_new_user(invitation, *, first_name, last_name, password):
    """Accept for a person without an account: a new user (user name = email) and membership.

    The password must already have passed the password validators (the form). Refused: 409
    when the link no longer works; 422 when an account with this address exists (log in).
    """
    User = get_user_model()
    with transaction.atomic():
        invitation = _locked_invitation(invitation)
        _ensure_usable(invitation)
        email = invitation.email
        if (
            User.objects.filter(email__iexact=email).exists()
            or User.objects.filter(username__iexact=email).exists()
        ):
            raise RuleViolation(
                [_("An account with this email address exists. Please log in to accept.")]
            )
        user = User(username=email.lower(), email=email, first_name=first_name, last_name=last_name)
        user.set_password(password)
        user.save()
        _accept(invitation, user)
    return user


def accept_as_user(invitation, user):
    """Accept for the logged-in ``user`` whose email is the invited address.

    Refused: 409 when the link no longer works; 403 for another address.
    """
    with transaction.atomic():
        invitation = _locked_invitation(invitation)
        _ensure_usable(invitation)
        if not user.email or user.email.lower() != invitation.email.lower():
            raise PermissionDenied(_("This invitation is for another email address."))
        return _accept(invitation, user)


def _admin_count(organization_id):
    return Membership.objects.filter(organization_id=organization_id, is_admin=True).count()


def _locked_members(organization_id):
    """Lock the organisation's memberships (in id order) for a change of admins or members."""
    return list(
        Membership.objects.select_for_update()
        .filter(organization_id=organization_id)
        .order_by("pk")
    )


def _locked_member(membership):
    """The membership, locked with all of its organisation's (409 if it is gone meanwhile)."""
    locked = {m.pk: m for m in _locked_members(membership.organization_id)}
    if membership.pk not in locked:
        raise StateConflict(_("This user no longer belongs to the company."))
    return locked[membership.pk]


def set_admin(actor, membership, is_admin):
    """Grant or withdraw company admin. Refused: 403; 422 for the organisation's last admin."""
    _require("accounts.manage_users", actor, membership.organization)
    with transaction.atomic():
        membership = _locked_member(membership)
        if membership.is_admin and not is_admin and _admin_count(membership.organization_id) == 1:
            raise RuleViolation(
                [_("The company's last admin keeps the right. Name another admin first.")]
            )
        if membership.is_admin != is_admin:
            membership.is_admin = is_admin
            membership.save(update_fields=["is_admin"])
    logger.info("membership %s admin=%s by %s", membership.pk, is_admin, actor.pk)
    return membership


REMOVED, DEACTIVATED, DELETED = "removed", "deactivated", "deleted"


def _belongs_nowhere(user):
    return not (
        user.is_staff or user.is_superuser or user.memberships.exists() or user.groups.exists()
    )


def remove_member(actor, membership):
    """Remove a user from the company.

    Effects: the membership is deleted. A user who then belongs nowhere (no organisation, no
    role, not staff) is deleted, unless they appear in a log (state log, access log) or in
    other records: then they are deactivated instead. Answers ``REMOVED``, ``DEACTIVATED`` or
    ``DELETED``. Refused: 403; 422 for the organisation's last admin.
    """
    _require("accounts.manage_users", actor, membership.organization)
    with transaction.atomic():
        membership = _locked_member(membership)
        if membership.is_admin and _admin_count(membership.organization_id) == 1:
            raise RuleViolation(
                [_("The company's last admin cannot be removed. Name another admin first.")]
            )
        user = get_user_model().objects.select_for_update().get(pk=membership.user_id)
        membership.delete()
        outcome = REMOVED
        if _belongs_nowhere(user):
            outcome = DEACTIVATED
            if not selectors.appears_in_a_log(user):
                try:
                    with transaction.atomic():
                        user.delete()
                    outcome = DELETED
                except ProtectedError:  # other records name the user: keep, deactivated
                    pass
            if outcome == DEACTIVATED:
                user.is_active = False
                user.save(update_fields=["is_active"])
    logger.info("membership %s removed by %s: %s", membership.pk, actor.pk, outcome)
    return outcome


def update_profile(user, *, first_name, last_name, language):
    """Store the user's name and language (the profile is created on demand)."""
    if language not in dict(settings.LANGUAGES):
        raise RuleViolation({"language": [_("Unknown language.")]})
    with transaction.atomic():
        user.first_name = first_name
        user.last_name = last_name
        user.save(update_fields=["first_name", "last_name"])
        Profile.objects.update_or_create(user=user, defaults={"language": language})
    return user


def set_language(user, language):
    """Store the language chosen with the header's switch (ignored for unknown codes)."""
    if language in dict(settings.LANGUAGES):
        Profile.objects.update_or_create(user=user, defaults={"language": language})


def deactivate(users):
    """Deactivate users (the admin's action): they can no longer log in; nothing is deleted."""
    count = users.update(is_active=False)
    logger.info("%s users deactivated", count)
    return count
