"""A notification on every step: who receives it, in which language, what it says and links.

Each step is taken through its service (``tests.states``); the mails are read from the outbox
rows the step wrote (one per language with a mail recipient) and the inbox entries.
Subjects of kinds that were translated before are compared with the German text; new
strings are compared with what the German catalogue says (English until translated).
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from accounts.models import Profile
from applications import services
from decisions import letters
from decisions import services as decision_services
from notifications import registry
from notifications.mails import absolute
from notifications.models import Notification, OutboxMail, Preference
from reviews import services as review_services
from tests import factories, states
from tests.decisions.letter_factories import make_letter

pytestmark = pytest.mark.django_db

Delivery = Preference.Delivery
ESCAPES = ("&amp;", "&#x27;", "&lt;", "&gt;", "&quot;", "&#39;")
COMPANY = "Küche & Service <Nord> 'Rhein' gGmbH"
TITLE = "'Umbau' & <Werkstatt>"
REASON = "Fehlt: A & B <Anlage 3>."
NOON = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


def german(msgid, **values):
    """``msgid`` as the German catalogue has it (English until it is translated)."""
    with translation.override("de"):
        return gettext(msgid) % values if values else gettext(msgid)


def speaks(user, language):
    Profile.objects.create(user=user, language=language)
    return user


def rows(kind):
    """``{language: outbox row}`` of ``kind``."""
    found = {}
    for row in OutboxMail.objects.filter(kind=kind).order_by("id"):
        assert row.language not in found, (kind, row.language)
        found[row.language] = row
    return found


def inbox(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


def page(name, pk):
    return absolute(reverse(name, args=[pk]))


def company_of(application):
    """The organisation's contact address and its users (created by the factories)."""
    organization = application.organization
    return organization.contact_email, list(organization.members.order_by("pk"))


# ----- submission: the office is told, the company gets a receipt ---------------------------


def test_submission_tells_the_office_each_in_their_language():
    german_office = factories.coordinator()
    english_office = speaks(factories.coordinator(), "en")
    application = states.draft()

    application = services.submit(application.created_by, application, states.DECLARATIONS)

    submitted = rows("submitted")
    assert sorted(submitted) == ["de", "en"]
    assert submitted["de"].recipients == [german_office.email]
    assert submitted["en"].recipients == [english_office.email]
    assert submitted["de"].subject == f"Antrag {application.reference} wurde eingereicht"
    assert submitted["en"].subject == f"Application {application.reference} has been submitted"
    url = page("application-detail", application.pk)
    assert submitted["de"].body.endswith("\n" + url)
    assert "/applications/" in url and url.startswith("http")
    assert inbox("submitted") == sorted([german_office.pk, english_office.pk])
    assert set(Notification.objects.filter(kind="submitted").values_list("url", flat=True)) == {url}


def test_the_company_gets_a_receipt_in_its_language_and_a_user_in_theirs():
    organization = factories.OrganizationFactory(language="de")
    application = states.draft(organization=organization)
    english = speaks(factories.applicant(organization), "en")
    factories.applicant(organization, is_active=False)

    application = services.submit(application.created_by, application, states.DECLARATIONS)

    receipt = rows("submitted_receipt")
    assert receipt["de"].recipients == sorted(
        [organization.contact_email, application.created_by.email]
    )
    assert receipt["en"].recipients == [english.email]
    subject = "Receipt of your application %(reference)s"
    assert receipt["de"].subject == german(subject, reference=application.reference)
    assert receipt["en"].subject == subject % {"reference": application.reference}
    assert receipt["en"].body.endswith("\n" + page("application-detail", application.pk))
    assert "What happens next" in receipt["en"].body
    assert inbox("submitted_receipt") == sorted([application.created_by.pk, english.pk])


