"""The assignment proposal: who should review which application, balancing the load.

A pure function (no database): the selectors gather the inputs, ``propose`` answers the
picks. For every application lacking reviewers it picks reviewers

- never above the cap: a reviewer's open assignments plus the proposed ones stay at or below
  ``cap``;
- never a member of the applicant organisation, never one flagged for it (a declared conflict
  towards the organisation), never one with an assignment of the current round (active,
  declined, recused or removed: a declined reviewer is not asked again), never twice;
- never one who is unavailable: not available before a date later than the due date (today
  plus the programme's review period);
- the least loaded first; among the least loaded a sector match first; then by id (a stable
  order).

The balance guarantee: after the proposal, for every proposed pair (application A,
reviewer R) and every other reviewer S who could still take A (eligible for A, not picked for
A, below the cap), ``load(R) <= load(S) + 1``, where a load is the open assignments plus the
proposed ones. (Otherwise moving A from R to S would even out the load.) And an application
keeps a slot unfilled only when no eligible reviewer below the cap is left for it.

A sector match decides only among the least loaded: preferring it over a less loaded
reviewer would break the guarantee. The picks are made one slot at a time, round-robin over
the applications (oldest first), then evened out by moving single picks while a pick breaks
the guarantee; each move lowers the sum of the squared loads, so this ends.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Opening:
    """An application lacking reviewers."""

    id: int
    organization_id: int
    sector_id: int | None
    needed: int
    # Reviewers with any assignment of the current round (never proposed again).
    assigned: frozenset = frozenset()
    review_days: int = 0


@dataclass(frozen=True)
class Reviewer:
    """A member of the expert project, as the proposal sees them."""

    id: int
    organization_ids: frozenset = frozenset()
    sector_ids: frozenset = frozenset()
    available_from: datetime.date | None = None
    open_count: int = 0


@dataclass(frozen=True)
class Pick:
    application_id: int
    reviewer_id: int
    sector_match: bool
    # The reviewer's open assignments before the proposal, and with every proposed one.
    open_before: int
    load: int


@dataclass
class Proposal:
    picks: list = field(default_factory=list)
    # application id → reviewers still missing after the proposal (no one eligible is left)
    unfilled: dict = field(default_factory=dict)
    # reviewer id → open assignments with the proposed ones
    loads: dict = field(default_factory=dict)


def is_available(opening: Opening, reviewer: Reviewer, today: datetime.date) -> bool:
    """Not available before a date after the due date (today + review period): skipped."""
    if reviewer.available_from is None:
        return True
    return reviewer.available_from <= today + datetime.timedelta(days=opening.review_days)


def is_eligible(opening: Opening, reviewer: Reviewer, flags: Mapping, today: datetime.date) -> bool:
    """May be proposed for the application at all (the cap aside)."""
    return (
        reviewer.id not in opening.assigned
        and opening.organization_id not in reviewer.organization_ids
        and reviewer.id not in flags.get(opening.organization_id, ())
        and is_available(opening, reviewer, today)
    )


def sector_match(opening: Opening, reviewer: Reviewer) -> bool:
    return opening.sector_id is not None and opening.sector_id in reviewer.sector_ids


def propose(
    openings: Iterable[Opening],
    reviewers: Iterable[Reviewer],
    flags: Mapping,
    cap: int,
    today: datetime.date,
) -> Proposal:
    """The proposal for ``openings`` (see the module's docstring for the rules)."""
    openings = sorted((o for o in openings if o.needed > 0), key=lambda o: o.id)
    reviewers = sorted(reviewers, key=lambda r: r.id)
    by_id = {r.id: r for r in reviewers}
    load = {r.id: r.open_count for r in reviewers}
    # Per application: its eligible reviewers as (id, not a sector match), in id order.
    eligible = {
        o.id: [(r.id, not sector_match(o, r)) for r in reviewers if is_eligible(o, r, flags, today)]
        for o in openings
    }
    chosen = {o.id: [] for o in openings}

    def best(opening):
        """The least loaded eligible reviewer below the cap not yet picked for it, or None."""
        taken = chosen[opening.id]
        options = [
            (load[rid], other, rid)
            for rid, other in eligible[opening.id]
            if load[rid] < cap and rid not in taken
        ]
        return min(options)[2] if options else None

    def fill():
        """Round-robin: each application lacking reviewers gets one pick per pass."""
        added = False
        waiting = [o for o in openings if len(chosen[o.id]) < o.needed]
        while waiting:
            still = []
            for opening in waiting:
                rid = best(opening)
                if rid is None:
                    continue
                chosen[opening.id].append(rid)
                load[rid] += 1
                added = True
                if len(chosen[opening.id]) < opening.needed:
                    still.append(opening)
            waiting = still
        return added

    def even_out():
        """Move single picks to a reviewer with at least two fewer open assignments."""
        moved_any, moved = False, True
        while moved:
            moved = False
            for opening in openings:
                picks = chosen[opening.id]
                for index, rid in enumerate(picks):
                    other = best(opening)
                    if other is not None and load[rid] >= load[other] + 2:
                        picks[index] = other
                        load[rid] -= 1
                        load[other] += 1
                        moved = moved_any = True
        return moved_any

    while True:
        filled = fill()
        moved = even_out()
        if not filled and not moved:
            break

    proposal = Proposal(loads=dict(load))
    for opening in openings:
        for rid in chosen[opening.id]:
            reviewer = by_id[rid]
            proposal.picks.append(
                Pick(
                    application_id=opening.id,
                    reviewer_id=rid,
                    sector_match=sector_match(opening, reviewer),
                    open_before=reviewer.open_count,
                    load=load[rid],
                )
            )
        missing = opening.needed - len(chosen[opening.id])
        if missing > 0:
            proposal.unfilled[opening.id] = missing
    return proposal


def eligible_reviewers(
    opening: Opening, reviewers: Iterable[Reviewer], flags: Mapping, today: datetime.date
) -> list:
    """Who may be chosen for the application by hand (the cap aside), in id order."""
    return [
        r for r in sorted(reviewers, key=lambda r: r.id) if is_eligible(opening, r, flags, today)
    ]
