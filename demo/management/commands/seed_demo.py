"""``python manage.py seed_demo``: demo data for a laptop, reached through the services.

Creates the demo programme with its weighted scoring rubric, the office's sectors, two
inclusion companies, a user for every role (password ``demo``; three reviewers with their
profiles, three board members) and applications in every state of the state machine, with a
corrected conflict declaration, a declined assignment, a typed board conflict, a discussion
and reviews that disagree. Idempotent: the demo
programme's name and the demo usernames identify what exists; a second run changes nothing.
Mails go to an in-memory backend while seeding and Celery tasks run eagerly, so the approved
application has its rendered decision letter even without a worker.

Reminders: on the day after seeding (``manage.py send_reminders --now <tomorrow 10:00>``) a
reminder of every registered rule is due: a review due and one overdue, a revision due in two
days, a draft untouched for a month, an application awaiting the board for three weeks, an
unconfirmed proposal, a letter that failed. Some stories therefore happened earlier
(``demo.history``: moved back in time after seeding, since time-machine is no runtime
dependency); the rejected application's letter is marked failed.

The fund's past (``demo.past``), seeded first: five more companies (both Inklusionsämter, one
without one stated) and two years of applications closed in every quarter up to two days ago
(approved with either instrument, rejected, withdrawn; some returned and submitted again),
through the services step by step and then moved to the dates of their stories, so that a
report over either year shows something in every figure. None of it is due for a reminder.
``--no-past`` leaves it out (for tests that need today's stories only).
"""

import contextlib
import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from applications import services
from applications.models import Application, State
from decisions import services as decision_services
from decisions.models import Decision, DecisionLetter
from demo import past
from demo.applications import REVIEWS, _application_data, rubric_criteria
from demo.history import DAYS_BACK, backdate
from demo.pdf import demo_pdf
from demo.people import (
    COMPANY_ADMINS,
    DECLARATIONS,
    DOCUMENT_TITLES,
    INTEGRA,
    ORGANIZATIONS,
    PASSWORD,
    PAST_APPLICANTS,
    PAST_ORGANIZATIONS,
    PROGRAMME_NAME,
    SECTOR_OF,
    SECTORS,
    USERS,
    WERKBANK,
)
from funding.models import (
    DocumentKind,
    Membership,
    Organization,
    Programme,
    Sector,
)
from reviews import services as review_services
from reviews.models import Assignment
from webhooks import events as webhook_events
from webhooks import services as webhook_services
from webhooks.models import Delivery

RETURN_DAYS = 3  # the returned application's deadline: in three days
# What the office's start page shows for the demo's failed letter.
FAILED_LETTER_ERROR = (
    "Demo: seed_demo marked this letter as failed (no rendering was attempted). "
    "Render it again on the application's page."
)


@contextlib.contextmanager
def quiet_and_eager():
    """Mails to memory, Celery tasks in-process and quietly, no query log (DEBUG off: the
    demo runs thousands of queries); all restored afterwards."""
    from funding.celery import app

    previous = app.conf.task_always_eager
    loggers = {name: logging.getLogger(name) for name in ("celery", "kombu")}
    levels = {name: logger.level for name, logger in loggers.items()}
    app.conf.task_always_eager = True
    for logger in loggers.values():
        logger.setLevel(logging.ERROR)
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", DEBUG=False
        ):
            yield
    finally:
        app.conf.task_always_eager = previous
        for name, logger in loggers.items():
            logger.setLevel(levels[name])


