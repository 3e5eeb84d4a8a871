from django.urls import path

from . import views

urlpatterns = [
    path("access-log/", views.access_log, name="records-access-log"),
    path(
        "applications/<int:pk>/access-log/",
        views.application_access_log,
        name="records-application-access-log",
    ),
    path("retention/", views.retention, name="records-retention"),
    path("retention/confirm/", views.confirm_deletion, name="records-confirm-deletion"),
    path(
        "organizations/<int:pk>/export/",
        views.export_organization,
        name="records-export-organization",
    ),
]
