"""What the records app adds to the start page and to the application's page."""

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications import extensions
from funding import panels
from funding.panels import Action, Item

from . import selectors


def coordinator_items(user):
    items = []
    if rules.has_perm("records.manage_retention", user):
        items.append(
            Item(
                _("Records marked for deletion: please confirm"),
                selectors.pending_count(),
                reverse("records-retention"),
            )
        )
    if rules.has_perm("records.read_access_log", user):
        items.append(Action(_("Access log"), reverse("records-access-log")))
    return items


def detail_contribution(user, application):
    entries = []
    if application.erased_at is not None:
        context = {"application": application}
        entries.append(extensions.Part("records/_erased.html", context))
    if rules.has_perm("records.read_access_log", user, application):
        url = reverse("records-application-access-log", args=[application.pk])
        entries.append(extensions.Action(_("Access log"), url, "secondary"))
    if rules.has_perm("records.export_organization", user, application.organization):
        url = reverse("records-export-organization", args=[application.organization_id])
        entries.append(extensions.Action(_("Export the company's data"), url, "secondary"))
    return entries


def register():
    panels.add_items("coordinator", coordinator_items, order=90)
    extensions.add_detail_contribution(detail_contribution)
