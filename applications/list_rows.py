"""The application list's rows as HTML, built in Python: the list page's hot path.

A template resolves every variable, filter and ``{% url %}`` of every cell of every row, which
cost about a millisecond per row; here what is the same on every row (labels, the state names,
the link's pattern, the date format) is worked out once per page, and each row is one
``str.format`` of escaped values. The HTML is what the template wrote before
(``templates/applications/list.html`` keeps the header).
"""

import datetime
from html import escape

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from funding.templatetags.numbers import money

from .models import State

ROW = (
    '<tr><td data-label="{l_reference}">'
    '<a href="{link_before}{url}{link_after}">{reference}</a></td>'
    '<td data-label="{l_title}">{title}</td>'
    '<td data-label="{l_company}">{company}</td>'
    '<td data-label="{l_programme}">{programme}</td>'
    '<td data-label="{l_state}"><span class="badge state-{state}">{state_label}</span></td>'
    '<td data-label="{l_submitted}">{submitted}</td>'
    '<td data-label="{l_deadline}">{deadline}</td>'
    '<td data-label="{l_amount}" class="num">{amount}</td>'
    '<td data-label="{l_changed}">{changed}</td></tr>'
)
_PLACEHOLDER = 2_147_483_647


def labels():
    """The column names in the reader's language (the header and each cell's ``data-label``)."""
    return {
        "l_reference": _("Reference"),
        "l_title": _("Title"),
        "l_company": _("Company"),
        "l_programme": _("Programme"),
        "l_state": _("State"),
        "l_submitted": capfirst(_("last submitted")),
        "l_deadline": _("Deadline"),
        "l_amount": _("Requested"),
        "l_changed": _("Last change"),
    }


def _row_format():
    """``ROW`` with what is the same on every row filled in (escaped, braces doubled): the
    labels and the link around the application's id."""
    before, after = reverse("application-detail", args=[_PLACEHOLDER]).split(str(_PLACEHOLDER))
    fixed = {**labels(), "link_before": before, "link_after": after}
    fixed = {
        name: escape(text).replace("{", "{{").replace("}", "}}") for name, text in fixed.items()
    }
    fields = ("url", "reference", "title", "company", "programme", "state", "state_label")
    fields += ("submitted", "deadline", "amount", "changed")
    return ROW.format(**fixed, **{name: f"{{{name}}}" for name in fields})


class _Days(dict):
    """Dates (or moments, in the reader's time zone) as the locale writes them short, each
    worked out once per page."""

    def __missing__(self, value):
        day = timezone.localtime(value).date() if isinstance(value, datetime.datetime) else value
        self[value] = text = formats.date_format(day, "SHORT_DATE_FORMAT")
        return text

    def of(self, value):
        return "" if value is None else self[value]


def render(applications):
    """[safe HTML of one ``<tr>``] per row of ``selectors.list_page`` (``ListRow``).
    Every value is escaped here (``html.escape``); the money is the ``money`` filter's."""
    row = _row_format()
    states = {value: escape(str(label)) for value, label in State.choices}
    days = _Days()
    draft = escape(_("Draft"))
    return [
        # Every value below is escaped (html.escape) or safe already (the money filter's).
        mark_safe(  # nosec B308 B703
            row.format(
                url=a.pk,
                reference=escape(a.reference) if a.reference else draft,
                title=escape(a.title),
                company=escape(a.company),
                programme=escape(a.programme_name),
                state=escape(a.state),
                state_label=states.get(a.state) or escape(a.state),
                submitted=days.of(a.last_submitted_at),
                deadline=days.of(a.deadline),
                amount=money(a.requested_amount) if a.requested_amount is not None else "",
                changed=days.of(a.updated_at),
            )
        )
        for a in applications
    ]
