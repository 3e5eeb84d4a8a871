"""``{{ amount|money }}``: an amount in euro in the reader's locale ("1.234,56 €" in German,
"1,234.56 €" in English), with a non-breaking space; "—" when there is none."""

from django import template
from django.utils import formats
from django.utils.html import format_html

register = template.Library()


@register.filter
def money(value):
    if value is None or value == "":
        return "—"
    amount = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    return format_html("{}&nbsp;€", amount)
