"""Read queries the pages need: who sees what, lists with a constant number of queries."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_fsm_log.models import StateLog

from funding import roles

from .models import Application, DecisionLetter, Document, State

READING_ASSIGNMENTS = ("open", "done", "closed")
BOARD_STATES = (State.AWAITING_DECISION, State.APPROVED, State.REJECTED)
LIST_FIELDS = (
    "id",
    "reference",
    "title",
    "state",
    "updated_at",
    "last_submitted_at",
    "requested_amount",
    "programme__id",
    "programme__name",
    "organization__id",
    "organization__name",
)


def visible_applications(user):
    """Every application the user may see at all (the rest answers 404)."""
    if not user.is_authenticated:
        return Application.objects.none()
    if roles.is_coordinator(user):
        return Application.objects.all()
    visible = Q(organization_id__in=roles.organization_ids(user))
    if roles.is_board(user):
        visible |= Q(state__in=BOARD_STATES)
    if roles.is_reviewer(user):
        # The reverse lookup keeps the model layers pointing one way (reviews → applications).
        own = Application.assignments.rel.related_model.objects.filter(reviewer=user)
        visible |= Q(pk__in=own.exclude(status="removed").values("application_id"))
    return Application.objects.filter(visible)


def get_visible_application(user, pk):
    queryset = visible_applications(user).select_related("programme", "organization")
    return get_object_or_404(queryset, pk=pk)


def can_read_full(user, application):
    """Reviewers see only title and company until they declare no conflict for the round."""
    if roles.is_coordinator(user) or application.organization_id in roles.organization_ids(user):
        return True
    if roles.is_board(user) and application.state in BOARD_STATES:
        return True
    declared = application.conflict_declarations.filter(
        user=user, round=application.submission_count, has_conflict=False
    )
    still_assigned = application.assignments.filter(
        reviewer=user, round=application.submission_count, status__in=READING_ASSIGNMENTS
    )
    return declared.exists() and still_assigned.exists()


def application_list(user, filters=None):
    """The list page rows: one query for the rows, whatever their number."""
    queryset = visible_applications(user).select_related("programme", "organization")
    queryset = queryset.only(*LIST_FIELDS).order_by("-updated_at", "-id")
    return queryset


def search(queryset, text):
    text = (text or "").strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(reference__icontains=text)
        | Q(title__icontains=text)
        | Q(organization__name__icontains=text)
    )


def history(application):
    return StateLog.objects.for_(application).select_related("by").order_by("timestamp", "id")


def documents(application):
    return Document.objects.filter(application=application).select_related("uploaded_by")


def letters(application):
    return DecisionLetter.objects.filter(application=application).order_by("number")


def state_counts(queryset):
    """{state: count} in one query."""
    rows = queryset.order_by().values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}


def get_visible_document(user, application_pk, document_pk):
    application = get_visible_application(user, application_pk)
    if not can_read_full(user, application):
        raise Http404
    return get_object_or_404(Document, pk=document_pk, application=application)


def may_see_letters(user, application):
    return (
        roles.is_coordinator(user)
        or application.organization_id in roles.organization_ids(user)
        or (roles.is_board(user) and application.state in BOARD_STATES)
    )


def get_visible_letter(user, application_pk, letter_pk):
    application = get_visible_application(user, application_pk)
    if not may_see_letters(user, application):
        raise Http404
    return get_object_or_404(DecisionLetter, pk=letter_pk, application=application)
