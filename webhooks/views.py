"""The coordination office's webhook pages: the endpoints, registering one (its secret shown
once), (de)activating and deleting one, its delivery log and sending a failed delivery again.

Everyone else: 403 (``webhooks.manage``). Views stay thin: selectors read, services act.
"""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from funding.web import attempt

from . import selectors, services
from .forms import EndpointForm, LogFilter

PAGE_SIZE = 50
# The session key under which the new endpoint's secret waits to be shown, once.
SECRET_KEY = "webhooks_new_secret"


def _require(user):
    if not rules.has_perm("webhooks.manage", user):
        raise PermissionDenied(_("Only the coordination office may manage webhooks."))


@login_required
def endpoint_list(request):
    _require(request.user)
    return render(request, "webhooks/list.html", {"endpoints": selectors.endpoints()})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint_create(request):
    _require(request.user)
    form = EndpointForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            result, refusal = attempt(
                lambda: services.create_endpoint(request.user, data["url"], data["description"]),
                form,
            )
            if refusal is None:
                endpoint, secret = result
                request.session[SECRET_KEY] = {"endpoint": endpoint.pk, "secret": secret}
                return redirect("webhooks-log", pk=endpoint.pk)
            status = refusal.status
        else:
            status = 400
    return render(request, "webhooks/create.html", {"form": form}, status=status)


@login_required
def endpoint_log(request, pk):
    _require(request.user)
    endpoint = selectors.get_endpoint(pk)
    secret = None
    waiting = request.session.get(SECRET_KEY)
    if waiting and waiting.get("endpoint") == endpoint.pk:
        secret = request.session.pop(SECRET_KEY)["secret"]
    filters = LogFilter(request.GET)
    chosen = filters.cleaned_data["status"] if filters.is_valid() else ""
    rows = selectors.deliveries(endpoint, chosen or None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "endpoint": endpoint,
        "secret": secret,
        "filter": filters,
        "page": page,
        "query": query.urlencode(),
    }
    status = 200 if filters.is_valid() else 400
    return render(request, "webhooks/log.html", context, status=status)


@login_required
@require_POST
def endpoint_active(request, pk):
    _require(request.user)
    endpoint = selectors.get_endpoint(pk)
    active = request.POST.get("active") == "1"
    services.set_active(request.user, endpoint, active)
    if active:
        messages.success(request, _("The endpoint is active: it receives the next events."))
    else:
        messages.success(
            request, _("The endpoint is inactive: it receives no events until it is activated.")
        )
    return redirect("webhooks-log", pk=endpoint.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint_delete(request, pk):
    _require(request.user)
    endpoint = selectors.get_endpoint(pk)
    if request.method == "POST":
        services.delete_endpoint(request.user, endpoint)
        messages.success(request, _("The endpoint and its delivery log were deleted."))
        return redirect("webhooks-list")
    return render(request, "webhooks/delete.html", {"endpoint": endpoint})


@login_required
@require_POST
def delivery_send_again(request, pk, delivery_pk):
    _require(request.user)
    endpoint = selectors.get_endpoint(pk)
    delivery = selectors.get_delivery(endpoint, delivery_pk)
    services.redeliver(request.user, delivery)
    messages.success(request, _("The delivery is being sent again."))
    return redirect("webhooks-log", pk=endpoint.pk)
