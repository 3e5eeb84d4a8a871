"""The ``money`` template filter: euro amounts in the reader's locale."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation


def render(value, language):
    with translation.override(language):
        return Template("{% load money %}{{ value|money }}").render(Context({"value": value}))


@pytest.mark.parametrize(
    ("value", "language", "shown"),
    [
        (Decimal("1234.56"), "de", "1.234,56&nbsp;€"),
        (Decimal("1234.56"), "en", "1,234.56&nbsp;€"),
        (Decimal("1234567.5"), "de", "1.234.567,50&nbsp;€"),
        (Decimal("0"), "de", "0,00&nbsp;€"),
        (60000, "de", "60.000,00&nbsp;€"),
        (None, "de", "—"),
        ("", "en", "—"),
    ],
)
def test_money_follows_the_readers_locale(value, language, shown):
    assert render(value, language) == shown
