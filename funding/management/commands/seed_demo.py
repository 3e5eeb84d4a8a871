"""``python manage.py seed_demo``: demo data for a laptop, reached through the services.

Creates the demo programme, two inclusion companies, a user for every role (password
``demo``) and applications in every state of the state machine. Idempotent: the demo
programme's name and the demo usernames identify what exists; a second run changes nothing.
Mails go to an in-memory backend while seeding and Celery tasks run eagerly, so the approved
application has its rendered decision letter even without a worker.
"""

import contextlib
import datetime
import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from applications import services
from applications.models import Application, Decision, DecisionLetter, State
from funding.models import (
    BOARD,
    COORDINATORS,
    REVIEWERS,
    DocumentKind,
    Membership,
    Organization,
    Programme,
)
from reviews import services as review_services
from reviews.models import Assignment

PROGRAMME_NAME = "Risikokapitalfonds NRW 2026"
PASSWORD = "demo"
DECLARATIONS = {"declared_truthful": True, "declared_de_minimis": True, "declared_authorized": True}

INTEGRA = "Integra Küche & Service gGmbH"
WERKBANK = "Werkbank Inklusiv gGmbH"

ORGANIZATIONS = {
    INTEGRA: {
        "legal_form": Organization.LegalForm.GGMBH,
        "register_number": "HRB 98765, Amtsgericht Köln",
        "non_profit": True,
        "representative": "Sabine Krämer",
        "address": (
            "Integra Küche & Service gGmbH\n"
            "z. Hd. Frau Sabine Krämer\n"
            "Venloer Straße 241\n"
            "50823 Köln"
        ),
        "contact_email": "info@integra-koeln.example",
        "language": "de",
        "iban": "DE89370400440532013000",
    },
    WERKBANK: {
        "legal_form": Organization.LegalForm.GGMBH,
        "register_number": "HRB 31415, Amtsgericht Dortmund",
        "non_profit": True,
        "representative": "Dr. Markus Brandt",
        "address": (
            "Werkbank Inklusiv gGmbH\n"
            "z. Hd. Herrn Dr. Markus Brandt\n"
            "Huckarder Straße 12\n"
            "44147 Dortmund"
        ),
        "contact_email": "kontakt@werkbank-inklusiv.example",
        "language": "de",
        "iban": "DE02120300000000202051",
    },
}

# username: (first name, last name, email, group, organisation, role shown in the table)
USERS = {
    "antrag": ("Julia", "Wagner", "j.wagner@integra-koeln.example", None, INTEGRA, "applicant"),
    "antrag2": (
        "Mehmet",
        "Yılmaz",
        "m.yilmaz@werkbank-inklusiv.example",
        None,
        WERKBANK,
        "applicant",
    ),
    "koordination": (
        "Katrin",
        "Hoffmann",
        "koordination@risikokapital-nrw.example",
        COORDINATORS,
        None,
        "coordinator",
    ),
    "gutachter1": (
        "Thomas",
        "Becker",
        "t.becker@expertenprojekt.example",
        REVIEWERS,
        None,
        "reviewer",
    ),
    "gutachter2": (
        "Anna",
        "Schulte",
        "a.schulte@expertenprojekt.example",
        REVIEWERS,
        None,
        "reviewer",
    ),
    "vorstand1": (
        "Wolfgang",
        "Richter",
        "w.richter@risikokapital-nrw.example",
        BOARD,
        None,
        "board",
    ),
    "vorstand2": (
        "Claudia",
        "Neumann",
        "c.neumann@risikokapital-nrw.example",
        BOARD,
        None,
        "board",
    ),
    "admin": ("Peter", "Schmitz", "admin@risikokapital-nrw.example", None, None, "admin"),
}

DOCUMENT_TITLES = {
    DocumentKind.BUSINESS_PLAN: "Geschäftsplan",
    DocumentKind.FINANCING_PLAN: "Finanzierungsplan",
    DocumentKind.REGISTER_EXTRACT: "Handelsregisterauszug",
    DocumentKind.RECOGNITION: "Anerkennung als Inklusionsbetrieb (§ 215 SGB IX)",
    DocumentKind.COOPERATION_AGREEMENT: "Kooperationsvereinbarung",
    DocumentKind.OTHER: "Sonstige Unterlage",
}

INTEGRA_STAFF = {"staff_total": 24, "staff_severely_disabled": 11}
WERKBANK_STAFF = {"staff_total": 38, "staff_severely_disabled": 15}


