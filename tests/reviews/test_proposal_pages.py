"""The assignment proposal's page and services: the office sees the whole proposal, changes
or removes rows and confirms it at once (all or nothing); a constant number of queries."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from applications import services as application_services
from funding.errors import RuleViolation, StateConflict
from funding.models import Sector
from notifications.models import OutboxMail
from reviews import services
from reviews.models import Assignment, ConflictDeclaration, ReviewerProfile
from tests import factories, states

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Service messages in English (the catalogue is the lead's)."""
    with translation.override("en"):
        yield


URL = reverse("review-proposal")


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def programme():
    return factories.ProgrammeFactory(required_documents=[], reviews_required=2, review_cap=5)


def html(response):
    return response.content.decode()


def set_sector(application, sector):
    """The applicant's sector (set on the row: a snapshot of a sector needs the lead's fix in
    applications.services._plain, see the report)."""
    type(application).objects.filter(pk=application.pk).update(sector=sector)
    application.refresh_from_db()
    return application


def profile(user, *sectors, available_from=None, note=""):
    result = ReviewerProfile.objects.create(user=user, available_from=available_from, note=note)
    result.sectors.set(sectors)
    return result


def post_rows(client, rows, url=URL):
    data = {"count": len(rows)}
    for index, (application_id, reviewer_id) in enumerate(rows):
        data[f"application-{index}"] = application_id
        data[f"row-{index}"] = "" if reviewer_id is None else reviewer_id
    return client.post(url, data)


def name(user):
    return user.get_full_name() or user.username


# ----- the service -------------------------------------------------------------------------


def test_exact_picks_with_sector_preference_among_the_least_loaded(programme):
    programme.reviews_required = 1
    programme.save()
    kitchen = Sector.objects.create(name_de="Gastronomie")
    plain = states.submitted(programme=programme)
    catering = set_sector(states.submitted(programme=programme), kitchen)
    coordinator = factories.coordinator()
    a, b, cook = factories.reviewer(), factories.reviewer(), factories.reviewer()
    profile(cook, kitchen)
    proposal = services.propose_assignments(coordinator, programme)
    assert [(row.application, row.reviewer, row.sector_match) for row in proposal.rows] == [
        (plain, a, False),  # all idle: by id
        (catering, cook, True),  # b and cook idle: the sector match wins
    ]
    assert [(r, r.open_count, r.load) for r in proposal.reviewers] == [
        (a, 0, 1),
        (b, 0, 0),
        (cook, 0, 1),
    ]
    assert proposal.unfilled == []
    assert proposal.cap == 5


def test_members_flagged_declined_and_unavailable_reviewers_are_left_out(programme):
    application = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    member = factories.reviewer()
    factories.MembershipFactory(user=member, organization=application.organization)
    flagged, declined, away, ready = (factories.reviewer() for _ in range(4))
    # flagged declared a conflict on an earlier application of the same organisation
    earlier = states.submitted(programme=programme, organization=application.organization)
    services.assign_reviewer(coordinator, earlier, flagged)
    services.declare_conflict(
        flagged, earlier.assignments.get(reviewer=flagged), "business", "Lieferant"
    )
    services.assign_reviewer(coordinator, application, declined)
    services.decline_assignment(
        declined, application.assignments.get(reviewer=declined), reason="Urlaub bis März"
    )
    profile(away, available_from=datetime.date.today() + datetime.timedelta(days=400))

    proposal = services.propose_assignments(coordinator, programme)

    mine = [row.reviewer for row in proposal.rows if row.application == application]
    assert mine == [ready]
    assert (application, 1) in proposal.unfilled
    assert proposal.declined[application.pk] == [(declined, "Urlaub bis März")]
    assert proposal.choices[application.pk] == [ready]


def test_the_proposal_is_refused_to_anyone_but_the_office(programme):
    states.submitted(programme=programme)
    for user in (factories.reviewer(), factories.board_member(), factories.applicant()):
        with pytest.raises(PermissionDenied):
            services.propose_assignments(user)


def test_confirming_assigns_every_row_and_mails(programme):
    application = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    first, second = factories.reviewer(), factories.reviewer()
    assigned = services.confirm_proposal(
        coordinator, [(application.pk, first.pk), (application.pk, second.pk)]
    )
    assert assigned == 2
    rows = application.assignments.values_list("reviewer_id", "status", "assigned_by_id")
    assert sorted(rows) == sorted(
        [(first.pk, "open", coordinator.pk), (second.pk, "open", coordinator.pk)]
    )
    assert OutboxMail.objects.filter(kind="assigned").count() == 2


