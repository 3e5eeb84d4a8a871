"""Pages of the application: list, detail, the applicant's sections and actions.

Views stay thin: they read through selectors, ask the registered permissions and act through
services; a refusal is answered as docs/design.md "HTTP answers" says (``funding.web.attempt``
re-renders a form with what the user typed; ``funding.middleware`` renders the rest).
"""

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from funding import keyset
from funding.audit import Action, log_access
from funding.errors import StateConflict
from funding.web import attempt

from . import (
    checks,
    export,
    extensions,
    forms,
    list_rows,
    presenters,
    progress,
    selectors,
    services,
)
from .filters import ApplicationFilter
from .models import Document

# Where a user without the list page finds their work instead (first that applies).
ELSEWHERE = (("decisions.use_board_pages", "board-queue"), ("reviews.list", "review-list"))


@login_required
def application_list(request):
    user = request.user
    if not rules.has_perm("applications.list", user):
        for permission, url_name in ELSEWHERE:
            if rules.has_perm(permission, user):
                return redirect(url_name)
        raise PermissionDenied
    filterset, page = selectors.list_page(user, request.GET)
    sort, _key, _descending = selectors.list_sort(request.GET.get("sort"))
    query = request.GET.copy()
    for name in keyset.PARAMETERS:
        query.pop(name, None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": list_rows.render(page),
        "labels": list_rows.labels(),
        "query": query.urlencode(),
        "columns": _sort_links(query, sort),
        "sort": "" if sort == selectors.DEFAULT_SORT else sort,  # kept when filtering
    }
    return render(request, "applications/list.html", context)


def _list_rows(request):
    """The list's filter and its rows, filtered and sorted as ``request.GET`` asks (an invalid
    filter shows every row, an unknown sort the default order): the page's and the export's."""
    filterset = ApplicationFilter(
        request.GET or None, selectors.application_list(request.user), request=request
    )
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    sort, _key, _descending = selectors.list_sort(request.GET.get("sort"))
    return filterset, selectors.sorted_by(rows, sort), sort


def _sort_links(query, sort):
    """{key: {"url", "sort"}} per sortable column: the link sorts by it (in its first direction,
    or the other way when it is the current order); ``sort`` is its aria-sort, or None."""
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    links = {}
    for key, first in selectors.LIST_SORTS.items():
        if key == current:
            state = selectors.DESCENDING if descending else selectors.ASCENDING
            wanted = key if descending else f"-{key}"
        else:
            state = None
            wanted = f"-{key}" if first == selectors.DESCENDING else key
        target = query.copy()
        target["sort"] = wanted
        links[key] = {"url": f"?{target.urlencode()}", "sort": state}
    return links


@login_required
def application_export(request, file_format):
    """The list as it is filtered and sorted, every page, as CSV or XLSX (``export``); for the
    list's readers only, each row through the list's selector."""
    if not rules.has_perm("applications.list", request.user):
        raise PermissionDenied
    _filterset, rows, _sort = _list_rows(request)
    if file_format == "xlsx":
        return export.xlsx_response(rows, request.LANGUAGE_CODE)
    return export.csv_response(rows, request.LANGUAGE_CODE)


@login_required
def application_new(request):
    if not rules.has_perm("applications.create", request.user):
        raise PermissionDenied
    form = forms.NewApplicationForm(_posted(request), user=request.user)
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 422
        else:
            data = form.cleaned_data
            application, refused = attempt(
                lambda: services.create_application(request.user, **data), form
            )
            if refused is None:
                messages.success(request, _("The draft has been created."))
                return redirect("application-detail", pk=application.pk)
            status = refused.status
    return render(request, "applications/new.html", {"form": form}, status=status)


