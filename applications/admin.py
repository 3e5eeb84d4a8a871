"""Django admin for applications, their versions and documents, and the transition log.

The state, the transition log, versions and documents are read-only here:
the state changes only through the services (no django-fsm admin mixin, which would call the
transition methods past them), and ``state`` is in no admin form (a protected FSMField in a form
raises AttributeError). An operator may correct the applicant's fields of an application only
while it is a draft or returned, with the same version check the applicant's form uses.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_fsm_log.admin import StateLogInline
from django_fsm_log.models import StateLog

from funding.admin import ReadOnlyAdmin, ReadOnlyInline, ReadOnlyMixin

from . import history_notes
from .forms import SECTION_LABELS
from .models import (
    EDITABLE_FIELDS,
    EDITABLE_STATES,
    SECTION_FIELDS,
    Application,
    ApplicationVersion,
    Document,
    ReferenceCounter,
)

# Inlines that later steps add to the application's page (``add_inline`` in their admin.py).
_extra_inlines = []


def add_inline(inline):
    """Show ``inline`` (e.g. the reviews' assignments) on the application's admin page."""
    if inline not in _extra_inlines:
        _extra_inlines.append(inline)


# ----- the application ------------------------------------------------------------------------


class TransitionLogInline(ReadOnlyMixin, StateLogInline):
    """django-fsm-log's inline, strictly view-only (its own allows 'change' of read-only rows)."""

    verbose_name = _("transition")
    verbose_name_plural = _("transition log")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class VersionInline(ReadOnlyInline):
    model = ApplicationVersion
    fields = (
        "number",
        "submitted_by",
        "submitted_at",
        "declared_truthful",
        "declared_de_minimis",
        "declared_authorized",
    )
    related = ("submitted_by",)
    show_change_link = True


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ("kind", "original_name", "size", "sha256", "uploaded_by", "uploaded_at")
    related = ("uploaded_by",)


class ApplicationAdminForm(forms.ModelForm):
    """The applicant's fields only (never ``state``), guarded by the edit version."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Application
        fields = EDITABLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        current = (
            Application.objects.filter(pk=self.instance.pk).values_list("version", "state").first()
        )
        if current is None or current[1] not in EDITABLE_STATES:
            raise ValidationError(_("The application can no longer be edited."))
        if current[0] != cleaned.get("expected_version"):
            raise ValidationError(
                _("Someone else saved this application in the meantime. Please reload it.")
            )
        return cleaned


HEADER = ("reference", "state", "programme", "organization", "created_by")
PROGRESS = (
    "version",
    "submission_count",
    "created_at",
    "updated_at",
    "submitted_at",
    "last_submitted_at",
    "review_started_at",
    "awaiting_since",
    "return_reason",
    "return_deadline",
)
# Computed shares, shown right after the figure they are a share of.
SHARES = {
    "requested_amount": "funding_share",
    "own_contribution": "own_contribution_share",
    "staff_severely_disabled": "severely_disabled_share",
}
BOOKKEEPING = (*HEADER, *PROGRESS, *SHARES.values())


def section_fieldsets():
    """The company's sections (applications.models.SECTION_FIELDS) with the shares inserted."""
    return tuple(
        (
            SECTION_LABELS[key],
            {"fields": tuple(n for name in fields for n in (name, SHARES.get(name)) if n)},
        )
        for key, fields in SECTION_FIELDS.items()
    )


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    form = ApplicationAdminForm
    list_display = ("reference", "title", "organization", "programme", "state", "updated_at")
    list_display_links = ("reference", "title")
    list_filter = ("state", "programme")
    search_fields = ("reference", "title", "organization__name")
    list_select_related = ("organization", "programme")
    readonly_fields = BOOKKEEPING
    inlines = (TransitionLogInline, VersionInline, DocumentInline)
    fieldsets = (
        (None, {"fields": (*HEADER, "expected_version")}),
        (_("Progress"), {"fields": PROGRESS}),
        *section_fieldsets(),
    )

    @admin.display(description=_("funding share (%)"))
    def funding_share(self, obj):
        return obj.funding_share

    @admin.display(description=_("own contribution share (%)"))
    def own_contribution_share(self, obj):
        return obj.own_contribution_share

    @admin.display(description=_("share of severely disabled staff (%)"))
    def severely_disabled_share(self, obj):
        return obj.severely_disabled_share

    def get_inlines(self, request, obj):
        return (*self.inlines, *_extra_inlines)

    def has_add_permission(self, request):
        return False  # applications are created by applicants, through the services

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.state not in EDITABLE_STATES:
            return False
        return super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        head, *rest = fieldsets
        fields = tuple(name for name in head[1]["fields"] if name != "expected_version")
        return ((head[0], {**head[1], "fields": fields}), *rest)

    def save_model(self, request, obj, form, change):
        """Write only the changed applicant fields, conditionally on the version and state."""
        fields = [name for name in form.changed_data if name in EDITABLE_FIELDS]
        if not fields:
            return
        updated = Application.objects.filter(
            pk=obj.pk,
            version=form.cleaned_data["expected_version"],
            state__in=EDITABLE_STATES,
        ).update(
            **{name: getattr(obj, name) for name in fields},
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if not updated:
            messages.error(
                request,
                _("Someone else changed this application in the meantime; nothing was saved."),
            )


# ----- read-only records -------------------------------------------------------------------------


@admin.register(ApplicationVersion)
class ApplicationVersionAdmin(ReadOnlyAdmin):
    list_display = ("application", "number", "submitted_by", "submitted_at")
    list_select_related = ("application", "submitted_by")
    search_fields = ("application__reference", "application__title")
    fields = (
        "application",
        "number",
        "submitted_by",
        "submitted_at",
        "declared_truthful",
        "declared_de_minimis",
        "declared_authorized",
        "snapshot_pretty",
    )

    @admin.display(description=_("snapshot"))
    def snapshot_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.snapshot, indent=2, ensure_ascii=False))


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "kind", "application", "size", "uploaded_at")
    list_select_related = ("application",)
    list_filter = ("kind",)
    search_fields = ("application__reference", "original_name", "sha256")
    fields = (
        "application",
        "kind",
        "original_name",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyAdmin):
    list_display = ("year", "last")
    fields = ("year", "last")


@admin.register(StateLog)
class StateLogAdmin(ReadOnlyAdmin):
    """The transition log of every application (django-fsm-log); never edited."""

    list_display = ("timestamp", "object_id", "transition", "source_state", "state", "by")
    list_select_related = ("by",)
    list_filter = ("transition", "state")
    search_fields = ("=object_id", "by__username", "description")
    date_hierarchy = "timestamp"
    fields = (
        "timestamp",
        "content_type",
        "object_id",
        "transition",
        "source_state",
        "state",
        "by",
        "note",
    )

    @admin.display(description=_("description"))
    def note(self, entry):
        """The description in the reader's language (system notes are stored neutral)."""
        return history_notes.render(entry.description)
