"""The competent Inklusionsamt of an organisation (``Organization.region``).

Chosen explicitly by the company (never guessed from the postcode): the company form requires
it and preselects nothing; organisations from before it was asked keep "" ("not stated"), still
load, and the form then asks for it. The detail page, the reviewer's page, the admin and the
export show it.
"""

import html
import io
import json
import zipfile

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import translation

from applications import forms
from funding.models import Organization
from records import export
from reviews import services as review_services
from tests import factories, states
from tests.test_migrations import _migrate, _migrate_to_head, migrator  # noqa: F401

COMPANY_FIELDS = forms.OrganizationForm._meta.fields
REQUIRED_EN = "Please choose the competent Inklusionsamt."


def company_url(application):
    return reverse("application-company", args=[application.pk])


def posted(organization, version, **changes):
    """The company form as the page would send it, with ``changes`` typed in."""
    data = {**model_to_dict(organization, fields=COMPANY_FIELDS), **changes}
    if data.pop("non_profit"):
        data["non_profit"] = "on"
    return {**data, "version": version}


def stored(organization):
    fresh = Organization.objects.get(pk=organization.pk)
    return {**model_to_dict(fresh, fields=COMPANY_FIELDS), "version": fresh.version}


def region_options(page):
    """The region select's options as (value, label, selected), in order."""
    select = page.split('name="region"', 1)[1].split("</select>", 1)[0]
    options = []
    for chunk in select.split("<option")[1:]:
        attributes, label = chunk.split(">", 1)
        value = attributes.split('value="', 1)[1].split('"', 1)[0]
        options.append(
            (value, html.unescape(label.split("</option>")[0]), "selected" in attributes)
        )
    return options


@pytest.fixture
def unstated():
    """A draft of a company from before the region was asked (region "")."""
    return factories.ApplicationFactory(organization=factories.OrganizationFactory(region=""))


# ----- the model ---------------------------------------------------------------------------


def test_the_two_regions_are_proper_names_in_every_language():
    for language in ("de", "en"):
        with translation.override(language):
            assert [(value, str(label)) for value, label in Organization.Region.choices] == [
                ("rheinland", "Rheinland"),
                ("westfalen_lippe", "Westfalen-Lippe"),
            ]


@pytest.mark.django_db
def test_a_new_organisation_has_no_region_unless_chosen():
    organization = factories.OrganizationFactory.build(region="")
    organization.full_clean()  # blank is allowed: not stated
    organization.save()
    assert Organization.objects.get(pk=organization.pk).region == ""
    assert Organization().region == ""


def test_an_unknown_region_is_refused():
    organization = factories.OrganizationFactory.build(region="berlin")
    with pytest.raises(ValidationError) as refused:
        organization.full_clean()
    assert list(refused.value.message_dict) == ["region"]


def test_the_field_is_labelled_and_explained():
    field = Organization._meta.get_field("region")
    with translation.override("en"):
        assert str(field.verbose_name) == "competent Inklusionsamt"
        assert str(field.help_text) == (
            "Where the company has its seat: Rheinland (LVR-Inklusionsamt) or Westfalen-Lippe "
            "(LWL-Inklusionsamt)."
        )
    assert field.blank
    assert field.max_length == 20


# ----- the company form --------------------------------------------------------------------


def test_the_form_requires_the_region_and_offers_please_choose_first():
    form = forms.OrganizationForm()
    field = form.fields["region"]
    assert field.required
    with translation.override("en"):
        assert [(value, str(label)) for value, label in field.choices] == [
            ("", "Please choose"),
            ("rheinland", "Rheinland"),
            ("westfalen_lippe", "Westfalen-Lippe"),
        ]
    assert COMPANY_FIELDS.index("region") == COMPANY_FIELDS.index("address") + 1


@pytest.mark.django_db
def test_a_company_without_a_region_loads_and_is_asked_for_it(client, unstated):
    client.force_login(unstated.created_by)
    response = client.get(company_url(unstated))
    assert response.status_code == 200
    options = region_options(response.content.decode())
    assert options == [
        ("", "Bitte wählen", True),
        ("rheinland", "Rheinland", False),
        ("westfalen_lippe", "Westfalen-Lippe", False),
    ]


@pytest.mark.django_db
def test_a_stated_region_is_preselected(client):
    draft = factories.ApplicationFactory(
        organization=factories.OrganizationFactory(region=Organization.Region.WESTFALEN_LIPPE)
    )
    client.force_login(draft.created_by)
    options = region_options(client.get(company_url(draft)).content.decode())
    assert [value for value, _label, selected in options if selected] == ["westfalen_lippe"]


