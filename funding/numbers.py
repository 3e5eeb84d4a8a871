"""Decimal numbers as people write them: strict parsing and formatting in the user's language.

German writes "1.234,56" and "1,5", English "1,234.56" and "1.5" (the separators come from
Django's formats of the active language). ``parse_decimal`` reads what a person typed:

- the decimal sign of the active language, at most once;
- grouping only in groups of three (the language's thousands separator or a space, one kind
  per number): "20.000" is twenty thousand in German, "20,000" in English;
- spaces (also non-breaking ones), a sign, and the unit of the field ("€" before or after an
  amount, "%" after a rate) are tolerated;
- anything else is refused with a message that says how to write it, never reinterpreted:
  German "1.5" (the other language's decimal sign), "1.2.3", "abc", too many decimals, and
  input that both languages read validly but differently where the field's own reading does
  not fit (German "20,000" for an amount with two decimals: twenty euros with three decimals,
  or twenty thousand? German "1.500" for a rate of at most 100 %: 1500 or 1.5?).

``LocalDecimalField`` is the form field for every money, percentage and rate field: a text input
(``inputmode="decimal"``) that parses with these rules and shows values in the user's format
(amounts with two decimals, "60.000,00"; rates and other numbers with the decimals they need,
"1,5"). What it shows, it reads back exactly.
"""

import contextlib
import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MONEY, PERCENT, NUMBER = "money", "percent", "number"
UNITS = {MONEY: "€", PERCENT: "%", NUMBER: None}
# Spaces people (and copied text) put into numbers: space, no-break, narrow no-break, thin,
# figure space.
SPACES = re.compile("[ \u00a0\u202f\u2009\u2007]+")
MINUS = ("-", "\u2212")
MAX_LENGTH = 60
EXAMPLE = Decimal("1234.56")


# ----- formatting ---------------------------------------------------------------------------


def separators():
    """(decimal sign, thousands separator) of the active language."""
    return formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")


def places_needed(value, minimum=0):
    """The decimal places ``value`` needs (trailing zeros dropped), at least ``minimum``."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    return max(minimum, -exponent if isinstance(exponent, int) and exponent < 0 else 0)


def format_decimal(value, places=None, *, grouping=True):
    """``value`` in the active language: "1.234,5" in German, "1,234.5" in English.

    ``places``: the decimals shown (None: as many as the value needs), rounded half up.
    ``grouping``: with the thousands separator.
    """
    value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if places is None:
        places = places_needed(value)
    else:
        with contextlib.suppress(InvalidOperation):  # beyond any precision: shown as it is
            value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(value, places, use_l10n=True, force_grouping=grouping)


def format_money(value, space=" "):
    """An amount in euro: "1.234,56 €" (German), "1,234.56 €" (English), as on every page,
    in mails and in the rules' messages (the decision letter has its own English form)."""
    return f"{format_decimal(value, 2)}{space}€"


def format_percent(value, places=None, space=" "):
    """A percentage with the decimals it needs (or ``places``): "1,5 %", "80 %"."""
    return f"{format_decimal(value, places)}{space}%"


def format_for_input(value, kind):
    """What an input shows for ``value``: amounts with two decimals, other numbers with the
    decimals they need; always grouped, and read back exactly by ``parse_decimal``."""
    return format_decimal(value, 2 if kind == MONEY else None)


# ----- parsing ------------------------------------------------------------------------------


def _read(text, decimal_sign, thousands):
    """The value of ``text`` read with these separators, or None if it is not written so."""
    if text.count(decimal_sign) > 1:
        return None
    whole, _sign, fraction = text.partition(decimal_sign)
    if not re.fullmatch("[0-9]*", fraction):
        return None
    if not whole and not fraction:
        return None
    if not re.fullmatch("[0-9]*", whole):
        marks = set(re.sub("[0-9]", "", whole))
        if len(marks) != 1 or marks - {thousands, " "}:
            return None
        mark = re.escape(marks.pop())
        if not re.fullmatch(f"[0-9]{{1,3}}(?:{mark}[0-9]{{3}})+", whole):
            return None
        whole = re.sub("[^0-9]", "", whole)
    return Decimal(f"{whole or '0'}.{fraction}" if fraction else whole)


def _lone_three(text, decimal_sign, thousands):
    """True for one separator followed by exactly three digits ("20.000", "1,500")."""
    marks = re.escape(decimal_sign + thousands)
    return re.fullmatch(f"[0-9]{{1,3}}[{marks}][0-9]{{3}}", text) is not None


def _typed_places(value):
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


