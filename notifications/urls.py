from django.urls import path

from . import views

urlpatterns = [
    path("sent/", views.sent_log, name="notifications-sent"),
    path("mine/", views.my_mails, name="notifications-mine"),
]