def test_the_receipt_gives_the_key_figures_in_the_readers_number_format():
    organization = factories.OrganizationFactory(language="de")
    with time_machine.travel(NOON, tick=False):
        application = states.draft(
            organization=organization,
            requested_amount=Decimal("61234.56"),
            own_contribution=Decimal("23765.44"),
            interest_rate=Decimal("2.25"),
        )
        speaks(factories.applicant(organization), "en")
        services.submit(application.created_by, application, states.DECLARATIONS)

    receipt = rows("submitted_receipt")
    text, html = receipt["de"].body, receipt["de"].html
    for expected in (
        "61.234,56 €",
        "100.000,00 €",
        "23.765,44 €",
        "2,25 % p. a.",
        "84 Monate",
        "12 Monate",
        "Darlehen",
        "2 neu, 2 gesichert",
        "01.12.2026",
    ):
        assert expected in text, expected
    assert "61.234,56&nbsp;€" in html and "2,25&nbsp;% p. a." in html
    text, html = receipt["en"].body, receipt["en"].html
    for expected in (
        "61,234.56 €",
        "100,000.00 €",
        "23,765.44 €",
        "2.25 % p.a.",
        "84 months",
        "Loan",
        "2 new, 2 secured",
        "01/12/2026",
    ):
        assert expected in text, expected
    assert "61,234.56&nbsp;€" in html
    assert "61.234,56" not in text + html


def test_a_resubmission_gets_a_receipt_for_the_revised_version():
    application = states.returned()
    OutboxMail.objects.all().delete()
    services.submit(application.created_by, application, states.DECLARATIONS)
    (row,) = rows("submitted_receipt").values()
    assert "haben wir die überarbeitete Fassung 2 Ihres Antrags" in row.body


# ----- return and withdrawal ----------------------------------------------------------------


def test_a_return_tells_the_company_in_its_language_with_reason_and_deadline():
    organization = factories.OrganizationFactory(language="en")
    application = states.submitted(organization=organization)
    contact, (owner,) = company_of(application)
    german_user = speaks(factories.applicant(organization), "de")
    OutboxMail.objects.all().delete()
    deadline = datetime.date(2027, 1, 15)

    with time_machine.travel(NOON, tick=False):
        services.return_for_revision(factories.coordinator(), application, REASON, deadline)

    returned = rows("returned")
    assert returned["en"].recipients == sorted([contact, owner.email])
    assert returned["de"].recipients == [german_user.email]
    assert returned["en"].subject == f"Application {application.reference}: please revise"
    assert returned["de"].subject == f"Antrag {application.reference}: Bitte um Überarbeitung"
    assert "15/01/2027" in returned["en"].body and "15.01.2027" in returned["de"].body
    assert REASON in returned["en"].body
    assert returned["en"].body.endswith("\n" + page("application-detail", application.pk))
    assert inbox("returned") == sorted([owner.pk, german_user.pk])


def test_a_return_ignores_a_preference_for_the_inbox_only():
    application = states.submitted()
    owner = application.created_by
    Preference.objects.create(user=owner, kind="returned", delivery=Delivery.INBOX)
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    services.return_for_revision(factories.coordinator(), application, REASON, deadline)
    (row,) = rows("returned").values()
    assert owner.email in row.recipients
    assert Notification.objects.get(kind="returned").user == owner
    assert not registry.kind_of("returned").optional


def test_an_optional_kind_with_the_inbox_preference_writes_no_mail_but_an_inbox_entry(
    django_capture_on_commit_callbacks,
):
    quiet, loud = factories.coordinator(), factories.coordinator()
    Preference.objects.create(user=quiet, kind="submitted", delivery=Delivery.INBOX)
    application = states.draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(application.created_by, application, states.DECLARATIONS)
    (row,) = rows("submitted").values()
    assert row.recipients == [loud.email]
    assert quiet.email not in [address for message in mail.outbox for address in message.to]
    entry = Notification.objects.get(kind="submitted", user=quiet)
    assert (entry.subject, entry.url, entry.digest) == (
        row.subject,
        page("application-detail", application.pk),
        False,
    )


def test_a_withdrawal_tells_the_office():
    application = states.submitted()
    office = speaks(factories.coordinator(), "en")
    services.withdraw(application.created_by, application, "Projekt verschoben.")
    (row,) = rows("withdrawn").values()
    assert (row.language, row.recipients) == ("en", [office.email])
    assert row.subject == f"Application {application.reference} has been withdrawn"
    assert application.organization.name in row.body
    assert row.body.endswith("\n" + page("application-detail", application.pk))


# ----- the review round ---------------------------------------------------------------------


