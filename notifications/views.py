"""The pages over what was sent (the office's log of every mail, each user's own mails), the
user's inbox and their delivery preferences.

Views stay thin: ``selectors`` read, ``filters`` filter, ``inbox`` marks read,
``forms_preferences`` parses and saves the preferences.
"""

from urllib.parse import urlsplit

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from funding.web import attempt

from . import forms_preferences, inbox, kinds, selectors
from .filters import SentMailFilter

PAGE_SIZE = 50
INBOX_PAGE_SIZE = 25


def _paginate(request, rows, size):
    page = Paginator(rows, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _page(request, rows):
    page, query = _paginate(request, rows, PAGE_SIZE)
    for mail in page.object_list:
        mail.kind_label = kinds.label(mail.kind)
    return page, query


def _see_other(url):
    """Redirect with 303 (See Other): the answer to a POST is fetched with GET."""
    return HttpResponseRedirect(url, status=303)


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


# ----- the inbox -------------------------------------------------------------------------------


def _may_use_inbox(user):
    if not rules.has_perm("notifications.read_inbox", user):
        raise PermissionDenied(_("Only logged-in users have an inbox."))


@login_required
@require_safe
def inbox_page(request):
    """The user's entries, newest first, paged; ``?unread=1`` shows only the unread ones."""
    _may_use_inbox(request.user)
    unread_only = request.GET.get("unread") == "1"
    page, query = _paginate(
        request, selectors.inbox_of(request.user, unread_only=unread_only), INBOX_PAGE_SIZE
    )
    context = {
        "page": page,
        "query": query,
        "unread_only": unread_only,
        "here": request.get_full_path(),
    }
    return render(request, "notifications/inbox.html", context)


def _back(request):
    """The inbox page the form was posted from (``next``: a local path only), else the inbox."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts=set(), require_https=request.is_secure()
    ):
        return target
    return reverse("notification-inbox")


@login_required
@require_POST
def mark_read(request):
    """Mark one entry (``id``) or all of the user's entries (``all=1``) read; 303 back."""
    _may_use_inbox(request.user)
    if request.POST.get("all") == "1":
        inbox.mark_read(request.user)
        messages.success(request, _("All entries are marked as read."))
        return _see_other(_back(request))
    pk = request.POST.get("id", "")
    if not (pk.isascii() and pk.isdigit()):
        raise BadRequest("Say which entry (id) or all (all=1).")
    entry = selectors.entry_of(request.user, int(pk))
    inbox.mark_read(request.user, [entry.pk])
    return _see_other(_back(request))


def followable(url):
    """``url`` if it is a path on this site or an address on ``SITE_URL``, else ""."""
    site = urlsplit(settings.SITE_URL)
    if not url or not site.netloc:
        return ""
    if not urlsplit(url).scheme and not url.startswith("/"):
        return ""  # only paths from the root: a relative one would resolve against /open/
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={site.netloc}, require_https=site.scheme == "https"
    ):
        return url
    return ""


@login_required
@require_GET
def open_entry(request, pk):
    """Mark the user's entry read and follow its link (only to this site; else the inbox)."""
    _may_use_inbox(request.user)
    entry = selectors.entry_of(request.user, pk)
    inbox.mark_read(request.user, [entry.pk])
    return HttpResponseRedirect(followable(entry.url) or reverse("notification-inbox"))


# ----- delivery preferences (a section of the profile page) ------------------------------------


@login_required
@require_POST
def preferences(request):
    """Save the section "Notifications" of the profile page; 303 back to it, or 422 with the
    refused choices beside their fields (nothing written)."""
    if not rules.has_perm("notifications.edit_preferences", request.user):
        raise PermissionDenied
    form = forms_preferences.PreferencesForm(request.POST)
    status = 400
    if form.is_valid():
        _done, refused = attempt(
            lambda: forms_preferences.update_preferences(request.user, form.choices()), form
        )
        if refused is None:
            messages.success(request, _("Your notification settings have been saved."))
            return _see_other(f"{reverse('profile')}#profile-notifications")
        status = refused.status
    context = {"section": forms_preferences.preferences_context(request, form) or {"form": form}}
    return render(request, "notifications/preferences.html", context, status=status)
