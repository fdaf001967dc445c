"""The lead search's character bigrams, on PostgreSQL only (see ``crm.search``).

A generated ``search_bigrams`` column over ``LeadFilterSet.search_fields`` with a GIN index
serves every word of two characters or more; the contact phone joins the searched fields. The
trigram indexes of 0003 served no query the bigrams do not serve better (they cannot take
a two-character word at all), so they go, and come back if this migration is reversed.
SQLite gets neither: its search stays the plain scan.
"""

from importlib import import_module

from django.db import migrations

from crm.search import AddSearchBigrams

trigrams = import_module("leads.migrations.0003_search_trigram_indexes")


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_target_enterprise")]

    operations = [
        AddSearchBigrams(
            "lead",
            fields=(
                "company_name",
                "contact_name",
                "contact_phone",
                "intent",
                "due_diligence_note",
                "credit_code",
            ),
        ),
        migrations.RunPython(trigrams.drop, trigrams.create),
    ]
