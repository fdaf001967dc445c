"""The overdue-task section of the daily reminder email (registered in ``ProjectsConfig``)."""

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _

from crm.models import User
from crm.registry import ReminderItem
from projects.models import Task
from projects.selectors import tasks_overdue, tasks_overdue_everywhere


def collect_overdue_tasks(today: datetime.date) -> Iterator[ReminderItem]:
    """Every open task past its due date on ``today``, addressed to its assignee if they
    still see its project (otherwise to nobody in person: the digest and escalation keep it)."""
    for task in tasks_overdue_everywhere(today=today):
        yield _item(task, today, recipient_id=task.assignee_id if task.assignee_sees else None)


def collect_overdue_tasks_for(
    user: User, today: datetime.date, scope: str
) -> Iterator[ReminderItem]:
    """The overdue tasks of ``user``'s ``scope`` (``projects.selectors.tasks_overdue``)."""
    for task in tasks_overdue(user=user, today=today, scope=scope):
        yield _item(task, today, recipient_id=task.assignee_id)


def count_overdue_tasks_for(user: User, today: datetime.date, scope: str) -> int:
    return tasks_overdue(user=user, today=today, scope=scope).count()


def _item(task: Task, today: datetime.date, *, recipient_id: int | None) -> ReminderItem:
    return ReminderItem(
        source="tasks",
        object_id=task.pk,
        recipient_id=recipient_id,
        task_force_id=task.project.task_force_id,
        title=task.title,
        url=task.project.get_absolute_url(),
        days_overdue=task.days_overdue(today),
        details={
            _("项目"): task.project.name,
            _("完成时限"): task.due_on.isoformat(),
        },
    )
