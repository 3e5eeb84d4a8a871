"""What the board's step adds to the start page, the application list's filters and the
application's page (the outcome at the top, the letters below).

Start page: the office's letters not sent or in trouble and the applications awaiting the
decision for too long, each linked to the application list filtered by the same condition
(``?letters=unsent``, ``?letters=attention``, ``?waiting=long``, registered here with
``applications.extensions.add_list_filter``); the board member's applications to declare on,
to decide and proposals to confirm (``?todo=`` of the board queue, ``board_todo``).
"""

import datetime

import rules
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import extensions
from applications.models import Application, Instrument, State
from funding import panels, roles
from funding.panels import Action, Item
from notifications import offsets
from reviews.models import Assignment, ConflictDeclaration
from reviews.selectors import board_no_conflict

from . import letters as letter_delivery
from . import selectors
from .models import Decision, DecisionLetter
from .reminders import ESCALATE_DAYS
from .services import RESENDABLE

# ----- the application list's filters ----------------------------------------------------------

LETTER_CHOICES = (
    ("unsent", _("not sent yet")),
    ("attention", _("failed or sending interrupted")),
)
WAITING_CHOICES = (("long", _("awaiting the decision for too long")),)


def letters_q(value):
    """Applications with a decision letter not sent yet (``unsent``), or one that could not be
    rendered or whose sending was interrupted (``attention``)."""
    letters = DecisionLetter.objects.filter(application=OuterRef("pk"))
    if value == "attention":
        letters = letters.filter(status__in=letter_delivery.ATTENTION)
    else:
        letters = letters.exclude(status=DecisionLetter.Status.SENT)
    return Q(Exists(letters))


def _day_start(day):
    """The first moment of ``day`` in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def waiting_long_q(table=None, today=None):
    """Applications awaiting the decision since at least the programme's ``decision_escalate``
    days (when the reminder tells the office too): calendar days, as the reminder counts."""
    table = table or offsets.table()
    today = today or timezone.localdate()

    def since_before(days):
        return Q(awaiting_since__lt=_day_start(today - datetime.timedelta(days=days - 1)))

    by_days = {}
    for programme_id, days in table.by_programme.items():
        by_days.setdefault(days[ESCALATE_DAYS], []).append(programme_id)
    # a programme created since the table was read: the default
    condition = since_before(table.defaults[ESCALATE_DAYS])
    if table.by_programme:
        condition &= ~Q(programme_id__in=list(table.by_programme))
    for days, programme_ids in sorted(by_days.items()):
        condition |= Q(programme_id__in=programme_ids) & since_before(days)
    return Q(state=State.AWAITING_DECISION) & condition


def _filter_letters(queryset, value):
    return queryset.filter(letters_q(value))


def _filter_waiting(queryset, value):
    return queryset.filter(waiting_long_q())


LIST_FILTERS = (
    extensions.ListFilter(
        "letters",
        _("Decision letters"),
        LETTER_CHOICES,
        _filter_letters,
        roles.is_coordinator,
        order=60,
    ),
    extensions.ListFilter(
        "waiting",
        _("Waiting for the decision"),
        WAITING_CHOICES,
        _filter_waiting,
        roles.is_coordinator,
        order=70,
    ),
)


def _list(**query):
    url = reverse("application-list")
    return url + "?" + "&".join(f"{key}={value}" for key, value in query.items())


# ----- the start page ----------------------------------------------------------------------------


def coordinator_items(user):
    """Letters not sent, letters in trouble (each with a link to it), applications awaiting
    the decision for too long: two queries, three with letters in trouble."""
    figures = Application.objects.order_by().aggregate(
        unsent=Count("pk", filter=letters_q("unsent")),
        attention=Count("pk", filter=letters_q("attention")),
        waiting=Count("pk", filter=waiting_long_q()),
    )
    problems = []
    if figures["attention"]:
        problems = list(
            DecisionLetter.objects.filter(status__in=letter_delivery.ATTENTION)
            .select_related("application")
            .order_by("created_at", "pk")[:5]
        )
    items = [
        Item(
            _("Awaiting the board's decision for too long"),
            figures["waiting"],
            _list(waiting="long"),
        ),
        Item(_("Decision letters not yet sent"), figures["unsent"], _list(letters="unsent")),
        Item(
            _("Decision letters that failed or need checking"),
            figures["attention"],
            _list(letters="attention"),
        ),
    ]
    for letter in problems:
        label = (
            _("Letter %(number)s of %(reference)s could not be rendered")
            if letter.status == DecisionLetter.Status.FAILED
            else _("Letter %(number)s of %(reference)s: sending interrupted")
        )
        items.append(
            Action(
                label % {"number": letter.number, "reference": letter.application.reference},
                reverse("application-detail", args=[letter.application_id]) + "#letters",
            )
        )
    return items


BOARD_TODO = ("declare", "decide", "confirm")


def board_todo_conditions(user):
    """{todo: Q} on applications awaiting the decision, for a board member who may take part
    (not of the applicant organisation, never asked to review it):

    - ``declare``: no declaration on conflicts of interest for the current round yet;
    - ``decide``: declared no conflict, and no proposal is open;
    - ``confirm``: declared no conflict, and another member's proposal waits for a second.
    """
    declared = ConflictDeclaration.objects.filter(
        application_id=OuterRef("pk"),
        round=OuterRef("submission_count"),
        user_id=user.pk,
        role=ConflictDeclaration.Role.BOARD,
        superseded_by__isnull=True,
    )
    open_proposals = Decision.objects.filter(
        application_id=OuterRef("pk"), status=Decision.Status.OPEN
    )
    free = Q(state=State.AWAITING_DECISION) & ~Q(
        Exists(Assignment.objects.filter(application_id=OuterRef("pk"), reviewer_id=user.pk))
    )
    own_organizations = list(roles.organization_ids(user))
    if own_organizations:
        free &= ~Q(organization_id__in=own_organizations)
    no_conflict = free & Q(board_no_conflict(user))
    return {
        "declare": free & ~Q(Exists(declared)),
        "decide": no_conflict & ~Q(Exists(open_proposals)),
        "confirm": no_conflict & Q(Exists(open_proposals.exclude(proposed_by_id=user.pk))),
    }


def board_todo(queryset, user, todo):
    """``queryset`` (applications) narrowed to the board member's ``todo`` (``BOARD_TODO``);
    unchanged for any other value. For the board queue's ``?todo=``."""
    conditions = board_todo_conditions(user)
    return queryset.filter(conditions[todo]) if todo in conditions else queryset


