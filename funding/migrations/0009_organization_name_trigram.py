# Search by company name through a trigram index (PostgreSQL only; docs/design.md
# "Performance targets"): ``?q=`` on the application list matches any part of the name.

from django.db import migrations

from funding.migration_tools import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0008_organization_region"),
    ]

    operations = [
        trigram_index("funding_organization", "name", "organization_name_trgm"),
    ]