def _months(n):
    return timezone.localdate() + datetime.timedelta(days=30 * n)


def _application_data():
    """The demo applications by key: organisation and the applicant's fields."""
    return {
        "draft": (
            INTEGRA,
            {
                "title": "Foodtruck für die Betriebsverpflegung im Kölner Norden",
                "purpose": (
                    "Anschaffung und Ausbau eines Foodtrucks, mit dem wir die Mittagsversorgung "
                    "von drei Gewerbebetrieben ohne eigene Kantine übernehmen."
                ),
                "cost_items": (
                    "Foodtruck (Fahrzeug, gebraucht) 48.000 €\n"
                    "Küchenausbau und Kühlung 32.000 €\n"
                    "Kassensystem und Ausstattung 15.000 €"
                ),
                "eligible_costs": Decimal("95000.00"),
                "planned_start": _months(5),
                "requested_amount": Decimal("60000.00"),
                "instrument": "loan",
                "loan_term_months": 72,
                "interest_rate": Decimal("1.25"),
                "grace_period_months": 12,
                "own_contribution": Decimal("20000.00"),
                "other_funding": Decimal("15000.00"),
                "other_funders": "Aktion Mensch (Förderprogramm Inklusion)",
                **INTEGRA_STAFF,
                "jobs_new": 2,
                "jobs_secured": 2,
                "cooperation_partner": "Rheinland Logistikpark GmbH",
                "cooperation_description": (
                    "Mittagsverpflegung der rund 300 Beschäftigten des Partners an fünf Tagen "
                    "pro Woche; Rahmenvertrag über drei Jahre ist in Vorbereitung."
                ),
                "de_minimis_received": Decimal("12000.00"),
                "de_minimis_details": "LVR-Inklusionsamt, 03/2025, 12.000 € Investitionszuschuss",
            },
        ),
        "submitted": (
            WERKBANK,
            {
                "title": "CNC-Bearbeitungszentrum für Zulieferteile",
                "purpose": (
                    "Ein 5-Achs-CNC-Bearbeitungszentrum, mit dem wir Frästeile für unseren "
                    "Kooperationspartner selbst fertigen statt nur zu montieren."
                ),
                "cost_items": (
                    "5-Achs-Bearbeitungszentrum 142.000 €\n"
                    "Spannmittel und Werkzeuge 18.000 €\n"
                    "Schulung der Beschäftigten 20.000 €"
                ),
                "eligible_costs": Decimal("180000.00"),
                "planned_start": _months(4),
                "requested_amount": Decimal("120000.00"),
                "instrument": "loan",
                "loan_term_months": 120,
                "interest_rate": Decimal("1.00"),
                "grace_period_months": 18,
                "own_contribution": Decimal("40000.00"),
                "other_funding": Decimal("20000.00"),
                "other_funders": "LWL-Inklusionsamt Arbeit (Investitionszuschuss)",
                **WERKBANK_STAFF,
                "jobs_new": 4,
                "jobs_secured": 3,
                "cooperation_partner": "Dortmunder Antriebstechnik GmbH",
                "cooperation_description": (
                    "Langfristiger Liefervertrag über Gehäuseteile für Getriebemotoren; "
                    "der Partner stellt einen Anwendungstechniker für die Einarbeitung."
                ),
                "de_minimis_received": Decimal("25000.00"),
                "de_minimis_details": "LWL-Inklusionsamt, 06/2024, 25.000 €",
            },
        ),
        "returned": (
            INTEGRA,
            {
                "title": "Erweiterung der Spülküche und Wäscherei",
                "purpose": (
                    "Eine zweite Spülstraße und eine gewerbliche Waschmaschine, damit wir das "
                    "Geschirr und die Tischwäsche eines Tagungshotels übernehmen können."
                ),
                "cost_items": (
                    "Bandspülmaschine 34.000 €\nGewerbewaschmaschine und Trockner 18.000 €\n"
                    "Installation 8.000 €"
                ),
                "eligible_costs": Decimal("60000.00"),
                "planned_start": _months(3),
                "requested_amount": Decimal("42000.00"),
                "instrument": "silent_partnership",
                "own_contribution": Decimal("12000.00"),
                "other_funding": Decimal("6000.00"),
                "other_funders": "Stiftung Wohlfahrtspflege NRW",
                **INTEGRA_STAFF,
                "jobs_new": 1,
                "jobs_secured": 2,
                "cooperation_partner": "Hotel am Mediapark Köln GmbH",
                "cooperation_description": (
                    "Übernahme der Spül- und Wäschelogistik des Tagungsbereichs; Absichtserklärung "
                    "liegt vor."
                ),
                "de_minimis_received": Decimal("12000.00"),
                "de_minimis_details": "LVR-Inklusionsamt, 03/2025, 12.000 € Investitionszuschuss",
            },
        ),
        "in_review": (
            WERKBANK,
            {
                "title": "Zweite Montagelinie für Fahrradanhänger",
                "purpose": (
                    "Aufbau einer zweiten, barrierefrei gestalteten Montagelinie für "
                    "Lastenanhänger, um die gestiegene Nachfrage des Partners zu bedienen."
                ),
                "cost_items": (
                    "Montagetische, höhenverstellbar 38.000 €\nDrehmomentwerkzeuge 22.000 €\n"
                    "Fördertechnik 50.000 €\nUmbau der Halle 20.000 €"
                ),
                "eligible_costs": Decimal("130000.00"),
                "planned_start": _months(3),
                "requested_amount": Decimal("90000.00"),
                "instrument": "loan",
                "loan_term_months": 96,
                "interest_rate": Decimal("1.50"),
                "grace_period_months": 12,
                "own_contribution": Decimal("30000.00"),
                "other_funding": Decimal("10000.00"),
                "other_funders": "Aktion Mensch",
                **WERKBANK_STAFF,
                "jobs_new": 3,
                "jobs_secured": 2,
                "cooperation_partner": "Ruhrrad Manufaktur GmbH",
                "cooperation_description": (
                    "Endmontage der Anhängermodelle des Partners im Auftrag; der Partner "
                    "garantiert eine Mindestabnahme von 1.200 Stück pro Jahr."
                ),
                "de_minimis_received": Decimal("25000.00"),
                "de_minimis_details": "LWL-Inklusionsamt, 06/2024, 25.000 €",
            },
        ),
        "awaiting_decision": (
            INTEGRA,
            {
                "title": "Kantinenbetrieb im Gewerbepark Köln-Ossendorf",
                "purpose": (
                    "Übernahme und Modernisierung der Betriebskantine im Gewerbepark; "
                    "neue Ausgabetheke und Kühlzelle."
                ),
                "cost_items": (
                    "Ausgabetheke 28.000 €\nKühlzelle 24.000 €\nKombidämpfer 26.000 €\n"
                    "Mobiliar 12.000 €"
                ),
                "eligible_costs": Decimal("90000.00"),
                "planned_start": _months(2),
                "requested_amount": Decimal("63000.00"),
                "instrument": "loan",
                "loan_term_months": 84,
                "interest_rate": Decimal("1.50"),
                "grace_period_months": 6,
                "own_contribution": Decimal("18000.00"),
                "other_funding": Decimal("9000.00"),
                "other_funders": "Stiftung Wohlfahrtspflege NRW",
                **INTEGRA_STAFF,
                "jobs_new": 2,
                "jobs_secured": 2,
                "cooperation_partner": "Gewerbepark Ossendorf Verwaltungs GmbH",
                "cooperation_description": (
                    "Pachtvertrag über die Kantine und Versorgungsauftrag für die "
                    "ansässigen Betriebe."
                ),
                "de_minimis_received": Decimal("12000.00"),
                "de_minimis_details": "LVR-Inklusionsamt, 03/2025, 12.000 € Investitionszuschuss",
            },
        ),
        "proposed": (
            WERKBANK,
            {
                "title": "Lagerlogistik und Kommissionierung für den Versandhandel",
                "purpose": (
                    "Regalsystem, Scanner und ein Elektro-Stapler, um die Kommissionierung für "
                    "einen Online-Händler aus der Region zu übernehmen."
                ),
                "cost_items": (
                    "Regalsystem 30.000 €\nElektro-Stapler 26.000 €\nScanner und Software 14.000 €"
                ),
                "eligible_costs": Decimal("70000.00"),
                "planned_start": _months(2),
                "requested_amount": Decimal("50000.00"),
                "instrument": "loan",
                "loan_term_months": 60,
                "interest_rate": Decimal("1.00"),
                "grace_period_months": 6,
                "own_contribution": Decimal("15000.00"),
                "other_funding": Decimal("5000.00"),
                "other_funders": "Sparkasse Dortmund (Spende)",
                **WERKBANK_STAFF,
                "jobs_new": 2,
                "jobs_secured": 1,
                "cooperation_partner": "Westfalen Versand GmbH",
                "cooperation_description": (
                    "Dienstleistungsvertrag über Kommissionierung und Versand von rund 400 "
                    "Paketen pro Tag."
                ),
                "de_minimis_received": Decimal("25000.00"),
                "de_minimis_details": "LWL-Inklusionsamt, 06/2024, 25.000 €",
            },
        ),
        "approved": (
            INTEGRA,
            {
                "title": "Cateringküche für Kita- und Schulverpflegung",
                "purpose": (
                    "Eine Produktionsküche im Cook-and-Chill-Verfahren für die Mittagsverpflegung "
                    "von zwölf Kitas und zwei Grundschulen im Kölner Westen."
                ),
                "cost_items": (
                    "Kochkessel und Kombidämpfer 52.000 €\nSchnellkühler 28.000 €\n"
                    "Verpackungslinie 34.000 €\nUmbau und Lüftung 26.000 €"
                ),
                "eligible_costs": Decimal("140000.00"),
                "planned_start": _months(2),
                "requested_amount": Decimal("100000.00"),
                "instrument": "loan",
                "loan_term_months": 96,
                "interest_rate": Decimal("1.50"),
                "grace_period_months": 12,
                "own_contribution": Decimal("28000.00"),
                "other_funding": Decimal("12000.00"),
                "other_funders": "Aktion Mensch",
                **INTEGRA_STAFF,
                "jobs_new": 3,
                "jobs_secured": 3,
                "cooperation_partner": "KitaVital Catering GmbH",
                "cooperation_description": (
                    "Der Partner übernimmt Vertrieb und Auslieferung; Integra produziert. "
                    "Rahmenvertrag über fünf Jahre."
                ),
                "de_minimis_received": Decimal("12000.00"),
                "de_minimis_details": "LVR-Inklusionsamt, 03/2025, 12.000 € Investitionszuschuss",
            },
        ),
        "rejected": (
            WERKBANK,
            {
                "title": "Eigene Pulverbeschichtungsanlage",
                "purpose": (
                    "Eine Pulverbeschichtungsanlage, um lackierte Teile nicht mehr extern "
                    "beschichten zu lassen."
                ),
                "cost_items": (
                    "Beschichtungskabine und Ofen 150.000 €\nAbluftanlage 40.000 €\n"
                    "Fördertechnik 20.000 €"
                ),
                "eligible_costs": Decimal("210000.00"),
                "planned_start": _months(6),
                "requested_amount": Decimal("140000.00"),
                "instrument": "silent_partnership",
                "own_contribution": Decimal("50000.00"),
                "other_funding": Decimal("20000.00"),
                "other_funders": "NRW.BANK (Förderkredit)",
                **WERKBANK_STAFF,
                "jobs_new": 4,
                "jobs_secured": 4,
                "cooperation_partner": "Dortmunder Antriebstechnik GmbH",
                "cooperation_description": (
                    "Absichtserklärung des Partners, beschichtete Gehäuse abzunehmen; ohne "
                    "Mengenzusage."
                ),
                "de_minimis_received": Decimal("25000.00"),
                "de_minimis_details": "LWL-Inklusionsamt, 06/2024, 25.000 €",
            },
        ),
        "withdrawn": (
            INTEGRA,
            {
                "title": "Mobiler Mittagstisch für Seniorenwohnanlagen",
                "purpose": (
                    "Zwei Kühlfahrzeuge für die Auslieferung von Mittagessen an "
                    "Seniorenwohnanlagen im Stadtbezirk Ehrenfeld."
                ),
                "cost_items": "Zwei Kühlfahrzeuge 64.000 €\nWarmhalteboxen 6.000 €",
                "eligible_costs": Decimal("70000.00"),
                "planned_start": _months(4),
                "requested_amount": Decimal("49000.00"),
                "instrument": "loan",
                "loan_term_months": 60,
                "interest_rate": Decimal("1.25"),
                "grace_period_months": 6,
                "own_contribution": Decimal("14000.00"),
                "other_funding": Decimal("7000.00"),
                "other_funders": "Stiftung Wohlfahrtspflege NRW",
                **INTEGRA_STAFF,
                "jobs_new": 2,
                "jobs_secured": 1,
                "cooperation_partner": "Wohnen im Alter Ehrenfeld eG",
                "cooperation_description": "Liefervertrag für 150 Mahlzeiten pro Werktag.",
                "de_minimis_received": Decimal("12000.00"),
                "de_minimis_details": "LVR-Inklusionsamt, 03/2025, 12.000 € Investitionszuschuss",
            },
        ),
    }


