"""Read queries the application's pages need; a list runs a constant number of queries.

Who may see an application is answered by the permissions (``applications.see`` and
``applications.read``, see ``rules.py``); an application the caller may not see answers 404.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import rules
from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_fsm_log.models import StateLog

from funding import keyset, roles
from funding.logs import note_here
from funding.models import Membership, Organization

from . import checks, history_notes
from .models import LIST_SORT_KEYS, Application, Document, State

PAGE_SIZE = 50
SEARCH_MAX = 100  # characters of a search that count
LIST_FIELDS = (
    "id",
    "reference",
    "title",
    "state",
    "updated_at",
    "last_submitted_at",
    "requested_amount",
    "return_deadline",
    "programme__id",
    "programme__name",
    "organization__id",
    "organization__name",
)

# The list's ``?sort=`` keys (``models.LIST_SORT_KEYS``, each backed by an index) and the
# direction a column header asks for first; "-key" sorts descending. The id breaks ties, in
# the same direction. Anything else is ignored: the default order, latest change first.
ASCENDING, DESCENDING = "ascending", "descending"
LIST_SORTS = {
    "reference": ASCENDING,
    "submitted": DESCENDING,
    "amount": DESCENDING,
    "state": ASCENDING,
    "deadline": ASCENDING,
    "changed": DESCENDING,
}
DEFAULT_SORT = "-changed"
# The deadline that applies: the return deadline while the application is returned.
DEADLINE = Case(
    When(state=State.RETURNED.value, then=F("return_deadline")), output_field=DateField()
)


def get_visible_application(user, pk, permission="applications.see"):
    """The application ``pk`` if the user has ``permission`` for it, else 404."""
    application = get_object_or_404(
        Application.objects.select_related("programme", "organization"), pk=pk
    )
    if not rules.has_perm(permission, user, application):
        raise Http404
    if application.reference:
        note_here(reference=application.reference)  # on the request's log line
    return application


def get_readable_application(user, pk):
    """The application ``pk`` if the user may read all of it, else 404."""
    return get_visible_application(user, pk, "applications.read")


def application_list(user):
    """The list page's rows (the office: all; a company: its own), one query; each row with
    ``deadline`` (the one that applies, see ``DEADLINE``). In the default order (``sorted_by``
    changes it)."""
    if not user.is_authenticated:
        queryset = Application.objects.none()
    elif roles.is_coordinator(user):
        queryset = Application.objects.all()
    else:
        queryset = Application.objects.filter(organization_id__in=roles.organization_ids(user))
    queryset = queryset.select_related("programme", "organization").only(*LIST_FIELDS)
    return sorted_by(queryset.annotate(deadline=DEADLINE), DEFAULT_SORT)


def list_sort(value):
    """The ``?sort=`` value if it is one of ``LIST_SORTS`` ("amount", "-amount"), else the
    default: (sort, key, descending)."""
    value = value if isinstance(value, str) else ""
    key = value.removeprefix("-")
    if key not in LIST_SORTS:
        value, key = DEFAULT_SORT, DEFAULT_SORT.removeprefix("-")
    return value, key, value.startswith("-")


def sorted_by(queryset, sort):
    """``queryset`` in the order of ``sort`` (see ``list_sort``): the key's indexed expression,
    then the id, both in the same direction (one index scan, forwards or backwards)."""
    _sort, key, descending = list_sort(sort)
    expression = LIST_SORT_KEYS[key]
    if descending:
        return queryset.order_by(expression.desc(), F("id").desc())
    return queryset.order_by(expression.asc(), F("id").asc())


def list_page(user, params, per_page=None):
    """(filterset, page) of the list page: the user's rows (``application_list``) filtered and
    searched as ``params`` (the GET parameters) ask, sorted by ``?sort=`` and cut into keyset
    pages (``funding.keyset``: the first and the last page cost the same). An invalid filter
    shows every row, an unknown sort the default order. Two queries (three with a search)."""
    from .filters import ApplicationFilter  # (it uses ``search`` of this module)

    filterset = ApplicationFilter(params or None, application_list(user), user=user)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    _sort, key, descending = list_sort(params.get("sort"))
    rows = rows.annotate(company=F("organization__name"), programme_name=F("programme__name"))
    page = keyset.paginate(
        rows,
        LIST_SORT_KEYS[key],
        descending,
        params,
        per_page or PAGE_SIZE,
        values=ListRow.FIELDS,
        row=ListRow,
    )
    return filterset, page


@dataclass(slots=True)
class ListRow:
    """One row of the list page: what it shows, read as values (no model object to set up)."""

    FIELDS: ClassVar = (
        "pk",
        "reference",
        "title",
        "state",
        "updated_at",
        "last_submitted_at",
        "requested_amount",
        "deadline",
        "company",
        "programme_name",
    )
    pk: int
    reference: str | None
    title: str
    state: str
    updated_at: datetime.datetime
    last_submitted_at: datetime.datetime | None
    requested_amount: Decimal | None
    deadline: datetime.date | None
    company: str
    programme_name: str


# A search matching more companies than this reads them as a subquery (the words are then so
# common that the list's own order finds a page of them at once).
SEARCH_COMPANIES = 200


def search(queryset, text):
    """Rows whose reference, title or company name contains ``text`` (any case). On PostgreSQL
    each of the three has a trigram index (migrations ``applications`` and ``funding`` 0009);
    the companies are looked up first, so that the database can combine the three indexes."""
    text = (text or "").strip()[:SEARCH_MAX]
    if not text:
        return queryset
    companies = Organization.objects.filter(name__icontains=text).values_list("pk", flat=True)
    ids = list(companies[: SEARCH_COMPANIES + 1])
    return queryset.filter(
        Q(reference__icontains=text)
        | Q(title__icontains=text)
        | Q(organization_id__in=companies if len(ids) > SEARCH_COMPANIES else ids)
    )


def history(application):
    """The transition log, oldest first; each entry with ``by_member``: done by a member of the
    applicant organisation (the page names only those to the company and to reviewers)."""
    members = Membership.objects.filter(
        organization_id=application.organization_id, user_id=OuterRef("by_id")
    )
    return (
        StateLog.objects.for_(application)
        .select_related("by")
        .annotate(by_member=Exists(members))
        .order_by("timestamp", "id")
    )


def readable_history(user, application, entries=None):
    """The transition log (or those of its ``entries`` given, e.g. a page of it) as ``user``
    reads it, for the page and the API: each entry with ``named`` (whether the reader sees who
    did it, and its note) and ``note`` (the note shown).

    The office and the board read every name and note; the company and the reviewers only those
    of the company's own people, and the reason of a return (never a reviewer's or a board
    member's name: blind review). The permissions of later steps are asked by name.
    """
    sees_all = rules.has_perm("reviews.manage_round", user, application) or rules.has_perm(
        "decisions.read_application", user, application
    )
    entries = history_notes.shown(history(application) if entries is None else entries)
    for entry in entries:
        entry.named = sees_all or entry.by_member
        shows_note = entry.named or entry.transition == "return_for_revision"
        entry.note = (entry.description or "") if shows_note else ""
    return entries


def documents(application):
    return Document.objects.filter(application=application).select_related("uploaded_by")


def versions(application):
    return application.versions.select_related("submitted_by")


def state_counts(queryset, wanted=None):
    """{state: count} in one query (with ``wanted``: exactly those states, 0 if none)."""
    rows = queryset.order_by().values("state").annotate(n=Count("id"))
    counts = {row["state"]: row["n"] for row in rows}
    if wanted is None:
        return counts
    return {state: counts.get(state, 0) for state in wanted}


def get_readable_document(user, application_pk, document_pk):
    application = get_readable_application(user, application_pk)
    return get_object_or_404(Document, pk=document_pk, application=application)


def pending_violations(application, today):
    """Every rule the application still breaks, by field (declarations aside)."""
    kinds = set(application.documents.values_list("kind", flat=True))
    given = dict.fromkeys(checks.DECLARATIONS, True)
    return checks.submission_violations(application, kinds, given, today)
