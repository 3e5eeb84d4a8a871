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
