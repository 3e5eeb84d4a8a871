"""The report's charts: valid SVG, described in words, drawn to scale, escaped, and the include
that shows each chart with its table."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from reporting import charts
from reporting.report import JobsYear, Quarter
from tests.reporting.builders import empty_report, make_report, make_times

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal


def parse(chart):
    return ET.fromstring(str(chart))


def texts(root):
    """Every text drawn, in order (each tspan's text separately)."""
    found = []
    for node in root.iter(f"{SVG}text"):
        spans = node.findall(f"{SVG}tspan")
        found += [span.text for span in spans] if spans else [node.text]
    return found


def bars(root, key=None):
    wanted = {"bar", key} if key else {"bar"}
    return [
        node for node in root.iter(f"{SVG}rect") if wanted <= set((node.get("class") or "").split())
    ]


def title_and_desc(root):
    return root.find(f"{SVG}title").text, root.find(f"{SVG}desc").text


def en_charts(report=None):
    with translation.override("en"):
        return charts.render_all(report or make_report())


# ----- every chart ------------------------------------------------------------------------------


def test_render_all_names_the_four_charts():
    assert list(charts.render_all(make_report())) == ["quarters", "funnel", "days", "jobs"]


def test_every_chart_is_an_accessible_svg_image_that_scales():
    for name, chart in charts.render_all(make_report()).items():
        assert isinstance(chart, SafeString)
        root = parse(chart)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"chart-{name}-title chart-{name}-desc"
        assert root.find(f"{SVG}title").get("id") == f"chart-{name}-title"
        assert root.find(f"{SVG}desc").get("id") == f"chart-{name}-desc"
        assert root.get("viewBox").startswith("0 0 640 ")
        assert root.get("width") is None and root.get("height") is None
        # no inline style (the Content-Security-Policy forbids it), no script
        assert "style" not in str(chart)
        assert "<script" not in str(chart)


def test_empty_charts_still_parse_and_carry_title_and_desc():
    for name, chart in charts.render_all(empty_report()).items():
        root = parse(chart)
        assert root.get("aria-labelledby") == f"chart-{name}-title chart-{name}-desc"


def test_font_family_is_set_only_when_asked():
    assert parse(charts.render_all(make_report())["funnel"]).get("font-family") is None
    chart = charts.render_all(make_report(), font_family="Letter Sans")["funnel"]
    assert parse(chart).get("font-family") == "Letter Sans"


def test_empty_data_says_so_instead_of_empty_axes():
    with translation.override("en"):
        drawn = charts.render_all(empty_report())
    for chart in drawn.values():
        root = parse(chart)
        assert title_and_desc(root)[1] == "No data in this period"
        assert texts(root) == ["No data in this period"]
        assert bars(root) == []
        assert list(root.iter(f"{SVG}line")) == []


def test_empty_message_is_translated_marked():
    # German until the lead's translation: the marked string is used either way
    root = parse(charts.render_all(empty_report())["funnel"])
    assert texts(root) == [translation.gettext("No data in this period")]


# ----- ticks and bins -----------------------------------------------------------------------------


def test_nice_ticks_step_by_one_two_or_five_times_a_power_of_ten():
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(3) == [0, 1, 2, 3]
    assert charts.nice_ticks(1) == [0, 1]
    assert charts.nice_ticks(95) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(D("120000.00")) == [0, 50000, 100000, 150000]
    assert charts.nice_ticks(D("0.3"), whole=False) == [D("0"), D("0.1"), D("0.2"), D("0.3")]


def test_nice_ticks_of_nothing_is_zero_to_one():
    assert charts.nice_ticks(0) == [0, 1]


def test_histogram_takes_the_narrowest_bins_that_give_at_most_twelve():
    assert charts.histogram([]) == []
    assert charts.histogram([0, 29, 30]) == [
        charts.Bin(0, 6, 1),
        charts.Bin(7, 13, 0),
        charts.Bin(14, 20, 0),
        charts.Bin(21, 27, 0),
        charts.Bin(28, 34, 2),
    ]
    assert charts.histogram([12, 40, 45, 50, 95]) == [
        charts.Bin(0, 29, 1),
        charts.Bin(30, 59, 3),
        charts.Bin(60, 89, 0),
        charts.Bin(90, 119, 1),
    ]
    assert [b.end - b.start + 1 for b in charts.histogram([1, 700])] == [60] * 12
    assert charts.histogram([5000]) == [charts.Bin(i * 730, i * 730 + 729, 0) for i in range(6)] + [
        charts.Bin(4380, 5109, 1)
    ]


def test_bin_label_follows_the_locale():
    assert charts.Bin(1000, 1364, 2).label == "1.000–1.364"
    with translation.override("en"):
        assert charts.Bin(1000, 1364, 2).label == "1,000–1,364"


# ----- a: quarters ------------------------------------------------------------------------------


def test_quarters_desc_says_the_numbers_in_english():
    root = parse(en_charts()["quarters"])
    assert title_and_desc(root) == (
        "Approvals and amount granted per quarter",
        "Q1 2025: 3 approved, 120,000.00 €; Q2 2025: 0 approved, 0.00 €; "
        "Q3 2025: 1 approved, 200,000.00 €; Q4 2025: 0 approved, 0.00 €.",
    )


def test_quarters_desc_uses_german_number_format_by_default():
    desc = title_and_desc(parse(charts.render_all(make_report())["quarters"]))[1]
    assert desc.startswith("Q1 2025: 3 ")
    assert ", 120.000,00 €; Q2 2025: 0 " in desc
    assert desc.endswith(", 0,00 €.")


def test_quarters_draw_one_bar_per_quarter_in_each_panel_to_scale():
    root = parse(en_charts()["quarters"])
    approved, granted = bars(root, "approved"), bars(root, "granted")
    assert [b.get("height") for b in approved] == ["130", "0", "43.3", "0"]  # axis 0–3
    # axis 0–200.000 in steps of 50.000: 120.000 is 130 × 0.6
    assert [b.get("height") for b in granted] == ["78", "0", "130", "0"]


def test_quarters_axis_labels_and_ticks_follow_the_language():
    english = texts(parse(en_charts()["quarters"]))
    assert "Approvals" in english and "Amount granted (€)" in english
    assert "150,000" in english and "200,000" in english
    german = texts(parse(charts.render_all(make_report())["quarters"]))
    assert "150.000" in german and "200.000" in german


def test_quarter_labels_split_into_quarter_and_year_shown_once_per_year():
    assert texts(parse(en_charts()["quarters"]))[-5:] == ["Q1", "2025", "Q2", "Q3", "Q4"]


def test_labels_are_escaped():
    report = make_report(quarters=[Quarter("<script>alert(1)</script> 2025", 3, D("1.00"))])
    markup = str(en_charts(report)["quarters"])
    root = parse(markup)
    assert not any(node.tag.endswith("script") for node in root.iter())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert title_and_desc(root)[1] == "<script>alert(1)</script> 2025: 3 approved, 1.00 €."
    assert "<script>alert(1)</script>" in texts(root)


# ----- b: funnel --------------------------------------------------------------------------------


def test_funnel_desc_and_bars():
    root = parse(en_charts()["funnel"])
    assert title_and_desc(root) == (
        "From submission to approval",
        "Submitted: 7; Reviewed: 6; Decided: 5; Approved: 4.",
    )
    drawn = bars(root)
    assert [b.get("class") for b in drawn] == [
        "bar submitted",
        "bar reviewed",
        "bar decided",
        "bar approved",
    ]
    widths = [float(b.get("width")) for b in drawn]
    assert widths[0] / widths[3] == pytest.approx(7 / 4, abs=0.001)
    assert {"Submitted", "Reviewed", "Decided", "Approved", "7", "6", "5", "4"} <= set(texts(root))


def test_funnel_counts_in_german_format():
    report = make_report()
    report.funnel.submitted = 1234
    desc = title_and_desc(parse(charts.render_all(report)["funnel"]))[1]
    assert ": 1.234; " in desc


# ----- c: days to decision ----------------------------------------------------------------------


def test_days_desc_names_bins_and_median():
    root = parse(en_charts()["days"])
    assert title_and_desc(root) == (
        "Days from first submission to decision",
        "5 decided applications; 0–29 days: 1; 30–59 days: 3; 60–89 days: 0; "
        "90–119 days: 1; Median: 45 days.",
    )


def test_days_one_bar_per_bin_and_the_median_marked_where_it_lies():
    chart = en_charts()["days"]
    root = parse(chart)
    assert len(bars(root)) == len(chart.bins) == 4
    # the axis covers 0–120 days on x = 84 … 624: 4.5 per day; the median 45 lies at 286.5
    (marker,) = [n for n in root.iter(f"{SVG}line") if n.get("class") == "median"]
    assert (marker.get("x1"), marker.get("x2")) == ("286.5", "286.5")
    (label,) = [n for n in root.iter(f"{SVG}text") if n.get("class") == "median-label"]
    assert label.text == "Median: 45 days"
    assert label.get("text-anchor") == "start"
    assert [b.get("x") for b in bars(root)] == ["84", "219", "354", "489"]


def test_days_median_in_the_right_half_is_labelled_to_its_left():
    times = make_times(days_to_decision=[10, 100, 110], median_days_to_decision=D("100.0"))
    root = parse(en_charts(make_report(times=times))["days"])
    (label,) = [n for n in root.iter(f"{SVG}text") if n.get("class") == "median-label"]
    assert label.get("text-anchor") == "end"


def test_days_median_with_decimals_in_german_format():
    times = make_times(days_to_decision=[10, 20], median_days_to_decision=D("15.5"))
    root = parse(charts.render_all(make_report(times=times))["days"])
    (label,) = [n for n in root.iter(f"{SVG}text") if n.get("class") == "median-label"]
    assert " 15,5 " in label.text
    assert title_and_desc(root)[1].endswith(f"; {label.text}.")


def test_days_without_decisions_has_no_bins():
    chart = charts.render_all(empty_report())["days"]
    assert chart.bins == ()


# ----- d: jobs ----------------------------------------------------------------------------------


def test_jobs_stacked_per_year_with_a_legend_and_a_pattern():
    report = make_report(jobs_by_year=[JobsYear(2024, 2, 0), JobsYear(2025, 8, 4)])
    chart = en_charts(report)["jobs"]
    root = parse(chart)
    assert title_and_desc(root) == (
        "Jobs for the target group per year",
        "2024: 2 created, 0 secured; 2025: 8 created, 4 secured.",
    )
    created, secured = bars(root, "created"), bars(root, "secured")
    assert len(created) == len(secured) == 2
    assert {b.get("fill") for b in secured} == {"url(#chart-jobs-hatch)"}
    assert root.find(f"{SVG}defs/{SVG}pattern").get("id") == "chart-jobs-hatch"
    # the secured segment sits on top of the created one
    top_of_created = float(created[1].get("y"))
    assert float(secured[1].get("y")) + float(secured[1].get("height")) == pytest.approx(
        top_of_created, abs=0.1
    )
    swatches = [n for n in root.iter(f"{SVG}rect") if n.get("class") == "swatch"]
    assert [s.get("fill") for s in swatches] == ["#0b5a8c", "url(#chart-jobs-hatch)"]
    drawn = texts(root)
    assert drawn[:2] == ["Jobs created", "Jobs secured"]
    assert {"2024", "2025", "12", "8", "4"} <= set(drawn)  # years never grouped ("2.025")


def test_jobs_axis_title_in_the_active_language():
    assert "Jobs" in texts(parse(en_charts()["jobs"]))


# ----- the include ------------------------------------------------------------------------------


def test_include_shows_each_chart_in_a_figure_with_its_table():
    report = make_report()
    with translation.override("en"):
        html = render_to_string(
            "reporting/_charts.html", {"report": report, "charts": charts.render_all(report)}
        )
    assert html.count("<figure") == 4
    assert html.count("<figcaption>") == 4
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 4  # not escaped
    assert html.count("<table") == 4
    assert '<th scope="row">Q1 2025</th>' in html
    assert "120,000.00&nbsp;€" in html
    assert '<th scope="row">30–59</th><td class="num" data-label="Applications">3</td>' in html
    assert '<th scope="row">Median</th><td class="num" data-label="Days">45</td>' in html
    assert '<th scope="row">2025</th>' in html


def test_include_without_decisions_shows_no_days_table():
    report = empty_report()
    html = render_to_string(
        "reporting/_charts.html", {"report": report, "charts": charts.render_all(report)}
    )
    assert html.count("<table") == 3
