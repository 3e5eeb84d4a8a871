"""Keyset (cursor) pagination for the lists: the first, a middle and the last page cost the same.

A list is ordered by one key (an indexed column or expression) and the id, both ascending or
both descending, so that the database walks one index forwards or backwards. A page is the
``per_page`` rows after (``?after=``) or before (``?before=``) a row the reader has seen; the
cursor carries that row's key and id. ``?page=last`` walks the index from its other end. No
page runs an ``OFFSET``; the count stops at ``COUNT_CAP`` rows ("more than 1,000"), so that
neither grows with the table.

The condition is a row comparison, ``(key, id) > (value, id)``, which PostgreSQL answers from
an index on ``(key, id)``; other databases get the equivalent ``OR`` (Django's tuple lookups).
A cursor that cannot be read is ignored (the first page), never an error.
"""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

COUNT_CAP = 1000
KEY = "_keyset_key"
# The GET parameters of the pagination; a link to another order or filter drops them.
PARAMETERS = ("after", "before", "page")


@dataclass
class Page:
    """One page of a list: its ``rows``, the cursors of the pages before and after it (None at
    either end), the ``count`` of the whole list up to ``COUNT_CAP`` (``more``: there are more)."""

    rows: list
    count: int
    more: bool = False
    previous: str | None = None
    next: str | None = None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def has_other_pages(self):
        return self.previous is not None or self.next is not None


class _Encoder(json.JSONEncoder):
    """Dates and times in full ISO 8601 (DjangoJSONEncoder would cut the microseconds off, and
    the cursor would then fall before its own row), decimals as strings."""

    def default(self, o):
        if isinstance(o, datetime.date | datetime.time):
            return o.isoformat()
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


def encode(values):
    text = json.dumps(list(values), cls=_Encoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor, fields):
    """The values of a cursor, each made a Python value by its ``fields`` entry; None if the
    cursor is not one of ours."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > 400:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(fields):
            return None
        pairs = zip(fields, raw, strict=True)
        return tuple(None if v is None else f.to_python(v) for f, v in pairs)
    except (ValueError, TypeError, binascii.Error, ValidationError, UnicodeDecodeError):
        return None


def count_capped(queryset, cap=None):
    """(count, more): the rows of ``queryset`` counted up to ``cap`` (``COUNT_CAP``), in one
    query."""
    cap = cap or COUNT_CAP
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def paginate(
    queryset, key, descending, params, per_page, cap=None, counted=None, values=None, row=None
):
    """The page of ``queryset`` that ``params`` (the GET parameters) ask for, ordered by ``key``
    (an expression that is never NULL) and the id, ``descending`` or not; two queries: the
    capped count (unless ``counted`` gives it) and the rows (one more than ``per_page``, to
    know whether a page follows).

    The rows are model objects; with ``values`` (names of fields or annotations, ``pk`` among
    them) and ``row`` (a class taking them as keywords) they are built from those values
    only, which skips the models' own setup (a list page's rows need no model methods)."""
    count, more = counted or count_capped(queryset, cap)
    queryset = queryset.annotate(**{KEY: key})
    fields = (queryset.query.annotations[KEY].output_field, queryset.model._meta.pk)
    after = decode(params.get("after"), fields)
    before = None if after else decode(params.get("before"), fields)
    backwards = before is not None or (after is None and params.get("page") == "last")
    seek = after if after is not None else before
    if seek is not None:
        ahead = TupleLessThan if descending != backwards else TupleGreaterThan
        queryset = queryset.filter(ahead(Tuple(F(KEY), F("pk")), seek))
    if descending != backwards:
        ordering = (F(KEY).desc(), F("pk").desc())
    else:
        ordering = (F(KEY).asc(), F("pk").asc())
    ordered = queryset.order_by(*ordering)
    if values is None:
        rows = list(ordered[: per_page + 1])
        keys = [(getattr(r, KEY), r.pk) for r in rows]
    else:
        found = list(ordered.values(KEY, *values)[: per_page + 1])
        keys = [(f.pop(KEY), f["pk"]) for f in found]
        rows = [row(**f) for f in found]
    beyond = len(rows) > per_page
    rows, keys = rows[:per_page], keys[:per_page]
    if backwards:
        rows.reverse()
        keys.reverse()
    page = Page(rows=rows, count=count, more=more)
    if rows:
        first, final = encode(keys[0]), encode(keys[-1])
        if backwards:
            page.previous = first if beyond else None
            page.next = final if before is not None else None
        else:
            page.previous = first if after is not None else None
            page.next = final if beyond else None
    return page
