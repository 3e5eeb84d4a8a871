"""The programme settings page: its registry of sections, who opens it, the sections reviews
adds (the scoring rubric, the review settings) and the way in from the start page."""

from decimal import Decimal

import pytest
import rules
from django.urls import reverse

from funding import programme_settings
from funding.panels import Action
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SETTINGS = {
    "section": "review",
    "reviews_required": "3",
    "review_period_days": "14",
    "review_cap": "4",
    "disagreement_threshold": "1.0",
}


@pytest.fixture
def programme():
    return factories.ProgrammeFactory(name="Fonds Nord", required_documents=[])


def url(programme):
    return reverse("programme-settings", args=[programme.pk])


# ----- the registry ------------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test (the apps' sections come back afterwards)."""
    monkeypatch.setattr(programme_settings, "_sections", {})
    return programme_settings


def test_sections_come_in_order_and_a_section_may_stay_away(registry, rf):
    registry.add_section("b", "B", "b.html", lambda request, programme: {"x": 1}, order=20)
    registry.add_section("a", "A", "a.html", lambda request, programme: {"y": 2}, order=10)
    registry.add_section("hidden", "H", "h.html", lambda request, programme: None, order=5)
    registry.add_section("plain", "P", "p.html", order=30)
    result = registry.sections(rf.get("/"), programme=None)
    assert [(section.key, context) for section, context in result] == [
        ("a", {"y": 2}),
        ("b", {"x": 1}),
        ("plain", {}),
    ]
    replaced = registry.sections(rf.get("/"), None, replaced={"b": {"form": "bound"}})
    assert [context for _section, context in replaced] == [{"y": 2}, {"form": "bound"}, {}]
    assert registry.get_section("a").template == "a.html"
    assert registry.get_section("nothing") is None


def test_adding_a_key_again_replaces_the_section(registry, rf):
    registry.add_section("a", "A", "a.html", order=10)
    registry.add_section("a", "A2", "a2.html", order=10)
    assert [section.title for section, _c in registry.sections(rf.get("/"), None)] == ["A2"]


# ----- the page ----------------------------------------------------------------------------


def test_the_coordination_office_sees_the_sections(client, programme):
    client.force_login(factories.coordinator())
    response = client.get(url(programme))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Settings: Fonds Nord</h1>" in page
    assert [section.key for section, _html in response.context["sections"]] == [
        "rubric",
        "review",
        "reminders",
    ]
    assert 'id="section-rubric-heading">Scoring rubric</h2>' in page
    assert 'id="section-review-heading">Expert review</h2>' in page
    assert "Economic viability" in page  # the current rubric's criteria
    assert "1 – insufficient; 2 – weak; 3 – satisfactory; 4 – good; 5 – very good" in page
    assert reverse("rubric-edit", args=[programme.pk]) in page
    assert 'name="review_cap" value="5"' in page
    assert 'name="disagreement_threshold" value="1.5"' in page


def test_only_the_coordination_office_opens_the_settings(client, programme):
    for user in (factories.reviewer(), factories.board_member(), factories.UserFactory()):
        assert not rules.has_perm("funding.manage_programme", user, programme)
        client.force_login(user)
        assert client.get(url(programme)).status_code == 403
        assert client.post(url(programme), SETTINGS).status_code == 403
    assert rules.has_perm("funding.manage_programme", factories.coordinator(), programme)
    client.logout()
    response = client.get(url(programme))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    programme.refresh_from_db()
    assert programme.review_cap == 5


def test_an_unknown_programme_answers_404(client):
    client.force_login(factories.coordinator())
    assert client.get(reverse("programme-settings", args=[999999])).status_code == 404


def test_the_review_settings_are_saved(client, programme):
    client.force_login(factories.coordinator())
    response = client.post(url(programme), SETTINGS)
    assert response.status_code == 302
    assert response["Location"] == url(programme) + "#section-review"
    programme.refresh_from_db()
    assert (
        programme.reviews_required,
        programme.review_period_days,
        programme.review_cap,
        programme.disagreement_threshold,
    ) == (3, 14, 4, Decimal("1.0"))
    page = client.get(response["Location"]).content.decode()
    assert "The review settings have been saved." in page


def test_unreadable_review_settings_answer_400_and_keep_the_input(client, programme):
    client.force_login(factories.coordinator())
    response = client.post(
        url(programme), {**SETTINGS, "review_cap": "0", "review_period_days": "x"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'name="review_cap" value="0"' in page
    assert 'id="id_review_period_days_error"' in page
    programme.refresh_from_db()
    assert programme.review_cap == 5


def test_review_settings_the_rules_refuse_answer_422_beside_the_field(client, programme):
    client.force_login(factories.coordinator())
    response = client.post(
        url(programme), {**SETTINGS, "disagreement_threshold": "7.5", "review_cap": "0"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Please give a number of points from 0 to 4." in page
    assert "Please give a whole number of at least 1." in page
    assert 'id="id_disagreement_threshold_error"' in page
    assert 'id="id_review_cap_error"' in page
    programme.refresh_from_db()
    assert (programme.disagreement_threshold, programme.review_cap) == (Decimal("1.5"), 5)


def test_a_post_to_an_unknown_section_answers_400(client, programme):
    client.force_login(factories.coordinator())
    assert client.post(url(programme), {"section": "nothing"}).status_code == 400
    assert client.post(url(programme), {"section": "rubric"}).status_code == 400  # no form


# ----- the way in --------------------------------------------------------------------------


def test_the_start_page_leads_the_office_to_each_programme(client, programme):
    other = factories.ProgrammeFactory(name="Fonds Ahorn")
    coordinator = factories.coordinator()
    assert programme_settings.start_page_actions(coordinator) == [
        Action("Settings: Fonds Ahorn", url(other)),
        Action("Settings: Fonds Nord", url(programme)),
    ]
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{url(programme)}">Settings: Fonds Nord</a>' in page
    for user in (factories.reviewer(), factories.board_member()):
        assert programme_settings.start_page_actions(user) == []
        client.force_login(user)
        assert url(programme) not in client.get(reverse("home")).content.decode()
