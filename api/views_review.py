"""The review round under ``/api/v1/``: assignments, conflict declarations, reviews and the
discussion. Thin views over the web's selectors and services (``reviews``, ``decisions``):
the same permissions in the same order as the pages (the role 403, an object the caller may
not see 404, then the service: 403, 409, 422)."""

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from applications import selectors as application_selectors
from applications.models import Application
from decisions import services as decision_services
from funding.errors import RuleViolation, StateConflict
from funding.models import Programme
from reviews import selectors, services
from reviews.models import Assignment, Review, Score

from . import serializers_review as r
from .idempotency import PARAMETER as IDEMPOTENCY_KEY
from .idempotency import idempotent
from .views import ApiMixin, problems

LIST_PROBLEMS = problems(404)


def _coordinator(user):
    """As the web's round page: the coordination office only (403)."""
    if not rules.has_perm("reviews.manage_round", user):
        raise PermissionDenied(_("Only the coordination office runs the review round."))


def _round_application(user, pk):
    """The round page's application: the office (403), visible (404), not its own (403)."""
    _coordinator(user)
    application = application_selectors.get_visible_application(user, pk)
    if not rules.has_perm("reviews.manage_round", user, application):
        raise PermissionDenied(_("Only the coordination office runs the review round."))
    return application


def _assignment_answer(assignment, code=200, headers=None):
    assignment = Assignment.objects.select_related("reviewer", "review").get(pk=assignment.pk)
    return Response(r.AssignmentSerializer(assignment).data, status=code, headers=headers)


# ----- the office: assignments of an application, the proposal --------------------------------


