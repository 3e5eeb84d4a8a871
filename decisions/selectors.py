"""Read queries of the board's step: the queue, budgets, de minimis, decisions and letters."""

import datetime
from decimal import Decimal

import rules
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Concat, Trim
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from applications import checks
from applications.models import Application, State
from funding import keyset
from reviews.models import Assignment
from reviews.selectors import board_no_conflict
from reviews.summary import disagreement_annotations, mean_total_annotation, review_annotations

from .models import Decision, DecisionLetter

# ----- the queue -----------------------------------------------------------------------------

WAITING_FIRST = (F("awaiting_since").asc(nulls_last=True), "id")
# The board queue's orders (``?sort=``): the longest waiting first (default), the highest mean
# total first, the disagreeing reviews first (then the widest spread of the totals).
QUEUE_SORTS = {
    "waiting": WAITING_FIRST,
    "mean": (F("mean_total").desc(nulls_last=True), *WAITING_FIRST),
    "disagreement": (
        F("disagreement").desc(),
        F("total_range").desc(nulls_last=True),
        *WAITING_FIRST,
    ),
}
DEFAULT_SORT = "waiting"
PAGE_SIZE = 50


def queue_sort(value):
    """The queue's sort of a ``?sort=`` value (the default for anything unknown)."""
    return value if value in QUEUE_SORTS else DEFAULT_SORT


def _sort_annotations(sort):
    if sort == "mean":
        return mean_total_annotation()
    if sort == "disagreement":
        return disagreement_annotations()
    return {}


def _awaiting(programme=None, where=None):
    queryset = Application.objects.filter(state=State.AWAITING_DECISION)
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    if where is not None:  # a start page's "to do" (``panels.board_todo_conditions``)
        queryset = queryset.filter(where)
    return queryset


def queue_ids(programme=None, sort=DEFAULT_SORT, where=None):
    """The queue's order as ids only (index on state, awaiting_since); sorted by mean or
    disagreement, the database aggregates just what the order needs."""
    sort = queue_sort(sort)
    return (
        _awaiting(programme, where)
        .annotate(**_sort_annotations(sort))
        .order_by(*QUEUE_SORTS[sort])
        .values_list("pk", flat=True)
    )


def _page_ids(programme, sort, where, params, per_page, counted):
    """(ids, previous, next) of the page ``params`` ask for (``?after=``, ``?before=``,
    ``?page=last``, as ``funding.keyset``).

    The longest waiting first walks the index (state, awaiting_since, id) from the cursor, so
    that every page costs the same. An order by an aggregate (mean, disagreement) reads the
    queue's ids in that order (the queue, never the whole table: the database must aggregate
    every waiting application to order them anyway) and finds the cursor's id among them.
    """
    if sort == DEFAULT_SORT:
        page = keyset.paginate(
            _awaiting(programme, where),
            F("awaiting_since"),
            False,
            params,
            per_page,
            counted=counted,
            values=("pk",),
            row=_pk,
        )
        return page.rows, page.previous, page.next
    ids = list(queue_ids(programme, sort, where))
    after = _id_cursor(params.get("after"))
    before = None if after else _id_cursor(params.get("before"))
    if after in ids:
        start = ids.index(after) + 1
    elif before in ids:
        start = max(ids.index(before) - per_page, 0)
    elif params.get("page") == "last" and ids:
        start = max(len(ids) - per_page, 0)
    else:
        start = 0
    shown = ids[start : start + per_page]
    previous = keyset.encode((shown[0],)) if shown and start > 0 else None
    following = keyset.encode((shown[-1],)) if shown and start + per_page < len(ids) else None
    return shown, previous, following


def _pk(pk):
    return pk


def _id_cursor(cursor):
    values = keyset.decode(cursor, (Application._meta.pk,))
    return values[0] if values else None


def _display_name(prefix):
    """A user's full name, or the username when no name is recorded (in SQL)."""
    first, last = F(f"{prefix}first_name"), F(f"{prefix}last_name")
    return Case(
        When(
            Q(**{f"{prefix}first_name": ""}) & Q(**{f"{prefix}last_name": ""}),
            then=F(f"{prefix}username"),
        ),
        default=Trim(Concat(first, Value(" "), last, output_field=CharField())),
        output_field=CharField(),
    )


