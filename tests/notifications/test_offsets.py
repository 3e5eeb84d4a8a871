"""The reminder offsets (``notifications.offsets``): each programme's days, defaults filled in,
and the programme settings page's section "Reminders" where the coordination office sets them."""

import logging

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from funding.errors import RuleViolation
from notifications import offsets, programme_settings, registry
from tests import factories

pytestmark = pytest.mark.django_db

# The offsets of the reviews', applications' and decisions' reminder rules, and their defaults.
DEFAULTS = {
    "review_due_soon": 3,
    "review_overdue_every": 7,
    "return_due_soon": 3,
    "return_overdue": 1,
    "return_escalate": 7,
    "decision_due": 21,
    "decision_escalate": 35,
    "proposal_unconfirmed": 3,
}


def url(programme):
    return reverse("programme-settings", args=[programme.pk])


def ours(values):
    """The part of ``values`` (name → days) that concerns the offsets in ``DEFAULTS``."""
    return {name: values[name] for name in DEFAULTS}


def programme(**days):
    return factories.ProgrammeFactory(reminder_days=days)


# ----- the table ---------------------------------------------------------------------------


def test_the_rules_register_their_offsets_with_defaults():
    registered = {offset.name: offset for offset in registry.reminder_offsets()}

    assert ours({name: offset.default for name, offset in registered.items()}) == DEFAULTS
    with translation.override("en"):
        assert str(registered["review_due_soon"].label) == (
            "Review: remind the reviewer before the due date (days)"
        )
    names = [offset.name for offset in registry.reminder_offsets() if offset.name in DEFAULTS]
    assert names == list(DEFAULTS)  # the settings page's order


def test_defaults_for_a_programme_without_offsets_and_an_unknown_one(django_assert_num_queries):
    plain = programme()

    with django_assert_num_queries(1):
        table = offsets.table()

    assert ours(table.defaults) == DEFAULTS
    assert {name: table.days(plain.pk, name) for name in DEFAULTS} == DEFAULTS
    assert {name: table.days(999999, name) for name in DEFAULTS} == DEFAULTS
    assert table.widest("decision_due") == table.narrowest("decision_due") == 21


def test_a_stored_offset_overrides_the_default_of_its_programme_only():
    changed = programme(review_due_soon=5, decision_due=14)
    plain = programme()

    table = offsets.table()

    assert ours({name: table.days(changed.pk, name) for name in DEFAULTS}) == {
        **DEFAULTS,
        "review_due_soon": 5,
        "decision_due": 14,
    }
    assert table.days(plain.pk, "review_due_soon") == 3
    assert (table.widest("review_due_soon"), table.narrowest("review_due_soon")) == (5, 3)
    assert (table.widest("decision_due"), table.narrowest("decision_due")) == (21, 14)


@pytest.mark.parametrize(
    "stored",
    [
        {"review_due_soon": 0},
        {"review_due_soon": 366},
        {"review_due_soon": -3},
        {"review_due_soon": "5"},
        {"review_due_soon": 5.0},
        {"review_due_soon": True},
        {"review_due_soon": None},
        {"review_due_soon": [5]},
    ],
)
def test_invalid_stored_values_are_ignored(stored):
    broken = programme(**stored)

    table = offsets.table()

    assert table.days(broken.pk, "review_due_soon") == 3
    assert table.widest("review_due_soon") == 3


def test_unknown_names_and_stored_values_that_are_no_mapping_are_ignored():
    unknown = programme(no_such_offset=9)
    listed = factories.ProgrammeFactory(reminder_days=[["review_due_soon", 5]])

    table = offsets.table()

    assert "no_such_offset" not in table.by_programme[unknown.pk]
    assert ours(table.by_programme[unknown.pk]) == DEFAULTS
    assert ours(table.by_programme[listed.pk]) == DEFAULTS


def test_the_limits_are_the_widest_bounds():
    wide = programme(review_due_soon=365, review_overdue_every=1)

    table = offsets.table()

    assert table.days(wide.pk, "review_due_soon") == 365
    assert table.widest("review_due_soon") == 365
    assert table.narrowest("review_overdue_every") == 1
    assert (offsets.MIN_DAYS, offsets.MAX_DAYS) == (1, 365)


# ----- the use case ------------------------------------------------------------------------


def test_the_office_stores_what_differs_from_the_defaults(caplog):
    fund = programme(review_due_soon=5, no_such_offset=9)
    coordinator = factories.coordinator()

    with caplog.at_level(logging.INFO, logger="notifications.offsets"):
        saved = offsets.update_reminder_days(
            coordinator,
            fund,
            {"review_due_soon": None, "decision_due": 14, "return_overdue": 1, "unknown": 2},
        )

    fund.refresh_from_db()
    assert fund.reminder_days == saved.reminder_days == {"decision_due": 14, "no_such_offset": 9}
    assert caplog.messages == [
        f"Reminder offsets of programme {fund.pk} changed by user {coordinator.pk}: "
        "decision_due=14, no_such_offset=9"
    ]


