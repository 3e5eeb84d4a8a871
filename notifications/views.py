"""The pages over what was sent: the office's log of every mail, and each user's own mails.

Views stay thin: ``selectors`` read, ``filters`` filter; the rows are the outbox
(``OutboxMail``), the log of the mails sent.
"""

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import kinds, selectors
from .filters import SentMailFilter

PAGE_SIZE = 50


def _page(request, rows):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for mail in page.object_list:
        mail.kind_label = kinds.label(mail.kind)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@login_required
def sent_log(request):
    if not rules.has_perm("notifications.read_sent_log", request.user):
        raise PermissionDenied(_("Only the coordination office may open this page."))
    filterset = SentMailFilter(request.GET or None, selectors.sent_log())
    valid = not filterset.is_bound or filterset.is_valid()
    rows = filterset.qs if filterset.is_bound and valid else filterset.queryset
    page, query = _page(request, rows)
    context = {"filter": filterset, "page": page, "query": query}
    return render(request, "notifications/sent.html", context, status=200 if valid else 400)


@login_required
def my_mails(request):
    page, query = _page(request, selectors.mails_to(request.user.email))
    return render(request, "notifications/mine.html", {"page": page, "query": query})
