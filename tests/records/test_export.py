"""The export for an access request: the company's data, never the reviewers' or the board's."""

import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from applications import services as application_services
from applications import thread
from applications.models import Application
from decisions import services as decision_services
from funding.models import AccessLog
from records import export
from reviews import services as review_services
from tests import factories, states
from tests.helpers import close_file

from . import worlds
from .worlds import at

pytestmark = pytest.mark.django_db

OBJECTION = "Intern: Zweifel an der Bonität des Geschäftsführers."
CONFLICT_NOTE = "Ich berate die Firma seit Jahren."
REVIEW_TEXT = "Vertraulich: das Konzept ist schwach begründet."
APPLICATION_KEYS = {field.name for field in Application._meta.concrete_fields} | {
    "versions",
    "documents",
    "decisions",
    "letters",
    "messages",
    "history",
}


class World:
    """One company with an approved application (reviews, an objected proposal, a letter),
    a submitted one a reviewer declared a conflict on, and a draft with two equal file names."""

    def __init__(self):
        self.organization = factories.OrganizationFactory(name="Werkhof Beispiel gGmbH")
        self.member = factories.applicant(
            organization=self.organization, first_name="Mia", last_name="Mitglied"
        )
        programme = worlds.programme(four_eyes=True)
        self.coordinator = factories.coordinator(
            username="koordination1", first_name="Karla", last_name="Koordinatorin"
        )
        self.reviewers = [
            factories.reviewer(
                username=f"geheim{n}", first_name="Renate", last_name=f"Verborgen{n}"
            )
            for n in (1, 2)
        ]
        self.board = [
            factories.board_member(username="vorstand1", first_name="Bodo", last_name="Bedenken"),
            factories.board_member(username="vorstand2", first_name="Berta", last_name="Beirat"),
        ]
        common = {"programme": programme, "organization": self.organization,
                  "created_by": self.member}  # fmt: skip
        self.approved = self._approved(common)
        self.conflicted = states.submitted(**common)
        assignment = review_services.assign_reviewer(
            self.coordinator, self.conflicted, self.reviewers[0]
        )
        review_services.declare_conflict(
            self.reviewers[0], assignment, has_conflict=True, note=CONFLICT_NOTE
        )
        self.draft = states.draft(**common)
        for _n in range(2):
            application_services.add_document(
                self.member, self.draft, "other", states.pdf("Plan.pdf")
            )

    def _approved(self, common):
        application = states.submitted(**common)
        for reviewer in self.reviewers:
            review_services.assign_reviewer(self.coordinator, application, reviewer)
        review_services.start_review(self.coordinator, application)
        for reviewer in self.reviewers:
            states.review(reviewer, application, comment=REVIEW_TEXT)
        application.refresh_from_db()
        first, second = self.board
        for member in self.board:
            states.board_declares(member, application)
        proposal = decision_services.propose_decision(
            first, application, "reject", reasons="Zu riskant."
        )
        decision_services.object_to_decision(second, proposal, OBJECTION)
        proposal = decision_services.propose_decision(
            first, application, "approve", amount=application.requested_amount,
            conditions="Jährlicher Verwendungsnachweis.",
        )  # fmt: skip
        decision_services.confirm_decision(second, proposal)
        application.refresh_from_db()
        worlds.produced_on(application.letters.get(), at(2026, 5, 2), b"%PDF-1.7 Bescheid")
        return application

    def forbidden(self):
        """Texts that must never be in the export."""
        names = []
        for user in [*self.reviewers, *self.board, self.coordinator]:
            names += [user.last_name, user.username, user.email]
        return [*names, OBJECTION, CONFLICT_NOTE, REVIEW_TEXT, "score_", "recommendation"]


@pytest.fixture
def world():
    # Transition descriptions are stored in the language active when they happen.
    with translation.override("de"):
        return World()


def unzip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def exported(organization):
    buffer = io.BytesIO()
    count = export.write_zip(organization, buffer)
    return count, unzip(buffer.getvalue())


def test_the_zip_holds_exactly_the_json_the_documents_and_the_letters(world):
    count, files = exported(world.organization)
    approved, conflicted, draft = world.approved.reference, world.conflicted.reference, world.draft
    assert count == 3
    assert set(files) == {
        "organization.json",
        f"documents/{approved}/business_plan.pdf",
        f"letters/{approved}/Bescheid-{approved}-1.pdf",
        f"documents/{conflicted}/business_plan.pdf",
        f"documents/draft-{draft.pk}/business_plan.pdf",
        f"documents/draft-{draft.pk}/Plan.pdf",
        f"documents/draft-{draft.pk}/Plan (2).pdf",
    }
    assert files[f"letters/{approved}/Bescheid-{approved}-1.pdf"] == b"%PDF-1.7 Bescheid"


def test_the_json_has_the_company_its_members_and_its_applications(world):
    data = json.loads(exported(world.organization)[1]["organization.json"])
    assert set(data) == {"format", "exported_at", "organization", "members", "applications"}
    assert set(data["organization"]) == set(export.ORGANIZATION_FIELDS)
    assert data["organization"]["name"] == "Werkhof Beispiel gGmbH"
    assert [(m["name"], m["email"]) for m in data["members"]] == [
        ("Mia Mitglied", world.member.email)
    ]
    applications = data["applications"]
    assert [a["reference"] for a in applications] == [
        world.approved.reference,
        world.conflicted.reference,
        None,
    ]
    for application in applications:
        assert set(application) == APPLICATION_KEYS
    approved = applications[0]
    assert approved["created_by"] == "Mia Mitglied"
    assert approved["purpose"] == world.approved.purpose
    assert approved["requested_amount"] == "60000.00"
    assert [v["number"] for v in approved["versions"]] == [1]
    assert approved["versions"][0]["snapshot"]["title"] == world.approved.title
    # Only the confirmed decision, as the letter states it; no proposer, no objection.
    assert approved["decisions"] == [
        {
            "outcome": "approve",
            "decided_at": approved["decisions"][0]["decided_at"],
            "amount": "60000.00",
            "instrument": "loan",
            "loan_term_months": 84,
            "interest_rate": "1.50",
            "grace_period_months": 12,
            "conditions": "Jährlicher Verwendungsnachweis.",
            "reasons": "",
        }
    ]
    assert [(d["kind"], d["file"]) for d in approved["documents"]] == [
        ("business_plan", f"documents/{world.approved.reference}/business_plan.pdf")
    ]


