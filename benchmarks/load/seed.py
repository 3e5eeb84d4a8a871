"""The load test's world, written into an empty PostgreSQL database.

Run as ``python -m benchmarks.load.seed PLAN.json`` with the server's environment
(``DJANGO_SETTINGS_MODULE=funding.settings``, ``DATABASE_URL``, ``MEDIA_ROOT``, ...): it
migrates, seeds and writes the plan the locustfile reads (the logins, each company's drafts,
search terms). ``build()`` does the same inside a configured Django process.

What it seeds:

- two programmes with an open call (the rubric comes with each, as in production);
- ``COMPANIES`` companies, each with one user (a company admin) and ``DRAFTS_PER_COMPANY``
  complete drafts, written through ``applications.services`` (create, edit, the required
  documents): each would pass every submission rule;
- ``COORDINATORS`` coordinators, ``BOARD`` board members, ``REVIEWERS`` reviewers;
- ``BACKGROUND`` older applications (bulk, ``benchmarks.data``) spread over the companies and
  every state; those awaiting a decision have their review round, the board members'
  declarations and every third an open proposal, so that lists and the board queue are full.

Every user has the same password: hashed once with the server's hasher (PBKDF2, as
``make serve`` runs) and the hash copied to all rows.
"""

import datetime
import json
import secrets
import sys
from decimal import Decimal

from .shape import BOARD, COMPANIES, COORDINATORS

DRAFTS_PER_COMPANY = 2
REVIEWERS = 20
BACKGROUND = 3000

# A complete application (the demo's first draft): it balances, keeps every programme limit
# and the quota (8 of 20 staff), and creates or secures four jobs.
CONTENT = {
    "purpose": (
        "Anschaffung und Ausbau eines Foodtrucks, mit dem wir die Mittagsversorgung von drei "
        "Gewerbebetrieben ohne eigene Kantine übernehmen."
    ),
    "cost_items": (
        "Foodtruck (Fahrzeug, gebraucht) 48.000 €\nKüchenausbau und Kühlung 32.000 €\n"
        "Kassensystem und Ausstattung 15.000 €"
    ),
    "eligible_costs": Decimal("95000.00"),
    "requested_amount": Decimal("60000.00"),
    "instrument": "loan",
    "loan_term_months": 72,
    "interest_rate": Decimal("1.25"),
    "grace_period_months": 12,
    "own_contribution": Decimal("20000.00"),
    "other_funding": Decimal("15000.00"),
    "other_funders": "Aktion Mensch (Förderprogramm Inklusion)",
    "staff_total": 20,
    "staff_severely_disabled": 8,
    "jobs_new": 2,
    "jobs_secured": 2,
    "cooperation_partner": "Rheinland Logistikpark GmbH",
    "cooperation_description": (
        "Mittagsverpflegung der rund 300 Beschäftigten des Partners an fünf Tagen pro Woche."
    ),
    "de_minimis_received": Decimal("12000.00"),
    "de_minimis_details": "LVR-Inklusionsamt, 03/2025, 12.000 € Investitionszuschuss",
}
SEARCH_TERMS = ["Großküche", "Inklusionsbetrieb 01", "RK-B-00012", "Foodtruck", "Standort 27"]


def _users(names, hashed, group=None):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    rows = User.objects.bulk_create(
        [
            User(
                username=name,
                email=f"{name}@example.org",
                first_name=name.capitalize(),
                last_name="Last",
                password=hashed,
            )
            for name in names
        ]
    )
    if group:
        Group.objects.get(name=group).user_set.add(*rows)
    return rows


def _companies(hashed, count):
    from funding.models import Membership, Organization

    REGIONS = (Organization.Region.RHEINLAND, Organization.Region.WESTFALEN_LIPPE)
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Inklusionsbetrieb {n:03d} gGmbH",
                legal_form=Organization.LegalForm.GGMBH,
                register_number=f"HRB {2000 + n}",
                non_profit=True,
                representative="Maria Beispiel",
                address=f"Inklusionsbetrieb {n:03d} gGmbH\nWerkstraße {n}\n50667 Köln",
                region=REGIONS[n % 2],
                contact_email=f"kontakt{n:03d}@example.org",
                iban="DE89370400440532013000",
            )
            for n in range(count)
        ]
    )
    users = _users([f"company{n:03d}" for n in range(count)], hashed)
    Membership.objects.bulk_create(
        [
            Membership(user=u, organization=o, is_admin=True)
            for u, o in zip(users, organizations, strict=True)
        ]
    )
    return organizations, users


def _draft(user, programme, organization, n, pdf):
    """A complete draft through the services the pages use."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from applications import services

    app = services.create_application(user, programme, organization, f"Foodtruck Nummer {n}")
    content = {**CONTENT, "planned_start": timezone.localdate() + datetime.timedelta(days=150)}
    app = services.update_application(user, app, content, app.version)
    for kind in programme.required_documents:
        upload = SimpleUploadedFile(f"{kind}.pdf", pdf, content_type="application/pdf")
        services.add_document(user, app, kind, upload)
    return app


def build(background=BACKGROUND, companies=COMPANIES):
    """Seed the (migrated, empty) database; returns the plan (JSON-ready): ``password``,
    ``companies`` ([{"username", "drafts": [id, ...]}]), ``coordinators`` and ``board``
    (usernames), ``search_terms``, ``background``."""
    from django.contrib.auth.hashers import make_password

    from benchmarks import data
    from demo.pdf import demo_pdf
    from funding.models import Programme

    password = secrets.token_urlsafe(18)
    hashed = make_password(password)  # once: the server's hasher, copied to every user
    programmes = [
        Programme.objects.create(
            name=f"Risikokapitalfonds {n}",
            budget=Decimal("100000000"),
            max_amount=Decimal("150000"),
            opens_on=datetime.date(2020, 1, 1),
        )
        for n in (1, 2)
    ]
    organizations, company_users = _companies(hashed, companies)
    coordinators = _users(
        [f"coordinator{n:02d}" for n in range(COORDINATORS)], hashed, "coordinators"
    )
    board = _users([f"board{n}" for n in range(BOARD)], hashed, "board")
    reviewers = _users([f"reviewer{n:02d}" for n in range(REVIEWERS)], hashed, "reviewers")
    world = data.World(
        programmes=programmes,
        organizations=organizations,
        applicants={o.pk: u for o, u in zip(organizations, company_users, strict=True)},
        coordinator=coordinators[0],
        board=board,
        reviewers=reviewers,
    )
    data.add_applications(world, background)
    pdf = demo_pdf(["Unterlage", "Für den Lasttest"])
    plan_companies = []
    for n, (user, organization) in enumerate(zip(company_users, organizations, strict=True)):
        drafts = [
            _draft(user, programmes[(n + k) % 2], organization, n * DRAFTS_PER_COMPANY + k, pdf).pk
            for k in range(DRAFTS_PER_COMPANY)
        ]
        plan_companies.append({"username": user.username, "drafts": drafts})
    data.analyze()
    return {
        "password": password,
        "companies": plan_companies,
        "coordinators": [u.username for u in coordinators],
        "board": [u.username for u in board],
        "search_terms": SEARCH_TERMS,
        "background": background,
    }


def main(argv):
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    background = int(argv[2]) if len(argv) > 2 else BACKGROUND
    plan = build(background)
    with open(argv[1], "w", encoding="utf-8") as out:
        json.dump(plan, out)


if __name__ == "__main__":
    main(sys.argv)
