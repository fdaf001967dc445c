"""Project panels that other apps' pages include: my open tasks, a lead's project."""

from django import template
from django.utils import timezone

from leads.models import Lead
from leads.services import can_change_lead
from projects.models import Project, Task
from projects.selectors import open_tasks

register = template.Library()


@register.inclusion_tag("projects/partials/_my_tasks.html", takes_context=True)
def my_open_tasks(context: template.Context, limit: int = 20) -> dict:
    """The signed-in user's open project tasks, soonest due first (their work page)."""
    user = context["request"].user
    today = timezone.localdate()
    tasks = list(open_tasks(user=user)[: limit + 1])
    return {
        "tasks": tasks[:limit],
        "more": len(tasks) > limit,
        "today": today,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("projects/partials/_lead_project.html", takes_context=True)
def lead_project_panel(context: template.Context, lead: Lead) -> dict:
    """The project a lead produced, or for a docking lead the 「转为项目」 button."""
    user = context["request"].user
    project = Project.objects.filter(lead=lead).select_related("leader").first()
    return {
        "lead": lead,
        "project": project,
        "can_convert": project is None
        and lead.stage == Lead.Stage.DOCK
        and can_change_lead(user, lead),
    }


@register.filter
def overdue_days(task: Task) -> int:
    """How many days the task is overdue today (0 when it is not)."""
    return task.days_overdue(timezone.localdate())
