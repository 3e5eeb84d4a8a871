"""The office's list of sectors, the application's sector, the reviewer's profile section
(sectors and availability) and the reason for declining an assignment."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from applications.forms import section_form
from funding.errors import RuleViolation
from funding.models import Sector
from reviews import services
from reviews.models import Assignment, ReviewerProfile
from tests import factories, states

pytestmark = pytest.mark.django_db

SECTORS = reverse("review-sectors")
PROFILE = reverse("profile")


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def html(response):
    return response.content.decode()


# ----- sectors -----------------------------------------------------------------------------


def test_the_office_adds_renames_and_deactivates_sectors(client):
    client.force_login(factories.coordinator())
    response = client.post(SECTORS, {"new-name_de": "Gastronomie", "new-name_en": "Catering"})
    assert response.status_code == 302
    sector = Sector.objects.get()
    assert (sector.name_de, sector.name_en, sector.active) == ("Gastronomie", "Catering", True)
    edit = reverse("review-sector-edit", args=[sector.pk])
    prefix = f"sector-{sector.pk}"
    response = client.post(
        edit, {f"{prefix}-name_de": "Gastronomie und Küche", f"{prefix}-name_en": "Catering"}
    )
    assert response.status_code == 302
    sector.refresh_from_db()
    assert (sector.name_de, sector.active) == ("Gastronomie und Küche", False)
    page = html(client.get(SECTORS))
    assert "Gastronomie und Küche" in page
    assert "not offered" in page


def test_a_sector_needs_a_unique_german_name(client):
    Sector.objects.create(name_de="Gastronomie")
    client.force_login(factories.coordinator())
    response = client.post(SECTORS, {"new-name_de": "gastronomie"})
    assert response.status_code == 422
    assert "A sector of this name exists already." in html(response)
    response = client.post(SECTORS, {"new-name_de": "  "})
    assert response.status_code == 422
    assert "Please give the German name." in html(response)
    assert Sector.objects.count() == 1


@pytest.mark.parametrize("role", ["reviewer", "board_member", "applicant"])
def test_only_the_office_keeps_the_sectors(client, role):
    sector = Sector.objects.create(name_de="Gastronomie")
    client.force_login(getattr(factories, role)())
    assert client.get(SECTORS).status_code == 403
    assert client.post(SECTORS, {"new-name_de": "Handel"}).status_code == 403
    edit = reverse("review-sector-edit", args=[sector.pk])
    assert client.post(edit, {f"sector-{sector.pk}-name_de": "X"}).status_code == 403
    assert list(Sector.objects.values_list("name_de", flat=True)) == ["Gastronomie"]


def test_the_project_form_offers_the_active_sectors_and_the_one_chosen():
    active = Sector.objects.create(name_de="Gastronomie")
    retired = Sector.objects.create(name_de="Druckerei", active=False)
    draft = factories.ApplicationFactory()
    form = section_form("project")(instance=draft)
    assert list(form.fields["sector"].queryset) == [active]
    draft.sector = retired
    form = section_form("project")(instance=draft)
    assert list(form.fields["sector"].queryset) == [retired, active]


def test_the_applicant_chooses_a_sector_and_the_page_shows_it(client):
    sector = Sector.objects.create(name_de="Gastronomie", name_en="Catering")
    draft = factories.ApplicationFactory()
    client.force_login(draft.created_by)
    fields = {
        "title": draft.title,
        "sector": sector.pk,
        "purpose": draft.purpose,
        "cost_items": draft.cost_items,
        "eligible_costs": draft.eligible_costs,
        "planned_start": draft.planned_start.isoformat(),
        "version": draft.version,
    }
    url = reverse("application-section", args=[draft.pk, "project"])
    assert client.post(url, fields).status_code == 302
    draft.refresh_from_db()
    assert draft.sector == sector
    page = html(client.get(reverse("application-detail", args=[draft.pk])))
    assert "<dt>Sector</dt><dd>Catering</dd>" in page


def test_submitting_with_a_sector_freezes_its_name():
    """Needs applications.services._plain to store a related object by its name (report)."""
    sector = Sector.objects.create(name_de="Gastronomie")
    application = states.submitted(sector=sector)
    assert application.versions.get().snapshot["sector"] == "Gastronomie"


# ----- the reviewer's profile section ------------------------------------------------------


def test_a_reviewer_keeps_sectors_and_availability_on_the_profile_page(client):
    kitchen = Sector.objects.create(name_de="Gastronomie", name_en="Catering")
    Sector.objects.create(name_de="Druckerei", active=False)
    reviewer = factories.reviewer()
    client.force_login(reviewer)
    page = html(client.get(PROFILE))
    assert "Reviewer profile" in page
    assert "Catering" in page
    assert "Druckerei" not in page
    response = client.post(
        reverse("reviewer-profile"),
        {"sectors": [kitchen.pk], "available_from": "2027-01-15", "note": "Nur vormittags"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PROFILE}#profile-reviewer_profile"
    profile = ReviewerProfile.objects.get(user=reviewer)
    assert list(profile.sectors.all()) == [kitchen]
    assert (profile.available_from, profile.note) == (datetime.date(2027, 1, 15), "Nur vormittags")
    page = html(client.get(PROFILE))
    assert 'value="2027-01-15"' in page
    assert f'value="{kitchen.pk}" id="id_sectors_0" checked' in page


def test_a_sector_no_longer_offered_cannot_be_chosen(client):
    retired = Sector.objects.create(name_de="Druckerei", active=False)
    reviewer = factories.reviewer()
    with pytest.raises(RuleViolation) as refused:
        services.update_reviewer_profile(reviewer, [retired])
    assert refused.value.errors == {"sectors": ["Please choose only sectors from the list."]}
    client.force_login(reviewer)
    response = client.post(reverse("reviewer-profile"), {"sectors": [retired.pk]})
    assert response.status_code == 400
    assert not ReviewerProfile.objects.filter(user=reviewer, sectors=retired).exists()


def test_only_reviewers_have_the_profile_section(client):
    for user in (factories.coordinator(), factories.board_member(), factories.applicant()):
        client.force_login(user)
        assert "Reviewer profile" not in html(client.get(PROFILE))
        assert client.post(reverse("reviewer-profile"), {"note": "x"}).status_code == 403
    assert not ReviewerProfile.objects.exists()


# ----- declining with a reason -------------------------------------------------------------


def test_declining_asks_for_a_reason_and_the_office_sees_it(client):
    application, coordinator, reviewers = states.with_reviewers()
    reviewer = reviewers[0]
    assignment = application.assignments.get(reviewer=reviewer)
    url = reverse("assignment-decline", args=[assignment.pk])
    client.force_login(reviewer)
    page = html(client.get(reverse("assignment-detail", args=[assignment.pk])))
    assert 'name="reason"' in page
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 422
    assert "Please say why you decline the assignment." in html(response)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.OPEN
    response = client.post(url, {"reason": "Ich bin bis März im Urlaub."})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, assignment.decline_reason) == (
        Assignment.Status.DECLINED,
        "Ich bin bis März im Urlaub.",
    )
    assert "Your reason: Ich bin bis März im Urlaub." in html(
        client.get(reverse("assignment-detail", args=[assignment.pk]))
    )
    assert client.post(url, {"reason": "nochmal"}).status_code == 409
    client.force_login(coordinator)
    page = html(client.get(reverse("review-round", args=[application.pk])))
    assert "Reason: Ich bin bis März im Urlaub." in page
    proposal = html(client.get(reverse("review-proposal")))
    assert "Ich bin bis März im Urlaub." in proposal


def test_the_service_refuses_a_blank_reason():
    application, _coordinator, reviewers = states.with_reviewers()
    assignment = application.assignments.get(reviewer=reviewers[0])
    with pytest.raises(RuleViolation) as refused:
        services.decline_assignment(reviewers[0], assignment, reason=" ")
    assert refused.value.errors == {"reason": ["Please say why you decline the assignment."]}
