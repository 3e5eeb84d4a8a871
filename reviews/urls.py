from django.urls import path

from . import views

urlpatterns = [
    path("", views.review_list, name="review-list"),
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
]
