"""Board members declare on conflicts of interest per application and round before they read
it on the board's pages or propose, confirm or object; a conflict recuses them for good."""

import datetime
import logging

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from applications import services as application_services
from decisions import services
from decisions.models import Decision
from funding.errors import RuleViolation, StateConflict
from funding.models import AccessLog
from notifications.models import OutboxMail
from reviews import selectors as review_selectors
from reviews.models import ConflictDeclaration
from tests import factories, states


def german(msgid):
    """The text as the office's mail says it (German, the office's language)."""
    with translation.override("de"):
        return gettext(msgid)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Kind = ConflictDeclaration.Kind
HIDDEN = ("Review summary", "Programme budget", "Key facts", "Open proposal")
PROPOSAL = {
    "outcome": "reject",
    "reasons": "Die Finanzierung ist nicht gesichert.",
}


def assert_identifies_only(html, application):
    assert application.reference in html
    assert escape(application.title) in html
    assert escape(application.organization.name) in html
    for hidden in HIDDEN:
        assert hidden not in html, hidden
    assert "60,000" not in html  # the requested amount
    assert "Tragfähiges Konzept." not in html  # the reviews' comment


def row(declaration):
    return ConflictDeclaration.objects.filter(pk=declaration.pk).values().get()


@pytest.fixture
def board():
    """An application awaiting the decision, a proposal by a declared member, and a member."""
    application = states.awaiting_decision()
    (proposer,) = states.deciding_board(application, count=1)
    proposal = services.propose_decision(proposer, application, "reject", reasons="Nein.")
    member = factories.board_member(first_name="Bea", last_name="Befangen")
    return application, proposal, member


def assert_every_action_refused(client, application, proposal, member):
    decide = client.post(reverse("board-decide", args=[application.pk]), PROPOSAL)
    confirm = client.post(reverse("decision-confirm", args=[proposal.pk]))
    objection = client.post(reverse("decision-object", args=[proposal.pk]), {"note": "Nein."})
    assert (decide.status_code, confirm.status_code, objection.status_code) == (403, 403, 403)
    with pytest.raises(PermissionDenied):
        services.confirm_decision(member, proposal)
    with pytest.raises(PermissionDenied):
        services.object_to_decision(member, proposal, "Nein.")
    with pytest.raises(PermissionDenied):
        application_services.return_for_revision(
            member, application, "Bitte.", datetime.date.today() + datetime.timedelta(days=14)
        )
    proposal.refresh_from_db()
    assert proposal.status == Decision.Status.OPEN


# ----- before declaring ----------------------------------------------------------------------


