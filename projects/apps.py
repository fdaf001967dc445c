from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("项目建设")

    def ready(self) -> None:
        from crm.registry import DetailPanel, ReminderSource, detail_panels, reminder_sources
        from projects import panels, reminders

        reminder_sources.register(
            ReminderSource(
                key="tasks",
                title=_("逾期项目任务"),
                collect=reminders.collect_overdue_tasks,
                collect_for=reminders.collect_overdue_tasks_for,
                count_for=reminders.count_overdue_tasks_for,
                unit=_("项"),
            )
        )
        detail_panels.register(
            DetailPanel(
                model="leads.lead",
                key="project",
                template="projects/partials/_lead_project.html",
                context=panels.lead_project_context,
                order=10,
            )
        )
