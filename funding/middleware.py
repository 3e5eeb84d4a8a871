"""One place that turns domain errors into the HTTP answers of docs/design.md (never a 500)."""

from django.shortcuts import render
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from .errors import RuleViolation, StateConflict


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ConcurrentTransition | TransitionNotAllowed):
            exception = StateConflict()
        if isinstance(exception, StateConflict):
            return render(request, "errors/409.html", {"message": exception.message}, status=409)
        if isinstance(exception, RuleViolation):
            context = {"messages_list": exception.messages}
            return render(request, "errors/422.html", context, status=422)
        return None
