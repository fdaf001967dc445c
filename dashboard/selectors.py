"""Reads that compose the 我的工作台 page from the apps' selectors."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count

from crm.models import User
from crm.notifications.selectors import (
    OverdueCounts,
    OverdueScope,
    overdue_counts,
    overdue_scopes_for,
)
from leads.models import Lead
from leads.selectors import (
    lead_queryset,
    leads_due_between,
    leads_overdue,
    leads_recently_changed,
    overdue_list_query,
)

LIST_LIMIT = 20


@dataclass
class OverdueSection:
    """The overdue work of one scope: the counts every page shows for it (leads and tasks,
    ``crm.notifications.selectors.overdue_counts``) and its worst leads."""

    counts: OverdueCounts
    leads: list[Lead]  # at most LIST_LIMIT, most days overdue first
    list_query: str  # the lead list's querystring for all of them, in the same order
    by_task_force: list[dict] = field(default_factory=list)  # wider scopes only

    @property
    def lead_count(self) -> int:
        return self.counts.of("leads")

    @property
    def more(self) -> bool:
        return self.lead_count > len(self.leads)


@dataclass
class MyWork:
    """Everything the work page shows; lists are capped, counts are not."""

    today: datetime.date
    week_end: datetime.date
    overdue: OverdueSection  # mine
    due_this_week: list[Lead]
    due_this_week_count: int
    recent: list[Lead]
    active_count: int
    # the task forces I lead, and the county for those who see everything
    wider: list[OverdueSection] = field(default_factory=list)

    @property
    def sections(self) -> list[OverdueSection]:
        return [self.overdue, *self.wider]


def overdue_section(*, user: User, today: datetime.date, scope: str) -> OverdueSection:
    """One scope's counts and worst leads: three queries, four with the task-force breakdown."""
    leads = leads_overdue(user=user, today=today, scope=scope)
    section = OverdueSection(
        counts=overdue_counts(user=user, today=today, scope=scope),
        leads=list(leads[:LIST_LIMIT]),
        list_query=overdue_list_query(user=user, scope=scope),
    )
    if scope != OverdueScope.MINE:
        section.by_task_force = list(
            leads.order_by()
            .values("task_force__id", "task_force__name")
            .annotate(total=Count("id"))
            .order_by("-total", "task_force__name")
        )
    return section


def my_work(*, user: User, today: datetime.date) -> MyWork:
    """My overdue work, my follow-ups due for the rest of this week, recent changes in my scope;
    a leader also sees their task forces' overdue work, a bureau leader the county's.

    Runs a fixed number of queries whatever the number of leads.
    """
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    due = leads_due_between(user=user, start=today, end=week_end)
    scopes = overdue_scopes_for(user)
    return MyWork(
        today=today,
        week_end=week_end,
        overdue=overdue_section(user=user, today=today, scope=OverdueScope.MINE),
        due_this_week=list(due[:LIST_LIMIT]),
        due_this_week_count=due.count(),
        recent=list(leads_recently_changed(user=user, limit=10)),
        active_count=lead_queryset(user=user)
        .filter(owner=user, stage__in=Lead.ACTIVE_STAGES)
        .count(),
        wider=[
            overdue_section(user=user, today=today, scope=scope)
            for scope in scopes
            if scope != OverdueScope.MINE
        ],
    )