def test_a_refused_row_writes_nothing(programme):
    application = states.submitted(programme=programme)
    other = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    ok = factories.reviewer()
    member = factories.reviewer()
    factories.MembershipFactory(user=member, organization=other.organization)
    with pytest.raises(RuleViolation) as refused:
        services.confirm_proposal(coordinator, [(application.pk, ok.pk), (other.pk, member.pk)])
    assert refused.value.errors == {
        "row-1": [
            f"{other.reference}, {name(member)}: "
            "A member of the applicant organisation cannot review it."
        ]
    }
    assert not Assignment.objects.exists()
    assert not OutboxMail.objects.filter(kind="assigned").exists()


def test_a_flagged_person_is_refused_on_confirmation(programme):
    application = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    flagged = factories.reviewer()
    earlier = states.submitted(programme=programme, organization=application.organization)
    services.assign_reviewer(coordinator, earlier, flagged)
    services.declare_conflict(
        flagged, earlier.assignments.get(reviewer=flagged), "personal", "Verwandt"
    )
    with pytest.raises(RuleViolation) as refused:
        services.confirm_proposal(coordinator, [(application.pk, flagged.pk)])
    assert refused.value.errors == {
        "row-0": [
            f"{application.reference}, {name(flagged)}: "
            "this person declared a conflict towards the organisation."
        ]
    }
    assert not application.assignments.exists()


def test_an_application_that_changed_state_meanwhile_refuses_the_whole_proposal(programme):
    kept = states.submitted(programme=programme)
    gone = states.submitted(programme=programme)
    application_services.withdraw(gone.created_by, gone, "Projekt verschoben.")
    coordinator = factories.coordinator()
    reviewer = factories.reviewer()
    with pytest.raises(StateConflict) as refused:
        services.confirm_proposal(coordinator, [(kept.pk, reviewer.pk), (gone.pk, reviewer.pk)])
    assert str(refused.value.message) == (
        f"These applications no longer take reviewers: {gone.reference}. Nothing has been "
        "assigned; please remove their rows or make a new proposal."
    )
    assert not Assignment.objects.exists()


def test_a_coordinator_of_the_applicant_organisation_may_not_confirm_its_row(programme):
    application = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    factories.MembershipFactory(user=coordinator, organization=application.organization)
    with pytest.raises(PermissionDenied):
        services.confirm_proposal(coordinator, [(application.pk, factories.reviewer().pk)])
    # ... and the proposal leaves it out
    factories.reviewer()
    assert services.propose_assignments(coordinator, programme).rows == []


# ----- the page ----------------------------------------------------------------------------


def test_the_page_shows_the_proposal_with_reasons_profiles_and_declines(client, programme):
    kitchen = Sector.objects.create(name_de="Gastronomie", name_en="Catering")
    application = set_sector(states.submitted(programme=programme), kitchen)
    coordinator = factories.coordinator()
    cook = factories.reviewer(first_name="Clara", last_name="Koch")
    factories.reviewer(first_name="Otto", last_name="Andere")
    declined = factories.reviewer(first_name="Dora", last_name="Absage")
    profile(cook, kitchen, available_from=datetime.date(2026, 1, 15), note="Nur vormittags")
    services.assign_reviewer(coordinator, application, declined)
    services.decline_assignment(
        declined, application.assignments.get(reviewer=declined), reason="Urlaub bis März"
    )
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    page = html(response)
    assert "sector match" in page
    assert "open reviews: 0 → 1" in page
    assert "Clara Koch" in page and "Otto Andere" in page
    assert "Catering" in page
    assert "Nur vormittags" in page
    assert "Urlaub bis März" in page
    assert 'name="row-0"' in page and 'name="row-1"' in page
    assert f'<option value="{cook.pk}" selected>Clara Koch · 0 open</option>' in page
    assert 'name="count" value="2"' in page
    # the declined reviewer is offered for nothing
    assert f'<option value="{declined.pk}"' not in page


def test_a_changed_row_is_assigned_as_changed(client, programme):
    application = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    first, second, third = factories.reviewer(), factories.reviewer(), factories.reviewer()
    client.force_login(coordinator)
    response = post_rows(client, [(application.pk, first.pk), (application.pk, third.pk)])
    assert response.status_code == 302
    assert response["Location"] == URL
    assert set(application.assignments.values_list("reviewer_id", flat=True)) == {
        first.pk,
        third.pk,
    }
    assert second.assignments.count() == 0
    page = html(client.get(URL))
    assert "2 reviewers have been assigned and informed." in page


def test_a_removed_row_is_not_assigned(client, programme):
    application = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    first, second = factories.reviewer(), factories.reviewer()
    client.force_login(coordinator)
    response = post_rows(client, [(application.pk, first.pk), (application.pk, None)])
    assert response.status_code == 302
    assert list(application.assignments.values_list("reviewer_id", flat=True)) == [first.pk]
    assert second.assignments.count() == 0


def test_removing_every_row_assigns_nothing(client, programme):
    application = states.submitted(programme=programme)
    client.force_login(factories.coordinator())
    factories.reviewer()
    response = post_rows(client, [(application.pk, None)])
    assert response.status_code == 422
    assert "There is nothing to assign: every row was removed." in html(response)
    assert not Assignment.objects.exists()


