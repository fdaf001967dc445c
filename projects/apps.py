from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("项目建设")

    def ready(self) -> None:
        from crm.access import users_who_see_q
        from crm.registry import (
            Attachable,
            DetailPanel,
            ReminderSource,
            SearchSource,
            attachable,
            detail_panels,
            import_specs,
            reminder_sources,
            search_sources,
        )
        from projects import panels, reminders, selectors, services
        from projects.filters import ProjectFilterSet, SupportApplicationFilterSet
        from projects.imports import project_import_spec, support_import_spec
        from projects.models import Project

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
        import_specs.register(project_import_spec())
        import_specs.register(support_import_spec())
        detail_panels.register(
            DetailPanel(
                model="leads.lead",
                key="project",
                template="projects/partials/_lead_project.html",
                context=panels.lead_project_context,
                order=10,
            )
        )
        # A project's or an application's files (and a project's comments) are seen by
        # whoever sees the record.
        attachable.register(
            Attachable(
                model="projects.project",
                visible=Project.objects.visible_to,
                changeable=services.can_change_project,
                readers=users_who_see_q,
                noun=services.PROJECT_NOUN,
            )
        )
        attachable.register(
            Attachable(
                model="projects.supportapplication",
                visible=lambda user: selectors.support_visible(user=user),
                changeable=services.can_change_application,
                readers=users_who_see_q,
                noun=services.APPLICATION_NOUN,
                comments=False,
            )
        )
        # The global search finds what the project list and the 对上争取 list find.
        search_sources.register(
            SearchSource(
                key="projects",
                title=_("项目"),
                filterset=ProjectFilterSet,
                visible=Project.objects.visible_to,
                list_url="projects:list",
                badge="get_status_display",
                details=("enterprise_name", "credit_code", "task_force"),
                related=("task_force",),
                order=20,
            )
        )
        search_sources.register(
            SearchSource(
                key="support",
                title=_("对上争取"),
                filterset=SupportApplicationFilterSet,
                visible=lambda user: selectors.support_visible(user=user),
                list_url="projects:support_list",
                badge="get_status_display",
                details=("get_fund_source_display", "policy_reference", "task_force"),
                related=("task_force",),
                order=30,
            )
        )
