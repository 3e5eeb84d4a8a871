"""Seeding only: the fund's past two years, so that every figure and chart of a report shows
something.

``plan(today)`` says what happened (no database). Every calendar quarter from seven quarters
before ``today``'s to its own closes three applications, on its 13th, 41st and 69th day (in
the current quarter only those at least two days before ``today``; on a weekend the Friday
before): an approval (a loan in even quarters, a silent partnership in odd ones), a rejection,
and an approval of the other instrument (even quarters) or a withdrawal (odd ones: while
submitted, in review, awaiting the board, in turn). The days from the first submission to the
closing vary from 25 to 196 (every 30-day bin); some applications were returned by the office
and submitted again, one was returned by the board and reviewed a second time, three review
rounds were closed with one review after a reviewer declined, some reviews came in after
their due date. Seven companies take turns: the demo's two and the five of
``people.PAST_ORGANIZATIONS`` (both Inklusionsämter, one company without one stated); each
names a cooperation partner, some partners recur, and Integra is funded twice within three
years (and a third time by today's story).

``Seeder.seed`` then goes through the services, step by step in the order of the plan, with
``history.Timeline`` marking when each step happened and ``history.no_progress_mails`` keeping
the mails of back then out of today's inboxes; ``Seeder.settle`` moves the timestamps, gives the
references of the years of submission and files each decision's letter as sent. The letters
are one-page stand-ins (``demo.pdf``, marked as such): rendering twenty real letters would make
``seed_demo`` several seconds slower.
"""

import dataclasses
import datetime
import hashlib
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from applications import services
from applications.models import Application
from decisions import letters
from decisions import services as decision_services
from decisions.models import Decision, DecisionLetter
from reviews import services as review_services
from reviews.models import Assignment

from . import history
from .applications import REVIEWS
from .pdf import demo_pdf
from .people import (
    DECLARATIONS,
    DRUCKWERK,
    GRUENWERK,
    HOFKUECHE,
    INTEGRA,
    LIPPE,
    QUERBEET,
    STAFF,
    WERKBANK,
)

QUARTERS = 8  # the current quarter and the seven before it
DAYS_IN_QUARTER = (12, 40, 68)  # the closing days (0 = the quarter's first day)
NOT_AFTER = 2  # days before the seeding day: the past ends before today's stories

LOAN, SILENT, REJECT = "loan", "silent", "reject"
WITHDRAWN_SUBMITTED, WITHDRAWN_IN_REVIEW, WITHDRAWN_AWAITING = (
    "withdrawn_submitted",
    "withdrawn_in_review",
    "withdrawn_awaiting",
)
WITHDRAWN = (WITHDRAWN_SUBMITTED, WITHDRAWN_IN_REVIEW, WITHDRAWN_AWAITING)

# Days from the first submission to the closing, in turn (30-day bins: every one up to 209).
DELAYS = (34, 62, 25, 118, 47, 66, 83, 196, 56, 104, 29, 88, 137, 172, 41, 151)
# Days a reviewer took after the start of the review (the review period is 21 days), in turn.
REVIEW_DAYS = (12, 19, 25, 9, 28, 16, 23)
COMPANIES = (GRUENWERK, INTEGRA, HOFKUECHE, WERKBANK, DRUCKWERK, LIPPE, QUERBEET)
ELIGIBLE = (64000, 88000, 120000, 146000, 96000, 72000, 175000, 110000, 58000, 132000)
LOAN_TERMS = ((60, "1.00", 6), (84, "1.50", 12), (120, "1.25", 18), (72, "2.00", 6))
# The de minimis aid each company declares (other grantors than this fund).
DE_MINIMIS = {
    INTEGRA: (Decimal("12000.00"), "LVR-Inklusionsamt, Investitionszuschuss 12.000 €"),
    WERKBANK: (Decimal("25000.00"), "LWL-Inklusionsamt, Investitionszuschuss 25.000 €"),
    GRUENWERK: (Decimal("8000.00"), "LVR-Inklusionsamt, Arbeitsplatzausstattung 8.000 €"),
    HOFKUECHE: (Decimal("0.00"), ""),
    LIPPE: (Decimal("15000.00"), "LWL-Inklusionsamt, Investitionszuschuss 15.000 €"),
    DRUCKWERK: (Decimal("30000.00"), "Aktion Mensch, Investitionsförderung 30.000 €"),
    QUERBEET: (Decimal("5000.00"), "Stiftung Wohlfahrtspflege NRW, 5.000 €"),
}


