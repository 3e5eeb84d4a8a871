from django.urls import path

from . import views

urlpatterns = [
    path("board/", views.queue, name="board-queue"),
    path("board/applications/<int:pk>/", views.decide, name="board-decide"),
    path("board/applications/<int:pk>/declare/", views.declare, name="board-declare"),
    path("board/decisions/<int:pk>/confirm/", views.confirm, name="decision-confirm"),
    path("board/decisions/<int:pk>/object/", views.object_to, name="decision-object"),
    path(
        "applications/<int:pk>/letters/<int:letter_pk>/",
        views.letter_download,
        name="letter-download",
    ),
    path(
        "applications/<int:pk>/letters/<int:letter_pk>/resend/",
        views.letter_resend,
        name="letter-resend",
    ),
]