class Limits:
    """What a field accepts: decimal places, digits, smallest and largest value."""

    def __init__(self, decimal_places=None, max_digits=None, min_value=None, max_value=None):
        self.decimal_places = decimal_places
        smallest = largest = None
        if max_digits is not None:  # the digits before the decimal sign, as a range
            places = decimal_places or 0
            largest = Decimal(10) ** (max_digits - places) - Decimal(1).scaleb(-places)
            smallest = -largest
        if min_value is not None:
            smallest = Decimal(min_value) if smallest is None else max(smallest, Decimal(min_value))
        if max_value is not None:
            largest = Decimal(max_value) if largest is None else min(largest, Decimal(max_value))
        self.min_value, self.max_value = smallest, largest

    def problem(self, value):
        """The first rule ``value`` breaks, as typed (its decimals counted, trailing zeros
        too), as a ValidationError; None if it fits."""
        places = self.decimal_places
        if places is not None and _typed_places(value) > places:
            if places == 0:
                message = _("Please enter a whole number, without decimals.")
            else:
                message = ngettext(
                    "Please enter at most %(places)s decimal place.",
                    "Please enter at most %(places)s decimal places.",
                    places,
                ) % {"places": places}
            return ValidationError(message, code="max_decimal_places")
        if self.min_value is not None and value < self.min_value:
            message = _("Please enter a value of at least %(limit)s.") % {
                "limit": format_decimal(self.min_value)
            }
            return ValidationError(message, code="min_value")
        if self.max_value is not None and value > self.max_value:
            message = _("Please enter a value of at most %(limit)s.") % {
                "limit": format_decimal(self.max_value)
            }
            return ValidationError(message, code="max_value")
        return None

    def accept(self, value):
        """``value`` if it fits, also when its only extra decimals are zeros ("1,500" for two
        places: 1.50); None if it does not fit."""
        if self.problem(value) is None:
            return value
        if self.decimal_places is None or _typed_places(value) <= self.decimal_places:
            return None
        try:
            exact = value.quantize(Decimal(1).scaleb(-self.decimal_places))
        except InvalidOperation:  # more digits than any field takes
            return None
        return exact if exact == value and self.problem(exact) is None else None


def _sign_hint(decimal_sign, grouped):
    """How to write a decimal number in the active language."""
    if decimal_sign == ",":
        if grouped:
            return _(
                "Please write decimal numbers with a comma and separate thousands with a "
                "point or not at all, e.g. 1.234,56 or 1234,56."
            )
        return _("Please write decimal numbers with a comma, e.g. 1,5.")
    if decimal_sign == ".":
        if grouped:
            return _(
                "Please write decimal numbers with a point and separate thousands with a "
                "comma or not at all, e.g. 1,234.56 or 1234.56."
            )
        return _("Please write decimal numbers with a point, e.g. 1.5.")
    return _invalid_message(None)


def _invalid_message(decimal_places):
    places = 2 if decimal_places is None else min(decimal_places, 2)
    example = EXAMPLE.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return _("Please enter a number, e.g. %(grouped)s or %(plain)s.") % {
        "grouped": format_decimal(example),
        "plain": format_decimal(example, grouping=False),
    }


def _strip(text, units, decimal_sign):
    """(negative, the digits and separators) of ``text``: without spaces at the ends, the
    sign, the unit ("€" before or after, "%" after) and a German ",-" for no cents."""
    text = SPACES.sub(" ", text).strip()
    for unit in units:
        if text.endswith(unit):
            text = text[: -len(unit)].rstrip()
            break
    negative = text.startswith(MINUS)
    if negative or text.startswith("+"):
        text = text[1:].lstrip()
    if "€" in units and text.startswith("€"):
        text = text[1:].lstrip()
        if not negative and text.startswith(MINUS):  # "€ -5"
            negative, text = True, text[1:].lstrip()
    if text.endswith((decimal_sign + "-", decimal_sign + "--", decimal_sign + "–")):
        text = text[: text.rindex(decimal_sign)]
    return negative, text


def parse_decimal(text, *, limits=None, units=("€", "%")):
    """The Decimal a person wrote in the active language, checked against ``limits``.

    Raises ``ValidationError`` with a translated message saying how to write it (codes
    ``invalid``, ``decimal_sign``, ``ambiguous``, ``max_decimal_places``, ``min_value``,
    ``max_value``). More typed decimals than allowed are accepted only when the extra ones are
    zeros and the other language's reading does not fit ("1,500" for a rate: 1.50).
    """
    limits = limits or Limits()
    decimal_sign, thousands = separators()
    raw = str(text)
    negative, body = _strip(raw, tuple(unit for unit in units if unit), decimal_sign)
    if not body or len(raw) > MAX_LENGTH:
        raise ValidationError(_invalid_message(limits.decimal_places), code="invalid")
    local = _read(body, decimal_sign, thousands)
    foreign = _read(body, thousands, decimal_sign) if decimal_sign != thousands else None
    if local is None:
        if foreign is not None:
            grouped = re.search("[^0-9]", body.partition(thousands)[0]) is not None
            raise ValidationError(_sign_hint(decimal_sign, grouped), code="decimal_sign")
        raise ValidationError(_invalid_message(limits.decimal_places), code="invalid")
    value = -local if negative else local
    problem = limits.problem(value)
    if problem is None:
        return value
    if foreign is not None and _lone_three(body, decimal_sign, thousands):
        other = limits.accept(-foreign if negative else foreign)
        if other is not None:
            raise _ambiguous(raw.strip(), value, other, problem, decimal_sign in body)
    fitted = limits.accept(value)
    if fitted is not None:
        return fitted
    raise problem


