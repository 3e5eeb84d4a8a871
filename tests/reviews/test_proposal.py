"""The assignment proposal (reviews.proposal.propose): exact picks on fixed cases, and the
guarantees over random pools, histories, flags and caps (hypothesis)."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.proposal import Opening, Reviewer, is_eligible, propose

TODAY = datetime.date(2026, 1, 5)


def picks_of(proposal):
    return [(pick.application_id, pick.reviewer_id) for pick in proposal.picks]


# ----- fixed cases -------------------------------------------------------------------------


def test_the_least_loaded_reviewers_are_picked_in_id_order():
    reviewers = [Reviewer(1, open_count=2), Reviewer(2, open_count=0), Reviewer(3, open_count=0)]
    proposal = propose(
        [Opening(10, organization_id=1, sector_id=None, needed=2)], reviewers, {}, 5, TODAY
    )
    assert picks_of(proposal) == [(10, 2), (10, 3)]
    assert proposal.loads == {1: 2, 2: 1, 3: 1}
    assert proposal.unfilled == {}


def test_a_sector_match_wins_among_the_least_loaded_before_the_id():
    reviewers = [
        Reviewer(1, sector_ids=frozenset({7})),
        Reviewer(2, sector_ids=frozenset({9})),
        Reviewer(3, sector_ids=frozenset({9}), open_count=1),
    ]
    opening = Opening(10, organization_id=1, sector_id=9, needed=1)
    proposal = propose([opening], reviewers, {}, 5, TODAY)
    assert picks_of(proposal) == [(10, 2)]
    assert proposal.picks[0].sector_match is True
    assert proposal.picks[0].open_before == 0
    assert proposal.picks[0].load == 1


def test_a_sector_match_never_beats_a_less_loaded_reviewer():
    reviewers = [Reviewer(1), Reviewer(2, sector_ids=frozenset({9}), open_count=1)]
    proposal = propose([Opening(10, 1, 9, needed=1)], reviewers, {}, 5, TODAY)
    assert picks_of(proposal) == [(10, 1)]
    assert proposal.picks[0].sector_match is False


def test_ties_without_a_sector_go_by_id():
    reviewers = [Reviewer(5), Reviewer(3), Reviewer(4)]
    proposal = propose([Opening(10, 1, None, needed=1)], reviewers, {}, 5, TODAY)
    assert picks_of(proposal) == [(10, 3)]


def test_round_robin_over_applications_oldest_first():
    reviewers = [Reviewer(1), Reviewer(2), Reviewer(3), Reviewer(4)]
    openings = [Opening(20, 1, None, needed=2), Opening(10, 2, None, needed=2)]
    proposal = propose(openings, reviewers, {}, 5, TODAY)
    # 10 gets 1, 20 gets 2, 10 gets 3, 20 gets 4
    assert picks_of(proposal) == [(10, 1), (10, 3), (20, 2), (20, 4)]


def test_members_flagged_assigned_and_unavailable_reviewers_are_never_picked():
    reviewers = [
        Reviewer(1, organization_ids=frozenset({100})),  # works for the applicant
        Reviewer(2),  # flagged: declared a conflict towards organisation 100
        Reviewer(3),  # declined this round: already has an assignment
        Reviewer(4, available_from=TODAY + datetime.timedelta(days=29)),  # after the due date
        Reviewer(5, available_from=TODAY + datetime.timedelta(days=28)),  # on the due date: ok
        Reviewer(6, open_count=5),  # at the cap
    ]
    opening = Opening(10, 100, None, needed=3, assigned=frozenset({3}), review_days=28)
    proposal = propose([opening], reviewers, {100: {2}}, 5, TODAY)
    assert picks_of(proposal) == [(10, 5)]
    assert proposal.unfilled == {10: 2}


def test_the_cap_counts_the_proposed_assignments():
    reviewers = [Reviewer(1, open_count=1), Reviewer(2, open_count=1)]
    openings = [Opening(10 + n, 1, None, needed=1) for n in range(5)]
    proposal = propose(openings, reviewers, {}, 3, TODAY)
    assert picks_of(proposal) == [(10, 1), (11, 2), (12, 1), (13, 2)]
    assert proposal.loads == {1: 3, 2: 3}
    assert proposal.unfilled == {14: 1}


def test_the_next_application_goes_to_the_less_loaded():
    # Reviewer 1 may review both, reviewer 2 only 10 (member of org 2), reviewer 3 only 11
    # (member of org 1): 10 → 1 (a tie, by id), then 11 → 3 (1 already has one).
    reviewers = [
        Reviewer(1),
        Reviewer(2, organization_ids=frozenset({2})),
        Reviewer(3, organization_ids=frozenset({1})),
    ]
    openings = [Opening(10, 1, None, needed=1), Opening(11, 2, None, needed=1)]
    proposal = propose(openings, reviewers, {}, 5, TODAY)
    assert picks_of(proposal) == [(10, 1), (11, 3)]


def test_an_early_tie_broken_the_wrong_way_is_evened_out():
    # 10 may go to 1 or 2, 11 and 12 to 1 or 3 (who has one open already).
    # One slot at a time: 10 → 1 (a tie, by id), 11 → 1 (a tie with 3, by id), 12 → 3.
    # Now 1 has 2 and 2 has none although 2 could take 10: 10 moves from 1 to 2.
    reviewers = [
        Reviewer(1),
        Reviewer(2, organization_ids=frozenset({2, 3})),
        Reviewer(3, open_count=1, organization_ids=frozenset({1})),
    ]
    openings = [
        Opening(10, 1, None, needed=1),
        Opening(11, 2, None, needed=1),
        Opening(12, 3, None, needed=1),
    ]
    proposal = propose(openings, reviewers, {}, 5, TODAY)
    assert picks_of(proposal) == [(10, 2), (11, 1), (12, 3)]
    assert proposal.loads == {1: 1, 2: 1, 3: 2}


def test_nothing_is_proposed_for_applications_that_need_no_one():
    proposal = propose([Opening(10, 1, None, needed=0)], [Reviewer(1)], {}, 5, TODAY)
    assert proposal.picks == []
    assert proposal.unfilled == {}


# ----- the guarantees, over random pools ---------------------------------------------------

ORGS = (1, 2, 3)


@st.composite
def worlds(draw):
    """A pool of 2–9 reviewers (some working for applicant organisations, some busy, some away)
    and 3–14 applications of three organisations, with flags and a cap."""
    reviewer_count = draw(st.integers(min_value=2, max_value=9))
    reviewers = [
        Reviewer(
            id=rid,
            organization_ids=frozenset(org for org in ORGS if draw(st.integers(0, 2)) == 0),
            sector_ids=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))),
            available_from=draw(
                st.none()
                | st.dates(TODAY - datetime.timedelta(days=5), TODAY + datetime.timedelta(days=40))
            ),
            open_count=draw(st.integers(min_value=0, max_value=4)),
        )
        for rid in range(1, reviewer_count + 1)
    ]
    ids = st.sampled_from([r.id for r in reviewers])
    openings = [
        Opening(
            id=100 + n,
            organization_id=draw(st.sampled_from(ORGS)),
            sector_id=draw(st.none() | st.integers(1, 3)),
            needed=draw(st.integers(min_value=0, max_value=3)),
            assigned=frozenset(draw(st.sets(ids, max_size=2))),
            review_days=draw(st.sampled_from([14, 28])),
        )
        for n in range(draw(st.integers(min_value=3, max_value=14)))
    ]
    flags = {org: set(draw(st.sets(ids, max_size=2))) for org in ORGS}
    cap = draw(st.integers(min_value=1, max_value=6))
    return openings, reviewers, flags, cap


@settings(max_examples=200, deadline=None, database=None)
@given(worlds())
def test_the_proposal_keeps_the_cap_the_exclusions_and_the_balance(world):
    openings, reviewers, flags, cap = world
    proposal = propose(openings, reviewers, flags, cap, TODAY)
    by_id = {r.id: r for r in reviewers}
    loads = proposal.loads
    picked = {
        o.id: [p.reviewer_id for p in proposal.picks if p.application_id == o.id] for o in openings
    }

    # the loads are the history plus the picks
    for reviewer in reviewers:
        count = sum(1 for p in proposal.picks if p.reviewer_id == reviewer.id)
        assert loads[reviewer.id] == reviewer.open_count + count
        if count:
            assert loads[reviewer.id] <= cap  # never above the cap

    for opening in openings:
        chosen = picked[opening.id]
        assert len(chosen) == len(set(chosen))  # no one twice
        assert len(chosen) <= opening.needed
        for rid in chosen:
            reviewer = by_id[rid]
            assert opening.organization_id not in reviewer.organization_ids  # no member
            assert rid not in flags.get(opening.organization_id, set())  # no flagged person
            assert rid not in opening.assigned  # not already assigned (or declined)
            due = TODAY + datetime.timedelta(days=opening.review_days)
            assert reviewer.available_from is None or reviewer.available_from <= due  # available
        # who could still take this application
        free = [
            r.id
            for r in reviewers
            if r.id not in chosen and loads[r.id] < cap and is_eligible(opening, r, flags, TODAY)
        ]
        # an unfilled slot only when no one is left
        missing = max(opening.needed, 0) - len(chosen)
        assert proposal.unfilled.get(opening.id, 0) == missing
        if missing:
            assert free == []
        # the balance: within 1 of everyone who could take it instead
        for rid in chosen:
            for other in free:
                assert loads[rid] <= loads[other] + 1
