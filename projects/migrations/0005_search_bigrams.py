"""The character bigrams of the project and 对上争取 searches, on PostgreSQL only (see
``crm.search``).

A generated ``search_bigrams`` column over ``ProjectFilterSet.search_fields`` and one over
``SupportApplicationFilterSet.search_fields``, each with a GIN index, serve every word of two
characters or more: the lists' ``q`` and the global search in the top bar. SQLite gets neither:
its search stays the plain scan.
"""

from django.db import migrations

from crm.search import AddSearchBigrams


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_funds_arrival")]

    operations = [
        AddSearchBigrams(
            "project",
            fields=("name", "enterprise_name", "credit_code", "location", "department"),
        ),
        AddSearchBigrams("supportapplication", fields=("title", "policy_reference", "note")),
    ]
