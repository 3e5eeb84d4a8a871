"""The start page: what each of the user's roles has to do now (panels the apps fill), and
the programme settings page (sections the apps fill)."""

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import panels, programme_settings
from .models import Programme


@login_required
def home(request):
    return render(request, "home.html", {"panels": panels.panels(request.user)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def programme_settings_page(request, pk):
    """The programme's settings, one section per app; POST goes to the section named in
    ``section`` (unknown: 400), which answers done (redirect back) or the refused section."""
    programme = get_object_or_404(Programme, pk=pk)
    if not rules.has_perm("funding.manage_programme", request.user, programme):
        raise PermissionDenied
    replaced, status = {}, 200
    if request.method == "POST":
        section = programme_settings.get_section(request.POST.get("section", ""))
        if section is None or section.post is None:
            raise BadRequest("unknown settings section")
        outcome = section.post(request, programme)
        if outcome is None:
            url = reverse("programme-settings", args=[programme.pk])
            return redirect(f"{url}#section-{section.key}")
        status, replaced[section.key] = outcome
    rendered = [
        (section, render_to_string(section.template, {**ctx, "programme": programme}, request))
        for section, ctx in programme_settings.sections(request, programme, replaced)
    ]
    context = {"programme": programme, "sections": rendered}
    return render(request, "funding/programme_settings.html", context, status=status)
