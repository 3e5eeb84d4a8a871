"""The demo's programme name, companies and people (one user for every role; password ``demo``)."""

from funding.models import BOARD, COORDINATORS, REVIEWERS, DocumentKind, Organization

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
    "antrag": (
        "Julia",
        "Wagner",
        "j.wagner@integra-koeln.example",
        None,
        INTEGRA,
        "applicant, company admin",
    ),
    "antrag2": (
        "Mehmet",
        "Yılmaz",
        "m.yilmaz@werkbank-inklusiv.example",
        None,
        WERKBANK,
        "applicant, company admin",
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
    "gutachter3": (
        "Sabine",
        "Wolf",
        "s.wolf@expertenprojekt.example",
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
    "vorstand3": (
        "Dr. Jens",
        "Albrecht",
        "j.albrecht@risikokapital-nrw.example",
        BOARD,
        None,
        "board",
    ),
    "admin": ("Peter", "Schmitz", "admin@risikokapital-nrw.example", None, None, "admin"),
}

# Company admins manage their company's users (invite, remove, name other admins).
COMPANY_ADMINS = {"antrag", "antrag2"}

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

# The coordination office's list of sectors: (German name, English name, offered).
GASTRONOMIE = "Gastronomie"
LANDSCAPING = "Garten- und Landschaftsbau"
SECTORS = [
    (GASTRONOMIE, "Catering", True),
    (LANDSCAPING, "Landscaping", True),
    ("Druck und Medien", "Printing", False),
]
# The sector each company's applications name.
SECTOR_OF = {INTEGRA: GASTRONOMIE, WERKBANK: LANDSCAPING}