def test_the_history_names_members_and_otherwise_only_roles(world):
    data = json.loads(exported(world.organization)[1]["organization.json"])
    history = data["applications"][0]["history"]
    assert [(h["transition"], h["by"], h["description"]) for h in history] == [
        ("submit", "Mia Mitglied", "Fassung 1"),
        ("start_review", "Koordinierungsstelle", ""),
        ("complete_review", export_label("Expert reviewer"), ""),
        ("approve", "Vorstand", ""),
    ]
    assert set(history[0]) == {"at", "transition", "from", "to", "by", "description"}


def export_label(text):
    with translation.override("de"):
        return translation.gettext(text)


def test_nothing_of_the_reviews_the_board_or_the_office_is_in_it(world):
    files = exported(world.organization)[1]
    text = files["organization.json"].decode()
    for forbidden in world.forbidden():
        assert forbidden not in text, forbidden
    # The texts exist in the database: the test would notice them.
    assert "Verborgen1" in str(world.reviewers[0].get_full_name())


def test_an_erased_application_is_exported_as_its_tombstone(
    world, django_capture_on_commit_callbacks
):
    from records import services

    with django_capture_on_commit_callbacks(execute=True):
        services.erase_application(world.conflicted, at(2030, 1, 1))
    data = json.loads(exported(world.organization)[1]["organization.json"])
    conflicted = data["applications"][1]
    assert (conflicted["purpose"], conflicted["documents"], conflicted["erased_at"]) == (
        "",
        [],
        "2030-01-01T09:00:00+00:00",
    )


# ----- the page and the command --------------------------------------------------------------


def test_the_coordination_office_downloads_it_and_the_export_is_logged(client, world):
    client.force_login(world.coordinator)
    url = reverse("records-export-organization", args=[world.organization.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Werkhof Beispiel gGmbH" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "Auskunft-Werkhof_Beispiel_gGmbH-" in response["Content-Disposition"]
    assert "organization.json" in unzip(close_file(response))
    assert list(AccessLog.objects.values_list("user", "action", "organization_id", "detail")) == [
        (world.coordinator.pk, "export", world.organization.pk, log_detail(3))
    ]


def log_detail(n):
    with translation.override("de"):
        return translation.gettext("%(n)s application(s)") % {"n": n}


@pytest.mark.parametrize("role", ["reviewer", "board_member", "applicant"])
def test_nobody_else_exports(client, world, role):
    client.force_login(getattr(factories, role)())
    url = reverse("records-export-organization", args=[world.organization.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not AccessLog.objects.exists()


def test_a_coordinator_does_not_export_their_own_organisation(client, world):
    factories.MembershipFactory(user=world.coordinator, organization=world.organization)
    client.force_login(world.coordinator)
    url = reverse("records-export-organization", args=[world.organization.pk])
    assert client.post(url).status_code == 403
    assert not AccessLog.objects.exists()


def test_the_command_writes_the_zip(world, tmp_path):
    target = tmp_path / "export.zip"
    out = StringIO()
    call_command("export_organization", str(world.organization.pk), str(target), stdout=out)
    assert out.getvalue() == (f"Exported Werkhof Beispiel gGmbH: 3 application(s) to {target}.\n")
    assert "organization.json" in unzip(target.read_bytes())
    assert not AccessLog.objects.exists()


def test_the_command_logs_the_export_under_a_user(world, tmp_path):
    target = tmp_path / "export.zip"
    call_command(
        "export_organization", str(world.organization.pk), str(target),
        "--by", world.coordinator.username, stdout=StringIO(),
    )  # fmt: skip
    assert list(AccessLog.objects.values_list("user", "action", "organization_id")) == [
        (world.coordinator.pk, "export", world.organization.pk)
    ]


def test_the_command_refuses_an_unknown_organisation_or_a_user_without_the_right(world, tmp_path):
    with pytest.raises(CommandError, match="No organisation with id 0"):
        call_command("export_organization", "0", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="may not export"):
        call_command(
            "export_organization", str(world.organization.pk), str(tmp_path / "x.zip"),
            "--by", world.reviewers[0].username,
        )  # fmt: skip
    assert not (tmp_path / "x.zip").exists()


def test_the_thread_is_exported_and_the_office_speaks_as_the_office(world):
    thread.post_message(world.member, world.approved, "Wann kommt der Bescheid?")
    thread.post_message(world.coordinator, world.approved, "Diese Woche.")
    data = json.loads(exported(world.organization)[1]["organization.json"])
    [approved] = [a for a in data["applications"] if a["reference"] == world.approved.reference]
    assert [(m["from"], m["text"]) for m in approved["messages"]] == [
        ("Mia Mitglied", "Wann kommt der Bescheid?"),
        ("coordination_office", "Diese Woche."),
    ]
    text = json.dumps(data)
    for forbidden in world.forbidden():
        assert forbidden not in text, forbidden
