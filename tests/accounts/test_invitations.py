"""Invitations into an organisation and the company users page."""

import datetime
import re
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from accounts import services
from accounts.models import Invitation, token_hash
from funding.audit import Action, log_access
from funding.errors import RuleViolation
from funding.models import Membership
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    applicant,
    company_admin,
    coordinator,
    reviewer,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def org():
    return OrganizationFactory()


@pytest.fixture
def admin(org):
    return company_admin(organization=org, first_name="Sabine", last_name="Krämer")


def link_path(mail):
    return re.search(r"https?://[^/\s]+(/accounts/invitation/[^/\s]+/)", mail.body).group(1)


def invite(client, org, email="neu@example.org", is_admin=False):
    data = {"email": email}
    if is_admin:
        data["is_admin"] = "on"
    return client.post(reverse("organization-invite", args=[org.pk]), data)


def test_company_admin_invites_and_the_mail_carries_a_link(client, org, admin, mailoutbox):
    client.force_login(admin)
    response = invite(client, org)
    assert response.status_code == 302
    assert response.url == reverse("organization-users", args=[org.pk])
    invitation = Invitation.objects.get()
    assert (invitation.organization, invitation.email, invitation.created_by) == (
        org,
        "neu@example.org",
        admin,
    )
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=14)
    assert invitation.sent_at is not None
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["neu@example.org"]
    path = link_path(mailoutbox[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == token_hash(token) != token
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert org.name in mailoutbox[0].subject
    assert "&amp;" not in mailoutbox[0].body


def test_new_person_accepts_with_name_and_password(client, org, admin, mailoutbox):
    services.invite(admin, org, "neu@example.org", is_admin=True)
    path = link_path(mailoutbox[0])
    assert client.get(path).status_code == 200

    weak = client.post(
        path, {"first_name": "Nina", "last_name": "Neu", "password1": "123", "password2": "123"}
    )
    assert weak.status_code == 400
    assert weak.context["form"].errors["password1"]
    assert not User.objects.filter(email="neu@example.org").exists()

    response = client.post(
        path,
        {
            "first_name": "Nina",
            "last_name": "Neu",
            "password1": "Lastenrad-Kantine-7",
            "password2": "Lastenrad-Kantine-7",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(email="neu@example.org")
    assert (user.username, user.first_name, user.last_name) == ("neu@example.org", "Nina", "Neu")
    assert user.check_password("Lastenrad-Kantine-7")
    assert Membership.objects.get(user=user, organization=org).is_admin is True
    assert client.session["_auth_user_id"] == str(user.pk)
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None

    client.post(reverse("logout"))
    reused = client.get(path)
    assert reused.status_code == 410
    assert reused.templates[0].name == "accounts/invitation_invalid.html"


def test_existing_user_accepts_while_logged_in(client, org, admin, mailoutbox):
    other_org = OrganizationFactory()
    person = applicant(organization=other_org, email="Person@Example.org")
    services.invite(admin, org, "person@example.org")
    path = link_path(mailoutbox[0])

    anonymous = client.get(path)
    assert anonymous.status_code == 200
    assert anonymous.templates[0].name == "accounts/invitation_login.html"

    client.force_login(person)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    assert set(person.memberships.values_list("organization_id", flat=True)) == {
        org.pk,
        other_org.pk,
    }
    assert Membership.objects.get(user=person, organization=org).is_admin is False


def test_logged_in_user_with_another_address_is_refused(client, org, admin, mailoutbox):
    services.invite(admin, org, "person@example.org")
    client.force_login(applicant(email="else@example.org"))
    response = client.post(link_path(mailoutbox[0]))
    assert response.status_code == 403
    assert not Invitation.objects.get().accepted_at


def test_expired_link_is_refused(client, org, admin, mailoutbox):
    services.invite(admin, org, "neu@example.org")
    path = link_path(mailoutbox[0])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        response = client.get(path)
        assert response.status_code == 410
        response = client.post(
            path,
            {
                "first_name": "N",
                "last_name": "N",
                "password1": "Lastenrad-Kantine-7",
                "password2": "Lastenrad-Kantine-7",
            },
        )
        assert response.status_code == 410
    assert not User.objects.filter(email="neu@example.org").exists()


def test_revoked_link_is_refused(client, org, admin, mailoutbox):
    invitation = services.invite(admin, org, "neu@example.org")
    path = link_path(mailoutbox[0])
    client.force_login(admin)
    response = client.post(reverse("invitation-revoke", args=[org.pk, invitation.pk]))
    assert response.status_code == 302
    client.post(reverse("logout"))
    assert client.get(path).status_code == 410


def test_unknown_link_is_404(client):
    assert client.get(reverse("invitation-accept", args=["nonsense"])).status_code == 404


def test_send_again_makes_a_new_link(client, org, admin, mailoutbox):
    invitation = services.invite(admin, org, "neu@example.org")
    old = link_path(mailoutbox[0])
    client.force_login(admin)
    response = client.post(reverse("invitation-resend", args=[org.pk, invitation.pk]))
    assert response.status_code == 302
    new = link_path(mailoutbox[1])
    assert new != old
    client.post(reverse("logout"))
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_failed_mail_is_reported_and_kept(client, org, admin, mailoutbox):
    client.force_login(admin)
    with mock.patch("accounts.mails.EmailMessage.send", side_effect=OSError("SMTP down")):
        response = client.post(
            reverse("organization-invite", args=[org.pk]),
            {"email": "neu@example.org"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.sent_at is None
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "The invitation to neu@example.org could not be sent. It has been kept: please "
        "check the address and send it again later."
    ]
    # sending again works once the mail server is back
    client.post(reverse("invitation-resend", args=[org.pk, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert len(mailoutbox) == 1


def test_inviting_a_member_or_twice_is_refused(org, admin):
    member = applicant(organization=org, email="da@example.org")
    with pytest.raises(RuleViolation) as refused:
        services.invite(admin, org, member.email)
    assert list(refused.value.errors) == ["email"]
    services.invite(admin, org, "neu@example.org")
    with pytest.raises(RuleViolation):
        services.invite(admin, org, "NEU@example.org")


def test_foreign_organisation_is_404_for_a_company_admin(client, org, admin):
    other = OrganizationFactory()
    client.force_login(admin)
    assert client.get(reverse("organization-users", args=[org.pk])).status_code == 200
    assert client.get(reverse("organization-users", args=[other.pk])).status_code == 404
    assert invite(client, other).status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("make", [applicant, reviewer], ids=lambda f: f.__name__)
def test_plain_members_and_others_get_404(client, org, make):
    user = make(organization=org) if make is applicant else make()
    client.force_login(user)
    assert client.get(reverse("organization-users", args=[org.pk])).status_code == 404
    assert client.get(reverse("organization-list")).status_code == 403


def test_coordinator_manages_any_organisation(client, org, mailoutbox):
    client.force_login(coordinator())
    assert client.get(reverse("organization-list")).status_code == 200
    assert client.get(reverse("organization-users", args=[org.pk])).status_code == 200
    assert invite(client, org, is_admin=True).status_code == 302
    assert Invitation.objects.get().is_admin is True


def test_grant_and_withdraw_admin_but_never_the_last(client, org, admin):
    member = applicant(organization=org)
    membership = Membership.objects.get(user=member)
    own = Membership.objects.get(user=admin)
    client.force_login(admin)
    url = reverse("member-admin", args=[org.pk, own.pk])
    response = client.post(url, {"is_admin": "0"})
    assert response.status_code == 422
    own.refresh_from_db()
    assert own.is_admin

    client.post(reverse("member-admin", args=[org.pk, membership.pk]), {"is_admin": "1"})
    membership.refresh_from_db()
    assert membership.is_admin
    assert client.post(url, {"is_admin": "0"}).status_code == 302
    own.refresh_from_db()
    assert not own.is_admin


def test_last_admin_cannot_be_removed(client, org, admin):
    client.force_login(coordinator())
    own = Membership.objects.get(user=admin)
    response = client.post(reverse("member-remove", args=[org.pk, own.pk]))
    assert response.status_code == 422
    assert Membership.objects.filter(pk=own.pk).exists()


def test_removing_a_member_who_belongs_elsewhere_keeps_the_user(org, admin):
    member = applicant(organization=org)
    MembershipFactory(user=member)
    outcome = services.remove_member(admin, Membership.objects.get(user=member, organization=org))
    assert outcome == services.REMOVED
    member.refresh_from_db()
    assert member.is_active


def test_removing_an_unlogged_member_deletes_the_user(org, admin):
    member = applicant(organization=org)
    outcome = services.remove_member(admin, Membership.objects.get(user=member))
    assert outcome == services.DELETED
    assert not User.objects.filter(pk=member.pk).exists()


def test_removing_a_member_in_the_access_log_deactivates(client, org, admin):
    member = applicant(organization=org)
    log_access(member, Action.EXPORT, organization_id=org.pk)
    client.force_login(admin)
    membership = Membership.objects.get(user=member)
    response = client.post(reverse("member-remove", args=[org.pk, membership.pk]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active is False
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_removing_a_member_in_the_state_log_deactivates(org, admin):
    member = applicant(organization=org)
    StateLog.objects.create(by=member, state="submitted", transition="submit", content_object=org)
    outcome = services.remove_member(admin, Membership.objects.get(user=member))
    assert outcome == services.DEACTIVATED
    assert User.objects.get(pk=member.pk).is_active is False


def test_company_admin_item_on_the_start_page(client, org, admin):
    client.force_login(admin)
    response = client.get(reverse("home"))
    actions = [a for panel in response.context["panels"] for a in panel["actions"]]
    assert reverse("organization-users", args=[org.pk]) in [a.url for a in actions]
    client.force_login(applicant(organization=org))
    response = client.get(reverse("home"))
    actions = [a for panel in response.context["panels"] for a in panel["actions"]]
    assert reverse("organization-users", args=[org.pk]) not in [a.url for a in actions]


def test_invitation_service_refuses_without_permission(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.invite(applicant(organization=org), org, "x@example.org")
    with pytest.raises(PermissionDenied):
        services.invite(UserFactory(), org, "x@example.org")
