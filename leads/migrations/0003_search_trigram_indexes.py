"""Trigram indexes for the lead list's free-text search, on PostgreSQL only.

The search is ``icontains`` over several text fields, which PostgreSQL runs as
``UPPER(col::text) LIKE UPPER('%word%')``: without an index that reads every row. GIN trigram
indexes on the same expressions let it read only the matching rows (pg_trgm splits Chinese text
into trigrams too). SQLite has no such index and keeps the plain scan. If the database user may
not create the pg_trgm extension, the migration leaves a warning and the search still works,
only slower.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

SEARCHED = ("company_name", "contact_name", "intent", "due_diligence_note", "credit_code")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:
            logger.warning("pg_trgm unavailable (%s): lead search runs without indexes", error)
            return
        for column in SEARCHED:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS leads_lead_{column}_trgm "
                f"ON leads_lead USING gin (UPPER({column}::text) gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in SEARCHED:
            cursor.execute(f"DROP INDEX IF EXISTS leads_lead_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_lead_stage_recent_index")]

    operations = [migrations.RunPython(create, drop)]
