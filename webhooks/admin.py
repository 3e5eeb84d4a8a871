"""Django admin of the webhooks: read only, and never the endpoints' secrets (the office
manages endpoints on its own pages, ``/webhooks/``)."""

from django.contrib import admin

from funding.admin import ReadOnlyAdmin

from .models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "description", "is_active", "created_at")
    list_filter = ("is_active",)
    fields = ("url", "description", "is_active", "created_at", "created_by")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "event", "reference", "endpoint", "status", "attempts")
    list_filter = ("status", "event")
    list_select_related = ("endpoint",)
    search_fields = ("reference", "uuid")
    fields = (
        "uuid",
        "endpoint",
        "event",
        "reference",
        "status",
        "attempts",
        "status_code",
        "last_error",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "delivered_at",
        "resent_at",
        "resent_by",
        "body",
    )
