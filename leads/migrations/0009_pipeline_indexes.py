"""The pipeline's and the overdue lists' indexes (tests/leads/test_pipeline_speed.py shows the
plans that use them).

``leads_lead_pipeline_totals_idx`` covers the columns' counts, overdue counts and 计划投资
totals, so that on PostgreSQL they read the index alone instead of the wide table.

``leads_lead_due_idx`` orders the leads by their follow-up due date
(``leads.models.follow_up_due_expression``), worst first: the overdue leads are its first
rows, so a pipeline column's pinned cards and the work page's overdue list (most days overdue
first) read a few rows in order instead of sorting every lead, and the counts of overdue leads
(``leads.selectors.leads_overdue`` asks for them as those due before today) read only them,
from the index alone. The expression holds each stage's ``settings.LEAD_STALE_DAYS``, so it is
built from the settings at migration time and lives outside the models' state (a setting
changed later only makes the planner fall back to a scan, with the same answers). SQLite keeps
the scan.
"""

from django.db import migrations, models
from django.db.models import F

DUE_INDEX = "leads_lead_due_idx"


def due_index() -> models.Index:
    from leads.models import follow_up_due_expression

    return models.Index(
        follow_up_due_expression(),
        F("id"),
        include=["stage", "next_follow_up_on", "last_activity_on", "task_force", "owner"],
        name=DUE_INDEX,
    )


def add_due_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("leads", "Lead"), due_index())


def remove_due_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("leads", "Lead"), due_index())


class Migration(migrations.Migration):
    dependencies = [("leads", "0008_cockpit_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["stage"],
                include=(
                    "id",
                    "next_follow_up_on",
                    "last_activity_on",
                    "planned_investment",
                    "task_force",
                    "owner",
                ),
                name="leads_lead_pipeline_totals_idx",
            ),
        ),
        migrations.RunPython(add_due_index, remove_due_index, elidable=False),
    ]
