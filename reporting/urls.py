from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_page, name="reporting-report"),
    path("download.<str:fmt>", views.report_download, name="reporting-download"),
]
