"""The 目标企业库 search's character bigrams, on PostgreSQL only (see ``crm.search``).

A generated ``search_bigrams`` column over ``TargetEnterpriseFilterSet.search_fields`` with a
GIN index serves every word of two characters or more: the library's ``q`` and the global
search in the top bar. SQLite gets neither: its search stays the plain scan.
"""

from django.db import migrations

from crm.search import AddSearchBigrams


class Migration(migrations.Migration):
    dependencies = [("leads", "0006_search_bigrams")]

    operations = [
        AddSearchBigrams(
            "targetenterprise", fields=("company_name", "credit_code", "reason", "contact_hint")
        ),
    ]
