"""The application pages: who gets what answer, and what a refused form keeps."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from applications import forms
from applications.models import Application, State
from reviews import services as review_services
from tests import factories, states
from tests.helpers import close_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A submitted application of one company, with people in every role around it."""
    application = states.submitted()
    coordinator = factories.coordinator()
    assigned = factories.reviewer()
    review_services.assign_reviewer(coordinator, application, assigned)
    draft = factories.ApplicationFactory(
        organization=application.organization, programme=application.programme
    )
    return {
        "application": application,
        "draft": draft,
        "document": application.documents.first(),
        "actors": {
            "owner": application.created_by,
            "other_company": factories.applicant(),
            "coordinator": coordinator,
            "assigned_reviewer": assigned,
            "other_reviewer": factories.reviewer(),
            "board": factories.board_member(),
            "nobody": factories.UserFactory(),
        },
    }


def url(world, name):
    app, draft = world["application"], world["draft"]
    return {
        "detail": reverse("application-detail", args=[app.pk]),
        "version": reverse("application-version", args=[app.pk, 1]),
        "document": reverse("document-download", args=[app.pk, world["document"].pk]),
        "return": reverse("application-return", args=[app.pk]),
        "withdraw": reverse("application-withdraw", args=[app.pk]),
        "edit": reverse("application-section", args=[draft.pk, "project"]),
        "company": reverse("application-company", args=[draft.pk]),
        "documents": reverse("application-documents", args=[draft.pk]),
        "submit": reverse("application-submit", args=[draft.pk]),
        "list": reverse("application-list"),
        "new": reverse("application-new"),
        "home": reverse("home"),
    }[name]


