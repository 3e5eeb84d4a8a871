# Search by reference and title through trigram indexes (PostgreSQL only; docs/design.md
# "Performance targets"); the company name has its own (funding 0009).

from django.db import migrations

from funding.migration_tools import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0008_list_sort_indexes"),
        ("funding", "0009_organization_name_trigram"),
    ]

    operations = [
        trigram_index("applications_application", "reference", "application_reference_trgm"),
        trigram_index("applications_application", "title", "application_title_trgm"),
    ]
