"""``python manage.py export_organization ORG-ID OUTFILE.zip [--by USERNAME]``.

Writes the organisation's data for an access request (GDPR Art. 15, see ``records.export``).
With ``--by`` the export is logged in the access log under that user, who must be allowed
``records.export_organization``; without it, the operator's export is not logged.
"""

import rules
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from funding.models import Organization
from records import export, services


class Command(BaseCommand):
    help = "Export an organisation's data (access request) as a ZIP file."

    def add_arguments(self, parser):
        parser.add_argument("organization_id", type=int)
        parser.add_argument("outfile")
        parser.add_argument("--by", help="Log the export in the access log as this user.")

    def handle(self, *args, organization_id, outfile, by=None, **options):
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            raise CommandError(f"No organisation with id {organization_id}.")
        user = None
        if by:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"No user {by!r}.")
            if not rules.has_perm("records.export_organization", user, organization):
                raise CommandError(f"{by} may not export this organisation.")
        with open(outfile, "wb") as fileobj:
            if user is None:
                count = export.write_zip(organization, fileobj)
            else:
                count = services.export_organization(user, organization, fileobj)
        self.stdout.write(f"Exported {organization.name}: {count} application(s) to {outfile}.")
