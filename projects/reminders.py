"""The overdue-task section of the daily reminder email (registered in ``ProjectsConfig``)."""

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _

from crm.models import User
from crm.registry import ReminderItem
from projects.models import Task
from projects.selectors import tasks_overdue


def collect_overdue_tasks(today: datetime.date) -> Iterator[ReminderItem]:
    """Every open task past its due date on ``today``, addressed to its assignee."""
    for task in tasks_overdue(today=today):
        yield _item(task, today)


def collect_overdue_tasks_for(user: User, today: datetime.date) -> Iterator[ReminderItem]:
    """The overdue tasks assigned to ``user``."""
    for task in tasks_overdue(today=today).filter(assignee=user):
        yield _item(task, today)


def count_overdue_tasks_for(user: User, today: datetime.date) -> int:
    return Task.objects.overdue(today).filter(assignee=user).visible_to(user).count()


def _item(task: Task, today: datetime.date) -> ReminderItem:
    return ReminderItem(
        source="tasks",
        object_id=task.pk,
        recipient_id=task.assignee_id,
        task_force_id=task.project.task_force_id,
        title=task.title,
        url=task.project.get_absolute_url(),
        days_overdue=task.days_overdue(today),
        details={
            _("项目"): task.project.name,
            _("完成时限"): task.due_on.isoformat(),
        },
    )
