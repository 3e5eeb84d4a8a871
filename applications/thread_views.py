"""The message thread's URL: POST writes a message (``thread.post_message``), GET shows the
application's page with the form.

Thin: the application through the detail page's access path (another company: 404), the
service answers the permission (403) and the rules (422: the page again, the text as typed and
the rule beside the field); a written message redirects (303) to the page's thread.
"""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from funding.audit import Action, log_access
from funding.web import attempt

from . import selectors, thread
from .views import _detail_context

# How the thread's part starts on the page (its template's section), to put the form in it.
PART_MARK = f'id="{thread.ANCHOR}"'


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def messages_page(request, pk):
    application = selectors.get_visible_application(request.user, pk)
    if request.method != "POST":
        if not rules.has_perm("applications.read_thread", request.user, application):
            raise PermissionDenied(_("You may not read this thread."))
        return _page(request, application)
    body = request.POST.get("body", "")
    message, refused = attempt(lambda: thread.post_message(request.user, application, body))
    if refused is not None:
        return _page(request, application, refused.status, body, refused.messages)
    messages.success(request, _("Your message has been sent."))
    url = reverse("application-detail", args=[pk]) + f"#{thread.ANCHOR}"
    response = HttpResponseRedirect(url)
    response.status_code = 303  # See Other: the page, fetched with GET
    return response


def _page(request, application, status=200, body="", errors=()):
    """The application's page, its thread part rendered with the request (the form's CSRF
    token), what the user typed and the rules it broke."""
    log_access(request.user, Action.VIEW, application=application)
    context = _detail_context(request.user, application, request)
    part = render_to_string(
        thread.TEMPLATE,
        thread.context(request.user, application, body=body, errors=errors),
        request=request,
    )
    context["parts"] = [part if PART_MARK in html else html for html in context["parts"]]
    return render(request, "applications/detail.html", context, status=status)
