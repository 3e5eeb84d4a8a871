"""The list filters (django-filter): state, programme, and a search (reference, title, company)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from funding.models import Programme

from . import selectors
from .models import State


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.ChoiceFilter(choices=State.choices, label=_("State"))
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.all(), label=_("Programme")
    )

    def search(self, queryset, name, value):
        return selectors.search(queryset, value)