@dataclasses.dataclass(frozen=True)
class Project:
    title: str
    partner: str
    purpose: str
    items: tuple  # three cost items (half, three tenths and a fifth of the investment)
    cooperation: str


def _project(title, partner, purpose, items, cooperation):
    return Project(title, partner, purpose, tuple(items), cooperation)


# Each company's projects, in the order it applied for them (titles unique in the demo).
PROJECTS = {
    INTEGRA: [
        _project(
            "Kühlhaus für die Großküche in Köln-Ehrenfeld",
            "Frischemarkt Ehrenfeld GmbH",
            "Ein begehbares Kühlhaus, damit wir Ware für drei Tage bevorraten und mehr Betriebe "
            "beliefern können.",
            ["Kühlzelle mit Aggregat", "Regalsystem und Transportwagen", "Elektroarbeiten"],
            "Der Partner liefert Frischware und nimmt täglich 120 Mittagessen für seine "
            "Filialen ab.",
        ),
        _project(
            "Zweite Ausgabestelle im Bürgerzentrum Nippes",
            "Bürgerzentrum Nippes e. V.",
            "Eine Ausgabetheke mit Warmhaltetechnik für den Mittagstisch im Bürgerzentrum.",
            ["Ausgabetheke", "Warmhaltetechnik", "Mobiliar"],
            "Nutzungsvertrag über die Räume und den Mittagstisch an fünf Tagen pro Woche.",
        ),
        _project(
            "Cafeteria im Technologiepark Köln-Müngersdorf",
            "TechnoPark Köln Betriebs GmbH",
            "Übernahme der Cafeteria im Technologiepark mit neuer Kaffeebar und Vitrinen.",
            ["Kaffeebar und Siebträger", "Kühlvitrinen", "Umbau"],
            "Pachtvertrag über fünf Jahre; der Partner bewirbt das Angebot bei den Mietern.",
        ),
        _project(
            "Backstube für das Schulfrühstück",
            "Schulverpflegung Rheinland gGmbH",
            "Eine kleine Backstube, in der wir das Frühstück für acht Schulen backen.",
            ["Etagenofen", "Teigmaschine und Gärschrank", "Lüftung"],
            "Rahmenvertrag über das Schulfrühstück; der Partner übernimmt die Abrechnung.",
        ),
        _project(
            "Elektro-Lieferfahrzeuge für die Essensauslieferung",
            "KitaVital Catering GmbH",
            "Zwei elektrische Kühltransporter für die Auslieferung an Kitas.",
            ["Zwei Elektro-Kühltransporter", "Ladeinfrastruktur", "Thermoboxen"],
            "Der Partner vermittelt die Kitas und übernimmt die Tourenplanung.",
        ),
    ],
    WERKBANK: [
        _project(
            "Kommunale Grünpflege im Dortmunder Süden",
            "Stadtgrün Dortmund Service GmbH",
            "Maschinen für ein drittes Team, das die Grünflächen im Dortmunder Süden pflegt.",
            ["Aufsitzmäher", "Transporter mit Pritsche", "Handgeräte"],
            "Pflegevertrag über 40 Hektar öffentliche Grünflächen, zunächst für drei Jahre.",
        ),
        _project(
            "Hubsteiger für die Pflege von Straßenbäumen",
            "Stadtgrün Dortmund Service GmbH",
            "Ein Hubsteiger, damit unser Baumpflegeteam Straßenbäume selbst schneiden kann.",
            ["Hubsteiger auf Anhänger", "Motorsägen und Schutzausrüstung", "Schulung"],
            "Erweiterung des bestehenden Pflegevertrags um den Baumschnitt.",
        ),
        _project(
            "Naturspielräume für Dortmunder Schulhöfe",
            "Schulbau Dortmund Immobilien GmbH",
            "Geräte und ein Fahrzeug, um Schulhöfe zu entsiegeln und naturnah zu gestalten.",
            ["Minibagger", "Transporter", "Werkzeug und Material"],
            "Rahmenvertrag über die Umgestaltung von zwölf Schulhöfen in drei Jahren.",
        ),
        _project(
            "Winterdienst für Gewerbeflächen",
            "Hafen Dortmund Liegenschaften GmbH",
            "Zwei Kompaktfahrzeuge mit Räumschild und Streuer für den Winterdienst.",
            ["Zwei Kompaktfahrzeuge", "Räumschilde und Streuer", "Salzlager"],
            "Winterdienstvertrag für die Verkehrsflächen des Hafengebiets.",
        ),
    ],
    GRUENWERK: [
        _project(
            "Pflege der Grünflächen in den Rheinauen",
            "Rheinauen Parkservice GmbH",
            "Geräte für ein neues Team, das die Wiesen und Wege der Rheinauen pflegt.",
            ["Mähtraktor", "Transporter", "Akku-Handgeräte"],
            "Pflegevertrag über die Rheinauen für vier Jahre.",
        ),
        _project(
            "Dachbegrünung für Gewerbebauten",
            "Bonner Dachbau GmbH",
            "Ausrüstung, um extensive Dachbegrünungen anzulegen und zu pflegen.",
            ["Materialaufzug", "Absturzsicherung", "Substratmischer"],
            "Der Partner vergibt die Begrünung seiner Flachdachprojekte an uns.",
        ),
        _project(
            "Elektrofahrzeuge für die Friedhofspflege",
            "Friedhofsdienste Bonn GmbH",
            "Zwei elektrische Kleintransporter für die Pflege von vier Friedhöfen.",
            ["Zwei Elektro-Kleintransporter", "Ladepunkte", "Anhänger"],
            "Pflegevertrag über die Grabfelder und Wege von vier Friedhöfen.",
        ),
        _project(
            "Baumschule mit Ausbildungsplätzen",
            "Siebengebirge Gehölze GmbH",
            "Eine Containerfläche mit Bewässerung für die Anzucht von Stadtbäumen.",
            ["Containerfläche", "Bewässerungsanlage", "Topfmaschine"],
            "Der Partner nimmt die Bäume ab und bildet gemeinsam mit uns aus.",
        ),
        _project(
            "Regenwassermanagement in Wohnanlagen",
            "Wohnbau Bonn-Beuel eG",
            "Geräte, um Mulden und Rigolen in Wohnanlagen anzulegen und zu pflegen.",
            ["Minibagger", "Rüttelplatte", "Transporter"],
            "Rahmenvertrag über die Außenanlagen von 30 Wohngebäuden.",
        ),
    ],
    HOFKUECHE: [
        _project(
            "Hofladen-Café mit regionaler Küche",
            "Hof Westermann GbR",
            "Ein Café im Hofladen mit regionaler Küche und Kuchen aus eigener Backstube.",
            ["Küchenausstattung", "Theke und Vitrinen", "Gastraum"],
            "Pachtvertrag über das Café; der Hof liefert Gemüse und Milchprodukte.",
        ),
        _project(
            "Mensa im Bildungszentrum Hiltrup",
            "Bildungszentrum Hiltrup gGmbH",
            "Übernahme der Mensa mit neuer Ausgabe und Spülküche.",
            ["Ausgabelinie", "Spülmaschine", "Kombidämpfer"],
            "Verpflegungsvertrag für 400 Schülerinnen und Schüler.",
        ),
        _project(
            "Einkochküche für regionale Konserven",
            "Münsterländer Hofläden eG",
            "Eine Einkochküche, in der wir Obst und Gemüse der Höfe haltbar machen.",
            ["Kochkessel und Abfüllanlage", "Etikettierer", "Lagerregale"],
            "Die Hofläden der Genossenschaft nehmen die Konserven ab.",
        ),
        _project(
            "Kühlfahrzeug für den Lieferdienst",
            "Frischdienst Westfalen GmbH",
            "Ein Kühlfahrzeug für die Belieferung von Betriebskantinen im Münsterland.",
            ["Kühlfahrzeug", "Thermoboxen", "Tourenplanung"],
            "Der Partner vermittelt Betriebskantinen ohne eigene Küche.",
        ),
        _project(
            "Tagungsverpflegung am Aasee",
            "Tagungshaus am Aasee GmbH",
            "Eine Verteilerküche für die Tagungsverpflegung.",
            ["Verteilerküche", "Geschirr und Buffet", "Kühltechnik"],
            "Verpflegungsvertrag für Tagungen mit bis zu 150 Gästen.",
        ),
    ],
    LIPPE: [
        _project(
            "Außenanlagen des Museumsdorfs Detmold",
            "Museumsdorf Detmold Betriebs GmbH",
            "Geräte für die Pflege der historischen Gärten und Wiesen des Museumsdorfs.",
            ["Balkenmäher", "Transporter", "Gartengeräte"],
            "Pflegevertrag über die Außenanlagen für fünf Jahre.",
        ),
        _project(
            "Akkugeräte für die Pflege von Wohnanlagen",
            "Lippische Wohnungsbau eG",
            "Leise Akkugeräte und Mähroboter für Wohnanlagen.",
            ["Mähroboter", "Akku-Handgeräte", "Lastenrad"],
            "Pflegevertrag über die Grünflächen von 25 Wohnanlagen.",
        ),
        _project(
            "Streuobstwiesen und mobile Saftpresse",
            "Lippe Saft Manufaktur GmbH",
            "Eine mobile Saftpresse und Geräte für die Pflege von Streuobstwiesen.",
            ["Mobile Saftpresse", "Obstbaumschnitt-Ausrüstung", "Anhänger"],
            "Der Partner kauft das Obst und vermarktet den Saft.",
        ),
        _project(
            "Grünpflege für die Kliniken in Bad Salzuflen",
            "Kurkliniken Salzuflen GmbH",
            "Ein Team für die Kurparks und Klinikgärten mit eigenem Fahrzeug.",
            ["Transporter", "Aufsitzmäher", "Heckenschere und Laubbläser"],
            "Pflegevertrag über die Parks und Gärten von drei Kliniken.",
        ),
    ],
    DRUCKWERK: [
        _project(
            "Digitaldruckmaschine für Kleinauflagen",
            "Aachener Verlagshaus GmbH",
            "Eine Digitaldruckmaschine für Kleinauflagen und personalisierte Drucksachen.",
            ["Digitaldruckmaschine", "Schneidemaschine", "Schulung"],
            "Der Verlag vergibt Nachdrucke und Kleinauflagen an uns.",
        ),
        _project(
            "Buchbinderei-Linie für Broschüren",
            "Hochschulverlag Aachen GmbH",
            "Eine Falz- und Heftlinie für Broschüren und Skripte.",
            ["Falzmaschine", "Sammelhefter", "Dreischneider"],
            "Rahmenvertrag über die Skripte der Hochschule.",
        ),
        _project(
            "Großformatdruck für den Messebau",
            "Messebau Euregio GmbH",
            "Ein Großformatdrucker und ein Schneidplotter für Messewände.",
            ["Großformatdrucker", "Schneidplotter", "Laminator"],
            "Der Partner bestellt die Drucke für seine Messestände bei uns.",
        ),
        _project(
            "Lettershop für Serienbriefe und Versand",
            "Stadtwerke Aachen Kundenservice GmbH",
            "Kuvertiermaschine und Frankiersystem für Serienbriefe.",
            ["Kuvertiermaschine", "Frankiersystem", "Adressdrucker"],
            "Versand der Kundenpost der Stadtwerke.",
        ),
    ],
    QUERBEET: [
        _project(
            "Stadtteilkantine in Hagen-Wehringhausen",
            "Quartiersbüro Wehringhausen e. V.",
            "Eine Stadtteilkantine mit günstigem Mittagstisch.",
            ["Küchenausstattung", "Ausgabetheke", "Mobiliar"],
            "Das Quartiersbüro stellt die Räume und wirbt für den Mittagstisch.",
        ),
        _project(
            "Schulcatering für drei Grundschulen",
            "Schulverpflegung Rheinland gGmbH",
            "Warmhalteküchen in drei Grundschulen.",
            ["Drei Warmhalteküchen", "Geschirr", "Transportboxen"],
            "Verpflegungsvertrag über drei Grundschulen.",
        ),
        _project(
            "Foodtruck für Wochenmärkte",
            "Marktgilde Hagen GmbH",
            "Ein Foodtruck für fünf Wochenmärkte in Hagen.",
            ["Foodtruck", "Küchenausbau", "Kassensystem"],
            "Standplätze auf fünf Wochenmärkten für drei Jahre.",
        ),
        _project(
            "Spülküche für Veranstaltungsgeschirr",
            "Stadthalle Hagen Betriebs GmbH",
            "Eine Spülküche, die das Geschirr der Stadthalle übernimmt.",
            ["Bandspülmaschine", "Geschirrwagen", "Installation"],
            "Vertrag über die Spül- und Geschirrlogistik der Stadthalle.",
        ),
    ],
}

