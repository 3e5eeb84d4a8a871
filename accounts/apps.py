from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from notifications import registry

        from . import panels, sections, selectors, signals  # noqa: F401  (signals: receivers)

        panels.register()
        sections.register()
        registry.add_language_source(selectors.languages_of)
