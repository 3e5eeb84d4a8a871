"""Read queries of the webhook pages; each runs a constant number of queries."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from .models import Delivery, Endpoint

# How many of each endpoint's latest deliveries the list shows.
RECENT = 5


def endpoints():
    """Every endpoint with its ``RECENT`` latest deliveries (``recent``) and its count of
    failed ones (``failed_count``): two queries."""
    latest = Delivery.objects.order_by("-created_at", "-pk").only(
        "pk", "endpoint_id", "event", "status", "status_code", "created_at"
    )
    return Endpoint.objects.annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED))
    ).prefetch_related(Prefetch("deliveries", queryset=latest[:RECENT], to_attr="recent"))


def get_endpoint(pk):
    return get_object_or_404(Endpoint, pk=pk)


def deliveries(endpoint, status=None):
    """The endpoint's delivery log, newest first; only ``status`` when given."""
    rows = endpoint.deliveries.order_by("-created_at", "-pk")
    if status:
        rows = rows.filter(status=status)
    return rows


def get_delivery(endpoint, pk):
    return get_object_or_404(Delivery, pk=pk, endpoint=endpoint)
