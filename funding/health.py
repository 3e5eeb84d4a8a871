"""GET /healthz for the load balancer: 200 when the database and the broker answer, else 503
naming the one that failed. No login, no redirect to https (SECURE_REDIRECT_EXEMPT), no cache."""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Seconds the broker may take to answer a PING.
BROKER_TIMEOUT = 2


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver or connection error means: not usable
        logger.warning("healthz: database check failed", exc_info=True)
        return False


def broker_ok():
    if settings.REDIS_URL:
        import redis

        try:
            with redis.Redis.from_url(
                settings.REDIS_URL,
                socket_connect_timeout=BROKER_TIMEOUT,
                socket_timeout=BROKER_TIMEOUT,
            ) as client:
                return bool(client.ping())
        except Exception:  # any connection or protocol error means: not usable
            logger.warning("healthz: broker check failed", exc_info=True)
            return False
    # Celery's filesystem transport: its folders exist and this process may write into them.
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    folders = {options[key] for key in ("data_folder_in", "data_folder_out", "processed_folder")}
    for folder in folders:
        if not (Path(folder).is_dir() and os.access(folder, os.W_OK | os.X_OK)):
            logger.warning("healthz: broker folder %s missing or not writable", folder)
            return False
    return True


@require_safe
def healthz(request):
    checks = {
        "database": "ok" if database_ok() else "unavailable",
        "broker": "ok" if broker_ok() else "unreachable",
    }
    healthy = all(value == "ok" for value in checks.values())
    response = JsonResponse(checks, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
