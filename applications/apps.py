from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from . import draft_reminders, mails, panels, reminders, thread

        mails.register()
        panels.register()
        reminders.register()
        draft_reminders.register()
        thread.register()
