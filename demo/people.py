"""The demo's programme name, companies and people (one user for every role; password ``demo``)."""

from funding.models import BOARD, COORDINATORS, REVIEWERS, DocumentKind, Organization

PROGRAMME_NAME = "Risikokapitalfonds NRW"
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
        "region": Organization.Region.RHEINLAND,
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
        "region": Organization.Region.WESTFALEN_LIPPE,
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

# ----- the fund's past (``demo.past``) -----------------------------------------------------------

# Five more companies that applied in the last two years. Their staff have no password (the
# demo's logins are the people above); ``QUERBEET`` has not stated its Inklusionsamt (a
# record from before the company form asked for it).
GRUENWERK = "Grünwerk Bonn gGmbH"
HOFKUECHE = "Hofküche Münsterland eG"
LIPPE = "Lippe Grünpflege gUG (haftungsbeschränkt)"
DRUCKWERK = "Druckwerk Aachen gGmbH"
QUERBEET = "Querbeet Catering gGmbH"


def _company(name, legal_form, register, representative, street, town, region, email, iban):
    """A company's fields; the address's first line is its name (shortened to fit the window)."""
    return {
        "legal_form": legal_form,
        "register_number": register,
        "non_profit": legal_form != Organization.LegalForm.EG,
        "representative": representative,
        "address": f"{name.removesuffix(' (haftungsbeschränkt)')}\n{street}\n{town}",
        "region": region,
        "contact_email": email,
        "language": "de",
        "iban": iban,
    }


PAST_ORGANIZATIONS = {
    GRUENWERK: _company(
        GRUENWERK,
        Organization.LegalForm.GGMBH,
        "HRB 20417, Amtsgericht Bonn",
        "Miriam Esser",
        "Königswinterer Straße 118",
        "53227 Bonn",
        Organization.Region.RHEINLAND,
        "info@gruenwerk-bonn.example",
        "DE12500105170648489890",
    ),
    HOFKUECHE: _company(
        HOFKUECHE,
        Organization.LegalForm.EG,
        "GnR 412, Amtsgericht Münster",
        "Bernd Schulze Althoff",
        "Wolbecker Straße 301",
        "48155 Münster",
        Organization.Region.WESTFALEN_LIPPE,
        "kontakt@hofkueche-muensterland.example",
        "DE44500105175407324931",
    ),
    LIPPE: _company(
        LIPPE,
        Organization.LegalForm.GUG,
        "HRB 8123, Amtsgericht Lemgo",
        "Katharina Meier",
        "Paulinenstraße 42",
        "32756 Detmold",
        Organization.Region.WESTFALEN_LIPPE,
        "buero@lippe-gruenpflege.example",
        "DE89370400440532013000",
    ),
    DRUCKWERK: _company(
        DRUCKWERK,
        Organization.LegalForm.GGMBH,
        "HRB 17730, Amtsgericht Aachen",
        "Jan Hermanns",
        "Jülicher Straße 215",
        "52070 Aachen",
        Organization.Region.RHEINLAND,
        "post@druckwerk-aachen.example",
        "DE02120300000000202051",
    ),
    QUERBEET: _company(
        QUERBEET,
        Organization.LegalForm.GGMBH,
        "HRB 9951, Amtsgericht Hagen",
        "Serkan Demir",
        "Lange Straße 87",
        "58089 Hagen",
        "",
        "hallo@querbeet-catering.example",
        "DE12500105170648489890",
    ),
}

# username: (first name, last name, email, organisation): one applicant of each past company.
PAST_APPLICANTS = {
    "gruenwerk": ("Miriam", "Esser", "m.esser@gruenwerk-bonn.example", GRUENWERK),
    "hofkueche": (
        "Bernd",
        "Schulze Althoff",
        "b.schulze@hofkueche-muensterland.example",
        HOFKUECHE,
    ),
    "lippe": ("Katharina", "Meier", "k.meier@lippe-gruenpflege.example", LIPPE),
    "druckwerk": ("Jan", "Hermanns", "j.hermanns@druckwerk-aachen.example", DRUCKWERK),
    "querbeet": ("Serkan", "Demir", "s.demir@querbeet-catering.example", QUERBEET),
}

# Staff of each company as its applications state them (at least 30 % severely disabled).
STAFF = {
    INTEGRA: INTEGRA_STAFF,
    WERKBANK: WERKBANK_STAFF,
    GRUENWERK: {"staff_total": 19, "staff_severely_disabled": 8},
    HOFKUECHE: {"staff_total": 31, "staff_severely_disabled": 12},
    LIPPE: {"staff_total": 12, "staff_severely_disabled": 6},
    DRUCKWERK: {"staff_total": 27, "staff_severely_disabled": 10},
    QUERBEET: {"staff_total": 16, "staff_severely_disabled": 7},
}
PRINTING = "Druck und Medien"  # no longer offered: the office retired it after the past
SECTOR_OF.update(
    {
        GRUENWERK: LANDSCAPING,
        HOFKUECHE: GASTRONOMIE,
        LIPPE: LANDSCAPING,
        DRUCKWERK: PRINTING,
        QUERBEET: GASTRONOMIE,
    }
)
