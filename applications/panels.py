"""The application's items on the start page (``funding.panels``): one query per role.

Each count uses the condition of the list filter it links to (``filters``), so that the card
and the filtered list show the same applications. The step bar and the "what happens next"
box of the application's page are in ``progress``.
"""

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from funding import panels, roles
from funding.panels import Action, Item

from .filters import returned_q, stage_q
from .models import Application, State


def _list(**query):
    """The application list filtered by ``query`` (in the order given)."""
    url = reverse("application-list")
    return url + "?" + "&".join(f"{key}={value}" for key, value in query.items())


def applicant_items(user):
    """Drafts to finish, returns to revise (with the nearest deadline), decisions to read;
    then what is with the office, the experts or the board."""
    own = Application.objects.filter(organization_id__in=roles.organization_ids(user))
    figures = own.order_by().aggregate(
        returned=Count("pk", filter=Q(state=State.RETURNED)),
        deadline=Min("return_deadline", filter=Q(state=State.RETURNED)),
        draft=Count("pk", filter=Q(state=State.DRAFT)),
        decided=Count("pk", filter=stage_q("decided")),
        in_progress=Count("pk", filter=stage_q("in_progress")),
    )
    deadline = figures["deadline"]
    note = (
        gettext("Next deadline: %(date)s")
        % {"date": formats.date_format(deadline, "SHORT_DATE_FORMAT")}
        if deadline
        else ""
    )
    return [
        Item(
            _("Returned for revision: please revise and submit again"),
            figures["returned"],
            _list(state=State.RETURNED),
            note=note,
        ),
        Item(_("Drafts to finish and submit"), figures["draft"], _list(state=State.DRAFT)),
        Item(
            _("Decided: read the outcome and the letter"),
            figures["decided"],
            _list(stage="decided"),
        ),
        Item(
            _("Being checked, reviewed or decided"),
            figures["in_progress"],
            _list(stage="in_progress"),
            todo=False,
        ),
        Action(_("Start a new application"), reverse("application-new")),
    ]


def coordinator_items(user):
    """Submitted applications to check, returns past their deadline; then the overview."""
    today = timezone.localdate()
    figures = Application.objects.order_by().aggregate(
        submitted=Count("pk", filter=Q(state=State.SUBMITTED)),
        returned_overdue=Count("pk", filter=returned_q("overdue", today)),
        in_review=Count("pk", filter=Q(state=State.IN_REVIEW)),
        awaiting=Count("pk", filter=Q(state=State.AWAITING_DECISION)),
    )
    return [
        Item(
            _("Submitted: check and assign reviewers"),
            figures["submitted"],
            _list(state=State.SUBMITTED),
        ),
        Item(
            _("Returned, deadline passed without a new submission"),
            figures["returned_overdue"],
            _list(returned="overdue"),
        ),
        Item(_("In review"), figures["in_review"], _list(state=State.IN_REVIEW), todo=False),
        Item(
            _("Awaiting the board's decision"),
            figures["awaiting"],
            _list(state=State.AWAITING_DECISION),
            todo=False,
        ),
    ]


def register():
    panels.add_items("applicant", applicant_items, order=10)
    panels.add_items("coordinator", coordinator_items, order=10)
