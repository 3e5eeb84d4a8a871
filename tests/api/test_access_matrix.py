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