def board_items(user):
    """Applications to declare on, to decide, proposals to confirm; all awaiting: one query."""
    conditions = board_todo_conditions(user)
    figures = Application.objects.order_by().aggregate(
        awaiting=Count("pk", filter=Q(state=State.AWAITING_DECISION)),
        **{todo: Count("pk", filter=condition) for todo, condition in conditions.items()},
    )
    url = reverse("board-queue")
    return [
        Item(
            _("Declare on conflicts of interest"),
            figures["declare"],
            f"{url}?todo=declare",
        ),
        Item(
            _("Ready for your decision (no proposal yet)"),
            figures["decide"],
            f"{url}?todo=decide",
        ),
        Item(
            _("Proposals waiting for your confirmation"),
            figures["confirm"],
            f"{url}?todo=confirm",
        ),
        Item(_("Awaiting a decision"), figures["awaiting"], url, todo=False),
    ]


# ----- the application's page ---------------------------------------------------------------------


def outcome_context(user, application, letters):
    """The decision's outcome for the top of the application's page, or None: the confirmed
    decision that decided it (terms or reasons), the letter to download (the latest of that
    decision with a file) and what happens next."""
    if application.state not in (State.APPROVED, State.REJECTED):
        return None
    decision = (
        Decision.objects.filter(application=application, status=Decision.Status.CONFIRMED)
        .order_by("-confirmed_at", "-pk")
        .first()
    )
    if decision is None:
        return None
    own = [letter for letter in letters if letter.decision_id == decision.pk]
    letter = own[-1] if own else None
    approved = decision.outcome == Decision.Outcome.APPROVE
    return {
        "application": application,
        "decision": decision,
        "approved": approved,
        "is_loan": decision.instrument == Instrument.LOAN,
        "letter": letter,
        "letter_sent": letter is not None and letter.status == DecisionLetter.Status.SENT,
        "for_company": rules.has_perm("applications.act_for", user, application),
    }


def detail_contribution(user, application):
    entries = []
    if application.state == State.AWAITING_DECISION and rules.has_perm(
        "decisions.use_board_pages", user
    ):
        url = reverse("board-decide", args=[application.pk])
        entries.append(extensions.Action(_("Decision"), url))
    if rules.has_perm("decisions.read_letters", user, application):
        letters = list(selectors.letters(application))
        outcome = outcome_context(user, application, letters)
        if outcome is not None:
            entries.append(extensions.Part("decisions/_outcome.html", outcome, slot="top"))
        for letter in letters:
            letter.events = [
                {**entry, "at": datetime.datetime.fromisoformat(entry["at"])}
                for entry in letter.history
            ]
        if letters:
            context = {
                "application": application,
                "letters": letters,
                "may_resend": rules.has_perm("decisions.resend_letter", user, application),
                "resendable": RESENDABLE,
            }
            entries.append(extensions.Part("decisions/_letters.html", context))
    return entries


def register():
    panels.add_items("coordinator", coordinator_items, order=30)
    panels.add_items("board", board_items, order=10)
    extensions.add_detail_contribution(detail_contribution)
    for list_filter in LIST_FILTERS:
        extensions.add_list_filter(list_filter)
