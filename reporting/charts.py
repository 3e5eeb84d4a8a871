"""The report's charts as SVG, drawn on the server: no JavaScript, nothing from elsewhere.

Each chart is an ``<svg role="img">`` whose ``<title>`` names it and whose ``<desc>`` says its
numbers in words, in the reader's language and number format; the page (and the PDF) shows the
same numbers in a table beside it (``templates/reporting/_charts.html``). Sizes are a
``viewBox`` only, so a chart scales to its box. Series are told apart by colour *and* pattern
(with a legend), and bars carry their value where it fits. Only presentation attributes, no
``style``: the Content-Security-Policy allows no inline style.

Every text is escaped here; the markup is marked safe because it is built here and nowhere
else. The charts compute nothing but their layout and the bins of the histogram: the figures
come from the ``Report`` (``reporting.report``).
"""

import dataclasses
import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from funding.numbers import format_decimal, format_money

WIDTH = 640
FONT_SIZE = 13
SMALL = 11
INK = "#1d2430"
MUTED = "#5a6472"
GRID = "#d5dae1"
PRIMARY = "#0b5a8c"  # 7.2:1 on white
SECONDARY = "#9a5b00"  # 5.6:1 on white; drawn hatched
MARKER = "#a1261c"  # 6.9:1 on white
LEFT, RIGHT = 84, 16  # room for the value axis' labels
BIN_WIDTHS = (7, 30, 60, 90, 180, 365)  # days; the smallest that gives at most MAX_BINS
MAX_BINS = 12
SVG_NS = "http://www.w3.org/2000/svg"


class Chart(SafeString):
    """An SVG chart's markup (safe: built and escaped here). The histogram also carries its
    ``bins`` for the table beside it."""

    bins = ()


@dataclasses.dataclass(frozen=True)
class Bin:
    start: int  # days, inclusive
    end: int  # days, inclusive
    count: int

    @property
    def label(self):
        """ "30–59" in the reader's number format."""
        return f"{count_text(self.start)}–{count_text(self.end)}"


def render_all(report, *, font_family=None):
    """Every chart of ``report``: ``{"quarters", "funnel", "days", "jobs"}`` → ``Chart``.

    ``font_family``: the charts' font (the PDF names its own); by default the page's.
    """
    return {
        "quarters": quarters_chart(report.quarters, font_family=font_family),
        "funnel": funnel_chart(report.funnel, font_family=font_family),
        "days": days_chart(report.times, font_family=font_family),
        "jobs": jobs_chart(report.jobs_by_year, font_family=font_family),
    }


# ----- numbers --------------------------------------------------------------------------------


def count_text(value):
    """A count in the reader's format: "1.234" (German), "1,234" (English)."""
    return format_decimal(value, 0)


def money_text(value):
    """An amount with cents: "120.000,00 €"."""
    return format_money(value)


def nice_ticks(maximum, count=5, *, whole=True):
    """Axis ticks from 0 past ``maximum`` in steps of 1, 2 or 5 × 10ⁿ, about ``count`` steps;
    whole numbers only when ``whole`` (counts). [0, 1] when there is nothing to show."""
    maximum = Decimal(maximum)
    if maximum <= 0:
        return [Decimal(0), Decimal(1)]
    raw = maximum / count
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if whole and step < 1:
        step = Decimal(1)
    steps = math.ceil(maximum / step)
    return [step * i for i in range(steps + 1)]


