"""``{{ amount|money }}``: an amount in euro in the reader's locale ("1.234,56 €" in German,
"1,234.56 €" in English), with a non-breaking space; "—" when there is none.

The same filter as ``{% load numbers %}`` offers (with ``percent`` and ``number``)."""

from django import template

from .numbers import money

register = template.Library()
register.filter("money", money)
