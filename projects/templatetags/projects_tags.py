"""Project template tags: my open tasks (the work page) and a task's days overdue."""

from django import template
from django.utils import timezone

from projects.models import Task
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


@register.filter
def overdue_days(task: Task) -> int:
    """How many days the task is overdue today (0 when it is not)."""
    return task.days_overdue(timezone.localdate())
