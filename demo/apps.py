from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (``seed_demo``): above every app it seeds, used by ``make run``."""

    name = "demo"
    verbose_name = "Demo"