def _detail_context(user, application, request=None):
    """What the page shows; what the user may do is asked in the template (``has_perm``)."""
    full = rules.has_perm("applications.read", user, application)
    actions, parts = extensions.detail_contributions(user, application)
    return {
        "application": application,
        "full": full,
        "sections": forms.SECTIONS,
        "history": selectors.readable_history(user, application) if full else [],
        "documents": selectors.documents(application) if full else [],
        "versions": selectors.versions(application) if full else [],
        "flags": checks.flags(application)
        if rules.has_perm("applications.read_flags", user, application)
        else [],
        "extra_actions": actions,
        **progress.detail_context(user, application, parts, request),
    }


@login_required
def application_detail(request, pk):
    application = selectors.get_visible_application(request.user, pk)
    log_access(request.user, Action.VIEW, application=application)
    context = _detail_context(request.user, application, request)
    return render(request, "applications/detail.html", context)


def _own_editable(request, pk):
    """The company's own application (others: 404 or 403); its state is checked later."""
    application = selectors.get_visible_application(request.user, pk)
    if not rules.has_perm("applications.act_for", request.user, application):
        raise PermissionDenied
    return application


@login_required
def section_edit(request, pk, section):
    if section not in forms.SECTIONS:
        raise Http404
    application = _own_editable(request, pk)
    if not application.is_editable:
        raise StateConflict(_("The application can no longer be edited."))
    form_class = forms.section_form(section)
    form = form_class(_posted(request), instance=application)
    status = 200
    if request.method == "POST":
        version = _int(request.POST.get("version"))
        if form.is_valid():
            data = form.cleaned_data
            _saved, refused = attempt(
                lambda: services.update_application(request.user, application, data, version),
                form,
            )
            if refused is not None:
                status = refused.status
            else:
                messages.success(request, _("Saved."))
                if request.GET.get("check"):
                    return redirect("application-submit", pk=pk)
                return redirect(reverse("application-detail", args=[pk]) + f"#{section}")
        else:
            status = 400
    if request.GET.get("check"):
        _attach_rule_notes(form, _pending(application))
    shares = presenters.shares(form, application)
    for name, share in shares.items():
        form.fields[name].share = share
    context = {
        "application": application,
        "form": form,
        "section": section,
        "section_label": forms.SECTIONS[section][0],
        "version": request.POST.get("version", application.version),
        "shares": shares,
    }
    return render(request, "applications/section_form.html", context, status=status)


def _posted(request):
    """The submitted data, or None for a GET (an empty POST is still a POST)."""
    return request.POST if request.method == "POST" else None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@login_required
def company_edit(request, pk):
    application = _own_editable(request, pk)
    if not application.is_editable:
        raise StateConflict(_("The application can no longer be edited."))
    organization = application.organization
    form = forms.OrganizationForm(_posted(request), instance=organization)
    status = 200
    if request.method == "POST":
        version = _int(request.POST.get("version"))
        if form.is_valid():
            data = form.cleaned_data
            _saved, refused = attempt(
                lambda: services.update_organization(request.user, application, data, version),
                form,
            )
            if refused is None:
                messages.success(request, _("The company data has been saved."))
                return redirect(reverse("application-detail", args=[pk]) + "#company")
            status = refused.status
        else:
            status = 400
    context = {
        "application": application,
        "form": form,
        "version": request.POST.get("version", organization.version),
    }
    return render(request, "applications/company_form.html", context, status=status)