RETURN_REASONS = (
    "Der Finanzierungsplan ist nicht ausgeglichen erläutert. Bitte schlüsseln Sie die "
    "sonstigen Mittel auf.",
    "Bitte reichen Sie den aktuellen Handelsregisterauszug und die unterschriebene "
    "Kooperationsvereinbarung nach.",
    "Bitte ergänzen Sie, wie viele der neuen Arbeitsplätze schwerbehinderten Menschen "
    "vorbehalten sind.",
)
BOARD_RETURN = (
    "Der Vorstand bittet um eine Liquiditätsplanung für die ersten 24 Monate und um den "
    "unterschriebenen Vertrag mit dem Kooperationspartner."
)
REJECTIONS = (
    "Die Auslastung ist nicht durch verbindliche Aufträge gesichert; die Wirtschaftlichkeit "
    "des Vorhabens ist nicht belegt.",
    "Die Finanzierung ist nicht gesichert: die Zusage der weiteren Geldgeber fehlt.",
    "Der Beschäftigungseffekt für schwerbehinderte Menschen ist zu gering für den beantragten "
    "Betrag.",
)
WITHDRAWALS = (
    "Der Kooperationspartner hat seine Zusage zurückgezogen.",
    "Wir haben eine andere Finanzierung gefunden.",
    "Das Vorhaben wird verschoben; wir reichen später neu ein.",
)
CONDITIONS = (
    "",
    "Jährlicher Verwendungsnachweis bis zum 30. Juni des Folgejahres.",
    "Vorlage des unterschriebenen Kooperationsvertrags vor der ersten Auszahlung.",
)
DECLINE = "Ich bin in diesem Zeitraum auf einer Fortbildung."
CLOSE_ROUND = "Eine Gutachterin hat abgesagt; ein Gutachten genügt für die Entscheidung."


