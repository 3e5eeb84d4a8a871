"""``manage.py seed_demo``: every state through the services, idempotent, logins work.

The module's tests share one seeding (``seeded``): each runs in a transaction on top of it
that is rolled back afterwards, as with Django's ``setUpTestData``.
"""

import contextlib
import datetime
import io
from decimal import Decimal

import pytest
import rules
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.http import HttpRequest
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog
from pypdf import PdfReader

from applications.models import Application, ApplicationVersion, Document, State
from decisions.models import Decision, DecisionLetter
from demo.applications import REVIEWS, _application_data
from demo.pdf import demo_pdf
from demo.people import INTEGRA, PROGRAMME_NAME, USERS, WERKBANK
from funding.models import Membership, Organization, Programme, Sector
from notifications.models import OutboxMail
from reviews import rubric as scoring
from reviews import services as review_services
from reviews.models import (
    Assignment,
    ConflictDeclaration,
    Criterion,
    Post,
    PostRevision,
    Review,
    ReviewerProfile,
    Rubric,
    Score,
)
from reviews.selectors import conflict_flags
from reviews.summary import summary_for

pytestmark = pytest.mark.django_db

COUNTED = (
    get_user_model(),
    Organization,
    Membership,
    Programme,
    Application,
    ApplicationVersion,
    Document,
    ConflictDeclaration,
    Assignment,
    Review,
    Decision,
    DecisionLetter,
    StateLog,
    Rubric,
    Criterion,
    Score,
    Post,
    PostRevision,
    Sector,
    ReviewerProfile,
    OutboxMail,
)


