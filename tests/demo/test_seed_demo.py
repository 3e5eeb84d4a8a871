"""``manage.py seed_demo``: every state through the services, idempotent, logins work."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone
from django_fsm_log.models import StateLog
from pypdf import PdfReader

from applications.models import Application, ApplicationVersion, Document, State
from decisions.models import Decision, DecisionLetter
from demo.pdf import demo_pdf
from demo.people import PROGRAMME_NAME, USERS
from funding.models import Membership, Organization, Programme
from reviews.models import Assignment, ConflictDeclaration, Review

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
)


def seed(capture):
    out = io.StringIO()
    with capture(execute=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    return seed(django_capture_on_commit_callbacks)


def demo_applications():
    return Application.objects.filter(programme__name=PROGRAMME_NAME)


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
    approved = demo_applications().get(state=State.APPROVED)
    decision = approved.decisions.get(status=Decision.Status.CONFIRMED)
    assert decision.amount > 0
    assert decision.proposed_by != decision.confirmed_by
    assert approved.submission_count == 2  # returned once, resubmitted
    rejected = demo_applications().get(state=State.REJECTED)
    assert rejected.decisions.get(status=Decision.Status.CONFIRMED).reasons
    open_proposal = Decision.objects.filter(
        application__in=demo_applications(), status=Decision.Status.OPEN
    )
    assert open_proposal.get().application.state == State.AWAITING_DECISION


def test_approved_application_has_its_rendered_letter(seeded):
    approved = demo_applications().get(state=State.APPROVED)
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
    assert groups["gutachter1"] == groups["gutachter2"] == {"reviewers"}
    assert groups["vorstand1"] == groups["vorstand2"] == {"board"}
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
