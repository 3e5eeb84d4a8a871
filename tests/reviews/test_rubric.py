"""The scoring rubric: the total (weighted mean), the rules of scores and criteria, reviews
written against a rubric, versions, the default rubric of a new programme, the review form."""

import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from funding.errors import RuleViolation, StateConflict
from reviews import forms, selectors, services
from reviews import rubric as scoring
from reviews.models import Criterion, Review, Rubric, Score
from tests import factories, states

pytestmark = pytest.mark.usefixtures("english")

LABELS = scoring.DEFAULT_LABELS


def criterion(key, weight="1", kind="required", **fields):
    """An unsaved criterion: the pure functions need no database."""
    return Criterion(key=key, weight=Decimal(weight), kind=kind, **fields)


# ----- the total: pure ---------------------------------------------------------------------


def test_equal_weights_give_the_plain_mean():
    criteria = [criterion(key) for key in ("a", "b", "c", "d", "e")]
    total = scoring.weighted_total(criteria, {"a": 4, "b": 5, "c": 4, "d": 3, "e": 4})
    assert total == Decimal("4.00")  # 20 / 5
    assert str(total) == "4.00"


def test_differing_weights_weigh_the_points():
    criteria = [criterion("a", "2"), criterion("b", "1"), criterion("c", "0.5")]
    # (2·5 + 1·2 + 0.5·4) / 3.5 = 14 / 3.5 = 4
    assert scoring.weighted_total(criteria, {"a": 5, "b": 2, "c": 4}) == Decimal("4.00")
    # (2·1 + 1·5 + 0.5·5) / 3.5 = 9.5 / 3.5 = 2.714… → 2.71
    assert scoring.weighted_total(criteria, {"a": 1, "b": 5, "c": 5}) == Decimal("2.71")


def test_the_total_rounds_half_up_to_cents():
    criteria = [criterion("a", "1"), criterion("b", "2")]
    assert scoring.weighted_total(criteria, {"a": 4, "b": 5}) == Decimal("4.67")  # 14 / 3
    criteria = [criterion("a", "3"), criterion("b", "5")]
    # (3·1 + 5·2) / 8 = 1.625 → 1.63 (half up, not to even)
    assert scoring.weighted_total(criteria, {"a": 1, "b": 2}) == Decimal("1.63")


def test_an_optional_criterion_counts_only_where_given():
    criteria = [criterion("a", "1"), criterion("b", "3", "optional")]
    assert scoring.weighted_total(criteria, {"a": 2}) == Decimal("2.00")
    assert scoring.weighted_total(criteria, {"a": 2, "b": 4}) == Decimal("3.50")  # 14 / 4


def test_an_informational_criterion_never_counts():
    criteria = [criterion("a"), criterion("b"), criterion("visit", "5", "informational")]
    assert scoring.weighted_total(criteria, {"a": 3, "b": 4, "visit": 1}) == Decimal("3.50")
    assert scoring.weighted_total(criteria, {"a": 3, "b": 4}) == Decimal("3.50")


def test_without_a_counted_score_there_is_no_total():
    criteria = [criterion("a", kind="optional"), criterion("v", kind="informational")]
    assert scoring.weighted_total(criteria, {"v": 5}) is None
    assert scoring.weighted_total([], {}) is None


def test_keys_outside_the_rubric_are_ignored():
    assert scoring.weighted_total([criterion("a")], {"a": 2, "zzz": 5}) == Decimal("2.00")


# ----- the rules of scores: pure -----------------------------------------------------------


def test_a_required_criterion_needs_points_from_1_to_5():
    criteria = [criterion("a"), criterion("b"), criterion("c"), criterion("d"), criterion("e")]
    scores = {"a": 0, "b": 6, "c": "4", "d": True}  # e is missing
    message = ["Please give a score from 1 to 5."]
    assert scoring.score_violations(criteria, scores) == {
        "score_a": message,
        "score_b": message,
        "score_c": message,
        "score_d": message,
        "score_e": message,
    }
    assert scoring.score_violations(criteria, dict.fromkeys("abcde", 1)) == {}
    assert scoring.score_violations(criteria, dict.fromkeys("abcde", 5)) == {}


