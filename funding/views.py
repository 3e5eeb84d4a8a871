"""The start page: what each of the user's roles has to do now (panels the apps fill)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import panels


@login_required
def home(request):
    return render(request, "home.html", {"panels": panels.panels(request.user)})