class ApplicationAssignments(ApiMixin, generics.GenericAPIView):
    serializer_class = r.AssignmentSerializer
    queryset = Application.objects.none()  # (the schema's model: the path's id)

    @extend_schema(
        operation_id="applications_assignments_list",
        summary="Reviewer assignments of an application (coordination office)",
        description="Every round's assignments, as on the round page.",
        responses={200: r.AssignmentSerializer(many=True), **problems(403, 404)},
    )
    def get(self, request, pk):
        application = _round_application(request.user, pk)
        page = self.paginate_queryset(selectors.round_assignments(application))
        return self.get_paginated_response(r.AssignmentSerializer(page, many=True).data)

    @extend_schema(
        summary="Assign a reviewer (coordination office)",
        description="While submitted or in review (409); the reviewer must be a member of the "
        "expert project, not of the applicant organisation, not assigned already (422).",
        parameters=[IDEMPOTENCY_KEY],
        request=r.AssignSerializer,
        responses={201: r.AssignmentSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, pk):
        _coordinator(request.user)
        application = application_selectors.get_visible_application(request.user, pk)
        serializer = r.AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.assign_reviewer(
            request.user, application, serializer.validated_data["reviewer"]
        )
        location = reverse("api:application-assignment", args=[application.pk, assignment.pk])
        return _assignment_answer(assignment, status.HTTP_201_CREATED, {"Location": location})


class ApplicationAssignment(ApiMixin, generics.GenericAPIView):
    serializer_class = r.AssignmentSerializer
    queryset = Application.objects.none()
    pagination_class = None

    def _assignment(self, pk, assignment_pk):
        _coordinator(self.request.user)
        application = application_selectors.get_visible_application(self.request.user, pk)
        assignment = (
            Assignment.objects.filter(application=application, pk=assignment_pk)
            .select_related("application__programme", "application__organization")
            .first()
        )
        if assignment is None:
            raise Http404
        return assignment

    @extend_schema(
        summary="One assignment (coordination office)",
        responses={200: r.AssignmentSerializer, **problems(403, 404)},
    )
    def get(self, request, pk, assignment_pk):
        assignment = self._assignment(pk, assignment_pk)
        if not rules.has_perm("reviews.manage_round", request.user, assignment.application):
            raise PermissionDenied(_("Only the coordination office runs the review round."))
        return _assignment_answer(assignment)

    @extend_schema(
        summary="Remove an open assignment (coordination office)",
        description="Only an open one while submitted or in review (409).",
        responses={204: None, **problems(403, 404, 409)},
    )
    def delete(self, request, pk, assignment_pk):
        assignment = self._assignment(pk, assignment_pk)
        services.remove_assignment(request.user, assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentProposal(ApiMixin, generics.GenericAPIView):
    serializer_class = r.ProposalSerializer
    queryset = Application.objects.none()
    pagination_class = None

    @extend_schema(
        summary="The assignment proposal (coordination office, read-only)",
        description="Reviewers proposed for every application lacking them (of `programme`, "
        "or all). Confirm rows by assigning them (`POST /applications/{id}/assignments/`).",
        parameters=[OpenApiParameter("programme", OpenApiTypes.INT, required=False)],
        responses={200: r.ProposalSerializer, **problems(400, 403)},
    )
    def get(self, request):
        programme = None
        wanted = request.query_params.get("programme")
        if wanted not in (None, ""):
            if not (wanted.isascii() and wanted.isdigit()) or len(wanted) > 18:
                raise exceptions.ValidationError({"programme": [_("Please choose a programme.")]})
            programme = Programme.objects.filter(pk=int(wanted)).first()
            if programme is None:
                raise exceptions.ValidationError({"programme": [_("Please choose a programme.")]})
        proposal = services.propose_assignments(request.user, programme)
        data = {
            "cap": proposal.cap,
            "rows": proposal.rows,
            "unfilled": [
                {"application": application, "missing": missing}
                for application, missing in proposal.unfilled
            ],
        }
        return Response(r.ProposalSerializer(data).data)


# ----- the reviewer: own assignments, decline, declare, review --------------------------------


class OwnAssignments(ApiMixin, generics.GenericAPIView):
    serializer_class = r.OwnAssignmentSerializer
    queryset = Assignment.objects.none()

    @extend_schema(
        operation_id="assignments_list",
        summary="Your assignments (reviewers)",
        description="The current rounds' assignments and your finished reviews, as your list "
        "on the web.",
        responses={200: r.OwnAssignmentSerializer(many=True), **problems(403, 404)},
    )
    def get(self, request):
        if not rules.has_perm("reviews.list", request.user):
            raise PermissionDenied(_("Only reviewers have assignments."))
        page = self.paginate_queryset(selectors.own_assignments(request.user))
        return self.get_paginated_response(r.OwnAssignmentSerializer(page, many=True).data)


class DeclineAssignment(ApiMixin, generics.GenericAPIView):
    serializer_class = r.AssignmentSerializer
    queryset = Assignment.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Decline an open assignment (the reviewer)",
        parameters=[IDEMPOTENCY_KEY],
        request=r.DeclineSerializer,
        responses={200: r.AssignmentSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, pk):
        assignment = selectors.get_own_assignment(request.user, pk)
        serializer = r.DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data["reason"]
        services.decline_assignment(request.user, assignment, reason)
        return _assignment_answer(assignment)


class DeclareOnAssignment(ApiMixin, generics.GenericAPIView):
    serializer_class = r.DeclaredAssignmentSerializer
    queryset = Assignment.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Declare on conflicts of interest (the reviewer), or correct it",
        description="A conflict recuses you (the assignment becomes recused); a correction is "
        "a new declaration that supersedes the previous one. Repeating the current one: 422.",
        parameters=[IDEMPOTENCY_KEY],
        request=r.DeclarationRequestSerializer,
        responses={200: r.DeclaredAssignmentSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, pk):
        assignment = selectors.get_own_assignment(request.user, pk)
        serializer = r.DeclarationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.declare_conflict(request.user, assignment, data["kind"], data["note"])
        assignment = Assignment.objects.select_related("reviewer", "review").get(pk=assignment.pk)
        body = {"assignment": assignment, "declaration": selectors.declaration(assignment)}
        return Response(r.DeclaredAssignmentSerializer(body).data)


class BoardDeclaration(ApiMixin, generics.GenericAPIView):
    serializer_class = r.DeclarationSerializer
    queryset = Application.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Declare on conflicts of interest (a board member), or correct it",
        description="While the application awaits the decision (409). A declared conflict "
        "stands for the round: it may be corrected to another type only (422).",
        parameters=[IDEMPOTENCY_KEY],
        request=r.DeclarationRequestSerializer,
        responses={201: r.DeclarationSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, pk):
        if not rules.has_perm("decisions.use_board_pages", request.user):
            raise PermissionDenied(_("Only members of the board may open the board's pages."))
        application = application_selectors.get_visible_application(request.user, pk)
        serializer = r.DeclarationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        declaration = decision_services.declare_board_conflict(
            request.user, application, data["kind"], data["note"]
        )
        return Response(r.DeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)


def _review_of(assignment):
    """The assignment's review with its scores' criteria, or None."""
    scores = Prefetch("scores", queryset=Score.objects.select_related("criterion"))
    return (
        Review.objects.filter(assignment_id=assignment.pk)
        .select_related("assignment")
        .prefetch_related(scores)
        .first()
    )


def _scores_errors(violation):
    """The service's ``score_<key>`` errors under ``scores.<key>`` (the request's names)."""
    errors = {}
    for name, messages in violation.errors.items():
        if isinstance(name, str) and name.startswith("score_"):
            name = "scores." + name.removeprefix("score_")
        errors[name] = messages
    return RuleViolation(errors)


class OwnReview(ApiMixin, generics.GenericAPIView):
    serializer_class = r.OwnReviewSerializer
    queryset = Assignment.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Your review of the assignment",
        responses={200: r.OwnReviewSerializer, **problems(404)},
    )
    def get(self, request, pk):
        assignment = selectors.get_own_assignment(request.user, pk)
        review = _review_of(assignment)
        if review is None:
            raise Http404
        return Response(r.OwnReviewSerializer(review).data)

    def _save(self, request, pk, creating):
        assignment = selectors.get_own_assignment(request.user, pk)
        exists = Review.objects.filter(assignment_id=assignment.pk).exists()
        if creating and exists:
            raise StateConflict(_("Your review exists already: change it with PUT."))
        if not creating and not exists:
            raise Http404
        serializer = r.ReviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.submit_review(request.user, assignment, serializer.form_data())
        except RuleViolation as violation:
            raise _scores_errors(violation) from None
        review = _review_of(assignment)
        code = status.HTTP_201_CREATED if creating else status.HTTP_200_OK
        return Response(r.OwnReviewSerializer(review).data, status=code)

    @extend_schema(
        summary="Submit your review (the reviewer, after declaring no conflict)",
        description="Scores by the programme's rubric (required criteria: 422). The last "
        "required review closes the round. A review exists already: 409 (use PUT).",
        parameters=[IDEMPOTENCY_KEY],
        request=r.ReviewRequestSerializer,
        responses={201: r.OwnReviewSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, pk):
        return self._save(request, pk, creating=True)

    @extend_schema(
        summary="Change your review (until the board decides)",
        request=r.ReviewRequestSerializer,
        responses={200: r.OwnReviewSerializer, **problems(400, 403, 404, 409, 422)},
    )
    def put(self, request, pk):
        return self._save(request, pk, creating=False)


# ----- reading the reviews and the discussion (the blind-review rule) -------------------------


def _discussion_application(user, pk):
    """As the web's discussion page: visible (404), ``reviews.read_discussion`` (403)."""
    application = application_selectors.get_visible_application(user, pk)
    if not rules.has_perm("reviews.read_discussion", user, application):
        raise PermissionDenied(
            _("The discussion is open to you once you have submitted your own review.")
        )
    return application


class ApplicationReviews(ApiMixin, generics.GenericAPIView):
    serializer_class = r.ReviewSerializer
    queryset = Application.objects.none()

    @extend_schema(
        operation_id="applications_reviews_list",
        summary="The submitted reviews of an application (blind review)",
        description="Under the discussion's rule: reviewers of the current round once their "
        "own review is in, the office (every round), board members who may read the "
        "application (the current round). Others: 403.",
        responses={200: r.ReviewSerializer(many=True), **problems(403, 404)},
    )
    def get(self, request, pk):
        application = _discussion_application(request.user, pk)
        reviews = Review.objects.filter(
            assignment__application=application, assignment__status=Assignment.Status.DONE
        )
        if not rules.has_perm("reviews.manage_round", request.user, application):
            reviews = reviews.filter(assignment__round=application.submission_count)
        reviews = reviews.select_related("assignment__reviewer").prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("criterion"))
        )
        page = self.paginate_queryset(reviews)
        return self.get_paginated_response(r.ReviewSerializer(page, many=True).data)


class ApplicationPosts(ApiMixin, generics.GenericAPIView):
    serializer_class = r.PostSerializer
    queryset = Application.objects.none()

    @extend_schema(
        operation_id="applications_posts_list",
        summary="The discussion of an application (blind review)",
        description="As the web's discussion page: reviewers once their own review is in, "
        "the office, board members who may read the application. Others: 403.",
        responses={200: r.PostSerializer(many=True), **problems(403, 404)},
    )
    def get(self, request, pk):
        application = _discussion_application(request.user, pk)
        posts = selectors.discussion(application)
        page = self.paginate_queryset(posts)
        return self.get_paginated_response(r.PostSerializer(page, many=True).data)

    @extend_schema(
        summary="Write a post (until the board decides)",
        parameters=[IDEMPOTENCY_KEY],
        request=r.PostRequestSerializer,
        responses={201: r.PostSerializer, **problems(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, pk):
        application = _discussion_application(request.user, pk)
        serializer = r.PostRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.add_post(request.user, application, serializer.validated_data["body"])
        post = selectors.discussion(application).get(pk=post.pk)
        return Response(r.PostSerializer(post).data, status=status.HTTP_201_CREATED)
