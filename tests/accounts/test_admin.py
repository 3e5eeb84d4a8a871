"""The user admin: users named in a log are never deleted, only deactivated."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_fsm_log.models import StateLog

from accounts.models import Invitation, Profile
from funding.audit import Action, log_access
from tests.factories import OrganizationFactory, UserFactory, company_admin

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_user_in_the_access_log_cannot_be_deleted(admin_client):
    user = UserFactory()
    log_access(user, Action.EXPORT, organization_id=1)
    response = admin_client.get(reverse("admin:auth_user_delete", args=[user.pk]))
    assert response.status_code == 403
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=user.pk).exists()


def test_user_in_the_state_log_cannot_be_deleted(admin_client):
    user = UserFactory()
    StateLog.objects.create(
        by=user, state="submitted", transition="submit", content_object=OrganizationFactory()
    )
    response = admin_client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_user_without_log_can_be_deleted(admin_client):
    user = UserFactory()
    response = admin_client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_deactivate_action(admin_client):
    users = [UserFactory(), UserFactory()]
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [u.pk for u in users]},
    )
    assert response.status_code == 302
    assert list(
        User.objects.filter(pk__in=[u.pk for u in users]).values_list("is_active", flat=True)
    ) == [
        False,
        False,
    ]


def test_invitation_admin_is_view_only(admin_client):
    org = OrganizationFactory()
    admin = company_admin(organization=org)
    from accounts import services

    invitation = services.invite(admin, org, "neu@example.org")
    change = reverse("admin:accounts_invitation_change", args=[invitation.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.get(reverse("admin:accounts_invitation_add")).status_code == 403
    assert not admin_client.get(change).context["has_change_permission"]
    Profile.objects.create(user=admin, language="en")
    assert (
        admin_client.get(
            reverse("admin:accounts_profile_change", args=[admin.profile.pk])
        ).status_code
        == 200
    )
    assert Invitation.objects.count() == 1
