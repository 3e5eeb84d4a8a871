from django.urls import path

from . import views

urlpatterns = [
    path("", views.endpoint_list, name="webhooks-list"),
    path("new/", views.endpoint_create, name="webhooks-create"),
    path("<int:pk>/", views.endpoint_log, name="webhooks-log"),
    path("<int:pk>/active/", views.endpoint_active, name="webhooks-active"),
    path("<int:pk>/delete/", views.endpoint_delete, name="webhooks-delete"),
    path(
        "<int:pk>/deliveries/<int:delivery_pk>/send-again/",
        views.delivery_send_again,
        name="webhooks-send-again",
    ),
]
