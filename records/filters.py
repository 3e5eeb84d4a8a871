"""The access log's filters (django-filter): reference, organisation, user, action, dates."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from funding.models import AccessLog

from . import selectors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccessLogFilter(django_filters.FilterSet):
    reference = django_filters.CharFilter(
        field_name="reference", lookup_expr="icontains", label=_("Reference")
    )
    organization = django_filters.CharFilter(method="by_organization", label=_("Organisation"))
    user = django_filters.CharFilter(method="by_user", label=_("User"))
    action = django_filters.ChoiceFilter(choices=AccessLog.Action.choices, label=_("Action"))
    since = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("From"), widget=DATE
    )
    until = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("Until"), widget=DATE
    )

    def by_organization(self, queryset, name, value):
        return selectors.search_organizations(queryset, value)

    def by_user(self, queryset, name, value):
        return selectors.search_users(queryset, value)
