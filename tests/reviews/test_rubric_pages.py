"""The rubric's page (the coordination office edits it) and the review form against it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reviews import selectors, services
from reviews.models import Review, Rubric
from tests import factories, states

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FIELDS = (
    "key",
    "name_de",
    "name_en",
    "description_de",
    "description_en",
    "weight",
    "kind",
    "labels_de",
    "labels_en",
)
LABELS_DE = "unzureichend\nmangelhaft\nbefriedigend\ngut\nsehr gut"
LABELS_EN = "insufficient\nweak\nsatisfactory\ngood\nvery good"


def criterion_row(key, order, weight="1", kind="required", delete=False, **fields):
    row = {
        "key": key,
        "name_de": f"{key} (de)",
        "name_en": f"{key} (en)",
        "description_de": "",
        "description_en": "",
        "weight": weight,
        "kind": kind,
        "labels_de": LABELS_DE,
        "labels_en": LABELS_EN,
        "ORDER": str(order),
        **fields,
    }
    if delete:
        row["DELETE"] = "on"
    return row


def formset_data(rows, initial=0):
    data = {
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": str(initial),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"criteria-{index}-{name}"] = value
    return data


@pytest.fixture
def programme():
    return factories.ProgrammeFactory(required_documents=[])


def url(programme):
    return reverse("rubric-edit", args=[programme.pk])


def test_the_page_shows_the_current_rubric_as_a_form(client, programme):
    client.force_login(factories.coordinator())
    response = client.get(url(programme))
    assert response.status_code == 200
    page = response.content.decode()
    formset = response.context["formset"]
    assert formset.total_form_count() == 6  # five criteria and one to add
    assert [form.initial.get("key") for form in formset] == [
        "viability",
        "employment",
        "cooperation",
        "risk",
        "management",
        None,
    ]
    assert formset.forms[0].initial["labels_de"] == LABELS_DE
    assert formset.forms[3].initial["ORDER"] == 4
    assert "No review uses version 1 yet: saving changes it directly." in page
    assert 'value="Wirtschaftliche Tragfähigkeit"' in page


def test_only_the_coordination_office_opens_the_rubric(client, programme):
    for user in (factories.reviewer(), factories.board_member(), factories.UserFactory()):
        client.force_login(user)
        assert client.get(url(programme)).status_code == 403
        assert client.post(url(programme), formset_data([])).status_code == 403
    client.logout()
    response = client.get(url(programme))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert selectors.current_rubric(programme).criteria.count() == 5


def test_add_change_remove_and_reorder_criteria(client, programme):
    client.force_login(factories.coordinator())
    rows = [
        criterion_row("viability", 2, weight="2"),
        criterion_row("employment", 9, delete=True),
        criterion_row("risk", 1, kind="optional", labels_de="", labels_en=""),
        criterion_row(
            "site_visit",
            3,
            kind="informational",
            name_de="Vor-Ort-Besuch empfohlen",
            description_en="Would you visit?",
        ),
    ]
    response = client.post(url(programme), formset_data(rows, initial=3))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("programme-settings", args=[programme.pk]) + "#section-rubric"
    )
    rubric = Rubric.objects.get(programme=programme)  # in place: still one version
    assert rubric.version == 1
    assert list(rubric.criteria.values_list("position", "key", "weight", "kind", "name_de")) == [
        (0, "risk", Decimal("1.00"), "optional", "risk (de)"),
        (1, "viability", Decimal("2.00"), "required", "viability (de)"),
        (2, "site_visit", Decimal("1.00"), "informational", "Vor-Ort-Besuch empfohlen"),
    ]
    risk, viability, visit = rubric.criteria.all()
    assert risk.labels == []
    assert viability.labels[0] == {"value": 1, "de": "unzureichend", "en": "insufficient"}
    assert visit.description_en == "Would you visit?"
    page = client.get(response["Location"]).content.decode()
    assert "The scoring rubric has been saved." in page


def test_a_change_after_a_review_is_a_new_version(client, programme):
    application, coordinator, (first, _second) = states.in_review(programme=programme)
    review = states.review(first, application)
    client.force_login(coordinator)
    assert "Reviews use version 1. Saving creates version 2" in (
        client.get(url(programme)).content.decode()
    )
    response = client.post(url(programme), formset_data([criterion_row("overall", 1)]))
    assert response.status_code == 302
    assert [r.version for r in selectors.rubric_versions(programme)] == [2, 1]
    review.refresh_from_db()
    assert review.rubric.version == 1
    page = client.get(response["Location"]).content.decode()
    assert "the rubric has been saved as version 2; those reviews keep theirs." in page


def test_the_rubric_rules_are_shown_beside_the_fields(client, programme):
    client.force_login(factories.coordinator())
    rows = [
        criterion_row("same", 1),
        criterion_row("same", 2, labels_en=""),
    ]
    response = client.post(url(programme), formset_data(rows))
    assert response.status_code == 422
    formset = response.context["formset"]
    second = formset.forms[1]
    assert second.errors == {
        "key": ["Each criterion needs its own key."],
        "labels_de": ["Please label all five points in German and English, or none."],
    }
    assert selectors.current_rubric(programme).criteria.count() == 5
    response = client.post(
        url(programme), formset_data([criterion_row("only", 1, kind="informational")])
    )
    assert response.status_code == 422
    assert "A rubric needs at least one counted criterion." in response.content.decode()


def test_an_unreadable_rubric_form_answers_400_and_keeps_the_input(client, programme):
    client.force_login(factories.coordinator())
    rows = [criterion_row("mine", 1, weight="viel", name_de="Mein Kriterium")]
    response = client.post(url(programme), formset_data(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Mein Kriterium"' in page
    assert response.context["formset"].forms[0].errors["weight"] == ["Enter a number."]
    rows = [criterion_row("mine", 1, labels_de="eins\nzwei")]
    response = client.post(url(programme), formset_data(rows))
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors == {
        "labels_de": ["Please write five lines, or none."]
    }


# ----- the review form against the rubric ---------------------------------------------------


def rubric_with_weights(programme):
    return services.save_rubric(
        factories.coordinator(),
        programme,
        [
            {
                "key": "viability",
                "name_de": "Tragfähigkeit",
                "name_en": "Viability",
                "weight": Decimal("3"),
                "kind": "required",
                "labels": [],
            },
            {
                "key": "employment",
                "name_de": "Beschäftigung",
                "name_en": "Employment",
                "weight": Decimal("1"),
                "kind": "required",
                "labels": [],
            },
            {
                "key": "visit",
                "name_de": "Vor-Ort-Besuch empfohlen",
                "name_en": "Site visit recommended",
                "weight": Decimal("1"),
                "kind": "informational",
                "labels": [],
            },
        ],
    )


def test_the_reviewer_scores_against_the_rubric_in_the_form(client, programme):
    rubric = rubric_with_weights(programme)
    application, _coordinator, (first, _second) = states.in_review(programme=programme)
    assignment = application.assignments.get(reviewer=first)
    services.declare_conflict(first, assignment, has_conflict=False)
    client.force_login(first)
    page = client.get(reverse("assignment-detail", args=[assignment.pk])).content.decode()
    assert "Site visit recommended" in page
    assert "Shown, not counted." in page
    assert "Your confidence in this assessment" in page
    assert f'name="rubric" value="{rubric.pk}"' in page
    data = {
        "rubric": str(rubric.pk),
        "score_viability": "5",
        "score_employment": "1",
        "score_visit": "",
        "confidence": "medium",
        "recommendation": "approve",
        "comment": "Gewichtet.",
    }
    response = client.post(reverse("review-form", args=[assignment.pk]), data)
    assert response.status_code == 302
    review = Review.objects.get(assignment=assignment)
    assert (review.rubric, review.confidence, review.total_score) == (
        rubric,
        "medium",
        Decimal("4.00"),  # (3·5 + 1·1) / 4
    )
    assert dict(review.scores.values_list("criterion__key", "value")) == {
        "viability": 5,
        "employment": 1,
    }
    response = client.get(reverse("assignment-detail", args=[assignment.pk]))
    assert "Your total (weighted mean): 4.0 / 5." in response.content.decode()
    form = response.context["review_form"]
    assert (form["score_viability"].value(), form["confidence"].value()) == (5, "medium")
    # The coordination office's round page shows the review with its points.
    client.force_login(factories.coordinator())
    page = client.get(reverse("review-round", args=[application.pk])).content.decode()
    assert "<dt>Total (weighted mean)</dt><dd>4.0 / 5</dd>" in page
    assert "<dt>Viability</dt><dd>5 / 5</dd>" in page
    assert "<dt>Employment</dt><dd>1 / 5</dd>" in page
    assert "<dt>Confidence</dt><dd>medium</dd>" in page


def test_the_form_speaks_the_readers_language(client, programme):
    application, _coordinator, (first, _second) = states.in_review(programme=programme)
    assignment = application.assignments.get(reviewer=first)
    services.declare_conflict(first, assignment, has_conflict=False)
    client.force_login(first)
    detail = reverse("assignment-detail", args=[assignment.pk])
    english = client.get(detail).content.decode()
    assert "1 – insufficient" in english
    assert "Economic viability" in english
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    german = client.get(detail).content.decode()
    assert "1 – unzureichend" in german
    assert "Wirtschaftliche Tragfähigkeit" in german


def test_a_missing_score_or_confidence_is_refused_beside_the_field(client, programme):
    application, _coordinator, (first, _second) = states.in_review(programme=programme)
    assignment = application.assignments.get(reviewer=first)
    services.declare_conflict(first, assignment, has_conflict=False)
    client.force_login(first)
    data = {**states.REVIEW, "comment": "Mein getippter Text."}
    del data["confidence"], data["score_risk"]
    response = client.post(reverse("review-form", args=[assignment.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_score_risk_error"' in page
    assert 'id="id_confidence_error"' in page
    assert "Mein getippter Text." in page
    assert not Review.objects.exists()


def test_a_form_of_a_replaced_rubric_answers_409(client, programme):
    application, coordinator, (first, second) = states.in_review(programme=programme)
    old = selectors.current_rubric(programme)
    states.review(second, application)  # v1 in use
    rubric_with_weights(programme)  # v2
    assignment = application.assignments.get(reviewer=first)
    services.declare_conflict(first, assignment, has_conflict=False)
    client.force_login(first)
    data = {**states.REVIEW, "rubric": str(old.pk)}  # the form as shown before the change
    response = client.post(reverse("review-form", args=[assignment.pk]), data)
    assert response.status_code == 409
    assert "The scoring rubric has changed in the meantime." in response.content.decode()
    assert not Review.objects.filter(assignment=assignment).exists()
