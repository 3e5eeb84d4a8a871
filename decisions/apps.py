from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Decisions")

    def ready(self):
        from . import history, letter_reminders, mails, panels, reminders, signals

        signals.connect()
        mails.register()
        panels.register()
        reminders.register()
        letter_reminders.register()
        history.register()