def test_a_refused_row_is_shown_beside_it_and_nothing_is_assigned(client, programme):
    application = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    ok, twice = factories.reviewer(), factories.reviewer()
    client.force_login(coordinator)
    response = post_rows(
        client, [(application.pk, ok.pk), (application.pk, twice.pk), (application.pk, twice.pk)]
    )
    assert response.status_code == 422
    page = html(response)
    assert (
        f'<ul class="errorlist" id="id_row-2_error"><li>{application.reference}, {name(twice)}: '
        "This reviewer is already assigned.</li></ul>"
    ) in page
    assert not Assignment.objects.exists()


def test_a_withdrawn_application_answers_409_and_nothing_is_assigned(client, programme):
    kept = states.submitted(programme=programme)
    gone = states.submitted(programme=programme)
    application_services.withdraw(gone.created_by, gone, "Projekt verschoben.")
    reviewer = factories.reviewer()
    client.force_login(factories.coordinator())
    response = post_rows(client, [(kept.pk, reviewer.pk), (gone.pk, reviewer.pk)])
    assert response.status_code == 409
    assert f"These applications no longer take reviewers: {gone.reference}." in html(response)
    assert not Assignment.objects.exists()


def test_a_malformed_proposal_answers_400(client, programme):
    application = states.submitted(programme=programme)
    client.force_login(factories.coordinator())
    response = client.post(URL, {"count": 1, "application-0": "x", "row-0": "y"})
    assert response.status_code == 400
    assert not application.assignments.exists()


@pytest.mark.parametrize("role", ["reviewer", "board_member", "applicant"])
def test_only_the_office_opens_the_proposal(client, programme, role):
    application = states.submitted(programme=programme)
    reviewer = factories.reviewer()
    client.force_login(getattr(factories, role)())
    assert client.get(URL).status_code == 403
    assert post_rows(client, [(application.pk, reviewer.pk)]).status_code == 403
    assert not Assignment.objects.exists()


def test_the_programme_filter(client, programme):
    other_programme = factories.ProgrammeFactory(required_documents=[], name="Anderes")
    mine = states.submitted(programme=programme)
    other = states.submitted(programme=other_programme)
    factories.reviewer()
    client.force_login(factories.coordinator())
    page = html(client.get(URL, {"programme": programme.pk}))
    assert mine.reference in page
    assert other.reference not in page


def test_the_start_page_offers_the_proposal_to_the_office(client):
    client.force_login(factories.coordinator())
    page = html(client.get(reverse("home")))
    assert f'href="{URL}"' in page
    assert "Propose reviewers" in page
    client.force_login(factories.reviewer())
    assert f'href="{URL}"' not in html(client.get(reverse("home")))


# ----- a constant number of queries --------------------------------------------------------


# session, user, groups, memberships (navigation and the office's own organisations), the
# programmes (filter), the applications lacking reviewers, their current rounds' assignments,
# the reviewers with profiles and open counts, their memberships, their sectors, the conflict
# flags, the sectors
PROPOSAL_PAGE_QUERIES = 12


def world(size, programme):
    """``size`` applications lacking reviewers (with sectors, some declined reviewers and a
    conflict flag) and ``size`` reviewers with profiles and open assignments."""
    sectors = [Sector.objects.get_or_create(name_de=f"Branche {n}")[0] for n in range(3)]
    coordinator = factories.coordinator()
    reviewers = [factories.reviewer() for _ in range(size)]
    for index, reviewer in enumerate(reviewers):
        profile(reviewer, sectors[index % 3], available_from=datetime.date(2020, 1, 1))
    for index in range(size):
        application = set_sector(states.submitted(programme=programme), sectors[index % 3])
        reviewer = reviewers[index]
        services.assign_reviewer(coordinator, application, reviewer)
        if index % 2:
            services.decline_assignment(
                reviewer, application.assignments.get(reviewer=reviewer), reason="Keine Zeit"
            )
        else:
            services.declare_conflict(
                reviewer,
                application.assignments.get(reviewer=reviewer),
                ConflictDeclaration.Kind.COMPETITOR,
                "Mitbewerber",
            )
    return coordinator


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_the_page_runs_a_constant_number_of_queries(client, programme, django_assert_num_queries):
    coordinator = world(2, programme)
    client.force_login(coordinator)
    small, small_page = count(client, URL)
    coordinator_large = world(8, factories.ProgrammeFactory(required_documents=[]))
    client.force_login(coordinator_large)
    large, large_page = count(client, URL)
    assert html(small_page).count("<tr>") < html(large_page).count("<tr>")
    assert small == large == PROPOSAL_PAGE_QUERIES
    with django_assert_num_queries(small):
        client.get(URL)