def test_an_assignment_tells_the_reviewer_the_period_then_the_due_date():
    application = states.submitted()
    coordinator = factories.coordinator()
    german_reviewer = factories.reviewer()
    english_reviewer = speaks(factories.reviewer(), "en")
    first = review_services.assign_reviewer(coordinator, application, german_reviewer)
    review_services.assign_reviewer(coordinator, application, english_reviewer)
    (before,) = [row for row in rows("assigned").values() if row.language == "de"]
    assert before.recipients == [german_reviewer.email]
    assert before.subject == f"Bitte um Begutachtung: Antrag {application.reference}"
    assert rows("assigned")["en"].subject == (
        f"Review requested: application {application.reference}"
    )
    period = application.programme.review_period_days
    with translation.override("de"):
        expected = ngettext(
            "You will have %(days)s day for your review from the start of the review round.",
            "You will have %(days)s days for your review from the start of the review round.",
            period,
        ) % {"days": period}
    assert expected in before.body
    assert before.body.endswith("\n" + page("assignment-detail", first.pk))

    with time_machine.travel(NOON, tick=False):
        review_services.start_review(coordinator, application)
        late = speaks(factories.reviewer(), "en")
        OutboxMail.objects.filter(kind="assigned").delete()
        assignment = review_services.assign_reviewer(coordinator, application, late)
    (row,) = rows("assigned").values()
    due = assignment.due_on
    assert due == datetime.date(2026, 12, 1) + datetime.timedelta(days=period)
    assert f"Your review is due on {due:%d/%m/%Y}." in row.body
    assert f"{due:%d/%m/%Y}" in row.html


def test_the_start_of_the_review_tells_the_company_without_naming_reviewers():
    application, coordinator, reviewers = states.with_reviewers()
    contact, (owner,) = company_of(application)
    english = speaks(factories.applicant(application.organization), "en")
    review_services.start_review(coordinator, application)
    started = rows("review_started")
    assert started["de"].recipients == sorted([contact, owner.email])
    assert started["en"].recipients == [english.email]
    subject = "Application %(reference)s: the review has started"
    assert started["de"].subject == german(subject, reference=application.reference)
    assert started["en"].subject == subject % {"reference": application.reference}
    assert started["de"].body.endswith("\n" + page("application-detail", application.pk))
    for row in started.values():
        for reviewer in reviewers:
            assert reviewer.last_name not in row.body + row.html
    assert registry.kind_of("review_started").optional


def test_a_recusal_and_a_decline_tell_the_office_with_the_round_page():
    application, coordinator, (first, second) = states.with_reviewers(count=2)
    english_office = speaks(factories.coordinator(), "en")
    review_services.declare_conflict(
        first, application.assignments.get(reviewer=first), has_conflict=True, note="Berater."
    )
    review_services.decline_assignment(
        second, application.assignments.get(reviewer=second), "Urlaub & <Umzug>."
    )
    round_page = page("review-round", application.pk)
    recused, declined = rows("recused"), rows("declined")
    assert recused["de"].recipients == [coordinator.email]
    assert recused["en"].recipients == [english_office.email]
    assert recused["de"].subject == f"Befangenheit erklärt: Antrag {application.reference}"
    assert declined["de"].subject == f"Begutachtung abgelehnt: Antrag {application.reference}"
    assert declined["en"].subject == f"Reviewer declined: application {application.reference}"
    assert "Urlaub & <Umzug>." in declined["de"].body
    assert "Urlaub &amp; &lt;Umzug&gt;." in declined["de"].html
    for row in (*recused.values(), *declined.values()):
        assert row.body.endswith("\n" + round_page)
        assert f'href="{round_page}"' in row.html


# ----- the board ----------------------------------------------------------------------------


def board_and_insiders(application):
    """Board members who may decide (one German, one English) and two who may not: a
    member of the applicant organisation and an inactive one."""
    free = factories.board_member()
    english = speaks(factories.board_member(), "en")
    insider = factories.board_member()
    factories.MembershipFactory(user=insider, organization=application.organization)
    factories.board_member(is_active=False)
    return free, english, insider


