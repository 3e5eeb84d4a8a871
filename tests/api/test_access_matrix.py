"""The access matrix through the API: every actor × every read endpoint × one application
awaiting the decision; the answers agree with the registered permissions the web asks (a
caller who may not read it gets 404, as on the web)."""

import pytest
import rules

from tests import factories, states

from .conftest import client_for

pytestmark = pytest.mark.django_db

READS = ("", "company/", "versions/", "versions/1/", "documents/")


@pytest.fixture
def world():
    """An application awaiting the decision and everyone around it."""
    application, coordinator, reviewers = states.in_review()
    for reviewer in reviewers:
        states.review(reviewer, application)
    application.refresh_from_db()
    (board,) = states.deciding_board(application, count=1)
    undeclared_board = factories.board_member()
    return application, {
        "member": application.created_by,
        "other_company": factories.applicant(),
        "coordinator": coordinator,
        "assigned_reviewer": reviewers[0],
        "other_reviewer": factories.reviewer(),
        "board": board,
        "board_undeclared": undeclared_board,
    }


# actor → (detail reads, list, transitions offered)
EXPECTED = {
    "member": (200, 200, ["withdraw"]),
    "other_company": (404, 200, None),
    "coordinator": (200, 200, []),
    "assigned_reviewer": (200, 403, []),
    "other_reviewer": (404, 403, None),
    "board": (200, 403, ["return_for_revision", "approve", "reject"]),
    "board_undeclared": (404, 403, []),
}


@pytest.mark.parametrize("actor", list(EXPECTED))
def test_the_matrix(world, actor):
    application, people = world
    user = people[actor]
    client = client_for(user)
    reads, listing, offered = EXPECTED[actor]
    base = f"/api/v1/applications/{application.pk}/"
    for suffix in READS:
        assert client.get(base + suffix).status_code == reads, suffix
    # the same answer as the registered permission the web asks
    may_read = rules.has_perm("applications.read", user, application)
    assert (reads == 200) == may_read
    assert client.get("/api/v1/applications/").status_code == listing
    if listing == 200:
        ids = [row["id"] for row in client.get("/api/v1/applications/").json()["results"]]
        assert (application.pk in ids) == (actor in ("member", "coordinator"))
    transitions = client.get(f"{base}transitions/")
    if offered is None:
        assert transitions.status_code == 404
    else:
        assert [row["name"] for row in transitions.json()] == offered
    change = client.patch(base, {"title": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert change.status_code == (404 if offered is None else 403 if actor != "member" else 409)


# Every GET of an application's resources, and the caller's own lists, for every actor: 200,
# 403 (the role may never do this, whatever the object) or 404 (the object is not theirs to
# see). Written from docs/design.md ("Roles"), not computed from the rules under test.
R, F, N = 200, 403, 404
OWN_LISTS = ("assignments/", "notifications/", "programmes/", "organisations/")
APPLICATION_GETS = (
    *READS,
    "log/",
    "letters/",
    "transitions/",
    "assignments/",
    "reviews/",
    "posts/",
)
# actor → (detail, company, versions, version 1, documents, log, letters, transitions,
#          the round's assignments, reviews, posts), then (own assignments, notifications,
#          programmes, organisations, the assignment proposal)
EVERY_GET = {
    # the company: its application, never the review round
    "member": ((R, R, R, R, R, R, R, R, F, F, F), (F, R, R, R, F)),
    # another company: nothing of it exists for them
    "other_company": ((N, N, N, N, N, N, N, N, F, N, N), (F, R, R, R, F)),
    # the office: everything, and the proposal; it has no assignments of its own
    "coordinator": ((R, R, R, R, R, R, R, R, R, R, R), (F, R, R, R, R)),
    # the reviewer who declared and reviewed: the application and the round's reviews and
    # discussion, never the letters
    "assigned_reviewer": ((R, R, R, R, R, R, N, R, F, R, R), (R, R, R, R, F)),
    # a reviewer never assigned to it: nothing of it
    "other_reviewer": ((N, N, N, N, N, N, N, N, F, N, N), (R, R, R, R, F)),
    # the board member who declared no conflict: all but the round's assignments
    "board": ((R, R, R, R, R, R, R, R, F, R, R), (F, R, R, R, F)),
    # a board member who has not declared: the letters and what they may do (declare), not
    # the content, the reviews or the discussion
    "board_undeclared": ((N, N, N, N, N, N, R, R, F, F, F), (F, R, R, R, F)),
}


@pytest.mark.parametrize("actor", list(EVERY_GET))
def test_every_get_for_every_actor(world, actor):
    application, people = world
    client = client_for(people[actor])
    base = f"/api/v1/applications/{application.pk}/"
    application_expected, own_expected = EVERY_GET[actor]
    answers = {suffix: client.get(base + suffix).status_code for suffix in APPLICATION_GETS}
    assert answers == dict(zip(APPLICATION_GETS, application_expected, strict=True))
    own = {path: client.get("/api/v1/" + path).status_code for path in OWN_LISTS}
    own["proposal"] = client.get(
        f"/api/v1/assignment-proposal/?programme={application.programme_id}"
    ).status_code
    assert own == dict(zip((*OWN_LISTS, "proposal"), own_expected, strict=True))
