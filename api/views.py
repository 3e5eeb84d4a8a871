"""The resources under ``/api/v1/``: thin views over the web's selectors and services.

Each view finds the object through the same selector as the web (an object the caller may not
see answers 404), and changes it through the same service (which asks the registered
permissions: 403; the state: 409; the rules: 422). Refusals are problems (``problems``).
"""

import django_filters
import rules
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from applications import selectors, services
from applications.models import EDITABLE_STATES, Application, Document, State
from decisions import selectors as decision_selectors
from decisions import services as decision_services
from decisions.models import Decision
from funding.audit import Action, log_access
from funding.errors import StateConflict
from funding.models import Organization, Programme
from reviews import services as review_services

from . import serializers as s
from .idempotency import PARAMETER as IDEMPOTENCY_KEY
from .idempotency import idempotent
from .preconditions import IF_MATCH, etag, expected_version
from .problems import CONTENT_TYPE, PreconditionFailed
from .throttles import IPRateThrottle

PROBLEM = OpenApiResponse(s.ProblemSerializer, description="Problem details (RFC 9457).")


def problems(*codes):
    """The schema's error answers: each a problem in ``application/problem+json``."""
    return {(code, CONTENT_TYPE): PROBLEM for code in (401, 429, *codes)}


# A list answers 404 for a cursor it did not hand out.
LIST_PROBLEMS = problems(404)


class ApiMixin:
    # A request without valid credentials counts against its address (``IPRateThrottle``),
    # so that guessing keys is throttled too. Ids are integers (``<int:pk>``).

    lookup_value_converter = "int"

    def initial(self, request, *args, **kwargs):
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            throttle = IPRateThrottle()
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())
            raise


# ----- programmes and organisations -----------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Programmes", responses={200: s.ProgrammeSerializer(many=True), **LIST_PROBLEMS}
    ),
    retrieve=extend_schema(
        summary="A programme", responses={200: s.ProgrammeSerializer, **problems(404)}
    ),
)
class ProgrammeViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """The programmes (funds) and their rules: for every logged-in user."""

    serializer_class = s.ProgrammeSerializer
    queryset = Programme.objects.all()