@login_required
def documents(request, pk):
    application = _own_editable(request, pk)
    present = selectors.documents(application)
    required = presenters.required_documents(application, present)
    missing = [item.kind for item in required if not item.present]
    form = forms.DocumentForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        initial={"kind": missing[0]} if missing else None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            _document, refused = attempt(
                lambda: services.add_document(
                    request.user, application, data["kind"], data["file"]
                ),
                form,
            )
            if refused is None:
                messages.success(request, _("The document has been uploaded."))
                return redirect("application-documents", pk=pk)
            status = refused.status
        else:
            status = 400
    context = {
        "application": application,
        "form": form,
        "documents": present,
        "required": required,
        "max_upload_mb": settings.MAX_UPLOAD_BYTES // 2**20,
    }
    return render(request, "applications/documents.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def document_delete(request, pk, document_pk):
    """GET asks to confirm the removal; POST removes the document (the service checks state
    and permission) and goes back to the documents page (303)."""
    application = _own_editable(request, pk)
    document = Document.objects.filter(application=application, pk=document_pk).first()
    if document is None:
        raise Http404
    if request.method == "POST":
        services.remove_document(request.user, document)
        messages.success(request, _("The document has been removed."))
        return HttpResponseRedirect(reverse("application-documents", args=[pk]), status=303)
    if not application.is_editable:
        raise StateConflict(_("Documents can only be changed while the application is open."))
    if not rules.has_perm("applications.edit_draft", request.user, application):
        raise PermissionDenied(_("You may not remove documents of this application."))
    context = {"application": application, "document": document}
    return render(request, "applications/document_confirm_delete.html", context)


@login_required
def document_download(request, pk, document_pk):
    document = selectors.get_readable_document(request.user, pk, document_pk)
    log_access(
        request.user, Action.DOCUMENT, application=document.application,
        detail=document.original_name,
    )  # fmt: skip
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type="application/pdf",
    )


@login_required
def submit(request, pk):
    """The submission checklist and the declarations. A refusal is listed once, by section and
    field (each linked), in the checklist; a state conflict above the form."""
    application = _own_editable(request, pk)
    form = forms.DeclarationsForm(_posted(request))
    status = 200
    violations = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _submitted, refused = attempt(lambda: services.submit(request.user, application, data))
        if refused is None:
            messages.success(request, _("Your application has been submitted."))
            return redirect("application-detail", pk=pk)
        status = refused.status
        if refused.status == 422:
            violations = {**_pending(application), **checks.declarations(data)}
        if not violations:  # a state conflict, or a rule the checklist cannot place
            for message in refused.messages:
                form.add_error(None, message)
    if violations is None:
        violations = _pending(application)
    context = {
        "application": application,
        "form": form,
        "pending": bool(violations),
        "checklist": presenters.checklist(application, violations),
    }
    return render(request, "applications/submit.html", context, status=status)


def _pending(application):
    return selectors.pending_violations(application, timezone.localdate())


def _attach_rule_notes(form, violations):
    """Show each violated rule beside its field (the form itself may be valid)."""
    for name, notes in violations.items():
        if name in form.fields:
            form.fields[name].rule_notes = notes


@login_required
def withdraw(request, pk):
    application = _own_editable_or_open(request, pk)
    form = forms.WithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.withdraw(request.user, application, form.cleaned_data["reason"])
        messages.success(request, _("The application has been withdrawn."))
        return redirect("application-detail", pk=pk)
    status = 400 if form.errors else 200
    context = {"application": application, "form": form}
    return render(request, "applications/withdraw.html", context, status=status)


def _own_editable_or_open(request, pk):
    application = _own_editable(request, pk)
    if not services.can_proceed(application.withdraw):
        raise StateConflict()
    return application


@login_required
def return_for_revision(request, pk):
    application = selectors.get_visible_application(request.user, pk)
    services.ensure_transition(application.return_for_revision, request.user)
    form = forms.ReturnForm(_posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _returned, refused = attempt(
            lambda: services.return_for_revision(
                request.user, application, data["reason"], data["deadline"]
            ),
            form,
        )
        if refused is None:
            messages.success(request, _("The application has been returned to the company."))
            return redirect("application-detail", pk=pk)
        status = refused.status
    context = {"application": application, "form": form}
    return render(request, "applications/return.html", context, status=status)


@login_required
def version_detail(request, pk, number):
    application = selectors.get_readable_application(request.user, pk)
    version = application.versions.filter(number=number).select_related("submitted_by").first()
    if version is None:
        raise Http404
    rows = forms.snapshot_rows(version.snapshot)
    context = {"application": application, "version": version, "rows": rows}
    return render(request, "applications/version.html", context)
