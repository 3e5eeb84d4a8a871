"""The report's choice: programme, period (calendar year, quarter, or from–to) and basis."""

import datetime

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.forms import DateInput
from funding.models import Programme

from . import figures
from .exports import BASIS_LABELS
from .report import Basis, Period

YEAR, QUARTER, RANGE = "year", "quarter", "range"
FIRST_YEAR = 2000
# A from–to period spans at most this many days (the charts draw one bar per quarter).
MAX_RANGE_DAYS = 366 * 10


class ReportForm(forms.Form):
    programme = forms.TypedChoiceField(label=_("Programme"), coerce=int, choices=[])
    kind = forms.ChoiceField(
        label=_("Period"),
        choices=((YEAR, _("calendar year")), (QUARTER, _("quarter")), (RANGE, _("from – to"))),
        initial=YEAR,
    )
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=9998)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[],
        required=False,
    )
    start = forms.DateField(label=_("From"), widget=DateInput(), required=False)
    end = forms.DateField(label=_("To"), widget=DateInput(), required=False)
    basis = forms.ChoiceField(
        label=_("Count by"),
        choices=list(BASIS_LABELS.items()),
        initial=Basis.SUBMITTED,
        widget=forms.RadioSelect,
    )

    def __init__(self, query, **kwargs):
        """Always bound to the query string: what it leaves out takes the defaults (the current
        year, by first submission, the first programme)."""
        today = timezone.localdate()
        data = {
            "kind": YEAR,
            "year": today.year,
            "quarter": (today.month - 1) // 3 + 1,
            "basis": Basis.SUBMITTED,
            **{key: value for key, value in query.items() if value != ""},
        }
        # One query: the dropdown, the default and the chosen programme (with its budget and
        # ceiling, which the figures read) come from the same rows.
        self.programmes = {programme.pk: programme for programme in Programme.objects.all()}
        if "programme" not in data and self.programmes:
            data["programme"] = next(iter(self.programmes))
        super().__init__(data, **kwargs)
        self.fields["programme"].choices = [
            (pk, programme.name) for pk, programme in self.programmes.items()
        ]
        self.fields["quarter"].choices = [(q, _quarter_name(q)) for q in (1, 2, 3, 4)]

    def clean_programme(self):
        return self.programmes[self.cleaned_data["programme"]]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == QUARTER and not data.get("quarter"):
            self.add_error("quarter", _("Please choose a quarter."))
        if kind == RANGE:
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Please enter the first day."))
            if not end:
                self.add_error("end", _("Please enter the last day."))
            if start and end and end < start:
                self.add_error("end", _("The last day lies before the first."))
            elif start and end and (end - start).days > MAX_RANGE_DAYS:
                self.add_error("end", _("A period may span at most ten years."))
        return data

    def period(self):
        """The chosen ``Period`` (the form must be valid)."""
        data = self.cleaned_data
        kind, year, basis = data["kind"], data["year"], data["basis"]
        if kind == YEAR:
            start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
            label = str(year)
        elif kind == QUARTER:
            quarter = data["quarter"]
            start = datetime.date(year, 3 * quarter - 2, 1)
            next_start = datetime.date(year + quarter // 4, 3 * quarter % 12 + 1, 1)
            end = next_start - datetime.timedelta(days=1)
            label = figures.quarter_label(year, quarter)
        else:
            start, end = data["start"], data["end"]
            label = f"{formats.date_format(start, 'SHORT_DATE_FORMAT')}–" + formats.date_format(
                end, "SHORT_DATE_FORMAT"
            )
        return Period(start=start, end=end, basis=basis, label=label)


def _quarter_name(quarter):
    return gettext("Q%(quarter)d") % {"quarter": quarter}
