"""Letters, the transition log and the caller's inbox under ``/api/v1/``: thin views over the
web's selectors, with the web's permissions (``decisions.read_letters``, ``applications.read``
and the history page's rule on names, ``notifications.read_inbox``)."""

import rules
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from applications import selectors as application_selectors
from applications.models import Application
from decisions import selectors as decision_selectors
from decisions.models import DecisionLetter
from funding.audit import Action, log_access
from funding.errors import StateConflict
from notifications import inbox
from notifications import selectors as notification_selectors
from notifications.models import Notification

from . import serializers as s
from . import serializers_review as r
from .idempotency import PARAMETER as IDEMPOTENCY_KEY
from .idempotency import idempotent
from .views import ApiMixin, problems

LIST_PROBLEMS = problems(404)


# ----- letters --------------------------------------------------------------------------------


def _letter_application(user, pk):
    """The application, if the user may read its letters (else 404, as the web's download)."""
    application = application_selectors.get_visible_application(user, pk)
    if not rules.has_perm("decisions.read_letters", user, application):
        raise Http404
    return application


class LetterList(ApiMixin, generics.GenericAPIView):
    serializer_class = r.LetterSerializer
    queryset = Application.objects.none()  # (the schema's model: the path's id)

    @extend_schema(
        operation_id="applications_letters_list",
        summary="The decision letters of an application",
        description="For whoever may read its letters (the company, the office, the board "
        "without a declared conflict); others: 404.",
        responses={200: r.LetterSerializer(many=True), **LIST_PROBLEMS},
    )
    def get(self, request, pk):
        application = _letter_application(request.user, pk)
        page = self.paginate_queryset(decision_selectors.letters(application))
        return self.get_paginated_response(r.LetterSerializer(page, many=True).data)


class LetterPdf(ApiMixin, generics.GenericAPIView):
    serializer_class = r.LetterSerializer
    queryset = Application.objects.none()  # (the schema's model: the path's id)
    pagination_class = None

    @extend_schema(
        operation_id="applications_letters_pdf",
        summary="Download a decision letter (PDF)",
        description="The stored bytes; 409 while the letter is not yet rendered. Each download "
        "is written to the access log.",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **problems(404, 409)},
    )
    def get(self, request, pk, number):
        application = _letter_application(request.user, pk)
        found = (
            DecisionLetter.objects.filter(application=application, number=number)
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            raise Http404
        letter = decision_selectors.get_visible_letter(request.user, application.pk, found)
        if not letter.file:
            raise StateConflict(_("The letter has not been produced yet."))
        filename = f"Bescheid-{letter.application.reference}-{letter.number}.pdf"
        log_access(request.user, Action.LETTER, application=letter.application, detail=filename)
        return FileResponse(
            letter.file.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/pdf",
        )


# ----- the transition log ---------------------------------------------------------------------


def log_rows(user, application, entries):
    """The log as the web's history shows it (``readable_history``: names and notes only where
    the reader may see them; never a reviewer's or a board member's name to the company)."""
    return [
        {
            "id": entry.pk,
            "transition": entry.transition,
            "source": entry.source_state,
            "target": entry.state,
            "at": entry.timestamp,
            "by": r.person_name(entry.by) if entry.named else None,
            "description": entry.note,
        }
        for entry in application_selectors.readable_history(user, application, entries)
    ]


class TransitionLog(ApiMixin, generics.GenericAPIView):
    serializer_class = r.LogEntrySerializer
    queryset = Application.objects.none()

    @extend_schema(
        operation_id="applications_log_list",
        summary="The transition log of an application",
        description="For whoever may read the application. Names (and the notes) are shown "
        "as on the web's history: to the office and the board all; to the company and the "
        "reviewers only the company's own people (and a return's reason).",
        responses={200: r.LogEntrySerializer(many=True), **LIST_PROBLEMS},
    )
    def get(self, request, pk):
        application = application_selectors.get_readable_application(request.user, pk)
        page = self.paginate_queryset(application_selectors.history(application))
        return self.get_paginated_response(
            r.LogEntrySerializer(log_rows(request.user, application, page), many=True).data
        )


# ----- the inbox ------------------------------------------------------------------------------


def _may_use_inbox(user):
    if not rules.has_perm("notifications.read_inbox", user):
        raise PermissionDenied(_("Only logged-in users have an inbox."))


class NotificationList(ApiMixin, generics.GenericAPIView):
    serializer_class = r.NotificationSerializer
    queryset = Notification.objects.none()

    @extend_schema(
        summary="Your inbox",
        description="Your notifications, newest first; `unread=1` lists only the unread ones.",
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.STR, enum=["1"], required=False),
        ],
        responses={200: r.NotificationSerializer(many=True), **LIST_PROBLEMS},
    )
    def get(self, request):
        _may_use_inbox(request.user)
        unread_only = request.query_params.get("unread") == "1"
        entries = notification_selectors.inbox_of(request.user, unread_only=unread_only)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(r.NotificationSerializer(page, many=True).data)


class NotificationRead(ApiMixin, generics.GenericAPIView):
    serializer_class = r.NotificationSerializer
    queryset = Notification.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Mark a notification read",
        parameters=[IDEMPOTENCY_KEY],
        request=s.EmptySerializer,
        responses={200: r.NotificationSerializer, **problems(400, 403, 404, 422)},
    )
    @idempotent
    def post(self, request, pk):
        _may_use_inbox(request.user)
        entry = notification_selectors.entry_of(request.user, pk)
        inbox.mark_read(request.user, [entry.pk])
        entry.refresh_from_db()
        return Response(r.NotificationSerializer(entry).data)