def test_before_declaring_a_member_sees_reference_title_company_and_the_form(client, board):
    application, proposal, member = board
    client.force_login(member)
    response = client.get(reverse("board-decide", args=[application.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert_identifies_only(html, application)
    assert "please declare whether you have a conflict of interest" in html
    assert reverse("board-declare", args=[application.pk]) in html
    assert 'name="kind"' in html and 'value="competitor"' in html
    assert "Nein." not in html  # the open proposal's reasons
    assert not AccessLog.objects.filter(user=member).exists()
    assert not rules.has_perm("decisions.read_application", member, application)
    assert not rules.has_perm("applications.read", member, application)
    assert_every_action_refused(client, application, proposal, member)


def test_declaring_no_conflict_opens_the_page_and_the_actions(client, board):
    application, proposal, member = board
    client.force_login(member)
    response = client.post(
        reverse("board-declare", args=[application.pk]), {"kind": "none", "note": ""}
    )
    assert response.status_code == 302
    html = client.get(reverse("board-decide", args=[application.pk])).content.decode()
    for shown in HIDDEN:
        assert shown in html
    assert "Your current declaration for this round: <strong>no conflict of interest</strong>" in (
        html
    )
    assert reverse("decision-confirm", args=[proposal.pk]) in html
    assert client.post(reverse("decision-confirm", args=[proposal.pk])).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.confirmed_by) == (Decision.Status.CONFIRMED, member)


def test_other_without_a_note_is_refused_beside_the_field(client, board):
    application, _proposal, member = board
    client.force_login(member)
    response = client.post(
        reverse("board-declare", args=[application.pk]), {"kind": "other", "note": " "}
    )
    assert response.status_code == 422
    assert "Please describe the conflict of interest." in response.content.decode()
    assert not ConflictDeclaration.objects.filter(user=member).exists()
    invalid = client.post(reverse("board-declare", args=[application.pk]), {"kind": "maybe"})
    assert invalid.status_code == 400


# ----- a declared conflict ---------------------------------------------------------------------


def test_a_conflicted_member_sees_only_what_identifies_it_and_every_action_is_refused(
    client, board, caplog
):
    application, proposal, member = board
    coordinator = factories.coordinator()
    client.force_login(member)
    with caplog.at_level(logging.INFO):
        response = client.post(
            reverse("board-declare", args=[application.pk]),
            {"kind": "business", "note": "Hausbank der Firma."},
        )
    assert response.status_code == 302
    declaration = ConflictDeclaration.objects.get(user=member)
    assert (declaration.role, declaration.kind, declaration.round, declaration.has_conflict) == (
        "board",
        "business",
        application.submission_count,
        True,
    )
    # The recusal is in the log, and the office is told.
    messages = [record.getMessage() for record in caplog.records]
    assert (
        f"Conflict declaration {declaration.pk}: user {member.pk} (board) on application "
        f"{application.pk} round 1: business" in messages
    )
    assert (
        f"Board member {member.pk} recused from application {application.pk} round 1 (business)"
        in messages
    )
    mail = OutboxMail.objects.get(kind="board_recused")
    assert coordinator.email in mail.recipients and member.email not in mail.recipients
    assert "Bea Befangen" in mail.body and german("business relation") in mail.body
    assert application.reference in mail.subject

    html = client.get(reverse("board-decide", args=[application.pk])).content.decode()
    assert_identifies_only(html, application)
    assert "You have declared a conflict of interest for this application." in html
    assert "Hausbank der Firma." in html  # their own declaration
    assert not rules.has_perm("decisions.read_letters", member, application)
    assert_every_action_refused(client, application, proposal, member)


def test_a_conflict_stands_only_its_type_can_be_corrected_and_nothing_is_edited(board):
    application, _proposal, member = board
    first = services.declare_board_conflict(member, application, Kind.NONE)
    before = row(first)
    second = services.declare_board_conflict(member, application, Kind.PERSONAL, "Schwager.")
    with pytest.raises(RuleViolation) as refused:
        services.declare_board_conflict(member, application, Kind.NONE)
    assert list(refused.value.errors) == ["kind"]
    third = services.declare_board_conflict(member, application, Kind.OTHER, "Schwager, Beirat.")
    assert row(first) == before
    assert (second.supersedes_id, third.supersedes_id) == (first.pk, second.pk)
    history = review_selectors.declaration_history(application, user=member)
    assert [(d.kind, d.is_current) for d in history] == [
        ("none", False),
        ("personal", False),
        ("other", True),
    ]
    # Only the first conflict recused (one mail); the correction of its type tells nobody.
    assert OutboxMail.objects.filter(kind="board_recused").count() == 1
    assert not rules.has_perm("decisions.decide", member, application)


def test_a_conflict_voids_the_members_own_open_proposal():
    application = states.awaiting_decision()
    (member,) = states.deciding_board(application, count=1)
    proposal = services.propose_decision(member, application, "reject", reasons="Nein.")
    services.declare_board_conflict(member, application, Kind.COMPETITOR)
    proposal.refresh_from_db()
    assert proposal.status == Decision.Status.VOID
    assert proposal.closing_note == "Void: the proposer declared a conflict of interest."
    mail = OutboxMail.objects.get(kind="board_recused")
    assert german("Their open proposal for this application is void.") in mail.body


def test_who_may_declare_and_when(board):
    application, _proposal, member = board
    reviewed = application.assignments.first().reviewer
    reviewed.groups.add(*member.groups.all())  # a reviewer of it, also on the board
    insider = factories.board_member()
    factories.MembershipFactory(user=insider, organization=application.organization)
    outsiders = (factories.coordinator(), factories.reviewer(), application.created_by)
    for user in (*outsiders, insider, reviewed):
        with pytest.raises(PermissionDenied):
            services.declare_board_conflict(user, application, Kind.NONE)
    in_review = states.in_review_application()
    with pytest.raises(StateConflict):
        services.declare_board_conflict(member, in_review, Kind.NONE)
    assert not ConflictDeclaration.objects.filter(role="board", user__in=[member, reviewed])
    assert services.declare_board_conflict(member, application, Kind.NONE).role == "board"


def test_a_new_round_needs_a_new_declaration(board):
    application, _proposal, member = board
    services.declare_board_conflict(member, application, Kind.NONE)
    assert rules.has_perm("decisions.decide", member, application)
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    application = application_services.return_for_revision(member, application, "Bitte.", deadline)
    application = application_services.submit(
        application.created_by, application, states.DECLARATIONS
    )
    assert application.submission_count == 2
    assert not rules.has_perm("decisions.decide", member, application)


def test_a_board_conflict_flags_the_member_for_the_companys_later_applications(board):
    application, _proposal, member = board
    services.declare_board_conflict(member, application, Kind.SAME_ORGANIZATION)
    flags = review_selectors.conflict_flags([application.organization_id])
    assert member.pk in flags[application.organization_id]


def test_a_conflicted_member_gets_no_mail_about_proposals():
    application = states.awaiting_decision()
    proposer, colleague = states.deciding_board(application)
    conflicted = factories.board_member()
    services.declare_board_conflict(conflicted, application, Kind.COMPETITOR)
    services.propose_decision(proposer, application, "reject", reasons="Nein.")
    mail = OutboxMail.objects.get(kind="decision_proposed")
    assert mail.recipients == [colleague.email]
