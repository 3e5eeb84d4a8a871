"""The Celery app. Broker: Redis when REDIS_URL is set, else a local folder (filesystem)."""

import os

from celery import Celery

from .logs import connect_task_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funding.settings")

app = Celery("funding")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Retries of the tasks that send mail or render letters: late acknowledgement, backing off.
TASK_RETRY = {
    "acks_late": True,
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}

# One log line per task (name, id, outcome, duration; funding/logs.py).
connect_task_signals()
