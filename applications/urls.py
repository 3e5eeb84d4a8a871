from django.urls import path

from . import thread_views, views

urlpatterns = [
    path("applications/", views.application_list, name="application-list"),
    path(
        "applications/export.csv",
        views.application_export,
        {"file_format": "csv"},
        name="application-export-csv",
    ),
    path(
        "applications/export.xlsx",
        views.application_export,
        {"file_format": "xlsx"},
        name="application-export-xlsx",
    ),
    path("applications/new/", views.application_new, name="application-new"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/company/", views.company_edit, name="application-company"),
    path(
        "applications/<int:pk>/edit/<slug:section>/",
        views.section_edit,
        name="application-section",
    ),
    path("applications/<int:pk>/documents/", views.documents, name="application-documents"),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/",
        views.document_download,
        name="document-download",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/delete/",
        views.document_delete,
        name="document-delete",
    ),
    path("applications/<int:pk>/submit/", views.submit, name="application-submit"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="application-withdraw"),
    path("applications/<int:pk>/return/", views.return_for_revision, name="application-return"),
    path(
        "applications/<int:pk>/messages/",
        thread_views.messages_page,
        name="application-messages",
    ),
    path(
        "applications/<int:pk>/versions/<int:number>/",
        views.version_detail,
        name="application-version",
    ),
]
