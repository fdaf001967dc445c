"""The cockpit's indexes (tests/dashboard/test_cockpit_plans.py shows the plans that use them).

``leads_lead_cockpit_idx`` replaces the plain index on ``created_at``: the same key, with the
columns the cockpit's passes over the leads read, so that on PostgreSQL they read the index
alone instead of the table. ``leads_transition_moved_idx`` does the same for the period's
stage moves. SQLite ignores ``include`` and gets plain indexes on the two dates.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_target_search_bigrams")]

    operations = [
        migrations.AlterField(
            model_name="lead",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="创建时间"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["created_at"],
                include=(
                    "id",
                    "stage",
                    "channel",
                    "industry",
                    "region",
                    "task_force",
                    "owner",
                    "next_follow_up_on",
                    "last_activity_on",
                ),
                name="leads_lead_cockpit_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="leadtransition",
            index=models.Index(
                fields=["moved_at"],
                include=("lead", "from_stage", "to_stage"),
                name="leads_transition_moved_idx",
            ),
        ),
    ]
