"""The board's indexes (tests/projects/test_board_speed.py shows the plans that use them).

``projects_project_board_idx`` covers a column's count, total investment and card order
(category, then the most recently changed), so that on PostgreSQL the board reads the index
alone; ``projects_project_standing_idx`` gives the 两未 lists (longest in their status first)
in order.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projects", "0005_search_bigrams")]

    operations = [
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                fields=["status"],
                include=("category", "updated_at", "id", "total_investment", "task_force", "owner"),
                name="projects_project_board_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                fields=["status", "status_changed_on", "id"], name="projects_project_standing_idx"
            ),
        ),
    ]
