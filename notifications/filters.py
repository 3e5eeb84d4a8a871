"""The filters of the office's mail log (django-filter): kind, status, reference, recipient,
dates."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from . import kinds, selectors
from .models import OutboxMail

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SentMailFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=kinds.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=OutboxMail.Status.choices, label=_("Status"))
    reference = django_filters.CharFilter(
        field_name="reference", lookup_expr="icontains", label=_("Reference")
    )
    recipient = django_filters.CharFilter(method="by_recipient", label=_("Recipient"))
    since = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From"), widget=DATE
    )
    until = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Until"), widget=DATE
    )

    def by_recipient(self, queryset, name, value):
        return selectors.search_recipients(queryset, value)
