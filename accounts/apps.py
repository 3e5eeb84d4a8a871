from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import panels, sections, signals  # noqa: F401  (signals: receivers)

        panels.register()
        sections.register()