def test_values_outside_the_limits_are_refused_each_by_name():
    fund = programme(review_due_soon=5)

    with pytest.raises(RuleViolation) as refused, translation.override("de"):
        offsets.update_reminder_days(
            factories.coordinator(), fund, {"review_due_soon": 0, "decision_due": 366}
        )

    message = "Bitte geben Sie eine ganze Zahl von Tagen zwischen 1 und 365 an."
    assert refused.value.errors == {"review_due_soon": [message], "decision_due": [message]}
    fund.refresh_from_db()
    assert fund.reminder_days == {"review_due_soon": 5}


@pytest.mark.parametrize("role", ["reviewer", "board_member", "applicant"])
def test_only_the_coordination_office_sets_the_offsets(role):
    fund = programme()
    user = getattr(factories, role)()

    with pytest.raises(PermissionDenied):
        offsets.update_reminder_days(user, fund, {"review_due_soon": 5})

    fund.refresh_from_db()
    assert fund.reminder_days == {}


# ----- the settings page's section ---------------------------------------------------------


@pytest.fixture
def fund():
    return factories.ProgrammeFactory(name="Fonds Nord", reminder_days={"review_due_soon": 5})


def form_data(**days):
    values = {name: str(value) for name, value in DEFAULTS.items()}
    values.update({name: str(value) for name, value in days.items()})
    return {"section": "reminders", **values}


@pytest.mark.usefixtures("english")
def test_the_office_sees_every_offset_with_its_label_and_default(client, fund):
    client.force_login(factories.coordinator())

    response = client.get(url(fund))

    assert response.status_code == 200
    keys = [section.key for section, _html in response.context["sections"]]
    assert keys[-1] == "reminders"
    page = response.content.decode()
    assert 'id="section-reminders-heading">Reminders</h2>' in page
    assert (
        '<label for="id_review_due_soon">Review: remind the reviewer before the due date '
        "(days):</label>" in page
    )
    assert 'name="review_due_soon" value="5"' in page
    assert 'name="decision_escalate" value="35"' in page
    assert 'min="1"' in page and 'max="365"' in page
    assert (
        '<span class="helptext" id="id_review_due_soon_helptext">Default: 3 days. From 1 to 365; '
        "empty: the default.</span>" in page
    )
    assert "Default: 1 day." in page  # return_overdue
    for offset in registry.reminder_offsets():
        assert f'name="{offset.name}"' in page


@pytest.mark.usefixtures("english")
def test_the_office_saves_the_offsets(client, fund):
    client.force_login(factories.coordinator())

    response = client.post(url(fund), form_data(review_due_soon="", decision_due=14))

    assert response.status_code == 302
    assert response["Location"] == url(fund) + "#section-reminders"
    fund.refresh_from_db()
    assert fund.reminder_days == {"decision_due": 14}
    page = client.get(response["Location"]).content.decode()
    assert "The reminder settings have been saved." in page
    assert 'name="decision_due" value="14"' in page
    assert 'name="review_due_soon" value="3"' in page
    assert offsets.table().days(fund.pk, "decision_due") == 14


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("days", ["0", "400"])
def test_days_outside_the_limits_answer_422_beside_the_field(client, fund, days):
    client.force_login(factories.coordinator())

    response = client.post(url(fund), form_data(review_overdue_every=days, decision_due=14))

    assert response.status_code == 422
    page = response.content.decode()
    assert (
        '<ul class="errorlist" id="id_review_overdue_every_error"><li>Please give a whole number '
        "of days from 1 to 365.</li></ul>" in page
    )
    assert f'name="review_overdue_every" value="{days}"' in page
    assert 'name="decision_due" value="14"' in page  # the input is kept
    assert page.count('class="errorlist"') == 1
    fund.refresh_from_db()
    assert fund.reminder_days == {"review_due_soon": 5}


@pytest.mark.usefixtures("english")
def test_unreadable_days_answer_400(client, fund):
    client.force_login(factories.coordinator())

    response = client.post(url(fund), form_data(decision_due="drei"))

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_decision_due_error"' in page
    assert 'name="decision_due" value="drei"' in page
    fund.refresh_from_db()
    assert fund.reminder_days == {"review_due_soon": 5}


@pytest.mark.parametrize("role", ["reviewer", "board_member", "applicant"])
def test_others_neither_see_nor_save_the_section(client, rf, fund, role):
    user = getattr(factories, role)()
    client.force_login(user)

    assert client.get(url(fund)).status_code == 403
    assert client.post(url(fund), form_data(decision_due=14)).status_code == 403

    request = rf.get(url(fund))
    request.user = user
    assert not rules.has_perm("funding.manage_programme", user, fund)
    assert programme_settings.reminders_context(request, fund) is None
    fund.refresh_from_db()
    assert fund.reminder_days == {"review_due_soon": 5}