def histogram(days):
    """``days`` (whole days) in bins of equal width starting at 0: 7, 30, 60, 90, 180 or 365
    days, the narrowest that needs at most 12 bins (wider ones past 12 years)."""
    if not days:
        return []
    longest = max(days)
    width = next((w for w in BIN_WIDTHS if longest // w + 1 <= MAX_BINS), None)
    if width is None:
        width = 365 * math.ceil((longest + 1) / (365 * MAX_BINS))
    counts = [0] * (longest // width + 1)
    for day in days:
        counts[day // width] += 1
    return [Bin(i * width, (i + 1) * width - 1, n) for i, n in enumerate(counts)]


# ----- drawing --------------------------------------------------------------------------------


def _number(value):
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attributes(attributes):
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        name = name.rstrip("_").replace("_", "-")
        shown = _number(value) if isinstance(value, int | float | Decimal) else str(value)
        parts.append(f' {name}="{escape(shown)}"')
    return "".join(parts)


def _text_width(text, size=FONT_SIZE):
    """A generous estimate of a text's width (to decide whether a label fits)."""
    return len(text) * size * 0.6


class Canvas:
    """An SVG document being drawn: elements are appended in order."""

    def __init__(self, name, height, title, desc, font_family=None):
        self.name, self.height = name, height
        self.title, self.desc = title, desc
        self.font_family = font_family
        self.defs = []
        self.parts = []

    def id(self, suffix):
        return f"chart-{self.name}-{suffix}"

    def element(self, tag, content=None, **attributes):
        if content is None:
            self.parts.append(f"<{tag}{_attributes(attributes)}/>")
        else:
            self.parts.append(f"<{tag}{_attributes(attributes)}>{escape(content)}</{tag}>")

    def rect(self, x, y, width, height, **attributes):
        self.element("rect", x=x, y=y, width=max(width, 0), height=max(height, 0), **attributes)

    def line(self, x1, y1, x2, y2, **attributes):
        self.element("line", x1=x1, y1=y1, x2=x2, y2=y2, **attributes)

    def text(self, x, y, content, **attributes):
        attributes.setdefault("fill", INK)
        self.element("text", content, x=x, y=y, **attributes)

    def lines(self, x, y, contents, **attributes):
        """A text of several lines (one ``tspan`` each), the first on ``y``."""
        attributes.setdefault("fill", INK)
        spans = "".join(
            f'<tspan x="{_number(x)}" dy="{"0" if i == 0 else "1.2em"}">{escape(line)}</tspan>'
            for i, line in enumerate(contents)
        )
        self.parts.append(f"<text{_attributes({'x': x, 'y': y, **attributes})}>{spans}</text>")

    def hatch(self, colour):
        """A diagonal hatching of ``colour`` on white (the second series); its fill URL."""
        pattern_id = self.id("hatch")
        self.defs.append(
            f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="6" height="6" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
            f'<rect width="3" height="6" fill="{colour}"/></pattern>'
        )
        return f"url(#{pattern_id})"

    def markup(self):
        title_id, desc_id = self.id("title"), self.id("desc")
        root = _attributes(
            {
                "xmlns": SVG_NS,
                "class": f"chart chart-{self.name}",
                "viewBox": f"0 0 {WIDTH} {_number(self.height)}",
                "role": "img",
                "aria-labelledby": f"{title_id} {desc_id}",
                "font-size": FONT_SIZE,
                "font-family": self.font_family,
            }
        )
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return Chart(
            f"<svg{root}>"
            f'<title id="{title_id}">{escape(self.title)}</title>'
            f'<desc id="{desc_id}">{escape(self.desc)}</desc>'
            f"{defs}{''.join(self.parts)}</svg>"
        )


def _empty(name, title, font_family):
    """A chart with nothing to draw says so instead of showing empty axes."""
    message = _("No data in this period")
    canvas = Canvas(name, 80, title, message, font_family)
    canvas.text(WIDTH / 2, 45, message, text_anchor="middle", fill=MUTED, class_="empty")
    return canvas.markup()


@dataclasses.dataclass
class Series:
    key: str  # the bars' class
    label: str
    values: list  # one per category
    fill: str
    stroke: str
    value_text: object = count_text  # the direct label of a bar


def _value_axis(canvas, top, height, ticks, left, right, tick_text, axis_title):
    """Horizontal grid lines with their tick labels, and the axis' title above them."""
    bottom = top + height
    for tick in ticks:
        y = bottom - height * float(tick / ticks[-1])
        canvas.line(left, y, right, y, stroke=GRID if tick else MUTED, stroke_width=1)
        canvas.text(left - 6, y + 4, tick_text(tick), text_anchor="end", font_size=SMALL)
    canvas.text(8, top - 14, axis_title, font_size=SMALL, fill=MUTED)


def _bar_panel(canvas, top, height, categories, series, axis_title, tick_text, ticks=None):
    """Vertical bars, one per category, the series stacked; value labels where they fit;
    category labels (split at their first space into two lines) under the bars."""
    left, right = LEFT, WIDTH - RIGHT
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    ticks = ticks or nice_ticks(max(totals), whole=all(isinstance(t, int) for t in totals))
    _value_axis(canvas, top, height, ticks, left, right, tick_text, axis_title)
    bottom, scale = top + height, height / float(ticks[-1])
    slot = (right - left) / max(len(categories), 1)
    bar = min(slot * 0.6, 64)
    for i in range(len(categories)):
        x = left + slot * i + (slot - bar) / 2
        y = bottom
        for s in series:
            value = s.values[i]
            size = float(value) * scale
            y -= size
            canvas.rect(x, y, bar, size, fill=s.fill, stroke=s.stroke, class_=f"bar {s.key}")
            label = s.value_text(value)
            if len(series) > 1 and value and size >= 16 and _text_width(label, SMALL) <= bar:
                _segment_label(
                    canvas, x + bar / 2, y + size / 2, label, on_primary=s.fill == PRIMARY
                )
        total = series[0].value_text(totals[i]) if len(series) == 1 else count_text(totals[i])
        if _text_width(total, SMALL) <= slot - 4:
            canvas.text(x + bar / 2, y - 5, total, text_anchor="middle", font_size=SMALL)
    _category_labels(canvas, categories, left, slot, bottom + 16)


def _category_labels(canvas, categories, left, slot, y):
    """The categories under their bars, split at the first space into two lines ("Q1" over
    "2025"). Where they do not fit, only every k-th first line shows; a second line shows only
    where it changes (the year under each year's first quarter)."""
    parts = [category.split(" ", 1) for category in categories]
    widest = max((_text_width(p[0], SMALL) for p in parts), default=0)
    every = max(1, math.ceil((widest + 4) / slot))
    previous = None
    for i, (first, *rest) in enumerate(parts):
        lines = [first if i % every == 0 else ""]
        if rest and rest[0] != previous:
            lines.append(rest[0])
        previous = rest[0] if rest else None
        if any(lines):
            centre = left + slot * (i + 0.5)
            canvas.lines(centre, y, lines, text_anchor="middle", font_size=SMALL)


def _segment_label(canvas, x, middle, label, *, on_primary):
    """A value inside a stacked bar's segment: white on the solid colour, dark on a white box
    over the hatching."""
    if on_primary:
        canvas.text(x, middle + 4, label, text_anchor="middle", font_size=SMALL, fill="#ffffff")
        return
    width = _text_width(label, SMALL) + 8
    canvas.rect(x - width / 2, middle - 8, width, 16, fill="#ffffff", rx=2)
    canvas.text(x, middle + 4, label, text_anchor="middle", font_size=SMALL)


def _legend(canvas, y, series):
    x = LEFT
    for s in series:
        canvas.rect(x, y - 10, 14, 14, fill=s.fill, stroke=s.stroke, class_="swatch")
        canvas.text(x + 20, y + 2, s.label)
        x += 20 + _text_width(s.label) + 24


# ----- the charts -----------------------------------------------------------------------------


def quarters_chart(quarters, *, font_family=None):
    """Approvals and the amount granted per quarter: two bar charts, one above the other, each
    on its own scale."""
    title = _("Approvals and amount granted per quarter")
    if not any(q.approved or q.granted for q in quarters):
        return _empty("quarters", title, font_family)
    desc = "; ".join(
        _("%(quarter)s: %(approved)s approved, %(granted)s")
        % {
            "quarter": q.label,
            "approved": count_text(q.approved),
            "granted": money_text(q.granted),
        }
        for q in quarters
    )
    canvas = Canvas("quarters", 440, title, f"{desc}.", font_family)
    labels = [q.label for q in quarters]
    approved = Series("approved", _("Approvals"), [q.approved for q in quarters], PRIMARY, PRIMARY)
    granted = Series(
        "granted",
        _("Amount granted (€)"),
        [q.granted for q in quarters],
        PRIMARY,
        PRIMARY,
        value_text=lambda amount: format_decimal(amount, 0),
    )
    _bar_panel(canvas, 40, 130, labels, [approved], approved.label, count_text)
    _bar_panel(canvas, 260, 130, labels, [granted], granted.label, format_decimal)
    return canvas.markup()


def funnel_stages(funnel):
    """``(key, label, count)`` of each step from submission to approval."""
    return [
        ("submitted", _("Submitted"), funnel.submitted),
        ("reviewed", _("Reviewed"), funnel.reviewed),
        ("decided", _("Decided"), funnel.decided),
        ("approved", _("Approved"), funnel.approved),
    ]


def funnel_chart(funnel, *, font_family=None):
    """Submitted → reviewed → decided → approved: one horizontal bar each, with its count."""
    title = _("From submission to approval")
    stages = funnel_stages(funnel)
    if not any(count for _key, _label, count in stages):
        return _empty("funnel", title, font_family)
    desc = "; ".join(
        _("%(stage)s: %(count)s") % {"stage": label, "count": count_text(count)}
        for _key, label, count in stages
    )
    row, top = 40, 16
    canvas = Canvas("funnel", top + row * len(stages) + 40, title, f"{desc}.", font_family)
    left = max(_text_width(label) for _key, label, _count in stages) + 16
    right = WIDTH - RIGHT - 56  # room for the largest count beside its bar
    ticks = nice_ticks(max(count for _key, _label, count in stages))
    scale = (right - left) / float(ticks[-1])
    bottom = top + row * len(stages)
    for tick in ticks:
        x = left + float(tick) * scale
        canvas.line(x, top, x, bottom, stroke=GRID if tick else MUTED, stroke_width=1)
        canvas.text(x, bottom + 16, count_text(tick), text_anchor="middle", font_size=SMALL)
    canvas.text(left, bottom + 34, _("Applications"), font_size=SMALL, fill=MUTED)
    for i, (key, label, count) in enumerate(stages):
        y = top + row * i + 8
        size = float(count) * scale
        canvas.text(left - 8, y + 17, label, text_anchor="end")
        canvas.rect(left, y, size, 24, fill=PRIMARY, class_=f"bar {key}")
        canvas.text(left + size + 6, y + 17, count_text(count), font_weight="bold")
    return canvas.markup()


def days_chart(times, *, font_family=None):
    """How many days from the first submission to the decision: a histogram, the median
    marked."""
    title = _("Days from first submission to decision")
    bins = histogram(times.days_to_decision)
    if not bins:
        return _empty("days", title, font_family)
    parts = [
        ngettext(
            "%(count)s decided application",
            "%(count)s decided applications",
            len(times.days_to_decision),
        )
        % {"count": count_text(len(times.days_to_decision))}
    ]
    parts += [
        _("%(start)s–%(end)s days: %(count)s")
        % {"start": count_text(b.start), "end": count_text(b.end), "count": count_text(b.count)}
        for b in bins
    ]
    median = times.median_days_to_decision
    median_label = None
    if median is not None:
        median_label = _("Median: %(days)s days") % {"days": format_decimal(median)}
        parts.append(median_label)
    canvas = Canvas("days", 290, title, "; ".join(parts) + ".", font_family)
    top, height = 66, 160
    left, right = LEFT, WIDTH - RIGHT
    ticks = nice_ticks(max(b.count for b in bins))
    _value_axis(canvas, top, height, ticks, left, right, count_text, _("Applications"))
    bottom, scale = top + height, height / float(ticks[-1])
    span = bins[-1].end + 1  # the days the axis covers
    per_day = (right - left) / span
    edge_every = math.ceil(len(bins) / 8)  # at most about eight edge labels
    for i, b in enumerate(bins):
        x, width = left + b.start * per_day, (b.end + 1 - b.start) * per_day
        size = b.count * scale
        canvas.rect(x, bottom - size, width, size, fill=PRIMARY, stroke="#ffffff", class_="bar")
        if i % edge_every == 0:
            canvas.text(x, bottom + 16, count_text(b.start), text_anchor="middle", font_size=SMALL)
    canvas.text(right, bottom + 16, count_text(span), text_anchor="middle", font_size=SMALL)
    canvas.text(right, bottom + 36, _("Days"), text_anchor="end", font_size=SMALL, fill=MUTED)
    if median is not None:  # a dashed line from above the plot to its base, labelled on top
        x = left + float(median) * per_day
        canvas.line(
            x, top - 26, x, bottom, stroke=MARKER, stroke_width=2, stroke_dasharray="6 3",
            class_="median",
        )  # fmt: skip
        anchor = "start" if x <= (left + right) / 2 else "end"
        canvas.text(
            x + (4 if anchor == "start" else -4), top - 30, median_label, text_anchor=anchor,
            fill=MARKER, font_weight="bold", class_="median-label",
        )  # fmt: skip
    for b in bins:  # the counts last, each on a white box, so that the marker never hides one
        label, width = count_text(b.count), (b.end + 1 - b.start) * per_day
        if b.count and _text_width(label, SMALL) <= width:
            centre, y = left + (b.start + width / per_day / 2) * per_day, bottom - b.count * scale
            box = _text_width(label, SMALL) + 4
            canvas.rect(centre - box / 2, y - 18, box, 15, fill="#ffffff")
            canvas.text(centre, y - 6, label, text_anchor="middle", font_size=SMALL)
    chart = canvas.markup()
    chart.bins = bins
    return chart


def jobs_chart(jobs_by_year, *, font_family=None):
    """Jobs for the target group per year: created and secured, stacked, with a legend."""
    title = _("Jobs for the target group per year")
    if not any(j.jobs_new or j.jobs_secured for j in jobs_by_year):
        return _empty("jobs", title, font_family)
    desc = "; ".join(
        _("%(year)s: %(created)s created, %(secured)s secured")
        % {
            "year": j.year,
            "created": count_text(j.jobs_new),
            "secured": count_text(j.jobs_secured),
        }
        for j in jobs_by_year
    )
    canvas = Canvas("jobs", 280, title, f"{desc}.", font_family)
    created = Series(
        "created", _("Jobs created"), [j.jobs_new for j in jobs_by_year], PRIMARY, PRIMARY
    )
    secured = Series(
        "secured",
        _("Jobs secured"),
        [j.jobs_secured for j in jobs_by_year],
        canvas.hatch(SECONDARY),
        SECONDARY,
    )
    _legend(canvas, 20, [created, secured])
    labels = [str(j.year) for j in jobs_by_year]
    _bar_panel(canvas, 76, 150, labels, [created, secured], _("Jobs"), count_text)
    return canvas.markup()