REVIEWS = {
    "positive": {
        "score_viability": 4,
        "score_employment": 5,
        "score_cooperation": 4,
        "score_risk": 3,
        "score_management": 4,
        "recommendation": "approve",
        "comment": (
            "Tragfähiges Konzept mit belastbarer Kooperation; die Umsatzplanung ist vorsichtig "
            "gerechnet. Förderung empfohlen."
        ),
    },
    "conditions": {
        "score_viability": 3,
        "score_employment": 5,
        "score_cooperation": 4,
        "score_risk": 3,
        "score_management": 4,
        "recommendation": "approve_with_conditions",
        "comment": (
            "Gute Beschäftigungswirkung. Die Liquiditätsplanung für das erste Jahr ist knapp; "
            "empfohlen wird ein jährlicher Verwendungsnachweis mit Liquiditätsvorschau."
        ),
    },
    "negative": {
        "score_viability": 2,
        "score_employment": 3,
        "score_cooperation": 2,
        "score_risk": 2,
        "score_management": 3,
        "recommendation": "reject",
        "comment": (
            "Die Auslastung der Anlage hängt an einer unverbindlichen Absichtserklärung; "
            "Umweltauflagen und Betriebskosten sind nicht eingeplant. Ablehnung empfohlen."
        ),
    },
}


