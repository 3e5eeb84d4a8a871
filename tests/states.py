"""Reach each state through the services, as the people involved would."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from decisions import services as decision_services
from reviews import services as review_services
from tests import factories

DECLARATIONS = {"declared_truthful": True, "declared_de_minimis": True, "declared_authorized": True}


def pdf(name="doc.pdf", body=b""):
    return SimpleUploadedFile(name, factories.PDF_BYTES + body, content_type="application/pdf")


def draft(**kwargs):
    """A complete draft with every required document attached."""
    application = factories.ApplicationFactory(**kwargs)
    for kind in application.programme.required_documents:
        services.add_document(application.created_by, application, kind, pdf(f"{kind}.pdf"))
    return application


def submitted(**kwargs):
    application = draft(**kwargs)
    return services.submit(application.created_by, application, DECLARATIONS)


def with_reviewers(count=None, application=None, **kwargs):
    application = application or submitted(**kwargs)
    coordinator = factories.coordinator()
    count = count or application.programme.reviews_required
    reviewers = [factories.reviewer() for _ in range(count)]
    for reviewer in reviewers:
        review_services.assign_reviewer(coordinator, application, reviewer)
    return application, coordinator, reviewers


def in_review(**kwargs):
    application, coordinator, reviewers = with_reviewers(**kwargs)
    application = review_services.start_review(coordinator, application)
    return application, coordinator, reviewers


# A review against the default rubric (``score_<criterion key>``): total 4.00.
REVIEW = {
    "score_viability": 4,
    "score_employment": 5,
    "score_cooperation": 4,
    "score_risk": 3,
    "score_management": 4,
    "confidence": "high",
    "recommendation": "approve",
    "comment": "Tragfähiges Konzept.",
}


def review(reviewer, application, **overrides):
    assignment = application.assignments.get(reviewer=reviewer, round=application.submission_count)
    review_services.declare_conflict(reviewer, assignment, has_conflict=False)
    return review_services.submit_review(reviewer, assignment, {**REVIEW, **overrides})


def awaiting_decision(**kwargs):
    application, coordinator, reviewers = in_review(**kwargs)
    for reviewer in reviewers:
        review(reviewer, application)
    application.refresh_from_db()
    return application


def board_declares(user, application, kind="none", note=""):
    """A board member declares on conflicts of interest for the application's current round
    (by default: no conflict), as they must before reading it or deciding."""
    return decision_services.declare_board_conflict(user, application, kind, note)


def deciding_board(application, count=2):
    """Board members who declared no conflict for the application (to propose and confirm)."""
    members = [factories.board_member() for _ in range(count)]
    for member in members:
        board_declares(member, application)
    return members


def approved(amount=None, **kwargs):
    application = awaiting_decision(**kwargs)
    first, second = deciding_board(application)
    decision = decision_services.propose_decision(
        first,
        application,
        "approve",
        amount=amount or application.requested_amount,
        conditions="Jährlicher Verwendungsnachweis.",
    )
    decision_services.confirm_decision(second, decision)
    application.refresh_from_db()
    return application


def returned(**kwargs):
    application = submitted(**kwargs)
    coordinator = factories.coordinator()
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    return services.return_for_revision(coordinator, application, "Bitte ergänzen.", deadline)


def rejected(**kwargs):
    application = awaiting_decision(**kwargs)
    first, second = deciding_board(application)
    decision = decision_services.propose_decision(
        first, application, "reject", reasons="Die Finanzierung ist nicht gesichert."
    )
    decision_services.confirm_decision(second, decision)
    application.refresh_from_db()
    return application


def withdrawn(**kwargs):
    application = submitted(**kwargs)
    return services.withdraw(application.created_by, application, "Projekt verschoben.")


def in_review_application(**kwargs):
    """Like ``in_review`` but returns only the application."""
    return in_review(**kwargs)[0]


def with_reviewers_application(**kwargs):
    """A submitted application with enough reviewers assigned to start the review."""
    return with_reviewers(**kwargs)[0]


# Every state by its name, reached through the services; each returns the application.
REACH = {
    "draft": draft,
    "submitted": with_reviewers_application,
    "returned": returned,
    "in_review": in_review_application,
    "awaiting_decision": awaiting_decision,
    "approved": approved,
    "rejected": rejected,
    "withdrawn": withdrawn,
}


def reach(state, **kwargs):
    return REACH[state](**kwargs)