def _ambiguous(typed, value, other, problem, with_decimal_sign):
    """``typed`` does not fit here as written; read the other language's way, it would."""
    if with_decimal_sign:
        # German "20,000" for an amount: too many decimals here; or twenty thousand?
        message = _(
            "“%(value)s” has more decimal places than allowed here. If you mean %(other)s, "
            "please write %(other)s or %(plain)s."
        ) % {
            "value": typed,
            "other": format_decimal(other),
            "plain": format_decimal(other, grouping=False),
        }
    else:
        # German "1.500" for a rate: fifteen hundred (above the maximum), or one and a half?
        message = _(
            "“%(value)s” means %(plain)s, which is not allowed here. If you mean %(other)s, "
            "please write %(other)s."
        ) % {
            "value": typed,
            "plain": format_decimal(value, grouping=False),
            "other": format_decimal(other),
        }
    return ValidationError(f"{message} {problem.messages[0]}", code="ambiguous")


# ----- the form field -----------------------------------------------------------------------


class DecimalInput(forms.TextInput):
    """A text input for decimal numbers (a number input would refuse "1.234,56" in the
    browser, or send "1,5" as "15"), showing values in the user's format."""

    def __init__(self, attrs=None, kind=NUMBER):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})
        self.kind = kind

    def format_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return value  # what the user typed, shown again as typed
        try:
            return format_for_input(value, self.kind)
        except (InvalidOperation, TypeError, ValueError):
            return str(value)


def kind_of(max_digits, decimal_places):
    """The kind of a decimal field by its shape: the project's amounts are (14, 2), its
    percentages and rates (5, 2); anything else is a plain number."""
    if (max_digits, decimal_places) == (14, 2):
        return MONEY
    if (max_digits, decimal_places) == (5, 2):
        return PERCENT
    return NUMBER


class LocalDecimalField(forms.DecimalField):
    """A decimal in the user's language (see the module's docstring); ``kind`` is MONEY,
    PERCENT or NUMBER (None: by ``max_digits``/``decimal_places``). Its checks of decimal
    places, digits and range answer in translated words with limits in the user's format;
    Django's own validators for them are not added."""

    widget = DecimalInput

    def __init__(
        self,
        *,
        kind=None,
        max_value=None,
        min_value=None,
        max_digits=None,
        decimal_places=None,
        **kwargs,
    ):
        extra_validators = list(kwargs.pop("validators", []))
        kwargs.pop("step_size", None)
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        self.max_value, self.min_value = max_value, min_value
        self.validators = extra_validators
        self.kind = kind or kind_of(max_digits, decimal_places)
        self.limits = Limits(decimal_places, max_digits, min_value, max_value)
        self.widget.kind = self.kind

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            return parse_decimal(value, limits=self.limits, units=(UNITS[self.kind],))
        value = Decimal(value)
        problem = self.limits.problem(value)
        if problem is not None:
            raise problem
        return value


def limits_of(db_field):
    """(min_value, max_value) of a model field's Min/MaxValueValidators (fixed limits only)."""
    low = high = None
    for validator in db_field.validators:
        limit = getattr(validator, "limit_value", None)
        if limit is None or callable(limit):
            continue
        if isinstance(validator, MinValueValidator):
            low = limit if low is None else max(low, limit)
        elif isinstance(validator, MaxValueValidator):
            high = limit if high is None else min(high, limit)
    return low, high


def formfield_for(db_field, **kwargs):
    """The form field of a model field: ``LocalDecimalField`` for a DecimalField (with the
    model's limits), Django's default otherwise. Use it as a ModelForm's
    ``Meta.formfield_callback`` or with ``fields_for_model(..., formfield_callback=...)``."""
    if isinstance(db_field, models.DecimalField) and "form_class" not in kwargs:
        low, high = limits_of(db_field)
        return db_field.formfield(
            form_class=LocalDecimalField,
            **{"min_value": low, "max_value": high, **kwargs},
        )
    return db_field.formfield(**kwargs)