def _pdf_text(value):
    raw = value.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def demo_pdf(lines):
    """A small, valid one-page A4 PDF with the given lines of text (Helvetica, WinAnsi)."""
    text = [b"BT /F1 14 Tf 72 770 Td 18 TL"]
    for index, line in enumerate(lines):
        if index == 1:
            text.append(b"/F1 11 Tf")
        text.append(b"(" + _pdf_text(line) + b") Tj T*")
    text.append(b"ET")
    stream = b"\n".join(text)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@contextlib.contextmanager
def quiet_and_eager():
    """Mails to memory, Celery tasks in-process and quietly (all restored afterwards)."""
    from funding.celery import app

    previous = app.conf.task_always_eager
    loggers = {name: logging.getLogger(name) for name in ("celery", "kombu")}
    levels = {name: logger.level for name, logger in loggers.items()}
    app.conf.task_always_eager = True
    for logger in loggers.values():
        logger.setLevel(logging.ERROR)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        app.conf.task_always_eager = previous
        for name, logger in loggers.items():
            logger.setLevel(levels[name])


class Command(BaseCommand):
    help = (
        "Create the demo programme, two inclusion companies, users for every role (password "
        "'demo') and applications in every state. Idempotent."
    )

    def handle(self, *args, **options):
        with translation.override("de"), quiet_and_eager():
            with transaction.atomic():
                users = self.seed_users()
                programme, created = self.seed_programme()
                if created or not programme.applications.exists():
                    organizations = self.seed_organizations(users)
                    self.seed_applications(programme, organizations, users)
                    message = "Demo data created."
                else:
                    message = "Demo data already present; nothing changed."
            self.render_pending_letters(programme)
        self.stdout.write(self.style.SUCCESS(message))
        self.print_logins(programme)

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
                "opens_on": min(datetime.date(2026, 1, 1), today),
                "closes_on": None,
                "reviews_required": 2,
                "four_eyes": True,
            },
        )

    def seed_organizations(self, users):
        organizations = {}
        for name, fields in ORGANIZATIONS.items():
            organization = Organization.objects.filter(name=name).first()
            if organization is None:
                organization = Organization(name=name, **fields)
                organization.full_clean()
                organization.save()
            organizations[name] = organization
        for username, (*_rest, org_name, _role) in USERS.items():
            if org_name:
                Membership.objects.get_or_create(
                    user=users[username], organization=organizations[org_name]
                )
        return organizations

    # ----- applications, through the services -------------------------------------------------

    def seed_applications(self, programme, organizations, users):
        self.users = users
        applicants = {INTEGRA: users["antrag"], WERKBANK: users["antrag2"]}
        coordinator = users["koordination"]
        reviewers = [users["gutachter1"], users["gutachter2"]]
        board = [users["vorstand1"], users["vorstand2"]]
        today = timezone.localdate()
        apps = {}
        for key, (org_name, data) in _application_data().items():
            applicant = applicants[org_name]
            app = services.create_application(
                applicant, programme, organizations[org_name], data["title"]
            )
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

        def review_round(key, reviews, start_only=False):
            app = apps[key]
            for reviewer in reviewers:
                review_services.assign_reviewer(coordinator, app, reviewer)
            app = review_services.start_review(coordinator, app)
            if not start_only:
                for reviewer, review in zip(reviewers, reviews, strict=True):
                    assignment = app.assignments.get(reviewer=reviewer, round=app.submission_count)
                    review_services.declare_conflict(reviewer, assignment, has_conflict=False)
                    review_services.submit_review(reviewer, assignment, REVIEWS[review])
                app.refresh_from_db()
            apps[key] = app

        # submitted: waits for the coordination office to assign reviewers.
        submit("submitted")

        # returned: the coordination office asks for the signed cooperation agreement.
        submit("returned")
        apps["returned"] = services.return_for_revision(
            coordinator,
            apps["returned"],
            "Die Kooperationsvereinbarung mit dem Hotel am Mediapark ist nicht unterschrieben. "
            "Bitte laden Sie die von beiden Seiten unterzeichnete Fassung hoch und reichen Sie "
            "den Antrag erneut ein.",
            today + datetime.timedelta(days=14),
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

        # awaiting_decision: both reviews in, the board has not proposed anything yet.
        submit("awaiting_decision")
        review_round("awaiting_decision", ["positive", "conditions"])

        # awaiting_decision with an open proposal: the second board member may confirm it.
        submit("proposed")
        review_round("proposed", ["positive", "positive"])
        services.propose_decision(
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
        decision = services.propose_decision(
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
        services.confirm_decision(board[1], decision)

        # rejected: reviews recommend rejection, the board rejects with reasons.
        submit("rejected")
        review_round("rejected", ["negative", "conditions"])
        decision = services.propose_decision(
            board[1],
            apps["rejected"],
            Decision.Outcome.REJECT,
            reasons=(
                "Die Auslastung der Anlage ist nicht durch verbindliche Aufträge gesichert, und "
                "die laufenden Kosten der Abluftreinigung fehlen in der Wirtschaftlichkeits"
                "rechnung. Ein überarbeiteter Antrag ist im nächsten Jahr willkommen."
            ),
        )
        services.confirm_decision(board[0], decision)

        # withdrawn: the company withdrew after submitting.
        submit("withdrawn")
        services.withdraw(
            applicants[INTEGRA],
            apps["withdrawn"],
            "Der Kooperationspartner hat seine Zusage zurückgezogen; wir reichen im nächsten "
            "Jahr neu ein.",
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

    def render_pending_letters(self, programme):
        """Render letters still pending (no worker ran them) so the demo has its PDF."""
        pending = DecisionLetter.objects.filter(
            application__programme=programme, status=DecisionLetter.Status.PENDING
        )
        if not pending.exists():
            return
        try:
            from applications.tasks import generate_decision_letter
        except ImportError:
            self.stdout.write(
                self.style.WARNING("Decision letters stay pending until a worker renders them.")
            )
            return
        for letter_id in pending.values_list("pk", flat=True):
            generate_decision_letter.apply(args=[letter_id])

    # ----- the logins table ---------------------------------------------------------------------

    def print_logins(self, programme):
        refs = {}
        for app in Application.objects.filter(programme=programme).select_related("organization"):
            state = app.state
            if (
                state == State.AWAITING_DECISION
                and app.decisions.filter(status=Decision.Status.OPEN).exists()
            ):
                state = "proposed"
            refs.setdefault(state, app.reference or app.title)
        ref = lambda state: refs.get(state, "-")  # noqa: E731
        hints = {
            "antrag": (
                f"Integra (Köln): finish the draft and submit it; answer the return of "
                f"{ref(State.RETURNED)}; download the letter of {ref(State.APPROVED)}"
            ),
            "antrag2": f"Werkbank (Dortmund): follow {ref(State.SUBMITTED)}; read the rejection",
            "koordination": (
                f"assign both reviewers to {ref(State.SUBMITTED)} and start the review; "
                f"watch the overdue review of {ref(State.IN_REVIEW)}"
            ),
            "gutachter1": f"write the review of {ref(State.IN_REVIEW)} (due tomorrow)",
            "gutachter2": (f"declare on conflicts, then review {ref(State.IN_REVIEW)} (overdue)"),
            "vorstand1": f"propose a decision on {ref(State.AWAITING_DECISION)}",
            "vorstand2": (
                f"confirm or object to the proposal on {ref('proposed')}; "
                f"propose on {ref(State.AWAITING_DECISION)}"
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
