"""The Django admin: every model opens; application state and records stay read-only."""

import io

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django_fsm_log.models import StateLog

from applications.models import Application, State
from funding.models import DocumentKind, Programme
from notifications.models import Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--no-past", stdout=io.StringIO())  # today only: faster
    Reminder.objects.create(
        key="review_due:1:1:2026-01-01",
        rule="review_due",
        recipient=get_user_model().objects.get(username="gutachter1"),
        claim="00000000-0000-0000-0000-000000000000",
    )
    accounts_records()
    retention_records()


def retention_records():
    """A record offered for deletion (the demo's records are all younger than their periods)."""
    import datetime

    from applications.models import Application, State
    from records.models import RetentionCandidate

    application = Application.objects.filter(state=State.APPROVED).order_by("pk").first()
    RetentionCandidate.objects.create(
        kind=RetentionCandidate.Kind.APPLICATION,
        application=application,
        counts_from=datetime.date(2016, 1, 1),
        due_on=datetime.date(2026, 1, 1),
    )


def accounts_records():
    """What the demo does not make but the admin shows: second factors, login attempts, a
    profile and an invitation (the demo seeds no logins and no invitations)."""
    from axes.models import AccessAttempt, AccessFailureLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import services
    from accounts.models import Profile
    from funding.audit import Action, log_access
    from funding.models import Membership

    User = get_user_model()
    admin_user = User.objects.get(username="admin")
    TOTPDevice.objects.create(user=admin_user, name="default", confirmed=True)
    StaticDevice.objects.create(user=admin_user, name="backup").token_set.create(token="abcd1234")
    attempt = {"username": "antrag", "ip_address": "10.0.0.1", "user_agent": "pytest"}
    AccessAttempt.objects.create(
        **attempt, path_info="/accounts/login/", failures_since_start=1, get_data="", post_data=""
    )
    AccessFailureLog.objects.create(**attempt, path_info="/accounts/login/", locked_out=False)
    Profile.objects.create(user=admin_user, language="de")
    log_access(User.objects.get(username="koordination"), Action.EXPORT, organization_id=1)
    membership = Membership.objects.filter(user__username="antrag").select_related("organization")
    services.invite(
        User.objects.get(username="koordination"), membership.get().organization, "neu@example.org"
    )


@pytest.fixture
def superuser_client(client, demo):
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response):
    """The POST body the admin change form would send, as rendered."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for subform in formset.forms:
            for name in subform.fields:
                value = subform[name].value()
                if value not in (None, False):
                    data[subform.add_prefix(name)] = "on" if value is True else str(value)
    return data


def test_every_registered_model_opens_and_its_changelist_searches(superuser_client):
    """Each model of the admin: its list, its first object's page and a search answer 200.
    (One demo for all of them: seeding it per model took minutes of every test run.)"""
    failed = []
    for model in admin.site._registry:
        label = model._meta.label
        if superuser_client.get(url(model, "changelist")).status_code != 200:
            failed.append(f"{label}: changelist")
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            failed.append(f"{label}: the demo has none to open")
        elif superuser_client.get(url(model, "change", obj.pk)).status_code != 200:
            failed.append(f"{label}: change page")
        response = superuser_client.get(url(model, "changelist"), {"q": "RK-2026 x"})
        if response.status_code != 200:
            failed.append(f"{label}: search")
    assert failed == []
    assert len(admin.site._registry) >= 28


def test_application_list_filters(superuser_client):
    response = superuser_client.get(url(Application, "changelist"), {"state": State.APPROVED})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(
        Application.objects.filter(state=State.APPROVED)
    )


@pytest.mark.parametrize("state", [State.DRAFT, State.APPROVED])
def test_application_page_shows_the_state_read_only(superuser_client, state):
    application = Application.objects.filter(state=state).first()
    response = superuser_client.get(url(Application, "change", application.pk))
    assert response.status_code == 200
    assert "state" not in response.context["adminform"].form.fields
    html = response.content.decode()
    assert 'name="state"' not in html
    with translation.override("de"):
        assert str(State(state).label) in html


def test_decided_application_is_view_only(superuser_client):
    application = Application.objects.get(state=State.APPROVED)
    response = superuser_client.get(url(Application, "change", application.pk))
    assert not response.context["has_change_permission"]
    response = superuser_client.post(
        url(Application, "change", application.pk), {"state": State.DRAFT, "title": "x"}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert application.title != "x"


def test_posting_the_change_form_cannot_change_the_state(superuser_client):
    application = Application.objects.get(state=State.DRAFT)
    logged = StateLog.objects.count()
    change = url(Application, "change", application.pk)
    data = form_data(superuser_client.get(change))
    data.update(state=State.APPROVED, title="Foodtruck mit Lastenrad-Anhänger")

    response = superuser_client.post(change, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert application.title == "Foodtruck mit Lastenrad-Anhänger"
    assert application.version == 3  # created (1), filled in (2), corrected in the admin (3)
    assert StateLog.objects.count() == logged


def test_stale_admin_edit_is_refused(superuser_client):
    application = Application.objects.get(state=State.DRAFT)
    change = url(Application, "change", application.pk)
    data = form_data(superuser_client.get(change))
    Application.objects.filter(pk=application.pk).update(version=application.version + 1)
    data["title"] = "Überschrieben"

    response = superuser_client.post(change, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    application.refresh_from_db()
    assert application.title != "Überschrieben"


def test_programme_required_documents_are_checkboxes(superuser_client):
    programme = Programme.objects.get()
    change = url(Programme, "change", programme.pk)
    response = superuser_client.get(change)
    html = response.content.decode()
    assert html.count('type="checkbox" name="required_documents"') == len(DocumentKind.values)
    data = form_data(response)
    data["required_documents"] = [DocumentKind.FINANCING_PLAN, DocumentKind.BUSINESS_PLAN]

    response = superuser_client.post(change, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    programme.refresh_from_db()
    assert programme.required_documents == [DocumentKind.BUSINESS_PLAN, DocumentKind.FINANCING_PLAN]


def test_records_cannot_be_added_or_deleted(superuser_client):
    from applications.models import ApplicationVersion
    from decisions.models import Decision, DecisionLetter
    from reviews.models import Assignment, Review

    for model in (Application, ApplicationVersion, Decision, DecisionLetter, Assignment, Review):
        assert superuser_client.get(url(model, "add")).status_code == 403
        obj = model._default_manager.first()
        assert superuser_client.get(url(model, "delete", obj.pk)).status_code == 403


def test_new_programme_starts_with_the_default_documents(superuser_client):
    response = superuser_client.get(url(Programme, "add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form["required_documents"].value()) == [
        DocumentKind.BUSINESS_PLAN,
        DocumentKind.FINANCING_PLAN,
        DocumentKind.REGISTER_EXTRACT,
        DocumentKind.RECOGNITION,
        DocumentKind.COOPERATION_AGREEMENT,
    ]
