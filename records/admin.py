"""Django admin: the access log and the records due for deletion, read-only."""

from django.contrib import admin

from funding.admin import ReadOnlyAdmin
from funding.models import AccessLog

from .models import RetentionCandidate


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "action", "reference", "organization_id", "detail")
    list_select_related = ("user",)
    list_filter = ("action",)
    search_fields = ("reference", "user__username", "user__last_name", "detail")
    date_hierarchy = "at"
    fields = ("at", "user", "action", "application_id", "organization_id", "reference", "detail")


@admin.register(RetentionCandidate)
class RetentionCandidateAdmin(ReadOnlyAdmin):
    list_display = (
        "kind",
        "application",
        "letter_number",
        "counts_from",
        "due_on",
        "status",
        "confirmed_by",
        "confirmed_at",
    )
    list_select_related = ("application", "confirmed_by")
    list_filter = ("kind", "status")
    search_fields = ("application__reference",)
    fields = (
        "kind",
        "application",
        "letter",
        "letter_number",
        "counts_from",
        "due_on",
        "status",
        "found_at",
        "confirmed_by",
        "confirmed_at",
    )
