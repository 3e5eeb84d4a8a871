"""The coordination office's pages: the access log, the records due for deletion, the export.

Coordinators only (others: 403); for an organisation a coordinator is a member of: 403 too
(separation of duties). Views stay thin: selectors read, services act.
"""

import tempfile

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applications import selectors as application_selectors
from funding.models import Organization

from . import selectors, services
from .filters import AccessLogFilter
from .forms import ConfirmDeletionForm

PAGE_SIZE = 50


def _require(permission, user, obj=None):
    if not rules.has_perm(permission, user, obj):
        raise PermissionDenied(_("Only the coordination office may open this page."))


def _page(request, rows):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_organization_names(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@login_required
def access_log(request):
    _require("records.read_access_log", request.user)
    filterset = AccessLogFilter(request.GET or None, selectors.access_log(request.user))
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page, query = _page(request, rows)
    context = {"filter": filterset, "page": page, "query": query}
    status = 400 if filterset.is_bound and not filterset.is_valid() else 200
    return render(request, "records/access_log.html", context, status=status)


@login_required
def application_access_log(request, pk):
    _require("records.read_access_log", request.user)
    application = application_selectors.get_visible_application(request.user, pk)
    if not rules.has_perm("records.read_access_log", request.user, application):
        raise PermissionDenied(_("You may not read the access log of your own organisation."))
    page, query = _page(request, selectors.application_access_log(application))
    context = {"application": application, "page": page, "query": query}
    return render(request, "records/application_access_log.html", context)


@login_required
def retention(request):
    _require("records.manage_retention", request.user)
    return _render_retention(request, ConfirmDeletionForm())


def _render_retention(request, form, status=200):
    candidates = selectors.pending_candidates(request.user)
    page = Paginator(candidates, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "query": ""}
    return render(request, "records/retention.html", context, status=status)


@login_required
@require_POST
def confirm_deletion(request):
    user = request.user
    _require("records.manage_retention", user)
    ids = selectors.pending_candidates(user).values_list("pk", flat=True)
    form = ConfirmDeletionForm(request.POST, candidate_ids=list(ids))
    if not form.is_valid():
        return _render_retention(request, form, status=400)
    done = services.confirm_deletion(user, form.chosen())
    messages.success(
        request,
        _("Deleted: the records of %(applications)s application(s), %(letters)s letter(s).") % done,
    )
    return redirect("records-retention")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def export_organization(request, pk):
    user = request.user
    _require("records.export_organization", user)
    organization = get_object_or_404(Organization, pk=pk)
    if not rules.has_perm("records.export_organization", user, organization):
        raise PermissionDenied(_("You may not export the data of your own organisation."))
    if request.method != "POST":
        return render(request, "records/export.html", {"organization": organization})
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    services.export_organization(user, organization, archive)
    archive.seek(0)
    day = timezone.localdate().isoformat()
    return FileResponse(
        archive,
        as_attachment=True,
        filename=get_valid_filename(f"Auskunft-{organization.name}-{day}.zip"),
        content_type="application/zip",
    )
