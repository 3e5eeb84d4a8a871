"""One error body for the whole API: RFC 9457 problem details (``application/problem+json``).

``exception_handler`` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) answers every refusal with
``{"type", "title", "status", "detail"}`` and, for invalid input (400) and broken rules (422),
``errors``: ``{field: [messages]}`` (``non_field_errors`` for the whole object). The project's
domain errors get the web's statuses (docs/design.md "HTTP answers"): ``PermissionDenied`` 403,
``Http404`` 404, ``StateConflict`` (and django-fsm's refusals) 409, ``RuleViolation`` 422.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from funding.errors import RuleViolation, StateConflict

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:risikokapital:problem:"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy(
        'Send the version you read as "If-Match" (the ETag of your last GET).'
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "Someone else changed this in the meantime: read it again and repeat your change."
    )
    default_code = "precondition_failed"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_detail = gettext_lazy(
        "This Idempotency-Key was used for a different request: use a new key."
    )
    default_code = "idempotency_key_reused"


def titles():
    """The problem's title per status (translated when asked)."""
    return {
        400: _("The request is malformed."),
        401: _("Authentication required."),
        403: _("You may not do this."),
        404: _("Not found."),
        405: _("Method not allowed."),
        406: _("Not acceptable."),
        409: _("The state does not allow this."),
        412: _("Precondition failed."),
        413: _("The request is too large."),
        415: _("Unsupported media type."),
        422: _("The request breaks one or more rules."),
        428: _("Precondition required."),
        429: _("Too many requests."),
    }


SLUGS = {
    400: "validation-error",
    401: "not-authenticated",
    403: "permission-denied",
    404: "not-found",
    409: "state-conflict",
    412: "precondition-failed",
    422: "rule-violation",
    428: "precondition-required",
    429: "throttled",
}


def problem(status_code, detail="", errors=None, headers=None, slug=None):
    """A problem response (also for views that answer one themselves)."""
    body = {
        "type": TYPE_PREFIX + (slug or SLUGS.get(status_code, str(status_code))),
        "title": titles().get(status_code, _("The request could not be served.")),
        "status": status_code,
        "detail": str(detail) if detail else titles().get(status_code, ""),
    }
    if errors is not None:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)


def flatten(detail, prefix=""):
    """DRF's error detail as ``{field: [messages]}`` (nested fields as ``a.b`` / ``a.0.b``)."""
    key = prefix or api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(detail, dict):
        result = {}
        for name, value in detail.items():
            inner = name if not prefix else f"{prefix}.{name}"
            if name == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                inner = prefix
            for field, messages in flatten(value, inner).items():
                result.setdefault(field, []).extend(messages)
        return result
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return {key: [str(item) for item in detail]} if detail else {}
        result = {}
        for index, value in enumerate(detail):
            for field, messages in flatten(value, f"{key}.{index}").items():
                result.setdefault(field, []).extend(messages)
        return result
    return {key: [str(detail)]}


def rule_errors(violation):
    """``RuleViolation.errors`` with the whole object's rules under ``non_field_errors``."""
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name is None else name): [str(m) for m in messages]
        for name, messages in violation.errors.items()
    }


def exception_handler(exc, context):
    """Every refusal as a problem; anything else (a bug) is left to Django (500)."""
    if isinstance(exc, ConcurrentTransition | TransitionNotAllowed):
        exc = StateConflict()
    if isinstance(exc, StateConflict):
        return problem(409, exc.message)
    if isinstance(exc, RuleViolation):
        return problem(422, exc.messages[0] if exc.messages else "", rule_errors(exc))
    if isinstance(exc, Http404):
        return problem(404, _("Not found."))
    if isinstance(exc, PermissionDenied):
        return problem(403, str(exc) or _("You may not do this."))
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(exc.detail)
        first = next((m for messages in errors.values() for m in messages), "")
        return problem(400, first, errors, headers)
    if isinstance(exc, IdempotencyKeyReused):
        return problem(
            422,
            exc.detail,
            {"Idempotency-Key": [str(exc.detail)]},
            headers,
            slug="idempotency-key-reused",
        )
    detail = exc.detail if isinstance(exc.detail, str) else ""
    return problem(exc.status_code, detail, headers=headers)
