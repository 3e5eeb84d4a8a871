"""The project's urls plus the webhook pages (until funding/urls.py includes them)."""

from django.urls import include, path

from funding.urls import urlpatterns as project

urlpatterns = [path("webhooks/", include("webhooks.urls")), *project]
