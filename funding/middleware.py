"""The project's middleware: domain errors and empty 405s as our pages (never a 500), a lost
database as 503, the Permissions-Policy header, and the request size limit (413) with its
upload handler."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from .errors import RuleViolation, StateConflict

logger = logging.getLogger(__name__)


def _resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG and not _resolves(request.path_info):
            # DEBUG would show Django's technical 404, which users take for a crash
            return render(request, "404.html", status=404)
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            # require_POST and friends answer with an empty body: show our page instead.
            page = render(request, "405.html", status=405)
            page["Allow"] = response["Allow"]
            return page
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return render(request, "404.html", {"exception": exception}, status=404)
        if isinstance(exception, ConcurrentTransition | TransitionNotAllowed):
            exception = StateConflict()
        if isinstance(exception, StateConflict):
            return render(request, "errors/409.html", {"message": exception.message}, status=409)
        if isinstance(exception, RuleViolation):
            context = {"messages_list": exception.messages}
            return render(request, "errors/422.html", context, status=422)
        if isinstance(exception, OperationalError | InterfaceError):
            # The database went away (a restart, a dropped connection): the transaction was
            # rolled back. Say so without touching the database again (no user, no session).
            logger.error("database unavailable: %s", exception, exc_info=exception)
            page = HttpResponse(render_to_string("503.html"), status=503)
            page["Retry-After"] = "60"
            return page
        return None


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY as the Permissions-Policy header on every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


class RequestTooLarge(RequestDataTooBig):
    """The body (as far as it was read) is larger than settings.MAX_REQUEST_BYTES."""


def declared_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def too_large(request):
    return render(request, "413.html", {"limit": settings.MAX_REQUEST_BYTES}, status=413)


class RequestSizeLimitMiddleware:
    """413 when Content-Length exceeds settings.MAX_REQUEST_BYTES, without reading the body.

    A body without a declared length that turns out too large while an upload is parsed is
    stopped by ``LimitedUploadHandler``; its ``RequestTooLarge`` (a 400 for Django) becomes the
    same 413 page here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if declared_length(request) > settings.MAX_REQUEST_BYTES:
            return too_large(request)
        response = self.get_response(request)
        if getattr(request, "_funding_too_large", False):
            return too_large(request)
        return response


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: stops parsing an upload past settings.MAX_REQUEST_BYTES."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length and content_length > settings.MAX_REQUEST_BYTES:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received = getattr(self, "received", 0) + len(raw_data)
        if self.received > settings.MAX_REQUEST_BYTES:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        if self.request is not None:
            self.request._funding_too_large = True
        raise RequestTooLarge(
            f"Upload larger than MAX_REQUEST_BYTES ({settings.MAX_REQUEST_BYTES} bytes)."
        )