def test_optional_and_informational_criteria_may_be_left_out_but_not_mis_scored():
    criteria = [
        criterion("a"),
        criterion("o", kind="optional"),
        criterion("i", kind="informational"),
    ]
    assert scoring.score_violations(criteria, {"a": 3}) == {}
    assert scoring.score_violations(criteria, {"a": 3, "o": 7, "i": 0}) == {
        "score_o": ["Please give a score from 1 to 5."],
        "score_i": ["Please give a score from 1 to 5."],
    }


def test_scores_are_read_from_the_field_names():
    criteria = [criterion("a"), criterion("o", kind="optional")]
    data = {"score_a": 3, "score_o": None, "score_x": 4, "comment": "…"}
    assert scoring.scores_from(criteria, data) == {"a": 3}
    assert scoring.scores_from(criteria, {"score_o": ""}) == {}


def test_point_choices_are_labelled_in_the_language():
    assert scoring.point_choices(LABELS, "de")[0] == (1, "1 – unzureichend")
    assert scoring.point_choices(LABELS, "en")[4] == (5, "5 – very good")
    assert scoring.point_choices([], "de") == [(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")]


# ----- the rules of criteria: pure ---------------------------------------------------------


def valid(**overrides):
    return {**scoring.default_criteria()[0], **overrides}


def test_the_default_criteria_are_valid():
    assert scoring.criteria_violations(scoring.default_criteria()) == {}


def test_criteria_rules_name_each_field():
    criteria = [
        valid(key="Bad Key", name_de="", weight=Decimal("0")),
        valid(key="same", name_en=" ", kind="sometimes"),
        valid(key="same", labels=[{"value": 1, "de": "eins", "en": "one"}]),
        valid(key="ok", weight=Decimal("100")),
    ]
    assert scoring.criteria_violations(criteria) == {
        "criteria.0.key": ["Please use lower-case letters, digits and underscores only."],
        "criteria.0.name_de": ["Please give a name."],
        "criteria.0.weight": ["Please give a weight from 0.01 to 99.99."],
        "criteria.1.name_en": ["Please give a name."],
        "criteria.1.kind": ["Please choose a kind."],
        "criteria.2.key": ["Each criterion needs its own key."],
        "criteria.2.labels": ["Please label all five points in German and English, or none."],
        "criteria.3.weight": ["Please give a weight from 0.01 to 99.99."],
    }


def test_a_rubric_needs_a_counted_criterion():
    criteria = [valid(kind="informational"), valid(key="b", kind="informational", labels=[])]
    assert scoring.criteria_violations(criteria) == {
        None: ["A rubric needs at least one counted criterion."]
    }
    assert scoring.criteria_violations([]) == {
        None: ["A rubric needs at least one counted criterion."]
    }


# ----- the default rubric of a programme ----------------------------------------------------


@pytest.mark.django_db
def test_a_new_programme_gets_the_default_rubric_as_version_1():
    programme = factories.ProgrammeFactory()
    rubric = Rubric.objects.get(programme=programme)
    assert rubric.version == 1
    migration = importlib.import_module("reviews.migrations.0004_default_rubric")
    rows = list(rubric.criteria.values_list("position", "key", "name_de", "name_en", "weight"))
    assert rows == [
        (position, key, de, en, Decimal("1"))
        for position, (key, _field, de, en) in enumerate(migration.CRITERIA)
    ]
    assert set(rubric.criteria.values_list("kind", flat=True)) == {"required"}
    assert [c.labels for c in rubric.criteria.all()] == [migration.LABELS] * 5
    # Saving the programme again adds nothing.
    programme.name = "Umbenannt"
    programme.save()
    assert Rubric.objects.filter(programme=programme).count() == 1
    assert selectors.current_rubric(programme) == rubric


@pytest.mark.django_db
def test_the_default_rubric_is_created_once():
    programme = factories.ProgrammeFactory()
    assert services.create_default_rubric(programme) is None
    assert Criterion.objects.filter(rubric__programme=programme).count() == 5


# ----- reviews against the rubric ----------------------------------------------------------


def custom_criteria():
    """Differing weights, an optional and an informational criterion."""
    return [
        valid(key="viability", weight=Decimal("2")),
        valid(key="employment", weight=Decimal("1.5")),
        valid(key="extra", weight=Decimal("1"), kind="optional", labels=[]),
        valid(key="visit", name_de="Vor-Ort-Besuch empfohlen", kind="informational"),
    ]


def declared(application, reviewer):
    """The reviewer's assignment, with no conflict declared (as ``tests.states.review``)."""
    assignment = application.assignments.get(reviewer=reviewer)
    services.declare_conflict(reviewer, assignment, has_conflict=False)
    return assignment


@pytest.mark.django_db
def test_a_review_writes_its_scores_rubric_confidence_and_total():
    application, _coordinator, (first, _second) = states.in_review()
    review = states.review(first, application)
    rubric = Rubric.objects.get(programme=application.programme)
    assert review.rubric == rubric
    assert review.confidence == "high"
    assert review.total_score == Decimal("4.00")
    assert review.total == Decimal("4.00")
    scores = dict(review.scores.values_list("criterion__key", "value"))
    assert scores == {"viability": 4, "employment": 5, "cooperation": 4, "risk": 3, "management": 4}
    assert Review.objects.get(pk=review.pk).total_score == Decimal("4.00")
    # the five fixed score columns of before the rubric are gone
    assert not {f.name for f in Review._meta.get_fields()} & {"score_viability", "score_risk"}


@pytest.mark.django_db
def test_weights_optional_and_informational_criteria_in_a_review():
    application, coordinator, (first, second) = states.in_review()
    services.save_rubric(coordinator, application.programme, custom_criteria())
    data = {
        "score_viability": 5,
        "score_employment": 2,
        "score_visit": 1,
        "confidence": "low",
        "recommendation": "approve_with_conditions",
        "comment": "Mit Auflagen.",
    }
    assignment = declared(application, first)
    review = services.submit_review(first, assignment, data)
    # (2·5 + 1.5·2) / 3.5 = 13 / 3.5 = 3.714… (extra not given, visit not counted)
    assert review.total_score == Decimal("3.71")
    assert dict(review.scores.values_list("criterion__key", "value")) == {
        "viability": 5,
        "employment": 2,
        "visit": 1,
    }
    # With the optional criterion: (10 + 3 + 1·5) / 4.5 = 4
    review = services.submit_review(first, assignment, {**data, "score_extra": 5})
    assert review.total_score == Decimal("4.00")
    assert Score.objects.filter(review=review).count() == 4
    # Leaving the optional one out again removes its score.
    review = services.submit_review(first, assignment, data)
    assert not review.scores.filter(criterion__key="extra").exists()
    assert review.total_score == Decimal("3.71")


@pytest.mark.django_db
def test_a_review_is_refused_with_the_rubric_rules_by_field():
    application, coordinator, (first, _second) = states.in_review()
    services.save_rubric(coordinator, application.programme, custom_criteria())
    assignment = declared(application, first)
    data = {"score_viability": 6, "score_extra": 0, "recommendation": "approve", "comment": "x"}
    with pytest.raises(RuleViolation) as refused:
        services.submit_review(first, assignment, data)
    message = ["Please give a score from 1 to 5."]
    assert refused.value.errors == {
        "score_viability": message,
        "score_employment": message,
        "score_extra": message,
        "confidence": ["Please state your confidence."],
    }
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_confidence_is_required_for_a_new_review_but_not_for_an_old_one_without():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = declared(application, first)
    without = {key: value for key, value in states.REVIEW.items() if key != "confidence"}
    with pytest.raises(RuleViolation) as refused:
        services.submit_review(first, assignment, without)
    assert refused.value.errors == {"confidence": ["Please state your confidence."]}
    with pytest.raises(RuleViolation):
        services.submit_review(first, assignment, {**states.REVIEW, "confidence": "sure"})
    review = services.submit_review(first, assignment, states.REVIEW)
    Review.objects.filter(pk=review.pk).update(confidence="")  # as migrated: none stated
    review = services.submit_review(first, assignment, {**without, "comment": "Geändert."})
    assert (review.confidence, review.comment) == ("", "Geändert.")
    review = services.submit_review(first, assignment, {**states.REVIEW, "confidence": "medium"})
    assert review.confidence == "medium"
    with pytest.raises(RuleViolation):  # once stated, it stays required
        services.submit_review(first, assignment, without)


# ----- versions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rubric_without_reviews_is_edited_in_place():
    programme = factories.ProgrammeFactory()
    coordinator = factories.coordinator()
    first = selectors.current_rubric(programme)
    rubric = services.save_rubric(coordinator, programme, custom_criteria())
    assert (rubric.pk, rubric.version) == (first.pk, 1)
    assert Rubric.objects.filter(programme=programme).count() == 1
    assert list(rubric.criteria.values_list("position", "key", "weight", "kind")) == [
        (0, "viability", Decimal("2.00"), "required"),
        (1, "employment", Decimal("1.50"), "required"),
        (2, "extra", Decimal("1.00"), "optional"),
        (3, "visit", Decimal("1.00"), "informational"),
    ]


@pytest.mark.django_db
def test_once_a_review_uses_it_a_change_is_a_new_version_and_reviews_keep_theirs():
    application, coordinator, (first, second) = states.in_review()
    old = states.review(first, application)
    v1 = old.rubric
    v2 = services.save_rubric(coordinator, application.programme, custom_criteria())
    assert (v2.version, v2.pk != v1.pk) == (2, True)
    assert selectors.current_rubric(application.programme) == v2
    assert v1.criteria.count() == 5  # unchanged
    old.refresh_from_db()
    assert (old.rubric, old.total_score) == (v1, Decimal("4.00"))
    # The old review is edited against its own rubric.
    assignment = application.assignments.get(reviewer=first)
    edited = services.submit_review(first, assignment, {**states.REVIEW, "score_risk": 5})
    assert (edited.rubric, edited.total_score) == (v1, Decimal("4.40"))
    assert selectors.review_rubric(assignment) == v1
    # A new review is written against the current version.
    data = {
        "score_viability": 3,
        "score_employment": 3,
        "confidence": "medium",
        "recommendation": "reject",
        "comment": "Nach neuem Schema.",
    }
    other = declared(application, second)
    assert selectors.review_rubric(other) == v2
    review = services.submit_review(second, other, data)
    assert (review.rubric, review.total_score) == (v2, Decimal("3.00"))
    # Another change makes version 3; v2 is used now too.
    v3 = services.save_rubric(coordinator, application.programme, scoring.default_criteria())
    assert v3.version == 3
    assert [r.version for r in selectors.rubric_versions(application.programme)] == [3, 2, 1]


@pytest.mark.django_db
def test_a_form_of_an_older_rubric_is_refused_for_a_new_review():
    application, coordinator, (first, _second) = states.in_review()
    shown = selectors.current_rubric(application.programme)
    assignment = declared(application, first)
    services.save_rubric(coordinator, application.programme, scoring.default_criteria())
    # No review yet: edited in place, the same rubric; the form still fits.
    assert selectors.current_rubric(application.programme) == shown
    # Another application's review uses v1; a change now makes v2.
    application2, _c, (reviewer2, _r) = states.in_review(programme=application.programme)
    states.review(reviewer2, application2)
    services.save_rubric(coordinator, application.programme, custom_criteria())
    with pytest.raises(StateConflict):
        services.submit_review(first, assignment, {**states.REVIEW, "rubric": shown.pk})
    assert not Review.objects.filter(assignment=assignment).exists()


@pytest.mark.django_db
def test_only_the_coordination_office_edits_rubrics_and_review_settings():
    programme = factories.ProgrammeFactory()
    settings = {
        "reviews_required": 3,
        "review_period_days": 14,
        "review_cap": 4,
        "disagreement_threshold": Decimal("1.0"),
    }
    for user in (factories.reviewer(), factories.board_member(), factories.UserFactory()):
        with pytest.raises(PermissionDenied):
            services.save_rubric(user, programme, custom_criteria())
        with pytest.raises(PermissionDenied):
            services.update_review_settings(user, programme, settings)
    assert selectors.current_rubric(programme).criteria.count() == 5
    programme.refresh_from_db()
    assert (programme.reviews_required, programme.review_cap) == (2, 5)


@pytest.mark.django_db
def test_a_refused_rubric_changes_nothing():
    programme = factories.ProgrammeFactory()
    coordinator = factories.coordinator()
    with pytest.raises(RuleViolation) as refused:
        services.save_rubric(coordinator, programme, [valid(key="x", kind="informational")])
    assert refused.value.errors == {None: ["A rubric needs at least one counted criterion."]}
    rubric = selectors.current_rubric(programme)
    assert (rubric.version, rubric.criteria.count()) == (1, 5)


@pytest.mark.django_db
def test_review_settings_are_saved_and_checked():
    programme = factories.ProgrammeFactory()
    coordinator = factories.coordinator()
    settings = {
        "reviews_required": 3,
        "review_period_days": 14,
        "review_cap": 4,
        "disagreement_threshold": Decimal("1.0"),
    }
    services.update_review_settings(coordinator, programme, settings)
    programme.refresh_from_db()
    assert (
        programme.reviews_required,
        programme.review_period_days,
        programme.review_cap,
        programme.disagreement_threshold,
    ) == (3, 14, 4, Decimal("1.0"))
    bad = {**settings, "review_cap": 0, "disagreement_threshold": Decimal("4.5")}
    with pytest.raises(RuleViolation) as refused:
        services.update_review_settings(coordinator, programme, bad)
    assert refused.value.errors == {
        "review_cap": ["Please give a whole number of at least 1."],
        "disagreement_threshold": ["Please give a number of points from 0 to 4."],
    }
    programme.refresh_from_db()
    assert programme.review_cap == 4


# ----- the review form ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_form_has_a_field_per_criterion_in_the_readers_language():
    programme = factories.ProgrammeFactory()
    criteria = custom_criteria()
    criteria[0]["description_de"] = "Trägt sich das Vorhaben?"
    criteria[0]["description_en"] = "Does the project carry itself?"
    rubric = services.save_rubric(factories.coordinator(), programme, criteria)
    with translation.override("de"):
        form = forms.ReviewForm(rubric=rubric)
        assert list(form.fields) == [
            "score_viability",
            "score_employment",
            "score_extra",
            "score_visit",
            "confidence",
            "recommendation",
            "comment",
            "rubric",
        ]
        field = form.fields["score_viability"]
        assert (field.label, field.help_text, field.required) == (
            "Wirtschaftliche Tragfähigkeit",
            "Trägt sich das Vorhaben?",
            True,
        )
        assert field.choices[0] == (1, "1 – unzureichend")
        assert form.fields["score_extra"].required is False
        assert form.fields["score_extra"].choices[1] == (1, "1")  # no labels
        assert form.fields["score_visit"].label == "Vor-Ort-Besuch empfohlen"
        assert form.fields["confidence"].required is True
        assert form["rubric"].value() == rubric.pk
    with translation.override("en"):
        form = forms.ReviewForm(rubric=rubric)
        field = form.fields["score_viability"]
        assert (field.label, field.help_text) == (
            "Economic viability",
            "Does the project carry itself?",
        )
        assert field.choices[4] == (5, "5 – very good")
        assert form.fields["score_extra"].choices[0][0] == ""
        assert "Shown, not counted." in form.fields["score_visit"].help_text


@pytest.mark.django_db
def test_the_review_form_is_prefilled_from_the_review():
    application, _coordinator, (first, _second) = states.in_review()
    review = states.review(first, application, score_risk=2, comment="Vorbehalte.")
    form = forms.ReviewForm.for_review(review, review.rubric)
    assert form.initial == {
        "score_viability": 4,
        "score_employment": 5,
        "score_cooperation": 4,
        "score_risk": 2,
        "score_management": 4,
        "confidence": "high",
        "recommendation": "approve",
        "comment": "Vorbehalte.",
    }
    bound = forms.ReviewForm(
        {**states.REVIEW, "rubric": str(review.rubric_id), "score_risk": "1"},
        rubric=review.rubric,
        review=review,
    )
    assert bound.is_valid(), bound.errors
    assert (bound.cleaned_data["score_risk"], bound.cleaned_data["rubric"]) == (1, review.rubric_id)
