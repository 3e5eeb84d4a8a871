"""The company data page: saved through a service with a version check (no lost update)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from applications import forms, services
from funding.errors import StateConflict
from funding.models import Organization
from tests import factories, states

pytestmark = pytest.mark.django_db

STALE = "Someone else saved the company data in the meantime. Please reload it."
COMPANY_FIELDS = forms.OrganizationForm._meta.fields


def german(msgid):
    """The text as the page shows it (German catalogue, HTML-escaped)."""
    with translation.override("de"):
        return escape(gettext(msgid))


def company_url(application):
    return reverse("application-company", args=[application.pk])


def stored(organization):
    """The organisation as the database holds it: company data and version."""
    fresh = Organization.objects.get(pk=organization.pk)
    return {**model_to_dict(fresh, fields=COMPANY_FIELDS), "version": fresh.version}


def posted(organization, version, **changes):
    """The form as the page would send it, with ``changes`` typed in."""
    data = {**model_to_dict(organization, fields=COMPANY_FIELDS), **changes}
    if data.pop("non_profit"):  # an unticked checkbox is not sent at all
        data["non_profit"] = "on"
    return {**data, "version": version}


@pytest.fixture
def draft():
    return factories.ApplicationFactory()


def test_the_page_carries_the_current_version(client, draft):
    client.force_login(draft.created_by)
    response = client.get(company_url(draft))
    assert response.status_code == 200
    assert '<input type="hidden" name="version" value="1">' in response.content.decode()


def test_save_with_the_current_version(client, draft):
    organization = draft.organization
    client.force_login(draft.created_by)
    data = posted(organization, 1, name="Neuer Name gGmbH", representative="Erika Muster")
    response = client.post(company_url(draft), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("application-detail", args=[draft.pk]) + "#company"
    assert stored(organization) == {
        **model_to_dict(organization, fields=COMPANY_FIELDS),
        "name": "Neuer Name gGmbH",
        "representative": "Erika Muster",
        "version": 2,
    }


def test_stale_version_answers_409_and_changes_nothing(client, draft):
    organization = draft.organization
    first = draft.created_by
    second = factories.applicant(organization=organization)
    # Both open the page at version 1; the first saves.
    client.force_login(first)
    response = client.post(company_url(draft), posted(organization, 1, name="Erste gGmbH"))
    assert response.status_code == 302
    after_first = stored(organization)
    assert after_first["version"] == 2
    # The second saves what they typed over version 1: refused, the first edit stays.
    client.force_login(second)
    response = client.post(company_url(draft), posted(organization, 1, name="Zweite gGmbH"))
    assert response.status_code == 409
    html = response.content.decode()
    assert german(STALE) in html
    assert 'value="Zweite gGmbH"' in html  # the form is shown again with what was typed
    assert stored(organization) == after_first


def test_missing_version_answers_409(client, draft):
    organization = draft.organization
    before = stored(organization)
    client.force_login(draft.created_by)
    data = posted(organization, 1, name="Ohne Version gGmbH")
    del data["version"]
    response = client.post(company_url(draft), data)
    assert response.status_code == 409
    assert stored(organization) == before


def test_invalid_data_answers_400_and_changes_nothing(client, draft):
    organization = draft.organization
    before = stored(organization)
    client.force_login(draft.created_by)
    response = client.post(company_url(draft), posted(organization, 1, contact_email="kaputt"))
    assert response.status_code == 400
    assert "contact_email" in response.context["form"].errors
    assert stored(organization) == before


@pytest.mark.parametrize(
    ("actor", "status"),
    [("other_company", 404), ("nobody", 404), ("reviewer", 404), ("coordinator", 403)],
)
def test_others_may_not_save_the_company_data(client, draft, actor, status):
    user = {
        "other_company": factories.applicant,
        "nobody": factories.UserFactory,
        "reviewer": factories.reviewer,
        "coordinator": factories.coordinator,
    }[actor]()
    organization = draft.organization
    before = stored(organization)
    client.force_login(user)
    response = client.post(company_url(draft), posted(organization, 1, name="Fremd gGmbH"))
    assert response.status_code == status
    assert stored(organization) == before


def test_a_submitted_application_answers_409(client):
    application = states.submitted()
    organization = application.organization
    before = stored(organization)
    client.force_login(application.created_by)
    response = client.post(company_url(application), posted(organization, 1, name="Zu spät gGmbH"))
    assert response.status_code == 409
    assert stored(organization) == before


def test_service_saves_only_the_company_fields_and_raises_the_version(draft):
    organization = draft.organization
    data = {**model_to_dict(organization, fields=COMPANY_FIELDS), "name": "Dienst gGmbH"}
    saved = services.update_organization(
        draft.created_by, draft, {**data, "version": 99, "id": 12345}, 1
    )
    assert (saved.pk, saved.version) == (organization.pk, 2)
    assert stored(organization) == {**data, "version": 2}


def test_service_refuses_a_stale_version(draft):
    organization = draft.organization
    before = stored(organization)
    data = model_to_dict(organization, fields=COMPANY_FIELDS)
    with pytest.raises(StateConflict) as refused:
        services.update_organization(draft.created_by, draft, {**data, "name": "Alt"}, 0)
    assert str(refused.value.message) == gettext(STALE)
    assert stored(organization) == before


def test_service_refuses_a_state_that_is_not_editable_before_the_permission():
    application = states.submitted()
    data = model_to_dict(application.organization, fields=COMPANY_FIELDS)
    with pytest.raises(StateConflict):
        services.update_organization(factories.applicant(), application, data, 1)


def test_service_refuses_a_non_member(draft):
    organization = draft.organization
    before = stored(organization)
    data = {**model_to_dict(organization, fields=COMPANY_FIELDS), "name": "Fremd"}
    with pytest.raises(PermissionDenied):
        services.update_organization(factories.applicant(), draft, data, 1)
    assert stored(organization) == before
