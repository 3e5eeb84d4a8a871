"""The whole journey in the browser's place: six people, one application, draft to letter."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_fsm_log.models import StateLog

from applications.models import Application, State
from decisions.models import DecisionLetter
from tests import factories
from tests.helpers import close_file

# Real commits, so that on-commit work (the letter) runs; keep the groups of the migration.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECTIONS = {
    "project": {
        "title": "Inklusive Fahrradwerkstatt",
        "purpose": "Aufbau einer Werkstatt für Dienstfahrräder regionaler Betriebe.",
        "cost_items": "Werkbänke 30.000 €\nLastenrad-Prüfstand 50.000 €\nUmbau 20.000 €",
        "eligible_costs": "100000",
        "planned_start": "2027-04-01",
    },
    "financing": {
        "requested_amount": "60000",
        "instrument": "loan",
        "loan_term_months": "96",
        "interest_rate": "1,0",
        "grace_period_months": "12",
        "own_contribution": "25000",
        "other_funding": "15000",
        "other_funders": "Stiftung Wohlfahrtspflege",
    },
    "employment": {
        "staff_total": "24",
        "staff_severely_disabled": "10",
        "jobs_new": "3",
        "jobs_secured": "1",
    },
    "cooperation": {
        "cooperation_partner": "Stadtwerke Musterstadt GmbH",
        "cooperation_description": "Wartung der Dienstfahrradflotte des Partners.",
    },
    "de_minimis": {"de_minimis_received": "0", "de_minimis_details": ""},
}
REVIEW = {
    "score_viability": "4",
    "score_employment": "5",
    "score_cooperation": "4",
    "score_risk": "3",
    "score_management": "4",
    "confidence": "high",
    "recommendation": "approve",
    "comment": "Solide Planung.",
}


def post(client, user, url, data=None, expect=302):
    client.force_login(user)
    response = client.post(url, data or {})
    assert response.status_code == expect, response.content.decode()[:2000]
    return response


def test_the_whole_journey(client):
    programme = factories.ProgrammeFactory(opens_on=datetime.date(2026, 1, 1))
    company = factories.OrganizationFactory()
    applicant = factories.applicant(organization=company)
    coordinator = factories.coordinator()
    reviewers = [factories.reviewer(), factories.reviewer()]
    board = [factories.board_member(), factories.board_member()]

    # The company writes a draft, section by section, and attaches the documents.
    post(
        client,
        applicant,
        reverse("application-new"),
        {"programme": programme.pk, "organization": company.pk, "title": "Entwurf"},
    )
    application = Application.objects.get(organization=company)
    for section, data in SECTIONS.items():
        application.refresh_from_db()
        url = reverse("application-section", args=[application.pk, section])
        post(client, applicant, url, {**data, "version": application.version})
    for kind in programme.required_documents:
        upload = SimpleUploadedFile(f"{kind}.pdf", factories.PDF_BYTES + kind.encode())
        post(
            client,
            applicant,
            reverse("application-documents", args=[application.pk]),
            {"kind": kind, "file": upload},
        )
    declarations = {
        "declared_truthful": "on",
        "declared_de_minimis": "on",
        "declared_authorized": "on",
    }
    post(client, applicant, reverse("application-submit", args=[application.pk]), declarations)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert application.eligible_costs == 100000

    # The coordination office assigns two experts and starts the review.
    for reviewer in reviewers:
        post(
            client,
            coordinator,
            reverse("review-assign", args=[application.pk]),
            {"reviewer": reviewer.pk},
        )
    post(client, coordinator, reverse("review-start", args=[application.pk]))

    # Each expert declares no conflict, then reviews; the last review closes the round.
    for reviewer in reviewers:
        assignment = application.assignments.get(reviewer=reviewer)
        post(
            client,
            reviewer,
            reverse("assignment-declare", args=[assignment.pk]),
            {"kind": "none"},
        )
        post(client, reviewer, reverse("review-form", args=[assignment.pk]), REVIEW)
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION

    # Two board members declare no conflict of interest, then decide with four eyes.
    for member in board:
        post(client, member, reverse("board-declare", args=[application.pk]), {"kind": "none"})
    post(
        client,
        board[0],
        reverse("board-decide", args=[application.pk]),
        {
            "outcome": "approve",
            "amount": "60000",
            "instrument": "loan",
            "loan_term_months": "96",
            "interest_rate": "1,0",
            "grace_period_months": "12",
            "conditions": "Jährlicher Verwendungsnachweis.",
        },
    )
    decision = application.decisions.get()
    mail.outbox.clear()
    post(client, board[1], reverse("decision-confirm", args=[decision.pk]))
    application.refresh_from_db()
    assert application.state == State.APPROVED

    # The letter was produced and mailed; the company downloads the same bytes.
    letter = application.letters.get()
    assert letter.status == DecisionLetter.Status.SENT
    letter_mails = [m for m in mail.outbox if m.attachments]
    assert len(letter_mails) == 1
    assert company.contact_email in letter_mails[0].to
    client.force_login(applicant)
    response = client.get(reverse("letter-download", args=[application.pk, letter.pk]))
    assert response.status_code == 200
    content = close_file(response)
    assert content == letter_mails[0].attachments[0][1]
    logged = StateLog.objects.for_(application).order_by("id")
    assert list(logged.values_list("transition", flat=True)) == [
        "submit",
        "start_review",
        "complete_review",
        "approve",
    ]
