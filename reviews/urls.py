from django.urls import path

from . import views

urlpatterns = [
    path("", views.review_list, name="review-list"),
    path("progress/", views.progress, name="review-progress"),
    path("<int:pk>/", views.assignment_detail, name="assignment-detail"),
    path("<int:pk>/declare/", views.declare, name="assignment-declare"),
    path("<int:pk>/decline/", views.decline, name="assignment-decline"),
    path("<int:pk>/review/", views.review_form, name="review-form"),
    # The coordination office manages the round of one application
    path("applications/<int:pk>/", views.manage_round, name="review-round"),
    path("applications/<int:pk>/assign/", views.assign, name="review-assign"),
    path("assignments/<int:pk>/remove/", views.remove, name="assignment-remove"),
    path("applications/<int:pk>/start/", views.start, name="review-start"),
    path("applications/<int:pk>/close/", views.close_round, name="review-close"),
    # The discussion of one application (reviewers once their review is in, office, board)
    path("applications/<int:pk>/discussion/", views.discussion_page, name="review-discussion"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post-edit"),
    # The coordination office edits a programme's scoring rubric
    path("programmes/<int:pk>/rubric/", views.rubric_edit, name="rubric-edit"),
    # The office's assignment proposal and its list of sectors; the reviewer's profile
    path("proposal/", views.proposal, name="review-proposal"),
    path("sectors/", views.sectors, name="review-sectors"),
    path("sectors/<int:pk>/", views.sector_edit, name="review-sector-edit"),
    path("profile/", views.reviewer_profile, name="reviewer-profile"),
]
