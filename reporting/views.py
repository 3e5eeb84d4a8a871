"""The reporting page and its exports: the coordination office and the board only (others: 403).

Views stay thin: the form reads the choice, ``figures.report`` computes, the charts, the exports
and the PDF only present the ``Report``.
"""

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import charts, exports, figures, pdf
from .forms import ReportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
# format in the URL → (what writes it, content type, file name ending)
DOWNLOADS = {
    "xlsx": (exports.xlsx, XLSX, "xlsx"),
    "rows.csv": (exports.csv_rows, CSV, "rows.csv"),
    "figures.csv": (exports.csv_figures, CSV, "figures.csv"),
    "pdf": (pdf.render, "application/pdf", "pdf"),
}


def _require(user):
    if not rules.has_perm("reporting.view_report", user):
        raise PermissionDenied(_("Only the coordination office and the board may open the report."))


def _report(request):
    """The form and, when it is valid, the report it asks for."""
    form = ReportForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, figures.report(form.cleaned_data["programme"], form.period())


@require_GET
@login_required
def report_page(request):
    _require(request.user)
    form, report = _report(request)
    if report is None:
        return render(request, "reporting/report.html", {"form": form}, status=400)
    context = {
        "form": form,
        "report": report,
        "charts": charts.render_all(report),
        "query": request.GET.urlencode(),
        "downloads": list(DOWNLOADS),
    }
    return render(request, "reporting/report.html", context)


@require_GET
@login_required
def report_download(request, fmt):
    _require(request.user)
    if fmt not in DOWNLOADS:
        raise Http404
    form, report = _report(request)
    if report is None:
        return render(request, "reporting/report.html", {"form": form}, status=400)
    write, content_type, ending = DOWNLOADS[fmt]
    body = write(report)
    name = slugify(f"{_('Report')} {report.programme} {report.period.label}")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{ending}"'
    return response
