"""The whole journey by six people in a real browser (Debian's Chromium through Playwright).

The company drafts in German (amounts like "20.000", the rate "1,5"), uploads PDFs and submits;
the coordination office returns it once, then assigns two reviewers and starts the round; both
reviewers declare and review; two board members propose and confirm; the company downloads the
letter. Everyone logs in through the real login page (no second factor in the test settings).
Factories make the people and the programme only; everything else happens in the browser.

Every page reached is audited at 1280 and 320 px (axe-core, WCAG 2.1 A and AA: zero
violations) and checked for sideways scrolling at 320, 640 and 1280 px (tests/browser/support.py;
admin pages are not audited, see there). Each role's start page is saved as a screenshot
(German, 1280 px) under ``BROWSER_ARTIFACTS`` (default ``var/browser/``).
"""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from applications.models import Application, State
from decisions.models import DecisionLetter
from reviews.models import Assignment
from tests import factories
from tests.browser.support import Auditor, Person

pytestmark = [
    pytest.mark.browser,
    # Committed data for the live server's thread; keep the groups of the migration.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# What the company types, as a German user writes it.
SECTIONS = {
    "project": {
        "title": "Inklusive Fahrradwerkstatt",
        "purpose": "Aufbau einer Werkstatt für Dienstfahrräder regionaler Betriebe.",
        "cost_items": "Werkbänke 30.000 €\nLastenrad-Prüfstand 50.000 €\nUmbau 20.000 €",
        "eligible_costs": "100.000",
        "planned_start": "2027-04-01",
    },
    "financing": {
        "requested_amount": "60.000",
        "instrument": "loan",
        "loan_term_months": "96",
        "interest_rate": "1,5",
        "grace_period_months": "12",
        "own_contribution": "20.000",
        "other_funding": "20.000",
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
    "de_minimis": {"de_minimis_received": "0"},
}
# How the form shows the German input again, once saved.
SHOWN_AGAIN = {
    "eligible_costs": "100.000,00",
    "requested_amount": "60.000,00",
    "interest_rate": "1,5",
    "own_contribution": "20.000,00",
    "other_funding": "20.000,00",
}
DECLARATIONS = {"declared_truthful": True, "declared_de_minimis": True, "declared_authorized": True}
REVIEW = {
    "score_viability": "4",
    "score_employment": "5",
    "score_cooperation": "4",
    "score_risk": "3",
    "score_management": "4",
    "confidence": "high",
    "recommendation": "approve",
    "comment": "Solide Planung, realistische Kosten.",
}


@pytest.fixture
def people(browser, live_server):
    """Opens a browser context per person; closes them all at the end."""
    auditor = Auditor()
    opened = []

    def person(label):
        someone = Person(browser, live_server.url, auditor, label)
        opened.append(someone)
        return someone

    person.auditor = auditor
    yield person
    for someone in opened:
        someone.close()


def form_to(person, url):
    return person.page.locator(f"main form[action='{url}']")


def test_six_people_carry_an_application_from_draft_to_letter(people):
    programme = factories.ProgrammeFactory(opens_on=datetime.date(2026, 1, 1))
    company = factories.OrganizationFactory()
    applicant_user = factories.applicant(organization=company)
    coordinator_user = factories.coordinator()
    reviewer_users = [factories.reviewer(), factories.reviewer()]
    board_users = [factories.board_member(), factories.board_member()]

    # --- The company: a draft in German numbers, documents, submission. -----------------------
    applicant = people("applicant")
    applicant.login(applicant_user.username)
    applicant.follow(f"main a[href='{reverse('application-new')}']")
    applicant.submit(
        applicant.form("[name='title']"),
        {"programme": programme.pk, "organization": company.pk, "title": "Entwurf"},
    )
    application = Application.objects.get(organization=company)
    for section, values in SECTIONS.items():
        url = reverse("application-section", args=[application.pk, section])
        applicant.visit(url)
        applicant.submit(applicant.form(f"[name='{next(iter(values))}']"), values)
        applicant.visit(url)
        for name in values.keys() & SHOWN_AGAIN.keys():
            shown = applicant.page.locator(f"main [name='{name}']").input_value()
            assert shown == SHOWN_AGAIN[name], (name, shown)
    application.refresh_from_db()
    assert application.interest_rate == Decimal("1.5")
    assert application.own_contribution == Decimal("20000")
    assert application.eligible_costs == Decimal("100000")

    documents_url = reverse("application-documents", args=[application.pk])
    applicant.visit(documents_url)
    for kind in programme.required_documents:
        upload = applicant.form("[name='file']")
        upload.locator("[name='file']").set_input_files(
            {
                "name": f"{kind}.pdf",
                "mimeType": "application/pdf",
                "buffer": factories.PDF_BYTES + kind.encode(),
            }
        )
        applicant.submit(upload, {"kind": kind})
    assert application.documents.count() == len(programme.required_documents)

    submit_url = reverse("application-submit", args=[application.pk])
    applicant.visit(submit_url)
    applicant.submit(applicant.form("[name='declared_truthful']"), DECLARATIONS)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED

    # --- The coordination office returns it once. ----------------------------------------------
    coordinator = people("coordinator")
    coordinator.login(coordinator_user.username)
    coordinator.screenshot("coordinator")
    # The list with its status filter (narrow screens: stacked rows, the filter wraps).
    coordinator.visit(reverse("application-list") + "?state=submitted")
    coordinator.follow(f"main a[href='{reverse('application-detail', args=[application.pk])}']")
    coordinator.visit(reverse("application-return", args=[application.pk]))
    deadline = (datetime.date.today() + datetime.timedelta(days=14)).isoformat()
    coordinator.submit(
        coordinator.form("[name='reason']"),
        {"reason": "Bitte den Finanzierungsplan erläutern.", "deadline": deadline},
    )
    application.refresh_from_db()
    assert application.state == State.RETURNED

    # The company reads the return and submits again.
    applicant.visit(reverse("application-list"))
    applicant.follow(f"main a[href='{reverse('application-detail', args=[application.pk])}']")
    applicant.visit(submit_url)
    applicant.submit(applicant.form("[name='declared_truthful']"), DECLARATIONS)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED

    # Error pages are in the app's look too: an unknown address, a GET on a POST-only one.
    coordinator.visit("/gibt-es-nicht/", status=404)
    coordinator.visit(reverse("review-start", args=[application.pk]), status=405)

    # --- The office assigns two reviewers and starts the round. ---------------------------------
    round_url = reverse("review-round", args=[application.pk])
    coordinator.visit(round_url)
    for reviewer_user in reviewer_users:
        coordinator.submit(
            form_to(coordinator, reverse("review-assign", args=[application.pk])),
            {"reviewer": reviewer_user.pk},
        )
    coordinator.submit(form_to(coordinator, reverse("review-start", args=[application.pk])))
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW

    # --- Both reviewers declare no conflict and review. ----------------------------------------
    for number, reviewer_user in enumerate(reviewer_users):
        reviewer = people(f"reviewer {number + 1}")
        reviewer.login(reviewer_user.username)
        if number == 0:
            reviewer.screenshot("reviewer")
        reviewer.visit(reverse("review-list"))
        assignment = Assignment.objects.get(application=application, reviewer=reviewer_user)
        reviewer.follow(f"main a[href='{reverse('assignment-detail', args=[assignment.pk])}']")
        reviewer.submit(
            form_to(reviewer, reverse("assignment-declare", args=[assignment.pk])),
            {"kind": "none"},
        )
        reviewer.submit(form_to(reviewer, reverse("review-form", args=[assignment.pk])), REVIEW)
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION

    # --- Two board members: one proposes (German numbers again), the other confirms. -----------
    decide_url = reverse("board-decide", args=[application.pk])
    declare_url = reverse("board-declare", args=[application.pk])
    proposer = people("board 1")
    proposer.login(board_users[0].username)
    proposer.screenshot("board")
    proposer.visit(reverse("board-queue"))
    every_column_shows(proposer)
    proposer.follow(f"main a[href='{decide_url}']")
    proposer.submit(form_to(proposer, declare_url), {"kind": "none"})
    decide_form = form_to(proposer, decide_url)
    assert decide_form.locator("[name='amount']").input_value() == "60.000,00"
    assert decide_form.locator("[name='interest_rate']").input_value() == "1,5"
    proposer.submit(
        decide_form,
        {
            "outcome": "approve",
            "amount": "55.000",
            "instrument": "loan",
            "loan_term_months": "96",
            "interest_rate": "1,25",
            "grace_period_months": "12",
            "conditions": "Jährlicher Verwendungsnachweis.",
        },
    )
    decision = application.decisions.get()
    assert (decision.amount, decision.interest_rate) == (Decimal("55000"), Decimal("1.25"))

    confirmer = people("board 2")
    confirmer.login(board_users[1].username)
    confirmer.visit(decide_url)
    confirmer.submit(form_to(confirmer, declare_url), {"kind": "none"})
    confirmer.submit(form_to(confirmer, reverse("decision-confirm", args=[decision.pk])))
    application.refresh_from_db()
    assert application.state == State.APPROVED

    # --- The company downloads the letter. -----------------------------------------------------
    letter = application.letters.get()
    assert letter.status == DecisionLetter.Status.SENT
    applicant.visit(reverse("home"))
    applicant.screenshot("applicant")
    applicant.visit(reverse("application-detail", args=[application.pk]))
    letter_url = reverse("letter-download", args=[application.pk, letter.pk])
    with applicant.page.expect_download() as download:
        applicant.page.locator(f"main a[href='{letter_url}']").first.click()
    content = Path(download.value.path()).read_bytes()
    assert content[:5] == b"%PDF-"
    with letter.file.open("rb") as stored:
        assert content == stored.read()

    # --- The office reads the year's report, with its charts, and registers a webhook. ----------
    coordinator.visit(
        f"{reverse('reporting-report')}?programme={programme.pk}&kind=year"
        f"&year={application.submitted_at.year}&basis=decided"
    )
    assert coordinator.page.locator("figure svg[role='img']").count() == 4
    coordinator.visit(reverse("webhooks-list"))

    audited = people.auditor.audited
    assert len(audited) > 30, audited
    findings = "\n".join(str(finding) for finding in people.auditor.findings)
    assert not findings, (
        f"{len(people.auditor.findings)} findings on {len(audited)} pages:\n{findings}"
    )


def every_column_shows(person):
    """The board's queue shows every column at 1280 px: no table cut, nothing to scroll."""
    cut = person.page.evaluate(
        """() => [...document.querySelectorAll('main table')].filter(table => {
             const box = (table.closest('.table-wrap, .table-scroll') || table.parentElement)
               .getBoundingClientRect();
             return [...table.querySelectorAll('th, td')]
               .some(cell => cell.getBoundingClientRect().right > box.right + 1);
           }).length"""
    )
    assert cut == 0
