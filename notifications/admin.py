"""Django admin of ``notifications``: the reminder claims and the outbox, read-only."""

from django.contrib import admin

from funding.admin import ReadOnlyAdmin

from .models import OutboxMail, Reminder


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("key", "rule", "recipient", "created_at", "sent_at")
    list_select_related = ("recipient",)
    list_filter = ("rule",)
    search_fields = ("key", "recipient__username")
    fields = ("key", "rule", "recipient", "claim", "created_at", "sent_at")


@admin.register(OutboxMail)
class OutboxMailAdmin(ReadOnlyAdmin):
    """What was (or is to be) mailed to whom: the outbox is also the mail log."""

    list_display = ("created_at", "kind", "reference", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("reference", "subject")
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "reference",
        "application_id",
        "recipients",
        "language",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
    )