@pytest.mark.django_db
def test_saving_without_a_region_answers_400_and_changes_nothing(client, unstated):
    organization = unstated.organization
    before = stored(organization)
    client.force_login(unstated.created_by)
    response = client.post(
        company_url(unstated),
        posted(organization, 1, name="Ohne Amt gGmbH", region=""),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["region"]
    assert html.escape(REQUIRED_EN) in response.content.decode()
    assert stored(organization) == before


@pytest.mark.django_db
def test_saving_an_unknown_region_answers_400(client, unstated):
    organization = unstated.organization
    before = stored(organization)
    client.force_login(unstated.created_by)
    response = client.post(company_url(unstated), posted(organization, 1, region="berlin"))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["region"]
    assert stored(organization) == before


@pytest.mark.django_db
@pytest.mark.parametrize("region", ["rheinland", "westfalen_lippe"])
def test_choosing_the_region_saves_it_and_raises_the_version(client, unstated, region):
    organization = unstated.organization
    client.force_login(unstated.created_by)
    response = client.post(company_url(unstated), posted(organization, 1, region=region))
    assert response.status_code == 302
    assert stored(organization) == {
        **model_to_dict(organization, fields=COMPANY_FIELDS),
        "region": region,
        "version": 2,
    }


@pytest.mark.django_db
def test_changing_the_region_over_a_stale_version_answers_409(client):
    draft = factories.ApplicationFactory()
    organization = draft.organization
    colleague = factories.applicant(organization=organization)
    client.force_login(draft.created_by)
    first = client.post(company_url(draft), posted(organization, 1, name="Erste gGmbH"))
    assert first.status_code == 302
    after_first = stored(organization)
    client.force_login(colleague)
    response = client.post(
        company_url(draft), posted(organization, 1, region=Organization.Region.WESTFALEN_LIPPE)
    )
    assert response.status_code == 409
    assert after_first["region"] == "rheinland"
    assert stored(organization) == after_first


# ----- where the organisation's data is shown ----------------------------------------------


def company_section(page):
    return page.split('id="company"', 1)[1].split("</section>", 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("region", "shown"),
    [("rheinland", "Rheinland"), ("westfalen_lippe", "Westfalen-Lippe"), ("", "not stated")],
)
def test_the_detail_page_shows_the_competent_inklusionsamt(client, region, shown):
    draft = factories.ApplicationFactory(organization=factories.OrganizationFactory(region=region))
    client.force_login(draft.created_by)
    page = client.get(
        reverse("application-detail", args=[draft.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"<dt>Competent Inklusionsamt</dt><dd>{shown}</dd>" in company_section(page)


@pytest.mark.django_db
def test_the_detail_page_says_not_stated_in_german(client, unstated):
    client.force_login(unstated.created_by)
    page = client.get(reverse("application-detail", args=[unstated.pk])).content.decode()
    assert "<dd>nicht angegeben</dd>" in company_section(page)


@pytest.mark.django_db
def test_the_reviewer_sees_the_region(client):
    application, _coordinator, reviewers = states.in_review(
        organization=factories.OrganizationFactory(region=Organization.Region.WESTFALEN_LIPPE)
    )
    reviewer = reviewers[0]
    assignment = application.assignments.get(reviewer=reviewer)
    review_services.declare_conflict(reviewer, assignment, has_conflict=False)
    client.force_login(reviewer)
    page = client.get(
        reverse("assignment-detail", args=[assignment.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "<dt>Competent Inklusionsamt</dt><dd>Westfalen-Lippe</dd>" in company_section(page)


@pytest.mark.django_db
def test_the_admin_lists_filters_and_edits_the_region(client):
    model_admin = admin.site._registry[Organization]
    assert "region" in model_admin.list_display
    assert "region" in model_admin.list_filter
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    organization = factories.OrganizationFactory(region="")
    client.force_login(operator)
    url = reverse("admin:funding_organization_change", args=[organization.pk])
    page = client.get(url).content.decode()
    assert 'name="region"' in page
    listed = client.get(
        reverse("admin:funding_organization_changelist"), {"region__exact": "westfalen_lippe"}
    )
    assert listed.status_code == 200
    assert organization.name not in listed.content.decode()


@pytest.mark.django_db
def test_the_admin_may_leave_the_region_unstated_and_counts_a_version(client):
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    organization = factories.OrganizationFactory(region="rheinland")
    client.force_login(operator)
    url = reverse("admin:funding_organization_change", args=[organization.pk])
    data = {
        **{k: v for k, v in posted(organization, 1).items() if k != "version"},
        "region": "westfalen_lippe",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    organization.refresh_from_db()
    assert (organization.region, organization.version) == ("westfalen_lippe", 2)
    response = client.post(url, {**data, "region": ""})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.region, organization.version) == ("", 3)


@pytest.mark.django_db
def test_the_export_names_the_region():
    organization = factories.OrganizationFactory(region=Organization.Region.WESTFALEN_LIPPE)
    buffer = io.BytesIO()
    export.write_zip(organization, buffer)
    with zipfile.ZipFile(buffer) as archive:
        data = json.loads(archive.read("organization.json"))
    assert data["organization"]["region"] == "westfalen_lippe"


# ----- the migration -----------------------------------------------------------------------

BEFORE = [("funding", "0007_programme_max_interest_rate")]
AFTER = [("funding", "0008_organization_region")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_organisations_get_no_region(migrator):  # noqa: F811
    apps = _migrate(BEFORE)
    Old = apps.get_model("funding", "Organization")
    old = Old.objects.create(
        name="Alt gGmbH",
        legal_form="ggmbh",
        representative="Ada Beispiel",
        address="Alt gGmbH\nHauptstr. 1\n50667 Köln",
        contact_email="alt@example.org",
    )
    assert "region" not in {field.name for field in Old._meta.fields}
    apps = _migrate(AFTER)
    New = apps.get_model("funding", "Organization")
    assert New.objects.get(pk=old.pk).region == ""
    _migrate_to_head()
    assert Organization.objects.get(pk=old.pk).region == ""
