"""Pages of the application: start page, list, detail, the applicant's sections and actions.

Views stay thin: they read through selectors and act through services. Domain errors become
the HTTP answers of DESIGN.md (funding.middleware for 409/422 pages; forms re-render here).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from funding import roles
from funding.errors import RuleViolation, StateConflict
from funding.web import add_violation

from . import checks, dashboard, forms, selectors, services
from .filters import ApplicationFilter
from .models import Application, Document
from .rules import is_member

PAGE_SIZE = 50


@login_required
def home(request):
    return render(request, "home.html", {"panels": dashboard.panels(request.user)})


@login_required
def application_list(request):
    user = request.user
    if not (roles.is_coordinator(user) or roles.is_applicant(user)):
        if roles.is_board(user):
            return redirect("board-queue")
        if roles.is_reviewer(user):
            return redirect("review-list")
        raise PermissionDenied
    filterset = ApplicationFilter(request.GET or None, selectors.application_list(user))
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    return render(request, "applications/list.html", context)


@login_required
def application_new(request):
    if not roles.is_applicant(request.user):
        raise PermissionDenied
    form = forms.NewApplicationForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.create_application(request.user, **form.cleaned_data)
        except RuleViolation as violation:
            add_violation(form, violation)
        else:
            messages.success(request, _("The draft has been created."))
            return redirect("application-detail", pk=application.pk)
    status = 422 if form.errors else 200
    return render(request, "applications/new.html", {"form": form}, status=status)


def _detail_context(user, application):
    member = is_member(user, application)
    full = selectors.can_read_full(user, application)
    context = {
        "application": application,
        "full": full,
        "is_member": member,
        "sections": forms.SECTIONS,
        "history": selectors.history(application) if full else [],
        "documents": selectors.documents(application) if full else [],
        "versions": application.versions.select_related("submitted_by") if full else [],
        "letters": selectors.letters(application)
        if selectors.may_see_letters(user, application)
        else [],
        "flags": checks.flags(application) if full and not member else [],
        "may": {
            "edit": member and application.is_editable,
            "submit": member and application.is_editable,
            "withdraw": member and services.can_proceed(application.withdraw),
            "return": services.may_transition(application.return_for_revision, user),
            "manage_reviews": roles.is_coordinator(user)
            and application.state in ("submitted", "in_review", "awaiting_decision"),
            "decide": roles.is_board(user) and application.state == "awaiting_decision",
        },
    }
    return context


@login_required
def application_detail(request, pk):
    application = selectors.get_visible_application(request.user, pk)
    context = _detail_context(request.user, application)
    return render(request, "applications/detail.html", context)


def _own_editable(request, pk):
    application = selectors.get_visible_application(request.user, pk)
    if not is_member(request.user, application):
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
            try:
                services.update_application(request.user, application, form.cleaned_data, version)
            except StateConflict as conflict:
                form.add_error(None, conflict.message)
                status = 409
            else:
                messages.success(request, _("Saved."))
                if request.GET.get("check"):
                    return redirect("application-submit", pk=pk)
                return redirect(reverse("application-detail", args=[pk]) + f"#{section}")
        else:
            status = 400
    if request.GET.get("check"):
        _attach_rule_notes(form, _pending(application))
    context = {
        "application": application,
        "form": form,
        "section": section,
        "section_label": forms.SECTIONS[section][0],
        "version": request.POST.get("version", application.version),
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
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The company data has been saved."))
        return redirect(reverse("application-detail", args=[pk]) + "#company")
    status = 400 if form.errors else 200
    context = {"application": application, "form": form}
    return render(request, "applications/company_form.html", context, status=status)


@login_required
def documents(request, pk):
    application = _own_editable(request, pk)
    form = forms.DocumentForm(_posted(request), request.FILES if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.add_document(
                    request.user, application, form.cleaned_data["kind"], form.cleaned_data["file"]
                )
            except RuleViolation as violation:
                add_violation(form, violation)
                status = 422
            else:
                messages.success(request, _("The document has been uploaded."))
                return redirect("application-documents", pk=pk)
        else:
            status = 400
    context = {
        "application": application,
        "form": form,
        "documents": selectors.documents(application),
        "required": application.programme.required_document_labels(),
    }
    return render(request, "applications/documents.html", context, status=status)


@login_required
@require_POST
def document_delete(request, pk, document_pk):
    application = _own_editable(request, pk)
    document = Document.objects.filter(application=application, pk=document_pk).first()
    if document is None:
        raise Http404
    services.remove_document(request.user, document)
    messages.success(request, _("The document has been removed."))
    return redirect("application-documents", pk=pk)


@login_required
def document_download(request, pk, document_pk):
    document = selectors.get_visible_document(request.user, pk, document_pk)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type="application/pdf",
    )


@login_required
def letter_download(request, pk, letter_pk):
    letter = selectors.get_visible_letter(request.user, pk, letter_pk)
    if not letter.file:
        raise StateConflict(_("The letter has not been produced yet."))
    filename = f"Bescheid-{letter.application.reference}-{letter.number}.pdf"
    return FileResponse(
        letter.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


@login_required
def submit(request, pk):
    application = _own_editable(request, pk)
    form = forms.DeclarationsForm(_posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.submit(request.user, application, form.cleaned_data)
        except RuleViolation as violation:
            add_violation(form, violation)
            status = 422
        else:
            messages.success(request, _("Your application has been submitted."))
            return redirect("application-detail", pk=pk)
    context = {
        "application": application,
        "form": form,
        "pending": _by_section(_pending(application)),
    }
    return render(request, "applications/submit.html", context, status=status)


def _pending(application):
    """Every rule the application still breaks, by field (declarations aside)."""
    kinds = set(application.documents.values_list("kind", flat=True))
    given = dict.fromkeys(checks.DECLARATIONS, True)
    return checks.submission_violations(application, kinds, given, timezone.localdate())


def _attach_rule_notes(form, violations):
    """Show each violated rule beside its field (the form itself may be valid)."""
    for name, notes in violations.items():
        if name in form.fields:
            form.fields[name].rule_notes = notes


def _by_section(errors):
    """[(section key, label, [messages])] for the submission checklist."""
    labels = {key: label for key, (label, _fields) in forms.SECTIONS.items()}
    labels.update({"documents": _("Documents"), "submit": _("Submission")})
    grouped = {}
    for field, messages_ in errors.items():
        key = forms.FIELD_SECTION.get(field, "submit")
        grouped.setdefault(key, []).extend(messages_)
    return [(key, labels[key], grouped[key]) for key in labels if key in grouped]


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
        try:
            services.return_for_revision(
                request.user, application, data["reason"], data["deadline"]
            )
        except RuleViolation as violation:
            add_violation(form, violation)
            status = 422
        else:
            messages.success(request, _("The application has been returned to the company."))
            return redirect("application-detail", pk=pk)
    context = {"application": application, "form": form}
    return render(request, "applications/return.html", context, status=status)


@login_required
def version_detail(request, pk, number):
    application = selectors.get_visible_application(request.user, pk)
    if not selectors.can_read_full(request.user, application):
        raise Http404
    version = application.versions.filter(number=number).select_related("submitted_by").first()
    if version is None:
        raise Http404
    rows = [_snapshot_row(name, version.snapshot.get(name)) for name in forms.SNAPSHOT_FIELDS]
    context = {"application": application, "version": version, "rows": rows}
    return render(request, "applications/version.html", context)


def _snapshot_row(name, value):
    """(label, shown value) of one frozen field: choices by their label, not their code."""
    field = Application._meta.get_field(name)
    if field.choices and value:
        value = dict(field.flatchoices).get(value, value)
    return capfirst(field.verbose_name), value
