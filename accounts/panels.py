"""Accounts' items on the start page (``funding.panels``): managing the company's users."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from funding import panels
from funding.panels import Action

from . import selectors


def applicant_items(user):
    """Company admins: a button to their company's users (one per company they manage)."""
    organizations = list(selectors.admin_organizations(user))
    return [
        Action(
            _("Users of %(organization)s") % {"organization": organization.name}
            if len(organizations) > 1
            else _("Your company's users"),
            reverse("organization-users", args=[organization.pk]),
        )
        for organization in organizations
    ]


def coordinator_items(user):
    return [Action(_("Companies and their users"), reverse("organization-list"))]


def register():
    panels.add_items("applicant", applicant_items, order=90)
    panels.add_items("coordinator", coordinator_items, order=90)