def seed(capture):
    out = io.StringIO()
    with capture(execute=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@contextlib.contextmanager
def seeded_for_the_module(django_db_blocker, moment=None):
    """The demo seeded (at ``moment``, else now) in a transaction that is rolled back at the
    end; the tests inside run each in a transaction of their own on top (a savepoint), as
    with Django's ``setUpTestData``. Yields the command's output."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as the tests' own hasher
    output = io.StringIO()
    clock = time_machine.travel(moment, tick=True) if moment else contextlib.nullcontext()
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        with clock, TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    with seeded_for_the_module(django_db_blocker) as output:
        yield output


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def demo_applications():
    return Application.objects.filter(programme__name=PROGRAMME_NAME)


def story_applications():
    """Today's stories (every state), without the fund's past (``demo.past``)."""
    titles = [data["title"] for _org, data in _application_data().values()]
    return demo_applications().filter(title__in=titles)


def user(username):
    return get_user_model().objects.get(username=username)


def demo_application(key):
    """The demo application seeded under ``key`` (its title is unique in the demo)."""
    return demo_applications().get(title=_application_data()[key][1]["title"])


def test_second_run_changes_nothing(seeded, django_capture_on_commit_callbacks):
    before = counts()
    passwords = dict(get_user_model().objects.values_list("username", "password"))
    states = dict(demo_applications().values_list("pk", "state"))

    output = seed(django_capture_on_commit_callbacks)

    assert counts() == before
    assert dict(get_user_model().objects.values_list("username", "password")) == passwords
    assert dict(demo_applications().values_list("pk", "state")) == states
    assert "already present" in output


def test_every_state_is_present(seeded):
    present = set(demo_applications().values_list("state", flat=True))
    assert present == set(State.values)


def test_states_were_reached_through_the_services(seeded):
    for application in demo_applications().exclude(state=State.DRAFT):
        logged = StateLog.objects.for_(application).order_by("timestamp", "pk")
        assert logged.exists(), application.reference
        assert logged.last().state == application.state
        assert application.versions.count() == application.submission_count >= 1


def test_programme_accepts_submissions_today(seeded):
    programme = Programme.objects.get(name=PROGRAMME_NAME)
    assert programme.is_open(timezone.localdate())
    assert programme.budget == 2_000_000
    assert programme.max_amount == 150_000
    assert programme.reviews_required == 2
    assert programme.four_eyes


def test_two_companies_with_valid_letter_data(seeded):
    organizations = Organization.objects.filter(memberships__user__username__in=USERS).distinct()
    assert organizations.count() == 2
    for organization in organizations:
        organization.full_clean()  # IBAN and the 6 × 40 address window


def test_required_documents_are_valid_pdfs(seeded):
    submitted = demo_applications().exclude(state=State.DRAFT)
    for application in submitted:
        kinds = set(application.documents.values_list("kind", flat=True))
        assert set(application.programme.required_documents) <= kinds
    document = Document.objects.filter(application__in=submitted).first()
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == 1
    assert "Demo-Dokument" in reader.pages[0].extract_text()


def test_demo_pdf_is_well_formed():
    reader = PdfReader(io.BytesIO(demo_pdf(["Geschäftsplan", "Größe (ÄÖÜ) \\ €"])))
    assert "Geschäftsplan" in reader.pages[0].extract_text()


def test_returned_application_has_a_future_deadline(seeded):
    returned = demo_applications().get(state=State.RETURNED)
    assert returned.return_reason
    assert returned.return_deadline > timezone.localdate()


def test_a_review_due_tomorrow_and_one_overdue(seeded):
    today = timezone.localdate()
    open_reviews = Assignment.objects.filter(
        application__in=demo_applications(),
        application__state=State.IN_REVIEW,
        status=Assignment.Status.OPEN,
    )
    assert open_reviews.filter(due_on=today + datetime.timedelta(days=1)).exists()
    assert open_reviews.filter(due_on__lt=today).exists()


def test_decisions_with_four_eyes(seeded):
    approved = demo_application("approved")
    assert approved.state == State.APPROVED
    decision = approved.decisions.get(status=Decision.Status.CONFIRMED)
    assert decision.amount > 0
    assert decision.proposed_by != decision.confirmed_by
    assert approved.submission_count == 2  # returned once, resubmitted
    rejected = demo_application("rejected")
    assert rejected.state == State.REJECTED
    assert rejected.decisions.get(status=Decision.Status.CONFIRMED).reasons
    open_proposal = Decision.objects.filter(
        application__in=demo_applications(), status=Decision.Status.OPEN
    )
    assert open_proposal.get().application.state == State.AWAITING_DECISION


def test_approved_application_has_its_rendered_letter(seeded):
    approved = demo_application("approved")
    letter = approved.letters.get()
    assert letter.status in (DecisionLetter.Status.RENDERED, DecisionLetter.Status.SENT)
    assert letter.sha256
    with letter.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_every_demo_user_logs_in_with_demo(seeded, client):
    for username in USERS:
        # django-axes counts logins per request: the login carries one
        assert client.login(request=HttpRequest(), username=username, password="demo"), username
        client.logout()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_roles(seeded):
    User = get_user_model()
    groups = {
        user.username: set(user.groups.values_list("name", flat=True))
        for user in User.objects.filter(username__in=USERS)
    }
    assert groups["koordination"] == {"coordinators"}
    reviewers = [name for name, names in groups.items() if names == {"reviewers"}]
    board = [name for name, names in groups.items() if names == {"board"}]
    assert sorted(reviewers) == ["gutachter1", "gutachter2", "gutachter3"]
    assert sorted(board) == ["vorstand1", "vorstand2", "vorstand3"]
    assert Membership.objects.filter(user__username__in=["antrag", "antrag2"]).count() == 2
    # each demo company has its admin, who manages the company's users
    admins = Membership.objects.filter(is_admin=True).values_list("user__username", flat=True)
    assert sorted(admins) == ["antrag", "antrag2"]
    first, second = (
        Membership.objects.get(user__username=name).organization_id
        for name in ("antrag", "antrag2")
    )
    assert first != second


def test_prints_the_logins_table(seeded):
    for username in USERS:
        assert f"  {username} " in seeded
    assert "demo" in seeded
    assert "what to try" in seeded


# ----- the expert review (issue 8) ---------------------------------------------------------


def test_a_weighted_rubric_with_an_optional_and_an_informational_criterion(seeded):
    programme = Programme.objects.get(name=PROGRAMME_NAME)
    rubric = Rubric.objects.get(programme=programme)  # set before any review: no new version
    criteria = list(rubric.criteria.order_by("position"))
    assert [(c.key, c.weight, c.kind) for c in criteria] == [
        ("viability", Decimal("2.00"), "required"),
        ("employment", Decimal("2.00"), "required"),
        ("cooperation", Decimal("1.00"), "required"),
        ("risk", Decimal("1.50"), "required"),
        ("management", Decimal("1.00"), "optional"),
        ("site_visit", Decimal("1.00"), "informational"),
    ]
    site_visit = criteria[-1]
    assert (site_visit.name_de, site_visit.name_en) == (
        "Vor-Ort-Besuch empfohlen",
        "Site visit recommended",
    )
    assert site_visit.description_de == "1 = nicht nötig … 5 = dringend empfohlen"
    assert site_visit.description_en == "1 = not needed … 5 = strongly recommended"
    assert [(label["de"], label["en"]) for label in site_visit.labels] == [
        ("nicht nötig", "not needed"),
        ("eher nicht", "rather not"),
        ("möglich", "possible"),
        ("empfohlen", "recommended"),
        ("dringend empfohlen", "strongly recommended"),
    ]
    assert criteria[0].labels == scoring.DEFAULT_LABELS
    reviews = Review.objects.filter(assignment__application__programme=programme)
    stories = reviews.filter(assignment__application__in=story_applications())
    assert stories.count() == 8  # 2 each: disputed, proposed, approved, rejected
    for review in reviews:
        scores = dict(review.scores.values_list("criterion__key", "value"))
        assert review.rubric_id == rubric.pk
        assert review.confidence in {"low", "medium", "high"}
        assert set(scores) == {c.key for c in criteria}
        # the informational site visit is scored but never counted
        assert review.total_score == scoring.weighted_total(criteria[:-1], scores)
        assert review.total_score == scoring.weighted_total(criteria, scores)


def test_demo_reviews_state_confidence_and_site_visit():
    assert {name: review["confidence"] for name, review in REVIEWS.items()} == {
        "positive": "high",
        "conditions": "medium",
        "negative": "medium",
        "enthusiastic": "high",
        "sceptical": "medium",
    }
    assert all(review["score_site_visit"] in range(1, 6) for review in REVIEWS.values())


def test_the_disputed_application_shows_the_disagreement_flag(seeded):
    disputed = demo_application("awaiting_decision")
    summary = summary_for(disputed)
    assert disputed.state == State.AWAITING_DECISION
    assert [review.assignment.reviewer.username for review in summary.reviews] == [
        "gutachter1",
        "gutachter2",
    ]
    assert [review.confidence for review in summary.reviews] == ["high", "medium"]
    assert [review.total_score for review in summary.reviews] == [
        Decimal("4.87"),  # (2·5 + 2·5 + 4 + 1.5·5 + 5) / 7.5
        Decimal("2.53"),  # (2·3 + 2·2 + 3 + 1.5·2 + 3) / 7.5
    ]
    assert summary.totals.range == Decimal("2.34") > Decimal("1.5") == summary.threshold
    assert summary.disagreement
    assert [c.key for c in summary.informational] == ["site_visit"]
    tally = {value: count for value, _label, count in summary.recommendations if count}
    assert tally == {"approve": 1, "reject": 1}
    # a calmer application for contrast
    calm = summary_for(demo_application("proposed"))
    assert calm.count == 2
    assert not calm.disagreement


def test_board_members_declare_before_deciding(seeded):
    decisions = Decision.objects.filter(application__in=demo_applications())
    assert decisions.filter(application__in=story_applications()).count() == 3
    for decision in decisions:
        deciders = [decision.proposed_by, decision.confirmed_by]
        for member in filter(None, deciders):
            assert ConflictDeclaration.objects.filter(
                application=decision.application,
                user=member,
                role=ConflictDeclaration.Role.BOARD,
                kind=ConflictDeclaration.Kind.NONE,
            ).exists(), (decision.application.reference, member.username)


def test_a_typed_board_conflict(seeded):
    disputed = demo_application("awaiting_decision")
    declarations = ConflictDeclaration.objects.filter(
        application=disputed, role=ConflictDeclaration.Role.BOARD
    )
    assert sorted(declarations.values_list("user__username", "kind", "note")) == [
        ("vorstand1", "none", ""),
        ("vorstand2", "none", ""),
        (
            "vorstand3",
            "business",
            "Hausbank des Unternehmens: ich sitze im Kreditausschuss.",
        ),
    ]
    assert declarations.get(user__username="vorstand3").has_conflict
    assert rules.has_perm("decisions.decide", user("vorstand1"), disputed)
    assert not rules.has_perm("decisions.decide", user("vorstand3"), disputed)
    assert OutboxMail.objects.filter(kind="board_recused", application_id=disputed.pk).exists()


def test_a_reviewer_corrected_her_declaration_and_is_flagged(seeded, client):
    submitted = demo_application("submitted")
    first, correction = ConflictDeclaration.objects.filter(
        application=submitted, user__username="gutachter3"
    ).order_by("declared_at", "pk")
    assert (first.kind, first.note) == ("none", "")
    assert (correction.kind, correction.note) == (
        "prior_involvement",
        "Ich habe den Finanzplan im Vorfeld beraten.",
    )
    assert correction.supersedes_id == first.pk
    assignment = submitted.assignments.get(reviewer__username="gutachter3")
    assert assignment.status == Assignment.Status.RECUSED
    assert OutboxMail.objects.filter(kind="recused", application_id=submitted.pk).count() == 1
    # flagged for Werkbank's other submitted application
    second = demo_application("submitted_second")
    assert second.organization == submitted.organization
    assert second.state == State.SUBMITTED
    assert user("gutachter3").pk in conflict_flags([second.organization_id])[second.organization_id]
    client.force_login(user("koordination"))
    page = client.get(reverse("review-round", args=[second.pk])).content.decode()
    flags = page.split("notice warn", 1)[1].split("</div>", 1)[0]
    assert "Sabine Wolf" in flags


def test_a_declined_assignment_with_its_reason(seeded):
    declined = demo_application("submitted_declined")
    assignment = declined.assignments.get()
    assert assignment.reviewer.username == "gutachter3"
    assert assignment.status == Assignment.Status.DECLINED
    assert assignment.decline_reason == "Ich bin bis Ende Januar im Urlaub."
    assert OutboxMail.objects.filter(kind="declined", application_id=declined.pk).count() == 1
    # still short of reviewers: the proposal has rows and shows the reason
    proposal = review_services.propose_assignments(user("koordination"))
    assert proposal.rows
    assert {row.application.pk for row in proposal.rows} == {
        demo_application(key).pk for key in ("submitted", "submitted_second", "submitted_declined")
    }
    assert proposal.declined[declined.pk] == [
        (user("gutachter3"), "Ich bin bis Ende Januar im Urlaub.")
    ]


def test_a_discussion_with_an_edited_post(seeded):
    disputed = demo_application("awaiting_decision")
    posts = Post.objects.filter(application=disputed).order_by("created_at", "pk")
    assert [(post.author.username, post.body) for post in posts] == [
        (
            "koordination",
            "Die Liquiditätsplanung für 2027 erscheint knapp. Sehen die Gutachterinnen und "
            "Gutachter das ebenso?",
        ),
        (
            "gutachter1",
            "Ja, die Planung setzt volle Auslastung ab dem dritten Monat voraus; ich habe das "
            "beim Risiko berücksichtigt.",
        ),
        ("vorstand1", "Danke. Der Vorstand prüft eine Auflage zum Liquiditätsnachweis."),
    ]
    edited = posts[1]
    assert edited.edited_at is not None
    assert list(PostRevision.objects.filter(post=edited).values_list("body", flat=True)) == [
        "Ja, die Planung setzt volle Auslastung ab dem dritten Monat voraus."
    ]
    assert PostRevision.objects.count() == 1


def test_sectors_and_reviewer_profiles(seeded):
    assert sorted(Sector.objects.values_list("name_de", "name_en", "active")) == [
        ("Druck und Medien", "Printing", False),
        ("Garten- und Landschaftsbau", "Landscaping", True),
        ("Gastronomie", "Catering", True),
    ]
    sectors = dict(
        story_applications().values_list("organization__name", "sector__name_de").distinct()
    )
    assert sectors == {INTEGRA: "Gastronomie", WERKBANK: "Garten- und Landschaftsbau"}
    profiles = {
        profile.user.username: profile
        for profile in ReviewerProfile.objects.prefetch_related("sectors")
    }
    named = {name: sorted(s.name_de for s in p.sectors.all()) for name, p in profiles.items()}
    assert named == {
        "gutachter1": ["Gastronomie"],
        "gutachter2": ["Garten- und Landschaftsbau"],
        "gutachter3": ["Garten- und Landschaftsbau", "Gastronomie"],
    }
    today = timezone.localdate()
    assert profiles["gutachter2"].available_from == datetime.date(today.year + 1, 1, 15)
    assert profiles["gutachter2"].note == "Nur vormittags erreichbar"
    assert profiles["gutachter1"].available_from is None
