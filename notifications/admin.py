"""Django admin of ``notifications``: the reminder claims, read-only."""

from django.contrib import admin

from funding.admin import ReadOnlyAdmin

from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("key", "rule", "recipient", "created_at", "sent_at")
    list_select_related = ("recipient",)
    list_filter = ("rule",)
    search_fields = ("key", "recipient__username")
    fields = ("key", "rule", "recipient", "claim", "created_at", "sent_at")