@extend_schema_view(
    list=extend_schema(
        summary="Your organisations",
        responses={200: s.OrganizationSerializer(many=True), **LIST_PROBLEMS},
    ),
    retrieve=extend_schema(
        summary="One of your organisations",
        responses={200: s.OrganizationSerializer, **problems(404)},
    ),
)
class OrganizationViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """The organisations the caller acts for (others: 404). The company data is changed
    through an application being drafted: ``PATCH /applications/{id}/company/``."""

    serializer_class = s.OrganizationSerializer
    queryset = Organization.objects.none()  # (the schema's model)

    def get_queryset(self):
        return Organization.objects.filter(memberships__user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        organization = self.get_object()
        response = Response(self.get_serializer(organization).data)
        response["ETag"] = etag(organization.version)
        return response


# ----- applications ---------------------------------------------------------------------------


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", help_text="Search reference, title, company.")
    state = django_filters.ChoiceFilter(choices=State.choices)
    programme = django_filters.NumberFilter(field_name="programme_id")
    organization = django_filters.NumberFilter(field_name="organization_id")
    submitted_from = django_filters.DateFilter(
        field_name="last_submitted_at__date",
        lookup_expr="gte",
        help_text="Last submitted on or after this day (ISO date).",
    )
    submitted_to = django_filters.DateFilter(
        field_name="last_submitted_at__date",
        lookup_expr="lte",
        help_text="Last submitted on or before this day (ISO date).",
    )

    class Meta:
        model = Application
        fields = ()

    def search(self, queryset, name, value):
        return selectors.search(queryset, value)


# The transitions by path: the service each calls is in ``ApplicationViewSet``.
TRANSITIONS = (
    "submit",
    "return_for_revision",
    "start_review",
    "complete_review",
    "approve",
    "reject",
    "withdraw",
)


def _field_errors(errors):
    key = api_settings.NON_FIELD_ERRORS_KEY
    return {(key if name is None else name): [str(m) for m in ms] for name, ms in errors.items()}


def blockers(application, name):
    """The rules that block transition ``name`` now ({field: [messages]}; empty: none)."""
    if name == "submit":
        return _field_errors(selectors.pending_violations(application, timezone.localdate()))
    if name == "start_review":
        required = application.programme.reviews_required
        if review_services.active_assignments(application).count() < required:
            message = _("At least %(n)s active reviewer assignments are needed to start.") % {
                "n": required
            }
            return {api_settings.NON_FIELD_ERRORS_KEY: [message]}
    if name in ("approve", "reject") and decision_selectors.has_open_proposal(application):
        message = _("A decision has already been proposed for this application.")
        return {api_settings.NON_FIELD_ERRORS_KEY: [message]}
    return {}


@extend_schema_view(
    list=extend_schema(
        summary="Applications",
        description="The office: all; a company: its own (the web list's selector). Others: 403.",
        responses={200: s.ApplicationSummarySerializer(many=True), **problems(400, 403, 404)},
    ),
    retrieve=extend_schema(
        summary="An application",
        description="The ETag header carries the version (send it as If-Match to change it).",
        responses={200: s.ApplicationSerializer, **problems(404)},
    ),
)
class ApplicationViewSet(ApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApplicationFilter
    serializer_class = s.ApplicationSerializer
    queryset = Application.objects.none()  # (the schema's model; rows come from the selectors)

    def get_queryset(self):
        return selectors.application_list(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return s.ApplicationSummarySerializer
        return s.ApplicationSerializer

    def list(self, request, *args, **kwargs):
        if not rules.has_perm("applications.list", request.user):
            raise PermissionDenied(_("You may not list applications."))
        return super().list(request, *args, **kwargs)

    # ----- one application

    def _visible(self, pk):
        return selectors.get_visible_application(self.request.user, pk)

    def _answer(self, application, status_code=200, headers=None):
        application = Application.objects.select_related("programme", "organization").get(
            pk=application.pk
        )
        response = Response(
            s.ApplicationSerializer(application).data, status=status_code, headers=headers
        )
        response["ETag"] = etag(application.version)
        return response

    def retrieve(self, request, pk=None):
        application = selectors.get_readable_application(request.user, pk)
        log_access(request.user, Action.VIEW, application=application)
        return self._answer(application)

    @extend_schema(
        summary="Create a draft",
        parameters=[IDEMPOTENCY_KEY],
        request=s.ApplicationCreateSerializer,
        responses={201: s.ApplicationSerializer, **problems(400, 403, 422)},
    )
    @idempotent
    def create(self, request):
        if not rules.has_perm("applications.create", request.user):
            raise PermissionDenied(_("You may not create applications."))
        serializer = s.ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.create_application(request.user, **serializer.validated_data)
        location = reverse("api:application-detail", args=[application.pk])
        return self._answer(application, status.HTTP_201_CREATED, {"Location": location})

    def _own(self, pk):
        """As the web's company pages: visible (404), the company's (403)."""
        application = self._visible(pk)
        if not rules.has_perm("applications.act_for", self.request.user, application):
            raise PermissionDenied(_("You may not edit this application."))
        return application

    def _own_editable(self, pk):
        """As the web's section form: visible (404), the company's (403), editable (409)."""
        application = self._own(pk)
        if application.state not in EDITABLE_STATES:
            raise StateConflict(_("The application can no longer be edited."))
        return application

    @extend_schema(
        summary="Change a draft or revision",
        description="Send the version you read as If-Match (412 when stale, 428 without).",
        parameters=[IF_MATCH],
        request=s.ApplicationUpdateSerializer,
        responses={200: s.ApplicationSerializer, **problems(400, 403, 404, 409, 412, 428)},
    )
    def partial_update(self, request, pk=None):
        application = self._own_editable(pk)
        version = expected_version(request, application.version)
        serializer = s.ApplicationUpdateSerializer(application, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            saved = services.update_application(request.user, application, data, version)
        except StateConflict:
            _raise_if_stale(Application, application.pk, version)
            raise
        return self._answer(saved)

    @extend_schema(
        methods=["GET"],
        summary="The company data of an application",
        responses={200: s.OrganizationSerializer, **problems(404)},
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change the company data (while draft or returned)",
        description="Send the organisation's version as If-Match (412 when stale, 428 without).",
        parameters=[IF_MATCH],
        request=s.OrganizationUpdateSerializer,
        responses={200: s.OrganizationSerializer, **problems(400, 403, 404, 409, 412, 428)},
    )
    @action(detail=True, methods=["get", "patch"])
    def company(self, request, pk=None):
        if request.method == "GET":
            organization = selectors.get_readable_application(request.user, pk).organization
        else:
            application = self._own_editable(pk)
            organization = application.organization
            version = expected_version(request, organization.version)
            serializer = s.OrganizationUpdateSerializer(
                organization, data=request.data, partial=True
            )
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            try:
                organization = services.update_organization(
                    request.user, application, data, version
                )
            except StateConflict:
                _raise_if_stale(Organization, organization.pk, version)
                raise
        response = Response(s.OrganizationSerializer(organization).data)
        response["ETag"] = etag(organization.version)
        return response

    @extend_schema(
        operation_id="applications_versions_list",
        summary="Submitted versions",
        responses={200: s.VersionSummarySerializer(many=True), **problems(404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def versions(self, request, pk=None):
        application = selectors.get_readable_application(request.user, pk)
        queryset = application.versions.all()
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.VersionSummarySerializer(page, many=True).data)

    @extend_schema(
        summary="One submitted version, as frozen",
        responses={200: s.VersionSerializer, **problems(404)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="versions/<int:number>",
        filter_backends=[],
        pagination_class=None,
    )
    def version(self, request, pk=None, number=None):
        application = selectors.get_readable_application(request.user, pk)
        version = application.versions.filter(number=number).first()
        if version is None:
            raise exceptions.NotFound()
        return Response(s.VersionSerializer(version).data)

    @extend_schema(
        summary="What you may do now",
        description=(
            "The transitions your role allows in this state; `allowed` is false when a rule "
            "blocks one now, with the rules' messages by field in `errors`."
        ),
        responses={200: s.TransitionSerializer(many=True), **problems(404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def transitions(self, request, pk=None):
        application = self._visible(pk)
        rows = []
        for name in TRANSITIONS:
            if not services.may_fire(getattr(application, name), request.user):
                continue
            errors = blockers(application, name)
            rows.append(
                {
                    "name": name,
                    "method": "POST",
                    "path": reverse(
                        f"api:application-{name.replace('_', '-')}", args=[application.pk]
                    ),
                    "allowed": not errors,
                    "errors": errors,
                }
            )
        return Response(s.TransitionSerializer(rows, many=True).data)

    # ----- transitions (each calls the web's service)

    def _transition(self, request, pk, serializer_class, call):
        application = self._visible(pk)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        call(application, serializer.validated_data)
        return self._answer(application)

    @extend_schema(
        summary="Submit (draft or returned)",
        description="The three declarations must be true (422 otherwise, with every rule).",
        parameters=[IDEMPOTENCY_KEY],
        request=s.SubmitSerializer,
        responses={200: s.ApplicationSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    @idempotent
    def submit(self, request, pk=None):
        return self._transition(
            request,
            pk,
            s.SubmitSerializer,
            lambda app, data: services.submit(request.user, app, data),
        )

    @extend_schema(
        summary="Return for revision (coordination office; board while deciding)",
        parameters=[IDEMPOTENCY_KEY],
        request=s.ReturnSerializer,
        responses={200: s.ApplicationSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    @idempotent
    def return_for_revision(self, request, pk=None):
        return self._transition(
            request,
            pk,
            s.ReturnSerializer,
            lambda app, data: services.return_for_revision(
                request.user, app, data["reason"], data["deadline"]
            ),
        )

    @extend_schema(
        summary="Start the review round (coordination office)",
        parameters=[IDEMPOTENCY_KEY],
        request=s.EmptySerializer,
        responses={200: s.ApplicationSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    @idempotent
    def start_review(self, request, pk=None):
        return self._transition(
            request,
            pk,
            s.EmptySerializer,
            lambda app, data: review_services.start_review(request.user, app),
        )

    @extend_schema(
        summary="Close the review round with fewer reviews (coordination office)",
        parameters=[IDEMPOTENCY_KEY],
        request=s.CompleteReviewSerializer,
        responses={200: s.ApplicationSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    @idempotent
    def complete_review(self, request, pk=None):
        return self._transition(
            request,
            pk,
            s.CompleteReviewSerializer,
            lambda app, data: review_services.close_review_round(request.user, app, data["reason"]),
        )

    @extend_schema(
        summary="Withdraw (the company, before a decision)",
        parameters=[IDEMPOTENCY_KEY],
        request=s.WithdrawSerializer,
        responses={200: s.ApplicationSerializer, **problems(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    @idempotent
    def withdraw(self, request, pk=None):
        return self._transition(
            request,
            pk,
            s.WithdrawSerializer,
            lambda app, data: services.withdraw(request.user, app, data["reason"]),
        )

    # ----- documents (the same checks as the web's documents page)

    @extend_schema(
        methods=["GET"],
        operation_id="applications_documents_list",
        summary="The application's documents",
        responses={200: s.DocumentSerializer(many=True), **problems(404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a document (PDF, while draft or returned)",
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer, **problems(400, 403, 404, 409, 413, 422)},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def documents(self, request, pk=None):
        if request.method == "POST":
            return self._upload(request, pk)
        application = selectors.get_readable_application(request.user, pk)
        page = self.paginate_queryset(selectors.documents(application).order_by("-id"))
        return self.get_paginated_response(s.DocumentSerializer(page, many=True).data)

    @idempotent
    def _upload(self, request, pk):
        application = self._own(pk)
        serializer = s.DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.add_document(request.user, application, data["kind"], data["file"])
        location = reverse("api:application-document", args=[application.pk, document.pk])
        return Response(
            s.DocumentSerializer(document).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    @extend_schema(
        methods=["GET"],
        summary="Download a document",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **problems(404)},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove a document (while draft or returned)",
        responses={204: None, **problems(403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path="documents/<int:document_pk>",
        filter_backends=[],
        pagination_class=None,
    )
    def document(self, request, pk=None, document_pk=None):
        if request.method == "DELETE":
            application = self._own(pk)
            document = Document.objects.filter(application=application, pk=document_pk).first()
            if document is None:
                raise Http404
            services.remove_document(request.user, document)
            return Response(status=status.HTTP_204_NO_CONTENT)
        document = selectors.get_readable_document(request.user, pk, document_pk)
        log_access(
            request.user,
            Action.DOCUMENT,
            application=document.application,
            detail=document.original_name,
        )
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type="application/pdf",
        )

    # ----- the board's decision (a proposal under four eyes)

    def _propose(self, request, pk, outcome, serializer_class):
        """As the board's page: board (403), visible (404), may decide (403), the form (400),
        the service (409, 422). 202 with the proposal under four eyes; 200 once decided."""
        user = request.user
        if not rules.has_perm("decisions.use_board_pages", user):
            raise PermissionDenied(_("Only members of the board may decide."))
        application = self._visible(pk)
        if not rules.has_perm("decisions.decide", user, application):
            raise PermissionDenied(_("You may not decide this application."))
        serializer = serializer_class(data=request.data, context={"application": application})
        serializer.is_valid(raise_exception=True)
        decision = decision_services.propose_decision(
            user, application, outcome, **serializer.validated_data
        )
        code = 202 if decision.status == Decision.Status.OPEN else 200
        location = reverse("api:decision-detail", args=[decision.pk])
        return Response(
            s.DecisionSerializer(decision).data, status=code, headers={"Location": location}
        )

    @extend_schema(
        summary="Approve (board)",
        description=(
            "With four eyes (the programme's setting) this is a proposal: 202 with the open "
            "decision, which a second board member confirms at `/decisions/{id}/confirm/`. "
            "Without, the decision takes effect: 200."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=s.ApproveSerializer,
        responses={
            200: s.DecisionSerializer,
            202: s.DecisionSerializer,
            **problems(400, 403, 404, 409, 422),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    @idempotent
    def approve(self, request, pk=None):
        return self._propose(request, pk, Decision.Outcome.APPROVE, s.ApproveSerializer)

    @extend_schema(
        summary="Reject (board)",
        description="As approve: a proposal (202) under four eyes. Reasons are required (422).",
        parameters=[IDEMPOTENCY_KEY],
        request=s.RejectSerializer,
        responses={
            200: s.DecisionSerializer,
            202: s.DecisionSerializer,
            **problems(400, 403, 404, 409, 422),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    @idempotent
    def reject(self, request, pk=None):
        return self._propose(request, pk, Decision.Outcome.REJECT, s.RejectSerializer)


@extend_schema_view(
    retrieve=extend_schema(
        summary="A decision (board members who may read the application)",
        responses={200: s.DecisionSerializer, **problems(404)},
    ),
)
class DecisionViewSet(ApiMixin, viewsets.GenericViewSet):
    """The board's decisions: a proposal is confirmed or objected to by a second member."""

    serializer_class = s.DecisionSerializer
    queryset = Decision.objects.none()  # (the schema's model)
    pagination_class = None

    def _readable(self, pk):
        """A decision of an application the user may read as a board member (else 404)."""
        decision = decision_selectors.get_visible_decision(self.request.user, pk)
        if not rules.has_perm(
            "decisions.read_application", self.request.user, decision.application
        ):
            raise Http404
        return decision

    def _to_act_on(self, pk):
        """As the board's page: board (403), visible (404), may decide (403)."""
        user = self.request.user
        if not rules.has_perm("decisions.use_board_pages", user):
            raise PermissionDenied(_("Only members of the board may decide."))
        decision = decision_selectors.get_visible_decision(user, pk)
        if not rules.has_perm("decisions.decide", user, decision.application):
            raise PermissionDenied(_("You may not decide this application."))
        return decision

    def retrieve(self, request, pk=None):
        return Response(s.DecisionSerializer(self._readable(pk)).data)

    @extend_schema(
        summary="Confirm a proposal (a second board member)",
        parameters=[IDEMPOTENCY_KEY],
        request=s.EmptySerializer,
        responses={200: s.DecisionSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def confirm(self, request, pk=None):
        decision = decision_services.confirm_decision(request.user, self._to_act_on(pk))
        return Response(s.DecisionSerializer(decision).data)

    @extend_schema(
        summary="Object to a proposal (a second board member; the proposal closes)",
        parameters=[IDEMPOTENCY_KEY],
        request=s.ObjectSerializer,
        responses={200: s.DecisionSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="object")
    @idempotent
    def object_to(self, request, pk=None):
        decision = self._to_act_on(pk)
        serializer = s.ObjectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = decision_services.object_to_decision(
            request.user, decision, serializer.validated_data["note"]
        )
        return Response(s.DecisionSerializer(decision).data)


def _raise_if_stale(model, pk, expected):
    """After a refused change: 412 if the row's version moved on (someone saved in between)."""
    current = model.objects.filter(pk=pk).values_list("version", flat=True).first()
    if current is not None and current != expected:
        raise PreconditionFailed()


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([IPRateThrottle])
def not_found(request):
    raise exceptions.NotFound()
