"""Read queries of the records pages: the access log and the records due for deletion.

Each list runs a constant number of queries: the page's rows (with their users) and the names
of the organisations on that page. Rows of an organisation the reader is a member of are
left out (separation of duties: they would name its reviewers).
"""

from django.db.models import Q

from funding import roles
from funding.models import AccessLog, Organization

from .models import RetentionCandidate


def access_log(user):
    """Every entry the user may read, the newest first (with the user in the same query)."""
    return (
        AccessLog.objects.exclude(organization_id__in=roles.organization_ids(user))
        .select_related("user")
        .order_by("-at", "-id")
    )


def search_users(queryset, text):
    text = (text or "").strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(user__username__icontains=text)
        | Q(user__first_name__icontains=text)
        | Q(user__last_name__icontains=text)
        | Q(user__email__icontains=text)
    )


def search_organizations(queryset, text):
    text = (text or "").strip()
    if not text:
        return queryset
    ids = Organization.objects.filter(name__icontains=text).values("pk")
    return queryset.filter(organization_id__in=ids)


def with_organization_names(rows):
    """Set ``organization_name`` on each row of a page (one query for the whole page)."""
    rows = list(rows)
    wanted = {row.organization_id for row in rows if row.organization_id is not None}
    names = dict(Organization.objects.filter(pk__in=wanted).values_list("pk", "name"))
    for row in rows:
        row.organization_name = names.get(row.organization_id, "")
    return rows


def application_access_log(application):
    return (
        AccessLog.objects.filter(application_id=application.pk)
        .select_related("user")
        .order_by("-at", "-id")
    )


def pending_candidates(user):
    """Records waiting for confirmation that the user may confirm, the longest due first."""
    return (
        RetentionCandidate.objects.filter(status=RetentionCandidate.Status.PENDING)
        .exclude(application__organization_id__in=roles.organization_ids(user))
        .select_related("application__organization")
        .order_by("due_on", "id")
    )


def pending_count():
    return RetentionCandidate.objects.filter(status=RetentionCandidate.Status.PENDING).count()