class Command(BaseCommand):
    help = (
        "Create the demo programme, its inclusion companies, users for every role (password "
        "'demo'), applications in every state and two years of past applications for the "
        "reports. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-past",
            action="store_true",
            help="Without the fund's past two years (demo.past): faster, for tests that only "
            "need today's stories.",
        )

    def handle(self, *args, **options):
        apps = None
        self.with_past = not options.get("no_past")
        self.past = []
        with translation.override("de"), quiet_and_eager():
            with transaction.atomic():
                users = self.seed_users()
                programme, created = self.seed_programme()
                if created or not programme.applications.exists():
                    organizations = self.seed_organizations(users)
                    apps = self.seed_applications(programme, organizations, users)
                    message = "Demo data created."
                else:
                    message = "Demo data already present; nothing changed."
            self.render_pending_letters(programme)
            if apps is not None:
                self.turn_back_the_clock(apps)
        self.stdout.write(self.style.SUCCESS(message))
        self.print_logins(programme, fresh=apps is not None)

    # ----- users, programme, organisations ------------------------------------------------------

    def seed_users(self):
        User = get_user_model()
        users = {}
        password = None  # hashed once: PBKDF2 takes a noticeable moment per user
        for username, (first, last, email, group, _org, _role) in USERS.items():
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": email},
            )
            if created:
                password = password or make_password(PASSWORD)
                user.password = password
                if username == "admin":
                    user.is_staff = user.is_superuser = True
                user.save()
                if group:
                    user.groups.add(Group.objects.get(name=group))
            users[username] = user
        return users

    def seed_programme(self):
        today = timezone.localdate()
        return Programme.objects.get_or_create(
            name=PROGRAMME_NAME,
            defaults={
                "budget": Decimal("2000000.00"),
                "max_amount": Decimal("150000.00"),
                "opens_on": past.opens_on(today),  # before the first past application
                "closes_on": None,
                "reviews_required": 2,
                "four_eyes": True,
            },
        )

    def seed_organizations(self, users):
        organizations = {}
        for name, fields in {**ORGANIZATIONS, **PAST_ORGANIZATIONS}.items():
            organization = Organization.objects.filter(name=name).first()
            if organization is None:
                organization = Organization(name=name, **fields)
                organization.full_clean()
                organization.save()
            organizations[name] = organization
        for username, (*_rest, org_name, _role) in USERS.items():
            if org_name:
                Membership.objects.get_or_create(
                    user=users[username],
                    organization=organizations[org_name],
                    defaults={"is_admin": username in COMPANY_ADMINS},
                )
        # The past companies' applicants: no password (they are not among the demo logins).
        User = get_user_model()
        for username, (first, last, email, org_name) in PAST_APPLICANTS.items():
            user, _created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "password": make_password(None),
                },
            )
            users[username] = user
            Membership.objects.get_or_create(user=user, organization=organizations[org_name])
        return organizations

    # ----- applications, through the services -------------------------------------------------

    def seed_sectors(self, coordinator):
        """The office's list of sectors (one no longer offered), by name."""
        sectors = {}
        for name_de, name_en, active in SECTORS:
            sector = Sector.objects.filter(name_de=name_de).first()
            if sector is None:
                sector = review_services.create_sector(coordinator, name_de, name_en)
                if not active:
                    sector = review_services.update_sector(
                        coordinator, sector, name_de, name_en, active=False
                    )
            sectors[name_de] = sector
        return sectors

    def seed_reviewer_profiles(self, users, sectors, today):
        gastronomie, landscaping = (sectors[SECTOR_OF[org]] for org in (INTEGRA, WERKBANK))
        review_services.update_reviewer_profile(users["gutachter1"], [gastronomie])
        review_services.update_reviewer_profile(
            users["gutachter2"],
            [landscaping],
            available_from=datetime.date(today.year + 1, 1, 15),
            note="Nur vormittags erreichbar",
        )
        review_services.update_reviewer_profile(users["gutachter3"], [gastronomie, landscaping])

    def seed_applications(self, programme, organizations, users):
        self.users = users
        applicants = {INTEGRA: users["antrag"], WERKBANK: users["antrag2"]}
        coordinator = users["koordination"]
        reviewers = [users["gutachter1"], users["gutachter2"]]
        third = users["gutachter3"]
        board = [users["vorstand1"], users["vorstand2"], users["vorstand3"]]
        today = timezone.localdate()
        sectors = self.seed_sectors(coordinator)
        self.seed_reviewer_profiles(users, sectors, today)
        # The weighted rubric, before any review is written against it.
        review_services.save_rubric(coordinator, programme, rubric_criteria())
        if self.with_past:
            self.seed_past(programme, organizations, users, sectors, today)
        apps = {}
        for key, (org_name, data) in _application_data().items():
            applicant = applicants[org_name]
            app = services.create_application(
                applicant, programme, organizations[org_name], data["title"]
            )
            data = {**data, "sector": sectors[SECTOR_OF[org_name]]}
            app = services.update_application(applicant, app, data, app.version)
            kinds = programme.required_documents
            if key == "draft":
                kinds = [DocumentKind.BUSINESS_PLAN, DocumentKind.FINANCING_PLAN]
            for kind in kinds:
                self.attach(applicant, app, kind)
            apps[key] = app

        def submit(key):
            org_name = _application_data()[key][0]
            apps[key] = services.submit(applicants[org_name], apps[key], DECLARATIONS)

        def review_round(key, reviews, start_only=False, panel=reviewers):
            app = apps[key]
            for reviewer in panel:
                review_services.assign_reviewer(coordinator, app, reviewer)
            app = review_services.start_review(coordinator, app)
            if not start_only:
                for reviewer, review in zip(panel, reviews, strict=True):
                    assignment = app.assignments.get(reviewer=reviewer, round=app.submission_count)
                    review_services.declare_conflict(reviewer, assignment, has_conflict=False)
                    review_services.submit_review(reviewer, assignment, REVIEWS[review])
                app.refresh_from_db()
            apps[key] = app

        def declare_none(member, key):
            """A board member declares no conflict before proposing, confirming or objecting."""
            decision_services.declare_board_conflict(member, apps[key], "none")

        # submitted: waits for the coordination office to assign reviewers. Sabine Wolf was
        # assigned, declared no conflict and then corrected herself (a new declaration that
        # supersedes the first): she is recused and flagged for Werkbank's applications.
        submit("submitted")
        assignment = review_services.assign_reviewer(coordinator, apps["submitted"], third)
        review_services.declare_conflict(third, assignment, "none")
        review_services.declare_conflict(
            third, assignment, "prior_involvement", "Ich habe den Finanzplan im Vorfeld beraten."
        )
        # A second submitted application of Werkbank: its round page shows her flagged.
        submit("submitted_second")
        # Submitted, short of reviewers: Sabine Wolf declined her assignment with a reason.
        submit("submitted_declined")
        assignment = review_services.assign_reviewer(coordinator, apps["submitted_declined"], third)
        review_services.decline_assignment(
            third, assignment, reason="Ich bin bis Ende Januar im Urlaub."
        )

        # returned: the coordination office asks for the signed cooperation agreement, due in
        # three days (tomorrow the company is reminded: applications.return_due).
        submit("returned")
        apps["returned"] = services.return_for_revision(
            coordinator,
            apps["returned"],
            "Die Kooperationsvereinbarung mit dem Hotel am Mediapark ist nicht unterschrieben. "
            "Bitte laden Sie die von beiden Seiten unterzeichnete Fassung hoch und reichen Sie "
            "den Antrag erneut ein.",
            today + datetime.timedelta(days=RETURN_DAYS),
        )

        # in_review: one review due tomorrow (reviewer declared, no conflict), one overdue.
        submit("in_review")
        review_round("in_review", None, start_only=True)
        app = apps["in_review"]
        first = app.assignments.get(reviewer=reviewers[0], round=app.submission_count)
        review_services.declare_conflict(reviewers[0], first, has_conflict=False)
        # Seeding only: move the due dates the service computed to show both reminders.
        Assignment.objects.filter(pk=first.pk).update(due_on=today + datetime.timedelta(days=1))
        Assignment.objects.filter(
            application=app, reviewer=reviewers[1], round=app.submission_count
        ).update(due_on=today - datetime.timedelta(days=3))

        # awaiting_decision: three reviews that disagree (the spread of the weighted totals
        # exceeds the threshold), a discussion with an edited post, a typed board conflict;
        # the board has not proposed anything yet.
        submit("awaiting_decision")
        self.disputed_round(apps, coordinator, reviewers, board, programme, review_round)

        # awaiting_decision with an open proposal: the second board member may confirm it.
        submit("proposed")
        review_round("proposed", ["positive", "positive"])
        declare_none(board[0], "proposed")
        decision_services.propose_decision(
            board[0],
            apps["proposed"],
            Decision.Outcome.APPROVE,
            amount=Decimal("50000.00"),
            conditions="Vorlage des unterschriebenen Dienstleistungsvertrags vor Auszahlung.",
        )

        # approved: returned once (version 1), revised and resubmitted (version 2), reviewed,
        # approved by four eyes with conditions; the letter is rendered below.
        submit("approved")
        apps["approved"] = services.return_for_revision(
            coordinator,
            apps["approved"],
            "Bitte schlüsseln Sie den Eigenanteil auf und nennen Sie die Herkunft der Mittel.",
            today + datetime.timedelta(days=14),
        )
        app = apps["approved"]
        apps["approved"] = services.update_application(
            applicants[INTEGRA],
            app,
            {
                "other_funders": (
                    "Aktion Mensch (12.000 €); Eigenanteil aus Rücklagen (20.000 €) und "
                    "Gesellschafterdarlehen (8.000 €)"
                )
            },
            app.version,
        )
        submit("approved")
        review_round("approved", ["positive", "conditions"])
        declare_none(board[0], "approved")
        decision = decision_services.propose_decision(
            board[0],
            apps["approved"],
            Decision.Outcome.APPROVE,
            amount=Decimal("90000.00"),
            conditions=(
                "1. Jährlicher Verwendungsnachweis bis zum 30. Juni des Folgejahres.\n"
                "2. Vorlage des unterzeichneten Rahmenvertrags mit dem Kooperationspartner "
                "vor der ersten Auszahlung."
            ),
        )
        declare_none(board[1], "approved")
        decision_services.confirm_decision(board[1], decision)

        # rejected: reviews recommend rejection, the board rejects with reasons; its letter
        # could not be rendered (the office renders it again: decisions.letter_unsent).
        submit("rejected")
        review_round("rejected", ["negative", "conditions"])
        declare_none(board[1], "rejected")
        decision = decision_services.propose_decision(
            board[1],
            apps["rejected"],
            Decision.Outcome.REJECT,
            reasons=(
                "Die Auslastung der Anlage ist nicht durch verbindliche Aufträge gesichert, und "
                "die laufenden Kosten der Abluftreinigung fehlen in der Wirtschaftlichkeits"
                "rechnung. Ein überarbeiteter Antrag ist im nächsten Jahr willkommen."
            ),
        )
        declare_none(board[0], "rejected")
        decision_services.confirm_decision(board[0], decision)
        self.fail_letter(apps["rejected"])

        # withdrawn: the company withdrew after submitting.
        submit("withdrawn")
        services.withdraw(
            applicants[INTEGRA],
            apps["withdrawn"],
            "Der Kooperationspartner hat seine Zusage zurückgezogen; wir reichen im nächsten "
            "Jahr neu ein.",
        )
        self.seed_webhook(coordinator, apps["approved"])
        return apps

    def seed_webhook(self, coordinator, application):
        """An accounting system's endpoint, registered after the stories, switched off (the demo
        reaches no such host) with one failed delivery in its log to look at."""
        endpoint, _secret = webhook_services.create_endpoint(
            coordinator,
            "https://buchhaltung.example.org/risikokapital/events",
            "Buchhaltung (Beispiel)",
        )
        event, data = webhook_events.transition_event(
            application, "approve", State.AWAITING_DECISION, State.APPROVED, coordinator
        )
        for delivery in webhook_events.record(event, data):
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.FAILED,
                attempts=6,
                last_attempt_at=timezone.now(),
                last_error="Demo: buchhaltung.example.org is not reachable from here.",
            )
        webhook_services.set_active(coordinator, endpoint, False)

    def seed_past(self, programme, organizations, users, sectors, today):
        """The fund's past two years (``demo.past``), before today's stories: their
        references come first in each year."""
        applicants = {INTEGRA: users["antrag"], WERKBANK: users["antrag2"]}
        for username, (*_names, org_name) in PAST_APPLICANTS.items():
            applicants[org_name] = users[username]
        staff = (
            users["koordination"],
            [users[name] for name in ("gutachter1", "gutachter2", "gutachter3")],
            [users[name] for name in ("vorstand1", "vorstand2", "vorstand3")],
        )
        seeder = past.Seeder(
            programme,
            organizations,
            applicants,
            staff,
            {name: sectors[sector] for name, sector in SECTOR_OF.items()},
            self.attach,
        )
        self.past = seeder.settle(seeder.seed(past.plan(today)))

    def disputed_round(self, apps, coordinator, panel, board, programme, review_round):
        """Two reviews that disagree, a discussion (one post edited), the board's declarations."""
        key = "awaiting_decision"
        review_round(key, None, start_only=True, panel=panel)
        app = apps[key]
        review_services.add_post(
            coordinator,
            app,
            "Die Liquiditätsplanung für 2027 erscheint knapp. Sehen die Gutachterinnen und "
            "Gutachter das ebenso?",
        )
        for reviewer, review in zip(panel, ["enthusiastic", "sceptical"], strict=True):
            assignment = app.assignments.get(reviewer=reviewer, round=app.submission_count)
            review_services.declare_conflict(reviewer, assignment, "none")
            review_services.submit_review(reviewer, assignment, REVIEWS[review])
            if reviewer == panel[0]:
                post = review_services.add_post(
                    reviewer,
                    app,
                    "Ja, die Planung setzt volle Auslastung ab dem dritten Monat voraus.",
                )
                review_services.edit_post(
                    reviewer,
                    post,
                    "Ja, die Planung setzt volle Auslastung ab dem dritten Monat voraus; ich habe "
                    "das beim Risiko berücksichtigt.",
                )
        app.refresh_from_db()
        apps[key] = app
        for member in board[:2]:
            decision_services.declare_board_conflict(member, app, "none")
        decision_services.declare_board_conflict(
            board[2], app, "business", "Hausbank des Unternehmens: ich sitze im Kreditausschuss."
        )
        review_services.add_post(
            board[0], app, "Danke. Der Vorstand prüft eine Auflage zum Liquiditätsnachweis."
        )

    def attach(self, user, application, kind):
        title = DOCUMENT_TITLES[kind]
        content = demo_pdf(
            [
                title,
                application.organization.name,
                f"Vorhaben: {application.title}",
                "Demo-Dokument, erzeugt von seed_demo.",
            ]
        )
        upload = SimpleUploadedFile(f"{kind}.pdf", content, content_type="application/pdf")
        services.add_document(user, application, kind, upload)

    # ----- letters -------------------------------------------------------------------------------

    def fail_letter(self, application):
        """Seeding only: the application's new letter as if its renderings had failed.

        A real failure needs ``LETTER_RENDER_ATTEMPTS`` broken renderings; the demo sets the
        outcome directly, in the decision's transaction, so the letter task queued on commit
        finds nothing to render (it only claims pending letters). The office's start page lists
        the letter, the reminder sweep reminds the office, and "render again" produces it.
        """
        DecisionLetter.objects.filter(
            application=application, status=DecisionLetter.Status.PENDING
        ).update(
            status=DecisionLetter.Status.FAILED,
            attempts=settings.LETTER_RENDER_ATTEMPTS,
            claimed_at=timezone.now(),
            last_error=FAILED_LETTER_ERROR,
        )

    def render_pending_letters(self, programme):
        """Render letters still pending (no worker ran them) so the demo has its PDF."""
        pending = DecisionLetter.objects.filter(
            application__programme=programme, status=DecisionLetter.Status.PENDING
        )
        if not pending.exists():
            return
        try:
            from decisions.tasks import generate_decision_letter
        except ImportError:
            self.stdout.write(
                self.style.WARNING("Decision letters stay pending until a worker renders them.")
            )
            return
        for letter_id in pending.values_list("pk", flat=True):
            generate_decision_letter.apply(args=[letter_id])

    # ----- reminders -----------------------------------------------------------------------------

    def turn_back_the_clock(self, apps):
        """Move the stories of ``DAYS_BACK`` back in time (after their mails and letters went
        out, so those move too): tomorrow's reminder sweep has something of every rule to do."""
        with transaction.atomic():
            for key, days in DAYS_BACK.items():
                backdate(apps[key], days)

    # ----- the logins table ---------------------------------------------------------------------

    def print_logins(self, programme, fresh=False):
        titles = {key: data["title"] for key, (_org, data) in _application_data().items()}
        references = dict(
            Application.objects.filter(programme=programme, title__in=titles.values())
            .order_by("pk")
            .values_list("title", "reference")
        )
        ref = lambda key: references.get(titles[key]) or "-"  # noqa: E731
        hints = {
            "antrag": (
                f"Integra (Köln): finish the draft (untouched for a month) and submit it; answer "
                f"the return of {ref('returned')} (due in {RETURN_DAYS} days); download the "
                f"letter of {ref('approved')}"
            ),
            "antrag2": (
                f"Werkbank (Dortmund): follow {ref('submitted')}; read the rejection of "
                f"{ref('rejected')}"
            ),
            "koordination": (
                f"ask for the assignment proposal ({ref('submitted')}, "
                f"{ref('submitted_second')}, {ref('submitted_declined')}: a corrected conflict, "
                f"a declined assignment), confirm it and start the reviews; watch the overdue "
                f"review of {ref('in_review')}; render the failed letter of {ref('rejected')} "
                f"again; the weighted rubric is on the programme settings"
            ),
            "gutachter1": (
                f"write the review of {ref('in_review')} (due tomorrow); join the discussion "
                f"of {ref('awaiting_decision')}"
            ),
            "gutachter2": (
                f"declare on conflicts, then review {ref('in_review')} (overdue); "
                f"your profile: not before 15 January"
            ),
            "gutachter3": (
                f"your corrected conflict on {ref('submitted')}, your declined assignment of "
                f"{ref('submitted_declined')}; your review of {ref('awaiting_decision')}"
            ),
            "vorstand1": (
                f"propose a decision on {ref('awaiting_decision')} (waiting for three weeks; "
                f"the reviews disagree; read the discussion)"
            ),
            "vorstand2": (
                f"confirm or object to the proposal on {ref('proposed')}; "
                f"propose on {ref('awaiting_decision')}"
            ),
            "vorstand3": (
                f"declared a business conflict on {ref('awaiting_decision')} (sees reference, "
                f"title and company only); declare, then confirm {ref('proposed')}"
            ),
            "admin": "Django admin at /admin/: users, roles, programmes (state read-only)",
        }
        rows = [("username", "password", "role", "what to try")]
        rows += [(name, PASSWORD, spec[5], hints[name]) for name, spec in USERS.items()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write("Demo logins (http://127.0.0.1:8000/):")
        for index, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in [*widths, len(row[3])]))
        if fresh and self.past:
            closed = [timezone.localdate(app.updated_at) for app in self.past]
            self.stdout.write("")
            self.stdout.write(
                f"The fund's past (for the reports): {len(self.past)} applications of seven "
                f"companies, closed from {min(closed).isoformat()} to {max(closed).isoformat()}"
            )
        if fresh:  # the stories are set for the day after seeding
            tomorrow = timezone.localdate() + datetime.timedelta(days=1)
            self.stdout.write("")
            self.stdout.write(
                "Reminders due tomorrow (every rule): python manage.py send_reminders --dry-run "
                f"--now {tomorrow.isoformat()}T10:00"
            )
