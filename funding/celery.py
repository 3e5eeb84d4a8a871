"""The Celery app. Broker: Redis when REDIS_URL is set, else a local folder (filesystem)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funding.settings")

app = Celery("funding")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
