"""Numbers in the reader's language (``{% load numbers %}``), "—" when there is none:

- ``{{ amount|money }}``: "1.234,56 €" in German, "1,234.56 €" in English (no-break space);
- ``{{ rate|percent }}``: "1,5 %" with the decimals it needs; ``{{ share|percent:1 }}``: "12,0 %";
- ``{{ value|number }}``: "1.234,5" (grouped, the decimals it needs); ``{{ value|number:2 }}``.

Dates need no filter of their own: ``{{ day|date:"SHORT_DATE_FORMAT" }}`` ("01.03.2027",
"03/01/2027") or ``DATE_FORMAT``, never a fixed pattern such as ``"d.m.Y"``.
"""

from decimal import InvalidOperation

from django import template
from django.utils.html import format_html

from funding.numbers import format_decimal

register = template.Library()
NONE = "—"


def _number(value, places):
    if value is None or value == "":
        return None
    try:
        return format_decimal(value, None if places in (None, "") else int(places))
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def money(value):
    shown = _number(value, 2)
    return NONE if shown is None else format_html("{}&nbsp;€", shown)


@register.filter
def percent(value, places=None):
    shown = _number(value, places)
    return NONE if shown is None else format_html("{}&nbsp;%", shown)


@register.filter
def number(value, places=None):
    shown = _number(value, places)
    return NONE if shown is None else shown