def test_the_end_of_the_round_tells_the_board_members_without_a_conflict():
    application = states.submitted()
    coordinator = factories.coordinator()
    free, english, insider = board_and_insiders(application)
    on_both = factories.UserFactory(groups=["board", "reviewers"])  # reviewed it: kept out
    other = factories.reviewer()
    for reviewer in (on_both, other):
        review_services.assign_reviewer(coordinator, application, reviewer)
    review_services.start_review(coordinator, application)
    states.review(on_both, application)
    assert rows("round_complete") == {}
    states.review(other, application)  # the last required review closes the round

    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    done = rows("round_complete")
    assert done["de"].recipients == [free.email]
    assert done["en"].recipients == [english.email]
    assert inbox("round_complete") == sorted([free.pk, english.pk])
    subject = "Application %(reference)s awaits the board's decision"
    assert done["de"].subject == german(subject, reference=application.reference)
    assert done["en"].subject == subject % {"reference": application.reference}
    decide = page("board-decide", application.pk)
    assert done["en"].body.endswith("\n" + decide)
    assert f'href="{decide}"' in done["en"].html
    assert page("application-detail", application.pk) not in done["en"].body + done["en"].html
    assert "is closed with 2 reviews" in done["en"].body
    assert insider.email not in done["de"].recipients + done["en"].recipients


def test_the_office_closing_the_round_early_tells_the_board_too():
    application, coordinator, (first, _second) = states.in_review()
    member = speaks(factories.board_member(), "en")
    states.review(first, application)
    review_services.close_review_round(coordinator, application, "Zweites Gutachten fehlt.")
    (row,) = rows("round_complete").values()
    assert row.recipients == [member.email]
    assert "is closed with 1 review," in row.body


def test_a_proposal_tells_the_other_members_without_a_conflict_with_the_decision_page():
    application = states.awaiting_decision()
    proposer, colleague = states.deciding_board(application)
    english = speaks(factories.board_member(), "en")
    conflicted = factories.board_member()
    decision_services.declare_board_conflict(conflicted, application, "competitor")
    insider = factories.board_member()
    factories.MembershipFactory(user=insider, organization=application.organization)

    decision_services.propose_decision(proposer, application, "reject", reasons="Nicht tragfähig.")

    proposed = rows("decision_proposed")
    assert proposed["de"].recipients == [colleague.email]
    assert proposed["en"].recipients == [english.email]
    assert proposed["de"].subject == f"Entscheidungsvorschlag zum Antrag {application.reference}"
    assert proposed["en"].subject == f"Decision proposed for application {application.reference}"
    assert "Ablehnung" in proposed["de"].body
    decide = page("board-decide", application.pk)
    for row in proposed.values():
        assert row.body.endswith("\n" + decide)
        assert f'href="{decide}"' in row.html
        assert page("application-detail", application.pk) not in row.body + row.html
    assert inbox("decision_proposed") == sorted([colleague.pk, english.pk])
    for user in (proposer, conflicted, insider):
        assert not Notification.objects.filter(kind="decision_proposed", user=user).exists()


def test_a_board_conflict_tells_the_office():
    application = states.awaiting_decision()
    office = speaks(factories.coordinator(), "en")
    member = factories.board_member(first_name="Bea", last_name="Befangen")
    decision_services.declare_board_conflict(member, application, "business")
    recused = rows("board_recused")
    assert recused["en"].recipients == [office.email]
    assert member.email not in recused["de"].recipients
    assert recused["de"].subject == (
        f"Befangenheit im Vorstand erklärt: Antrag {application.reference}"
    )
    assert recused["en"].subject == f"Board member recused: application {application.reference}"
    assert "Bea Befangen" in recused["en"].body and "business relation" in recused["en"].body
    assert recused["en"].body.endswith("\n" + page("application-detail", application.pk))


# ----- the decision letter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "filename"),
    [
        ("de", "Decision on your application %(reference)s", "Bescheid-RK-2026-0042-1.pdf"),
        ("en", "Decision on your application %(reference)s", "Decision-RK-2026-0042-1.pdf"),
    ],
)
def test_the_letter_mail_is_in_the_letters_language_with_an_html_part(language, subject, filename):
    organization = factories.OrganizationFactory(name=COMPANY)
    letter = make_letter(language=language, organization=organization, title=TITLE)
    subject_line, text, html = letters.letter_mail(letter)
    with translation.override(language):
        assert subject_line == gettext(subject) % {"reference": "RK-2026-0042"}
    assert TITLE in text
    assert text.rstrip().endswith(letters.letter_sender()["name"])
    url = page("application-detail", letter.application_id)
    assert url in text
    assert f'<html lang="{language}">' in html
    assert "&#x27;Umbau&#x27; &amp; &lt;Werkstatt&gt;" in html and TITLE not in html
    assert f'href="{url}"' in html
    assert letters.letter_filename(letter) == filename


