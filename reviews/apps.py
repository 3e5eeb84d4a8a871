from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from applications import history_notes

        from . import discussion, mails, panels, programme_settings, reminders, signals

        signals.connect()
        mails.register()
        panels.register()
        reminders.register()
        discussion.register()
        programme_settings.register()
        history_notes.add_note(
            "round_complete", _("automatic: the last required review was submitted")
        )
