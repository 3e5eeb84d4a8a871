"""The list filters (django-filter): state, programme, a search (reference, title, company), the
stage (in progress, decided), returns past their deadline, and the filters that later steps
register (``extensions.add_list_filter``, e.g. ``?overdue=reviews`` or ``?letters=unsent``).

The start page's counts use the same conditions (``returned_q``, ``stage_q``), so that a card
and the list it links to show the same applications.
"""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funding.models import Programme

from . import extensions, selectors
from .models import EDITABLE_STATES, FINAL_STATES, OPEN_STATES, State

# ``?stage=``: reached the office and not yet decided; decided by the board.
STAGES = {
    "in_progress": tuple(state for state in OPEN_STATES if state not in EDITABLE_STATES),
    "decided": tuple(state for state in FINAL_STATES if state != State.WITHDRAWN),
}
STAGE_CHOICES = (
    ("in_progress", _("being checked, reviewed or decided")),
    ("decided", _("decided (approved or rejected)")),
)
# ``?returned=``: returned for revision, the deadline passed (before today) or not.
RETURNED_CHOICES = (
    ("overdue", _("past the deadline")),
    ("open", _("within the deadline")),
)


def programme_choices():
    """The programme dropdown: ids and names only, one query (validation uses the same list)."""
    return list(Programme.objects.order_by("name", "pk").values_list("pk", "name"))


def stage_q(value):
    return Q(state__in=STAGES[value])


def returned_q(value, today=None):
    """Returned applications whose deadline has passed (``overdue``: before ``today``, Berlin
    time) or not (``open``: today or later, or no deadline)."""
    today = today or timezone.localdate()
    passed = Q(return_deadline__lt=today)
    return Q(state=State.RETURNED) & (passed if value == "overdue" else ~passed)


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.ChoiceFilter(choices=State.choices, label=_("State"))
    programme = django_filters.TypedChoiceFilter(
        field_name="programme_id", choices=programme_choices, coerce=int, label=_("Programme")
    )
    stage = django_filters.ChoiceFilter(
        choices=STAGE_CHOICES, method="filter_stage", label=_("Stage")
    )
    returned = django_filters.ChoiceFilter(
        choices=RETURNED_CHOICES, method="filter_returned", label=_("Revision deadline")
    )

    def __init__(self, data=None, queryset=None, *, request=None, user=None, prefix=None):
        """Adds the filters later steps registered; with ``request`` (or ``user``), only those
        its user may use (without either: all of them)."""
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = user or getattr(request, "user", None)
        for registered in extensions.list_filters(user):
            extra = django_filters.ChoiceFilter(
                field_name=registered.name,
                choices=registered.choices,
                label=registered.label,
                method=_method(registered),
            )
            extra.model, extra.parent = self.queryset.model, self
            self.filters[registered.name] = extra

    def search(self, queryset, name, value):
        return selectors.search(queryset, value)

    def filter_stage(self, queryset, name, value):
        return queryset.filter(stage_q(value))

    def filter_returned(self, queryset, name, value):
        return queryset.filter(returned_q(value))


def _method(registered):
    def method(queryset, name, value):
        return registered.apply(queryset, value)

    return method
