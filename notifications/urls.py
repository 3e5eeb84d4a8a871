from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox_page, name="notification-inbox"),
    path("read/", views.mark_read, name="notification-read"),
    path("<int:pk>/open/", views.open_entry, name="notification-open"),
    path("preferences/", views.preferences, name="notification-preferences"),
    path("sent/", views.sent_log, name="notifications-sent"),
    path("mine/", views.my_mails, name="notifications-mine"),
]
