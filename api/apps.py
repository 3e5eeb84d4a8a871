from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self):
        from . import authentication, sections  # noqa: F401  (the schema's token scheme)

        sections.register()