def board_queue(programme=None, user=None, sort=DEFAULT_SORT):
    """Applications awaiting a decision in the ``sort`` order (``QUEUE_SORTS``), in one query.

    Each row carries the review summary (``reviews.summary.review_annotations``: reviews count,
    mean total, range of the totals, disagreement, recommendation counts) and
    ``has_open_proposal``, ``proposal_outcome``, ``proposer_id`` and ``proposer_name``. With
    ``user``, also ``user_reviewed`` (the user was asked to review it in some round, so may not
    decide it) and ``user_declared_none`` (the user declared, as a board member, no conflict of
    interest for the current round: before that they read only what identifies it).
    """
    open_proposals = Decision.objects.filter(
        application=OuterRef("pk"), status=Decision.Status.OPEN
    )
    annotations = {
        **review_annotations(),
        "has_open_proposal": Exists(open_proposals),
        "proposal_outcome": Subquery(open_proposals.values("outcome")[:1]),
        "proposer_id": Subquery(open_proposals.values("proposed_by_id")[:1]),
        "proposer_name": Subquery(
            open_proposals.annotate(name=_display_name("proposed_by__")).values("name")[:1]
        ),
    }
    if user is not None and user.is_authenticated:
        annotations["user_reviewed"] = Exists(
            Assignment.objects.filter(application=OuterRef("pk"), reviewer=user)
        )
        annotations["user_declared_none"] = board_no_conflict(user)
    return (
        _awaiting(programme)
        .select_related("programme", "organization")
        .annotate(**annotations)
        .order_by(*QUEUE_SORTS[queue_sort(sort)])
    )


def board_queue_page(
    user, sort=DEFAULT_SORT, params=None, programme=None, per_page=PAGE_SIZE, where=None
):
    """One page of the board queue (``params``: the GET parameters, see ``_page_ids``) in three
    queries whatever the queue's length: the count (up to ``keyset.COUNT_CAP``), the page's ids
    in the ``sort`` order, the rows of that page with their summary.

    Paging through the ids first keeps the aggregation to one page's applications. Returns a
    ``keyset.Page`` of ``board_queue`` rows (the benchmark's case).
    """
    sort = queue_sort(sort)
    params = params or {}
    count, more = keyset.count_capped(_awaiting(programme, where))
    ids, previous, following = _page_ids(programme, sort, where, params, per_page, (count, more))
    rows = {row.pk: row for row in board_queue(programme, user, sort).filter(pk__in=ids)}
    shown = [rows[pk] for pk in ids if pk in rows]
    return keyset.Page(shown, count, more, previous=previous, next=following)


# ----- budget and de minimis -------------------------------------------------------------------


def committed_budget(programme):
    """Money already granted by confirmed approvals of the programme."""
    total = Decision.objects.filter(
        application__programme=programme,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.CONFIRMED,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def reserved_budget(programme, exclude=None):
    """Money in open approval proposals (checked at proposal, not yet granted)."""
    qs = Decision.objects.filter(
        application__programme=programme,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.OPEN,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def granted_de_minimis(application):
    """What this fund granted the company after it declared its de minimis aid.

    The declaration at the last submission covers the three years before it; grants of this
    fund confirmed since then are not in it yet and count as well (never twice).
    """
    three_years = timezone.now() - datetime.timedelta(days=3 * 365)
    since = max(three_years, application.last_submitted_at or three_years)
    total = Decision.objects.filter(
        application__organization_id=application.organization_id,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.CONFIRMED,
        confirmed_at__gt=since,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def de_minimis_headroom(application):
    """The de minimis headroom at the decision (``checks.de_minimis_headroom`` with the grants
    of this fund confirmed since the company's declaration)."""
    return checks.de_minimis_headroom(application, granted_de_minimis(application))


# ----- decisions and letters -------------------------------------------------------------------


def decisions(application):
    return list(application.decisions.select_related("proposed_by", "confirmed_by"))


def has_open_proposal(application):
    return Decision.objects.filter(application=application, status=Decision.Status.OPEN).exists()


def get_visible_decision(user, pk):
    """A decision of an application the user may see (else 404)."""
    decision = get_object_or_404(
        Decision.objects.select_related(
            "application__programme", "application__organization", "proposed_by"
        ),
        pk=pk,
    )
    if not rules.has_perm("applications.see", user, decision.application):
        raise Http404
    return decision


def letters(application):
    return DecisionLetter.objects.filter(application=application).order_by("number")


def get_visible_letter(user, application_pk, letter_pk):
    """A letter of an application whose letters the user may read (else 404)."""
    letter = get_object_or_404(
        DecisionLetter.objects.select_related("application__organization"),
        pk=letter_pk,
        application_id=application_pk,
    )
    if not rules.has_perm("decisions.read_letters", user, letter.application):
        raise Http404
    return letter


def letter_by_reference(reference, number=None):
    """The latest (or the ``number``-th) letter of the application ``reference``, for the
    commands; ``LookupError`` says which of the two does not exist."""
    application = Application.objects.filter(reference=reference).first()
    if application is None:
        raise LookupError(f'No application with reference "{reference}".')
    letters = DecisionLetter.objects.filter(application=application).order_by("-number")
    if number is not None:
        letters = letters.filter(number=number)
    found = letters.select_related("application").first()
    if found is None:
        which = f"letter {number}" if number is not None else "decision letter"
        raise LookupError(f"Application {reference} has no {which}.")
    return found


def unsent_letter_count():
    return DecisionLetter.objects.exclude(status=DecisionLetter.Status.SENT).count()


def open_proposals_for(user):
    """Open proposals made by another board member (waiting for this one's confirmation)."""
    return Decision.objects.filter(status=Decision.Status.OPEN).exclude(proposed_by=user).count()
