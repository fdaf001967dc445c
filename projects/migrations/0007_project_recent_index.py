"""The project list's default order, most recently changed first, read from an index
(tests/projects/test_board_speed.py shows the plan)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_board_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="project",
            index=models.Index(fields=["-updated_at", "-id"], name="projects_project_recent_idx"),
        ),
    ]
