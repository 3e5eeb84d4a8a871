"""``/api/``: the schema, its docs, the resources under ``v1/`` and the token pages."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import docs, views, views_records, views_review, web

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("organisations", views.OrganizationViewSet, basename="organisation")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("decisions", views.DecisionViewSet, basename="decision")

A = "applications/<int:pk>/"
# The review round, the letters, the log and the inbox (``views_review``, ``views_records``).
v1_paths = [
    path(A + "letters/", views_records.LetterList.as_view(), name="application-letters"),
    path(
        A + "letters/<int:number>/pdf/",
        views_records.LetterPdf.as_view(),
        name="application-letter-pdf",
    ),
    path(A + "log/", views_records.TransitionLog.as_view(), name="application-log"),
    path(
        A + "assignments/",
        views_review.ApplicationAssignments.as_view(),
        name="application-assignments",
    ),
    path(
        A + "assignments/<int:assignment_pk>/",
        views_review.ApplicationAssignment.as_view(),
        name="application-assignment",
    ),
    path(
        A + "board-declaration/",
        views_review.BoardDeclaration.as_view(),
        name="application-board-declaration",
    ),
    path(A + "reviews/", views_review.ApplicationReviews.as_view(), name="application-reviews"),
    path(A + "posts/", views_review.ApplicationPosts.as_view(), name="application-posts"),
    path(
        "assignment-proposal/",
        views_review.AssignmentProposal.as_view(),
        name="assignment-proposal",
    ),
    path("assignments/", views_review.OwnAssignments.as_view(), name="assignment-list"),
    path(
        "assignments/<int:pk>/decline/",
        views_review.DeclineAssignment.as_view(),
        name="assignment-decline",
    ),
    path(
        "assignments/<int:pk>/declaration/",
        views_review.DeclareOnAssignment.as_view(),
        name="assignment-declaration",
    ),
    path(
        "assignments/<int:pk>/review/", views_review.OwnReview.as_view(), name="assignment-review"
    ),
    path("notifications/", views_records.NotificationList.as_view(), name="notification-list"),
    path(
        "notifications/<int:pk>/read/",
        views_records.NotificationRead.as_view(),
        name="notification-read",
    ),
]

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/new/", web.token_create, name="token-create"),
    path("tokens/<int:pk>/revoke/", web.token_revoke, name="token-revoke"),
    path("v1/", include(router.urls)),
    path("v1/", include(v1_paths)),
    # Anything else under v1/ is a problem too, never the web's 404 page.
    re_path(r"^v1/", views.not_found, name="not-found"),
]