@dataclasses.dataclass
class Past:
    """One past application: its company, contents and what happened when."""

    index: int
    company: str
    project: Project
    outcome: str
    delay: int  # days from the first submission to the closing
    data: dict  # the applicant's fields (without the sector)
    steps: list  # [(moment, step)] in order; a step is a name from ``Seeder.STEPS``
    amount: Decimal | None = None  # granted (approvals)
    panel: tuple = (0, 1)  # indexes of the reviewers asked
    board: tuple = (0, 1)  # indexes of the board members: proposer, confirmer
    reviews: tuple = ("positive", "conditions")

    @property
    def closed(self):
        return self.steps[-1][0]

    @property
    def first_submitted(self):
        return next(moment for moment, step in self.steps if step == "submit")


def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def quarter_start(day):
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarters_back(day, count):
    """The first day of the quarter ``count`` quarters before ``day``'s."""
    months = day.year * 12 + (day.month - 1) // 3 * 3 - 3 * count
    return datetime.date(months // 12, months % 12 + 1, 1)


def closing_days(today):
    """The closing day of each past application, oldest first."""
    last = today - datetime.timedelta(days=NOT_AFTER)
    days = []
    for quarter in range(QUARTERS):
        first = quarters_back(today, QUARTERS - 1 - quarter)
        for slot, offset in enumerate(DAYS_IN_QUARTER):
            day = first + datetime.timedelta(days=offset)
            if day.weekday() >= 5:  # the board does not meet at weekends: the Friday before
                day -= datetime.timedelta(days=day.weekday() - 4)
            if day <= last:
                days.append((quarter, slot, day))
    return days


def outcome_of(quarter, slot):
    """A quarter's three closings: an approval (a loan in even quarters, a silent partnership
    in odd ones), a rejection, and an approval of the other instrument (even quarters) or a
    withdrawal (odd ones: while submitted, in review, awaiting the board, in turn)."""
    if slot == 0:
        return LOAN if quarter % 2 == 0 else SILENT
    if slot == 1:
        return REJECT
    if quarter % 2 == 0:
        return SILENT if quarter % 4 == 0 else LOAN
    return WITHDRAWN[quarter // 2 % len(WITHDRAWN)]


def opens_on(today):
    """The programme's first day: the 1st of January of the year of the first application."""
    return (quarters_back(today, QUARTERS - 1) - datetime.timedelta(days=max(DELAYS) + 40)).replace(
        month=1, day=1
    )


def _figures(index, company, outcome):
    """The application's numbers: they keep every rule of the demo programme."""
    eligible = ELIGIBLE[index % len(ELIGIBLE)]
    requested = eligible * 7 // 10 // 1000 * 1000
    own = -(-eligible // 5 // 1000) * 1000  # a fifth, rounded up to the thousand
    jobs_new = 1 + index % 4
    needed = max(0, requested - 20000 * jobs_new)
    jobs_secured = max(index % 3, -(-needed // 15000))
    if outcome == LOAN or (outcome not in (SILENT, LOAN) and index % 2 == 0):
        term, rate, grace = LOAN_TERMS[index % len(LOAN_TERMS)]
        financing = {
            "instrument": "loan",
            "loan_term_months": term,
            "interest_rate": Decimal(rate),
            "grace_period_months": grace,
        }
    else:
        financing = {"instrument": "silent_partnership"}
    declared, details = DE_MINIMIS[company]
    other = eligible - requested - own
    return {
        "eligible_costs": Decimal(eligible),
        "requested_amount": Decimal(requested),
        "own_contribution": Decimal(own),
        "other_funding": Decimal(other),
        "other_funders": "Aktion Mensch" if other else "",
        "jobs_new": jobs_new,
        "jobs_secured": jobs_secured,
        "de_minimis_received": declared,
        "de_minimis_details": details,
        **STAFF[company],
        **financing,
    }


def _contents(project, figures, planned_start):
    eligible = int(figures["eligible_costs"])
    shares = (eligible // 2, eligible * 3 // 10)
    amounts = (*shares, eligible - sum(shares))
    cost_items = "\n".join(
        f"{item} {amount:,} €".replace(",", ".")
        for item, amount in zip(project.items, amounts, strict=True)
    )
    return {
        "title": project.title,
        "purpose": project.purpose,
        "cost_items": cost_items,
        "planned_start": planned_start,
        "cooperation_partner": project.partner,
        "cooperation_description": project.cooperation,
        **figures,
    }


def _round(steps, start, end, index, reviews_in=2, declined=False):
    """A review round from ``start`` (day) closed by ``end``: the office assigns and starts,
    the reviewers review (or one declines and the office closes the round). Returns the day
    the round was complete."""
    span = (end - start).days
    board = max(2, min(10, span // 5))
    check = max(1, min(40, span // 3))
    days = [REVIEW_DAYS[(index + k * 3) % len(REVIEW_DAYS)] for k in range(2)]
    room = max(1, span - check - board)
    if max(days) > room:
        days = [max(1, d * room // max(days)) for d in days]
    begun = start + datetime.timedelta(days=check)
    steps.append((begun, "assign"))
    for k, after in enumerate(sorted(days)[:reviews_in]):
        if declined and k == 0:
            steps.append((begun + datetime.timedelta(days=1), "decline"))
        steps.append((begun + datetime.timedelta(days=after), f"review{k + 1}"))
    if declined:
        steps.append((begun + datetime.timedelta(days=max(days) + 1), "close_round"))
    return begun + datetime.timedelta(days=max(days) + (1 if declined else 0))


def _schedule(index, outcome, closing, delay, returned, board_return, declined):
    """[(day, step)] of one application, in order."""
    first = closing - datetime.timedelta(days=delay)
    steps = [(first - datetime.timedelta(days=5 + index % 11), "create"), (first, "submit")]
    start = first
    if returned:
        back = first + datetime.timedelta(days=4 + index % 5)
        start = back + datetime.timedelta(days=min(21, max(3, delay // 4)))
        steps += [(back, "return_office"), (start, "resubmit")]
    if outcome == WITHDRAWN_SUBMITTED:
        return [*steps, (closing, "withdraw")]
    if outcome == WITHDRAWN_IN_REVIEW:
        _round(steps, start, closing, index, reviews_in=1)
        return [*steps, (closing, "withdraw")]
    if board_return:
        middle = start + datetime.timedelta(days=(closing - start).days // 2)
        complete = _round(steps, start, middle, index)
        back = max(complete + datetime.timedelta(days=3), middle)
        again = back + datetime.timedelta(days=12)
        steps += [(back, "return_board"), (again, "resubmit")]
        start = again
    complete = _round(
        steps, start, closing, index, reviews_in=1 if declined else 2, declined=declined
    )
    proposed = max(
        complete + datetime.timedelta(days=1), closing - datetime.timedelta(days=1 + index % 4)
    )
    if outcome == WITHDRAWN_AWAITING:
        return [*steps, (min(proposed, closing), "propose"), (closing, "withdraw")]
    return [*steps, (min(proposed, closing), "propose"), (closing, "confirm")]


def _moments(steps, index):
    """The steps' days as moments in Berlin time, office hours, strictly increasing."""
    zone = _zone()
    moments, previous = [], None
    for k, (day, step) in enumerate(steps):
        if previous is not None and day < previous.date():
            raise ValueError(f"Past application {index}: {step} on {day} comes too early.")
        moment = datetime.datetime.combine(
            day, datetime.time(8 + (index + 3 * k) % 9, (index * 7 + k * 13) % 60), tzinfo=zone
        )
        if previous is not None and moment <= previous:
            moment = previous + datetime.timedelta(minutes=25)
        moments.append((moment, step))
        previous = moment
    return moments


def plan(today):
    """The past applications, oldest closing first (see the module's docstring)."""
    used = dict.fromkeys(COMPANIES, 0)
    board_return_given = False
    past = []
    for index, (quarter, slot, closing) in enumerate(closing_days(today)):
        outcome = outcome_of(quarter, slot)
        company = COMPANIES[index % len(COMPANIES)]
        project = PROJECTS[company][used[company]]
        used[company] += 1
        delay = DELAYS[index % len(DELAYS)]
        returned = index % 4 == 1 and delay >= 45
        board_return = (
            not board_return_given and outcome in (LOAN, SILENT) and delay >= 100 and not returned
        )
        board_return_given = board_return_given or board_return
        declined = index % 9 == 4 and outcome in (LOAN, SILENT, REJECT) and not board_return
        figures = _figures(index, company, outcome)
        first = closing - datetime.timedelta(days=delay)
        data = _contents(project, figures, first + datetime.timedelta(days=75))
        steps = _moments(
            _schedule(index, outcome, closing, delay, returned, board_return, declined), index
        )
        requested = figures["requested_amount"]
        amount = None
        if outcome in (LOAN, SILENT):
            amount = requested if index % 3 else (requested * 8 // 10 // 1000 * 1000)
        panel = (0, 1) if company == WERKBANK else ((0, 1), (0, 2), (1, 2))[index % 3]
        board = ((0, 1), (1, 2), (2, 0), (0, 2), (1, 0), (2, 1))[index % 6]
        reviews = {
            LOAN: ("positive", "conditions"),
            SILENT: ("conditions", "positive"),
            REJECT: ("negative", "sceptical") if index % 2 else ("negative", "conditions"),
        }.get(outcome, ("conditions", "positive"))
        past.append(
            Past(
                index=index,
                company=company,
                project=project,
                outcome=outcome,
                delay=delay,
                data=data,
                steps=steps,
                amount=Decimal(amount) if amount is not None else None,
                panel=panel,
                board=board,
                reviews=reviews,
            )
        )
    return past


# ----- through the services --------------------------------------------------------------------


class Seeder:
    """Runs the plan through the services (inside ``seed_demo``'s transaction)."""

    STEPS = (
        "create",
        "submit",
        "return_office",
        "resubmit",
        "assign",
        "decline",
        "review1",
        "review2",
        "close_round",
        "return_board",
        "propose",
        "confirm",
        "withdraw",
    )

    def __init__(self, programme, organizations, applicants, staff, sectors, attach):
        self.programme = programme
        self.organizations = organizations  # by name
        self.applicants = applicants  # by organisation name
        self.coordinator, self.reviewers, self.board = staff  # a user, three, three
        self.sectors = sectors  # by organisation name
        self.attach = attach
        self.timeline = history.Timeline()
        self.counters = history.reference_counters()

    def seed(self, past):
        """Every application of ``past`` through its steps; returns them (saved)."""
        applications = []
        with history.no_progress_mails():
            for entry in past:
                self.entry, self.app = entry, None
                for moment, step in entry.steps:
                    if step not in self.STEPS:
                        raise ValueError(f"Unknown step {step!r}")
                    self.timeline.at(moment)
                    getattr(self, step)()
                applications.append(self.app)
        return applications

    def settle(self, applications):
        """The timestamps moved to the plan's moments, the references of the years of
        submission, each decision's letter filed as sent. Returns the applications as
        stored now."""
        ids = [app.pk for app in applications]
        self.timeline.rewrite(ids)
        history.renumber(ids, self.counters)
        file_letters(ids)
        return list(Application.objects.filter(pk__in=ids).order_by("submitted_at", "pk"))

    # ----- the steps (``self.entry`` is the plan, ``self.app`` the application) ---------------

    def _applicant(self):
        return self.applicants[self.entry.company]

    def create(self):
        entry, applicant = self.entry, self._applicant()
        app = services.create_application(
            applicant, self.programme, self.organizations[entry.company], entry.data["title"]
        )
        data = {**entry.data, "sector": self.sectors[entry.company]}
        app = services.update_application(applicant, app, data, app.version)
        for kind in self.programme.required_documents:
            self.attach(applicant, app, kind)
        self.app = app

    def submit(self):
        self.app = services.submit(self._applicant(), self.app, DECLARATIONS)

    def return_office(self):
        reason = RETURN_REASONS[self.entry.index % len(RETURN_REASONS)]
        self.app = services.return_for_revision(
            self.coordinator, self.app, reason, timezone.localdate() + datetime.timedelta(days=14)
        )

    def resubmit(self):
        app = self.app
        details = (app.other_funders or "Eigenmittel") + " (Zusage liegt bei)"
        app = services.update_application(
            self._applicant(), app, {"other_funders": details}, app.version
        )
        self.app = services.submit(self._applicant(), app, DECLARATIONS)

    def _panel(self):
        return [self.reviewers[k] for k in self.entry.panel]

    def assign(self):
        for reviewer in self._panel():
            review_services.assign_reviewer(self.coordinator, self.app, reviewer)
        self.app = review_services.start_review(self.coordinator, self.app)
        # Seeding only: due a review period after the round's start in the story.
        begun = self.timeline.story[-1].astimezone(_zone()).date()
        due = begun + datetime.timedelta(days=self.programme.review_period_days)
        Assignment.objects.filter(application=self.app, round=self.app.submission_count).update(
            due_on=due
        )

    def _assignment(self, reviewer):
        return self.app.assignments.get(reviewer=reviewer, round=self.app.submission_count)

    def decline(self):
        reviewer = self._panel()[1]
        review_services.decline_assignment(reviewer, self._assignment(reviewer), reason=DECLINE)

    def _review(self, k):
        reviewer = self._panel()[k]
        assignment = self._assignment(reviewer)
        review_services.declare_conflict(reviewer, assignment, has_conflict=False)
        review_services.submit_review(reviewer, assignment, REVIEWS[self.entry.reviews[k]])
        self.app.refresh_from_db()

    def review1(self):
        self._review(0)

    def review2(self):
        self._review(1)

    def close_round(self):
        self.app = review_services.close_review_round(self.coordinator, self.app, CLOSE_ROUND)

    def _declared(self, member):
        decision_services.declare_board_conflict(member, self.app, "none")
        return member

    def return_board(self):
        member = self._declared(self.board[self.entry.board[0]])
        self.app = services.return_for_revision(
            member, self.app, BOARD_RETURN, timezone.localdate() + datetime.timedelta(days=14)
        )

    def propose(self):
        entry = self.entry
        member = self._declared(self.board[entry.board[0]])
        if entry.amount is not None:
            self.decision = decision_services.propose_decision(
                member,
                self.app,
                Decision.Outcome.APPROVE,
                amount=entry.amount,
                conditions=CONDITIONS[entry.index % len(CONDITIONS)],
            )
        else:
            self.decision = decision_services.propose_decision(
                member,
                self.app,
                Decision.Outcome.REJECT,
                reasons=REJECTIONS[entry.index % len(REJECTIONS)],
            )

    def confirm(self):
        member = self._declared(self.board[self.entry.board[1]])
        decision_services.confirm_decision(member, self.decision)
        self.app.refresh_from_db()

    def withdraw(self):
        reason = WITHDRAWALS[self.entry.index % len(WITHDRAWALS)]
        self.app = services.withdraw(self._applicant(), self.app, reason)


def file_letters(ids):
    """Each pending letter of the applications ``ids`` filed as sent a few minutes after its
    decision, with a one-page stand-in PDF (seeding only: no rendering, no mail)."""
    pending = DecisionLetter.objects.filter(
        application_id__in=ids, status=DecisionLetter.Status.PENDING
    ).select_related("application__organization", "decision")
    for letter in pending:
        application, decision = letter.application, letter.decision
        outcome = (
            f"Bewilligt: {decision.amount:,.2f} €".replace(",", "X")
            .replace(".", ",")
            .replace("X", ".")
            if decision.outcome == Decision.Outcome.APPROVE
            else "Abgelehnt"
        )
        content = demo_pdf(
            [
                f"Bescheid {application.reference}",
                application.organization.name,
                f"Vorhaben: {application.title}",
                outcome,
                f"Entschieden am {timezone.localdate(decision.confirmed_at):%d.%m.%Y}",
                "Demo: vereinfachte Fassung eines früheren Bescheids, erzeugt von seed_demo.",
            ]
        )
        letter.sha256 = hashlib.sha256(content).hexdigest()
        letter.file.save(f"{letter.number}.pdf", ContentFile(content), save=False)
        letter.status = DecisionLetter.Status.SENT
        letter.attempts = 1
        letter.created_at = decision.confirmed_at
        letter.claimed_at = decision.confirmed_at + datetime.timedelta(minutes=1)
        letter.rendered_at = letter.claimed_at
        letter.sent_at = decision.confirmed_at + datetime.timedelta(minutes=2)
        letter.recipients = letters.letter_recipients(application.organization)
        letter.save()
