"""Reads that compose the 我的工作台 page from the leads selectors (and later projects)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count

from crm.models import User
from leads.models import Lead
from leads.selectors import (
    lead_queryset,
    leads_due_between,
    leads_overdue,
    leads_recently_changed,
)

LIST_LIMIT = 20


@dataclass
class TeamOverdue:
    """Overdue leads across the user's task forces (or the whole bureau), by task force."""

    total: int
    by_task_force: list[dict]
    leads: list[Lead]


@dataclass
class MyWork:
    """Everything the work page shows; lists are capped, counts are not."""

    today: datetime.date
    week_end: datetime.date
    overdue: list[Lead]
    overdue_count: int
    due_this_week: list[Lead]
    due_this_week_count: int
    recent: list[Lead]
    active_count: int
    team: TeamOverdue | None = None


def sees_team(user: User) -> bool:
    """Leaders and above watch the overdue leads of everyone they are responsible for."""
    return user.sees_everything or user.role == User.Role.LEADER or user.led_task_forces.exists()


def my_work(*, user: User, today: datetime.date) -> MyWork:
    """My overdue leads, my follow-ups due for the rest of this week, recent changes in my scope.

    Runs a fixed number of queries whatever the number of leads.
    """
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    overdue = leads_overdue(user=user, today=today, owned_only=True)
    due = leads_due_between(user=user, start=today, end=week_end)
    work = MyWork(
        today=today,
        week_end=week_end,
        overdue=list(overdue[:LIST_LIMIT]),
        overdue_count=overdue.count(),
        due_this_week=list(due[:LIST_LIMIT]),
        due_this_week_count=due.count(),
        recent=list(leads_recently_changed(user=user, limit=10)),
        active_count=lead_queryset(user=user)
        .filter(owner=user, stage__in=Lead.ACTIVE_STAGES)
        .count(),
    )
    if sees_team(user):
        team = leads_overdue(user=user, today=today, owned_only=False)
        by_task_force = list(
            team.order_by()
            .values("task_force__id", "task_force__name")
            .annotate(total=Count("id"))
            .order_by("-total", "task_force__name")
        )
        work.team = TeamOverdue(
            total=sum(row["total"] for row in by_task_force),
            by_task_force=by_task_force,
            leads=list(team.exclude(owner=user)[:LIST_LIMIT]),
        )
    return work
