"""Read queries of the accounts pages."""

import rules
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_fsm_log.models import StateLog

from funding.models import AccessLog, Membership, Organization

from .models import Invitation, Profile, token_hash


def profile_of(user):
    """The user's profile, created on first use."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def stored_language(user):
    """The language the user chose, or None when they never chose one."""
    return Profile.objects.filter(user=user).values_list("language", flat=True).first()


def managed_organization(user, organization_id):
    """The organisation whose users ``user`` may manage, else 404 (also for other companies)."""
    organization = get_object_or_404(Organization, pk=organization_id)
    if not rules.has_perm("accounts.manage_users", user, organization):
        raise Http404
    return organization


def members(organization):
    """The organisation's memberships with their users, admins first, then by name."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-is_admin", "user__last_name", "user__first_name", "user__username")
    )


def pending_invitations(organization):
    """Invitations neither accepted nor revoked (expired ones too: they can be sent again)."""
    return Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("created_by")


def open_invitation_for(organization, email):
    """An invitation of ``email`` into the organisation whose link still works, or None."""
    return (
        Invitation.objects.filter(
            organization=organization,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def invitation_by_token(token):
    """The invitation of a mailed link (any state), else 404."""
    return get_object_or_404(
        Invitation.objects.select_related("organization"), token_hash=token_hash(token)
    )


def membership_in(organization, membership_id):
    return get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organization=organization
    )


def invitation_in(organization, invitation_id):
    return get_object_or_404(Invitation, pk=invitation_id, organization=organization)


def appears_in_a_log(user):
    """The user acted in the state log or the access log: such a user is never deleted."""
    return (
        StateLog.objects.filter(by_id=user.pk).exists()
        or AccessLog.objects.filter(user_id=user.pk).exists()
    )


def admin_organizations(user):
    """The organisations the user is a company admin of."""
    return Organization.objects.filter(memberships__user=user, memberships__is_admin=True)


def organizations_with_counts():
    """Every organisation with its number of members and open invitations (the office's list)."""
    now = timezone.now()
    return Organization.objects.annotate(
        member_count=Count("memberships", distinct=True),
        invitation_count=Count(
            "invitations",
            filter=Q(
                invitations__accepted_at__isnull=True,
                invitations__revoked_at__isnull=True,
                invitations__expires_at__gt=now,
            ),
            distinct=True,
        ),
    ).order_by("name")


def user_with_email(email):
    return get_user_model().objects.filter(email__iexact=email).order_by("pk").first()


def languages_of(users):
    """``{user id: language}`` of the users who have a profile (one query): for mails."""
    ids = [getattr(user, "pk", user) for user in users]
    return dict(Profile.objects.filter(user_id__in=ids).values_list("user_id", "language"))
