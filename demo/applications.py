"""The demo applications' contents and the reviews written for them."""

import datetime
from decimal import Decimal

from django.utils import timezone

from .people import INTEGRA, INTEGRA_STAFF, WERKBANK, WERKBANK_STAFF


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
        "submitted_second": (
            WERKBANK,
            {
                "title": "Maschinenpark für die Grünpflege von Gewerbeflächen",
                "purpose": (
                    "Aufsitzmäher, Laubsauger und ein Transporter, mit denen ein neues Team die "
                    "Grünflächen des Gewerbegebiets Dortmund-Hafen pflegt."
                ),
                "cost_items": (
                    "Aufsitzmäher mit Mulchwerk 36.000 €\nTransporter mit Pritsche 42.000 €\n"
                    "Handgeräte und Anhänger 12.000 €"
                ),
                "eligible_costs": Decimal("90000.00"),
                "planned_start": _months(4),
                "requested_amount": Decimal("60000.00"),
                "instrument": "loan",
                "loan_term_months": 72,
                "interest_rate": Decimal("1.25"),
                "grace_period_months": 6,
                "own_contribution": Decimal("20000.00"),
                "other_funding": Decimal("10000.00"),
                "other_funders": "LWL-Inklusionsamt Arbeit (Investitionszuschuss)",
                **WERKBANK_STAFF,
                "jobs_new": 3,
                "jobs_secured": 1,
                "cooperation_partner": "Hafen Dortmund Liegenschaften GmbH",
                "cooperation_description": (
                    "Pflegevertrag über die Grün- und Verkehrsflächen des Gewerbegebiets, "
                    "zunächst für drei Jahre."
                ),
                "de_minimis_received": Decimal("25000.00"),
                "de_minimis_details": "LWL-Inklusionsamt, 06/2024, 25.000 €",
            },
        ),
        "submitted_declined": (
            INTEGRA,
            {
                "title": "Mobile Küche für Event-Catering",
                "purpose": (
                    "Ein Küchenanhänger mit Kombidämpfer und Ausgabe, um Firmenfeiern und "
                    "Messen im Rheinland zu bewirten."
                ),
                "cost_items": (
                    "Küchenanhänger mit Ausbau 44.000 €\nKombidämpfer und Warmhaltetechnik "
                    "14.000 €\nGeschirr und Mobiliar 8.000 €"
                ),
                "eligible_costs": Decimal("66000.00"),
                "planned_start": _months(3),
                "requested_amount": Decimal("45000.00"),
                "instrument": "loan",
                "loan_term_months": 60,
                "interest_rate": Decimal("1.25"),
                "grace_period_months": 6,
                "own_contribution": Decimal("14000.00"),
                "other_funding": Decimal("7000.00"),
                "other_funders": "Aktion Mensch",
                **INTEGRA_STAFF,
                "jobs_new": 2,
                "jobs_secured": 1,
                "cooperation_partner": "Koelnmesse Gastro Services GmbH",
                "cooperation_description": (
                    "Rahmenvereinbarung über die Bewirtung von Ausstellerabenden; der Partner "
                    "vermittelt mindestens zwölf Einsätze pro Jahr."
                ),
                "de_minimis_received": Decimal("12000.00"),
                "de_minimis_details": "LVR-Inklusionsamt, 03/2025, 12.000 € Investitionszuschuss",
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
        "score_site_visit": 2,
        "confidence": "high",
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
        "score_site_visit": 3,
        "confidence": "medium",
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
        "score_site_visit": 4,
        "confidence": "medium",
        "recommendation": "reject",
        "comment": (
            "Die Auslastung der Anlage hängt an einer unverbindlichen Absichtserklärung; "
            "Umweltauflagen und Betriebskosten sind nicht eingeplant. Ablehnung empfohlen."
        ),
    },
    # Three reviews of one application that disagree (the spread of the weighted totals
    # exceeds the programme's threshold of 1.5 points): the board sees the flag.
    "enthusiastic": {
        "score_viability": 5,
        "score_employment": 5,
        "score_cooperation": 4,
        "score_risk": 5,
        "score_management": 5,
        "score_site_visit": 2,
        "confidence": "high",
        "recommendation": "approve",
        "comment": (
            "Die Kantine ist eingeführt, die Pacht ist günstig und die Betriebe des Gewerbeparks "
            "haben keine andere Versorgung. Uneingeschränkt förderwürdig."
        ),
    },
    "sceptical": {
        "score_viability": 3,
        "score_employment": 2,
        "score_cooperation": 3,
        "score_risk": 2,
        "score_management": 3,
        "score_site_visit": 5,
        "confidence": "medium",
        "recommendation": "reject",
        "comment": (
            "Die Liquiditätsplanung setzt volle Auslastung ab dem dritten Monat voraus; neue "
            "Arbeitsplätze für schwerbehinderte Menschen entstehen nur zwei. Vor einer Förderung "
            "sollte das Vorhaben vor Ort geprüft werden."
        ),
    },
}


def _labels(*pairs):
    return [{"value": value, "de": de, "en": en} for value, (de, en) in enumerate(pairs, start=1)]


def rubric_criteria():
    """The demo programme's rubric: weighted criteria, one optional, one informational."""
    counted = _labels(
        ("unzureichend", "insufficient"),
        ("mangelhaft", "weak"),
        ("befriedigend", "satisfactory"),
        ("gut", "good"),
        ("sehr gut", "very good"),
    )

    def criterion(key, name_de, name_en, weight, kind, labels=counted, description=("", "")):
        return {
            "key": key,
            "name_de": name_de,
            "name_en": name_en,
            "description_de": description[0],
            "description_en": description[1],
            "weight": Decimal(weight),
            "kind": kind,
            "labels": labels,
        }

    return [
        criterion(
            "viability", "Wirtschaftliche Tragfähigkeit", "Economic viability", "2", "required"
        ),
        criterion(
            "employment",
            "Beschäftigungseffekt für schwerbehinderte Menschen",
            "Employment effect for severely disabled people",
            "2",
            "required",
        ),
        criterion(
            "cooperation",
            "Qualität der Kooperation mit dem allgemeinen Arbeitsmarkt",
            "Quality of the cooperation with the regular labour market",
            "1",
            "required",
        ),
        criterion("risk", "Risiko (5 = geringes Risiko)", "Risk (5 = low risk)", "1.5", "required"),
        criterion(
            "management", "Kompetenz der Geschäftsführung", "Management capability", "1", "optional"
        ),
        criterion(
            "site_visit",
            "Vor-Ort-Besuch empfohlen",
            "Site visit recommended",
            "1",
            "informational",
            labels=_labels(
                ("nicht nötig", "not needed"),
                ("eher nicht", "rather not"),
                ("möglich", "possible"),
                ("empfohlen", "recommended"),
                ("dringend empfohlen", "strongly recommended"),
            ),
            description=(
                "1 = nicht nötig … 5 = dringend empfohlen",
                "1 = not needed … 5 = strongly recommended",
            ),
        ),
    ]