# page → expected answer per actor
MATRIX = {
    "detail": dict(
        owner=200,
        other_company=404,
        coordinator=200,
        assigned_reviewer=200,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "version": dict(
        owner=200,
        other_company=404,
        coordinator=200,
        assigned_reviewer=404,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "document": dict(
        owner=200,
        other_company=404,
        coordinator=200,
        assigned_reviewer=404,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "return": dict(
        owner=403,
        other_company=404,
        coordinator=200,
        assigned_reviewer=403,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "withdraw": dict(
        owner=200,
        other_company=404,
        coordinator=403,
        assigned_reviewer=403,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "edit": dict(
        owner=200,
        other_company=404,
        coordinator=403,
        assigned_reviewer=404,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "company": dict(
        owner=200,
        other_company=404,
        coordinator=403,
        assigned_reviewer=404,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "documents": dict(
        owner=200,
        other_company=404,
        coordinator=403,
        assigned_reviewer=404,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "submit": dict(
        owner=200,
        other_company=404,
        coordinator=403,
        assigned_reviewer=404,
        other_reviewer=404,
        board=404,
        nobody=404,
    ),
    "list": dict(
        owner=200,
        other_company=200,
        coordinator=200,
        assigned_reviewer=302,
        other_reviewer=302,
        board=302,
        nobody=403,
    ),
    "new": dict(
        owner=200,
        other_company=200,
        coordinator=403,
        assigned_reviewer=403,
        other_reviewer=403,
        board=403,
        nobody=403,
    ),
    "home": dict(
        owner=200,
        other_company=200,
        coordinator=200,
        assigned_reviewer=200,
        other_reviewer=200,
        board=200,
        nobody=200,
    ),
}
CASES = [(page, actor, status) for page, row in MATRIX.items() for actor, status in row.items()]


@pytest.mark.parametrize(("page", "actor", "status"), CASES)
def test_access_matrix(client, world, page, actor, status):
    client.force_login(world["actors"][actor])
    response = client.get(url(world, page))
    close_file(response)
    assert response.status_code == status


@pytest.mark.parametrize("page", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, world, page):
    response = client.get(url(world, page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_reviewer_sees_only_title_and_company_before_declaring(client, world):
    application = world["application"]
    client.force_login(world["actors"]["assigned_reviewer"])
    html = client.get(url(world, "detail")).content.decode()
    assert application.title in html
    assert application.organization.name in html
    assert application.purpose not in html
    assert application.cooperation_partner not in html


def test_board_sees_an_application_awaiting_decision(client):
    application = states.awaiting_decision()
    (member,) = states.deciding_board(application, count=1)
    client.force_login(member)
    response = client.get(reverse("application-detail", args=[application.pk]))
    assert response.status_code == 200
    assert application.purpose in response.content.decode()


def test_letter_download_is_for_the_company_office_and_board_only(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = states.approved()
    letter = application.letters.get()
    target = reverse("letter-download", args=[application.pk, letter.pk])
    client.force_login(application.created_by)
    response = client.get(target)
    assert response.status_code == 200
    assert close_file(response).startswith(b"%PDF")
    client.force_login(factories.applicant())
    assert client.get(target).status_code == 404
    reviewer = application.assignments.first().reviewer
    client.force_login(reviewer)
    assert client.get(target).status_code == 404


def test_stale_edit_answers_409_and_keeps_the_typed_text(client, world):
    draft = world["draft"]
    client.force_login(world["actors"]["owner"])
    target = url(world, "edit")
    data = {"title": "Neu", "purpose": "Mein getippter Text", "version": draft.version}
    assert client.post(target, data).status_code == 302
    response = client.post(target, {**data, "purpose": "Zweiter Text"})  # the old version again
    assert response.status_code == 409
    assert "Zweiter Text" in response.content.decode()
    draft.refresh_from_db()
    assert draft.purpose == "Mein getippter Text"


def test_invalid_amount_answers_400_and_changes_nothing(client, world):
    draft = world["draft"]
    client.force_login(world["actors"]["owner"])
    target = reverse("application-section", args=[draft.pk, "financing"])
    response = client.post(target, {"requested_amount": "viel", "version": draft.version})
    assert response.status_code == 400
    assert 'value="viel"' in response.content.decode()
    assert Application.objects.get(pk=draft.pk).requested_amount == draft.requested_amount


def test_non_pdf_upload_answers_422_and_stores_nothing(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft = world["draft"]
    client.force_login(world["actors"]["owner"])
    upload = SimpleUploadedFile("plan.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(url(world, "documents"), {"kind": "business_plan", "file": upload})
    assert response.status_code == 422
    assert draft.documents.count() == 0


def test_submit_lists_every_violated_rule_with_422(client, world):
    draft = world["draft"]
    client.force_login(world["actors"]["owner"])
    response = client.post(url(world, "submit"), {"declared_truthful": "on"})
    assert response.status_code == 422
    # five missing PDFs and the two missing declarations, once each in the checklist
    entries = [entry for group in response.context["checklist"] for entry in group.entries]
    assert [(entry.url, len(entry.messages)) for entry in entries] == [
        *[(reverse("application-documents", args=[draft.pk]) + "#required", 1)] * 5,
        ("#declarations", 1),
    ]
    assert response.context["form"].non_field_errors() == []
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_submit_through_the_page(client, world):
    draft = states.draft(organization=world["application"].organization)
    client.force_login(draft.created_by)
    target = reverse("application-submit", args=[draft.pk])
    response = client.post(target, dict.fromkeys(states.DECLARATIONS, "on"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    assert draft.reference.startswith(f"RK-{datetime.date.today().year}-")


def test_return_and_withdraw_through_the_pages(client, world):
    application = world["application"]
    client.force_login(world["actors"]["coordinator"])
    deadline = datetime.date.today() + datetime.timedelta(days=10)
    response = client.post(url(world, "return"), {"reason": "", "deadline": deadline})
    assert response.status_code == 422
    response = client.post(
        url(world, "return"), {"reason": "Registerauszug fehlt", "deadline": deadline}
    )
    assert response.status_code == 302
    client.force_login(world["actors"]["owner"])
    html = client.get(url(world, "detail")).content.decode()
    assert "Registerauszug fehlt" in html
    assert client.post(url(world, "withdraw"), {}).status_code == 400
    assert client.post(url(world, "withdraw"), {"confirm": "on"}).status_code == 302
    application.refresh_from_db()
    assert application.state == State.WITHDRAWN
    assert client.post(url(world, "withdraw"), {"confirm": "on"}).status_code == 409


def test_list_filters_by_state_and_searches(client, world):
    client.force_login(world["actors"]["coordinator"])
    application = world["application"]
    response = client.get(url(world, "list"), {"state": "submitted", "q": application.reference})
    rows = list(response.context["page"])
    assert [row.pk for row in rows] == [application.pk]
    response = client.get(url(world, "list"), {"state": "approved"})
    assert list(response.context["page"]) == []


def _make_applications(count, programme):
    for _ in range(count):
        factories.ApplicationFactory(programme=programme)


@pytest.mark.parametrize("page", ["list", "home"])
def test_pages_keep_a_constant_number_of_queries(client, django_assert_num_queries, page):
    coordinator = factories.coordinator()
    programme = factories.ProgrammeFactory()
    client.force_login(coordinator)
    target = reverse("application-list" if page == "list" else "home")
    _make_applications(3, programme)
    client.get(target)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(target).status_code == 200
    assert len(small.captured_queries) <= 12
    _make_applications(30, programme)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(target).status_code == 200


def test_version_page_shows_labels_and_choice_names(client, world):
    client.force_login(world["actors"]["owner"])
    response = client.get(url(world, "version"), HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert "<dt>Förderinstrument</dt><dd>Darlehen</dd>" in html
    assert "<dd>loan</dd>" not in html


def test_section_form_shows_each_violated_rule_beside_its_field(client, world):
    draft = world["draft"]
    draft.own_contribution = 10000  # below 20 % of 100,000 and the plan no longer balances
    draft.save()
    client.force_login(world["actors"]["owner"])
    target = reverse("application-section", args=[draft.pk, "financing"])
    with translation.override("en"):
        response = client.get(target, {"check": 1}, HTTP_ACCEPT_LANGUAGE="en")
        notes = response.context["form"].fields["own_contribution"].rule_notes
    assert [str(note) for note in notes] == [
        "The own contribution is below 20 % of the eligible investment."
    ]
    assert 'id="id_own_contribution_rules"' in response.content.decode()
    assert "rule_notes" not in vars(client.get(target).context["form"].fields["own_contribution"])
    data = {name: getattr(draft, name) or "" for name in forms.SECTIONS["financing"][1]}
    # the model's values as English input ("60000.00")
    response = client.post(
        f"{target}?check=1", {**data, "version": draft.version}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("application-submit", args=[draft.pk])


def test_list_pages_keep_the_filters(client, monkeypatch):
    from applications import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    programme = factories.ProgrammeFactory()
    _make_applications(3, programme)
    client.force_login(factories.coordinator())
    response = client.get(reverse("application-list"), {"state": "draft"})
    page = response.context["page"]
    html = response.content.decode()
    assert f'href="?state=draft&amp;after={page.next}" rel="next"' in html
    assert 'href="?state=draft&amp;page=last"' in html
    page_two = client.get(reverse("application-list"), {"state": "draft", "after": page.next})
    assert len(page_two.context["page"]) == 1
    assert f'href="?state=draft&amp;before={page_two.context["page"].previous}"' in (
        page_two.content.decode()
    )