def test_the_letter_is_mailed_with_its_html_part_and_the_pdf(mailoutbox):
    from decisions import tasks

    letter = make_letter(language="en")
    tasks.generate_decision_letter.delay(letter.pk)
    (message,) = mailoutbox
    assert message.subject == "Decision on your application RK-2026-0042"
    assert message.alternatives[0][1] == "text/html"
    assert '<html lang="en">' in message.alternatives[0][0]
    assert message.attachments[0][0] == "Decision-RK-2026-0042-1.pdf"


# ----- every kind: templates, escaping ------------------------------------------------------


def test_every_registered_kind_has_a_text_and_an_html_template():
    for kind in registry.mail_kinds():
        get_template(f"mail/{kind}.txt")
        get_template(f"mail/{kind}.html")
    get_template("mail/letter.txt")
    get_template("mail/letter.html")


def test_every_kind_is_optional_but_the_return():
    kinds = {kind: registry.kind_of(kind) for kind in registry.mail_kinds()}
    mine = {name: spec for name, spec in kinds.items() if name != "message_posted"}
    assert {name for name, spec in mine.items() if not spec.optional} == {"returned"}
    for name, spec in mine.items():
        assert str(spec.label), name


def test_text_parts_carry_names_as_typed_and_html_parts_escape_them():
    """Every step with a company, a title, a reason and a reviewer named with &, ' and <: the
    text as typed, the HTML escaped, with its language and the link."""
    factories.coordinator()
    organization = factories.OrganizationFactory(name=COMPANY)
    odd = factories.reviewer(first_name="Ann & 'Bo'", last_name="<Ko>")
    board = factories.board_member()
    application = states.draft(organization=organization, title=TITLE)
    owner = application.created_by
    services.submit(owner, application, states.DECLARATIONS)
    deadline = datetime.date.today() + datetime.timedelta(days=10)
    application = services.return_for_revision(
        factories.coordinator(), application, REASON, deadline
    )
    application = services.submit(owner, application, states.DECLARATIONS)
    application, coordinator, reviewers = states.with_reviewers(count=3, application=application)
    review_services.assign_reviewer(coordinator, application, odd)
    review_services.decline_assignment(odd, application.assignments.get(reviewer=odd), REASON)
    review_services.assign_reviewer(coordinator, application, odd)
    review_services.declare_conflict(
        odd, application.assignments.get(reviewer=odd), has_conflict=True, note="x"
    )
    review_services.start_review(coordinator, application)
    for reviewer in reviewers[:2]:
        states.review(reviewer, application)
    application.refresh_from_db()
    (member,) = states.deciding_board(application, count=1)
    decision_services.propose_decision(member, application, "reject", reasons="Nein.")
    decision_services.declare_board_conflict(member, application, "competitor")
    services.withdraw(owner, application, "")

    rows_written = list(OutboxMail.objects.order_by("id"))
    kinds = {row.kind for row in rows_written}
    assert kinds == set(registry.mail_kinds()) - {"message_posted"}
    assert board.email in OutboxMail.objects.get(kind="round_complete").recipients
    typed = {
        "submitted": (COMPANY, TITLE),
        "submitted_receipt": (TITLE,),
        "returned": (TITLE, REASON),
        "withdrawn": (COMPANY, TITLE),
        "assigned": (TITLE,),
        "declined": ("Ann & 'Bo' <Ko>", REASON),
        "recused": ("Ann & 'Bo' <Ko>",),
        "review_started": (TITLE,),
        "round_complete": (COMPANY, TITLE),
        "decision_proposed": (TITLE,),
        "board_recused": (TITLE,),
    }
    for row in rows_written:
        for escaped in ESCAPES:
            assert escaped not in row.subject + row.body, (row.kind, escaped)
        for name in typed[row.kind]:
            assert name in row.body, (row.kind, name)
            assert (
                name.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("'", "&#x27;")
                in row.html
            ), (row.kind, name)
            assert name not in row.html, (row.kind, name)
        assert f'<html lang="{row.language}">' in row.html, row.kind
        assert row.html.count('href="http') >= 1, row.kind
        assert "<script" not in row.html and "src=" not in row.html, row.kind
