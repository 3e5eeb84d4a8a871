"""Structured logs: one line per request and one per task, as key=value text or JSON.

A log record carries its fields in ``record.fields`` (a dict, passed as
``logger.info("request", extra={"fields": {...}})``); the formatters below write them after the
message (text) or as keys of one JSON object per line (``LOG_FORMAT=json``).

Views may add fields to the request's line through ``request.log_context`` (a dict), e.g.
``note(request, reference=application.reference)``; code that has no request at hand (a
selector, a task) calls ``note_here(reference=...)``, which adds to the line of whatever request
or task is running. A URL about an application (``.../applications/<int:pk>/...``) gets
``application=<pk>`` without a query.
"""

import contextvars
import json
import logging
import time
from datetime import UTC, datetime

from django.utils.functional import empty

request_logger = logging.getLogger("funding.requests")
task_logger = logging.getLogger("funding.tasks")

# Routes whose ``pk`` is an application's id (applications, documents, letters, board, rounds).
APPLICATION_ROUTE = "applications/<int:pk>/"
# URL parameters that are secrets (invitation links, password-reset links): never logged.
SECRET_URL_KWARGS = ("token", "uidb64")
# Paths polled by machines: logged at DEBUG only while they answer 200.
QUIET_PATHS = ("/healthz",)


# The log fields of the request this thread (or task) is answering, if any.
_request_fields = contextvars.ContextVar("funding_log_request", default=None)


def note(request, **fields):
    """Add fields (e.g. ``reference=...``) to the log line of this request."""
    context = getattr(request, "log_context", None)
    if context is not None:
        context.update(fields)


def note_here(**fields):
    """Add fields to the log line of the request or task being served (none: nothing)."""
    context = _request_fields.get()
    if context is not None:
        context.update(fields)
    note_task(**fields)


def _text_value(value):
    text = "-" if value is None else str(value)
    if not text or any(c.isspace() or c in '"=\\' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    """``2025-05-01T10:00:00+00:00 INFO funding.requests request method=GET path=/ ...``"""

    def format(self, record):
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        line = f"{stamp} {record.levelname} {record.name} {record.getMessage()}"
        fields = getattr(record, "fields", None) or {}
        if fields:
            line += " " + " ".join(f"{key}={_text_value(value)}" for key, value in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the fields, exception."""

    def format(self, record):
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in (getattr(record, "fields", None) or {}).items():
            data.setdefault(key, value)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _user_id(request):
    """The user's id if the request already knows it (never a query of its own)."""
    user = getattr(request, "user", None)
    while user is not None and getattr(user, "_wrapped", None) is not None:
        wrapped = user._wrapped  # a SimpleLazyObject (auth, then django-otp around it)
        if wrapped is empty:
            return None
        user = wrapped
    return getattr(user, "pk", None)


def _logged_path(path, match):
    """The path with secrets in it (invitation and password-reset tokens) masked."""
    if match is not None:
        for name in SECRET_URL_KWARGS:
            value = match.kwargs.get(name)
            if value and value != "set-password":
                path = path.replace(str(value), "***")
    return path


class RequestLogMiddleware:
    """``request method=GET path=/applications/7/ status=200 duration_ms=12.3 user=4 ...``"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.log_context = {}
        token = _request_fields.set(request.log_context)
        try:
            response = self.get_response(request)
        finally:
            _request_fields.reset(token)
        duration = (time.perf_counter() - started) * 1000
        match = getattr(request, "resolver_match", None)
        fields = {
            "method": request.method,
            "path": _logged_path(request.path, match),
            "status": response.status_code,
            "duration_ms": round(duration, 1),
            "user": _user_id(request),
        }
        if match is not None and APPLICATION_ROUTE in (match.route or "") and "pk" in match.kwargs:
            fields["application"] = match.kwargs["pk"]
        fields.update(request.log_context)
        level = logging.INFO
        if request.path in QUIET_PATHS and response.status_code == 200:
            level = logging.DEBUG
        request_logger.log(level, "request", extra={"fields": fields})
        return response


# --- Celery tasks (connected in funding/celery.py) ---------------------------------------------
# task id -> (start time, fields the task noted); one entry per running task in this process.
_running = {}
_current_task = contextvars.ContextVar("funding_log_task", default=None)


def note_task(**fields):
    """Add fields (e.g. ``reference=...``) to the log line of the running task."""
    entry = _running.get(_current_task.get())
    if entry is not None:
        entry[1].update(fields)


def task_started(task_id=None, **_):
    _running[task_id] = (time.perf_counter(), {})
    _current_task.set(task_id)


def task_failed(task_id=None, exception=None, **_):
    entry = _running.get(task_id)
    if entry is not None and exception is not None:
        entry[1]["error"] = type(exception).__name__


def task_finished(task_id=None, task=None, state=None, **_):
    started, noted = _running.pop(task_id, (None, {}))
    duration = None if started is None else round((time.perf_counter() - started) * 1000, 1)
    if _current_task.get() == task_id:
        _current_task.set(None)
    # No state: the exception left the task (an eager call that propagates it).
    outcome = (state or "failure").lower()
    fields = {
        "task": getattr(task, "name", None),
        "id": task_id,
        "outcome": outcome,
        "duration_ms": duration,
        **noted,
    }
    level = logging.WARNING if outcome in ("failure", "retry") else logging.INFO
    task_logger.log(level, "task", extra={"fields": fields})


def connect_task_signals():
    from celery.signals import task_failure, task_postrun, task_prerun

    task_prerun.connect(task_started, weak=False, dispatch_uid="funding.logs.task_started")
    task_failure.connect(task_failed, weak=False, dispatch_uid="funding.logs.task_failed")
    task_postrun.connect(task_finished, weak=False, dispatch_uid="funding.logs.task_finished")
