"""The arithmetic and the rules of a scoring rubric, without the database.

A criterion is anything with ``key``, ``weight`` and ``kind`` (a ``reviews.models.Criterion``,
saved or not); scores are ``{criterion key: points}``. A review's total is the weighted mean,
on the 1–5 scale, of its counted criteria: required ones always, optional ones where given,
informational ones never. Data and forms name a criterion's points ``score_<key>``.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

REQUIRED, OPTIONAL, INFORMATIONAL = "required", "optional", "informational"
COUNTED = (REQUIRED, OPTIONAL)
POINTS = (1, 2, 3, 4, 5)
CENT = Decimal("0.01")

DEFAULT_LABELS = [
    {"value": 1, "de": "unzureichend", "en": "insufficient"},
    {"value": 2, "de": "mangelhaft", "en": "weak"},
    {"value": 3, "de": "befriedigend", "en": "satisfactory"},
    {"value": 4, "de": "gut", "en": "good"},
    {"value": 5, "de": "sehr gut", "en": "very good"},
]
# (key, German name, English name): the five criteria every programme started with
# (the same as data migration 0004_default_rubric).
DEFAULT_CRITERIA = [
    ("viability", "Wirtschaftliche Tragfähigkeit", "Economic viability"),
    (
        "employment",
        "Beschäftigungseffekt für schwerbehinderte Menschen",
        "Employment effect for severely disabled people",
    ),
    (
        "cooperation",
        "Qualität der Kooperation mit dem allgemeinen Arbeitsmarkt",
        "Quality of the cooperation with the regular labour market",
    ),
    ("risk", "Risiko (5 = geringes Risiko)", "Risk (5 = low risk)"),
    ("management", "Kompetenz der Geschäftsführung", "Management capability"),
]


@dataclass(frozen=True)
class Point:
    """A review's points for one criterion, as shown: name, value, label, counted or not."""

    name: str
    value: int
    label: str
    counted: bool


def default_criteria():
    """The fields of the default rubric's criteria (equal weights, all required), in order."""
    return [
        {
            "key": key,
            "name_de": name_de,
            "name_en": name_en,
            "description_de": "",
            "description_en": "",
            "weight": Decimal("1"),
            "kind": REQUIRED,
            "labels": [dict(label) for label in DEFAULT_LABELS],
        }
        for key, name_de, name_en in DEFAULT_CRITERIA
    ]


def field_name(key):
    """The name of a criterion's points in data and forms."""
    return f"score_{key}"


def is_points(value):
    return isinstance(value, int) and not isinstance(value, bool) and value in POINTS


def weighted_total(criteria, scores):
    """The weighted mean of the counted criteria given in ``scores``, as a Decimal to 0.01
    (half up); None when no counted criterion has points."""
    weighted, weights = Decimal(0), Decimal(0)
    for criterion in criteria:
        value = scores.get(criterion.key)
        if criterion.kind not in COUNTED or value is None:
            continue
        weight = Decimal(criterion.weight)
        weighted += weight * value
        weights += weight
    if not weights:
        return None
    return (weighted / weights).quantize(CENT, rounding=ROUND_HALF_UP)


def score_violations(criteria, scores):
    """{field name: [message]} for scores that break the rubric: a required criterion without
    points, or points other than 1–5 for any criterion. Keys not in the rubric are ignored."""
    errors = {}
    for criterion in criteria:
        value = scores.get(criterion.key)
        if value is None and criterion.kind != REQUIRED:
            continue
        if not is_points(value):
            errors[field_name(criterion.key)] = [_("Please give a score from 1 to 5.")]
    return errors


def scores_from(criteria, data):
    """{key: points} read from data keyed by field name (``score_<key>``); absent or empty
    entries are left out."""
    scores = {}
    for criterion in criteria:
        value = data.get(field_name(criterion.key))
        if value is not None and value != "":
            scores[criterion.key] = value
    return scores


def reader_language():
    """ "en" for English readers, else "de" (the rubric's texts exist in these two)."""
    return "en" if (get_language() or "de").startswith("en") else "de"


def in_language(obj, field, language):
    """``obj.<field>_en`` for English readers (if given), else ``obj.<field>_de``."""
    if language == "en":
        return getattr(obj, f"{field}_en") or getattr(obj, f"{field}_de")
    return getattr(obj, f"{field}_de")


def label(labels, value, language):
    """The label of ``value`` in ``language`` (German if none in it), or ""."""
    for entry in labels or ():
        if entry.get("value") == value:
            return entry.get(language) or entry.get("de") or ""
    return ""


def point_choices(labels, language):
    """[(value, "1 – unzureichend"), …] for the points 1–5."""
    choices = []
    for value in POINTS:
        text = label(labels, value, language)
        choices.append((value, f"{value} – {text}" if text else str(value)))
    return choices


KINDS = (REQUIRED, OPTIONAL, INFORMATIONAL)
MAX_WEIGHT = Decimal("99.99")
KEY_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def error_key(index, field):
    """Where a rule about criterion ``index`` (0-based, in order) and its ``field`` goes."""
    return f"criteria.{index}.{field}"


def _labels_ok(labels):
    if labels in (None, []):
        return True
    if not isinstance(labels, list) or len(labels) != len(POINTS):
        return False
    return [entry.get("value") for entry in labels] == list(POINTS) and all(
        str(entry.get("de") or "").strip() and str(entry.get("en") or "").strip()
        for entry in labels
    )


def criteria_violations(criteria):
    """{error key: [message]} for a rubric's criteria (dicts with the fields of
    ``default_criteria()``, in order): each with a key (lower-case letters, digits, "_"),
    unique; names in German and English; a weight from 0.01 to 99.99; a known kind; labels
    for all five points in both languages, or none. At least one counted criterion."""
    errors = {}
    seen = set()
    for index, criterion in enumerate(criteria):
        key = criterion.get("key") or ""
        if not key or not set(key) <= KEY_CHARACTERS or len(key) > 40:
            errors[error_key(index, "key")] = [
                _("Please use lower-case letters, digits and underscores only.")
            ]
        elif key in seen:
            errors[error_key(index, "key")] = [_("Each criterion needs its own key.")]
        seen.add(key)
        for field in ("name_de", "name_en"):
            if not str(criterion.get(field) or "").strip():
                errors[error_key(index, field)] = [_("Please give a name.")]
        weight = criterion.get("weight")
        if not isinstance(weight, Decimal | int) or not CENT <= weight <= MAX_WEIGHT:
            errors[error_key(index, "weight")] = [_("Please give a weight from 0.01 to 99.99.")]
        if criterion.get("kind") not in KINDS:
            errors[error_key(index, "kind")] = [_("Please choose a kind.")]
        if not _labels_ok(criterion.get("labels")):
            errors[error_key(index, "labels")] = [
                _("Please label all five points in German and English, or none.")
            ]
    if not any(criterion.get("kind") in COUNTED for criterion in criteria):
        errors[None] = [_("A rubric needs at least one counted criterion.")]
    return errors
