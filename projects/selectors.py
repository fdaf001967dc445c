"""Reads of projects, the board, tasks and 对上争取, always scoped to the user asking first."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncMonth
from django.utils.translation import gettext as _

from crm import audit
from crm.access import column_user_in_scope_q, scope_q
from crm.attachments import is_attachment_change
from crm.exceptions import NotFound
from crm.models import User
from crm.notifications.selectors import overdue_scope_q
from leads.selectors import TimelineEntry, discussion_entries
from projects.filters import ProjectFilterSet, SupportApplicationFilterSet
from projects.models import (
    FundsArrival,
    ProgressReport,
    Project,
    ProjectTransition,
    SupportApplication,
    Target,
    Task,
    reached_signed_q,
)

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=2))


def project_queryset(*, user: User) -> QuerySet[Project]:
    """Visible projects with what a card or table row shows, in the same query."""
    return (
        Project.objects.visible_to(user)
        .select_related("industry", "task_force", "leader", "owner")
        .with_target()
        .with_latest_progress()
    )


def project_list(*, user: User, filters: Any = None) -> ProjectFilterSet:
    """The filter set over the projects ``user`` may see; ``.qs`` is the result."""
    return ProjectFilterSet(filters or None, queryset=project_queryset(user=user))


def project_get(*, user: User, pk: int) -> Project:
    """One project; ``NotFound`` if it does not exist or is outside the user's scope."""
    try:
        return (
            project_queryset(user=user)
            .select_related("lead", "chain_link__chain", "created_by", "updated_by")
            .get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("没有找到这个项目。")) from None


def targets_by_id() -> dict[int, Target]:
    return {target.pk: target for target in Target.objects.filter(is_active=True)}


def attach_targets(
    projects: list[Project], today: datetime.date, targets: dict[int, Target] | None = None
) -> list[Project]:
    """Give each project ``target`` (the Target it is under), ``days_left``, ``is_late`` and
    ``days_late``. Costs one query (none when ``targets`` is given), however many projects.
    """
    if targets is None:
        targets = targets_by_id()
    for project in projects:
        project.target = targets.get(getattr(project, "target_id", None))
        project.days_left = project.target.days_left(today) if project.target else None
        project.is_late = project.days_left is not None and project.days_left < 0
        project.days_late = -project.days_left if project.is_late else 0
    return projects


def project_timeline(*, project: Project) -> list[TimelineEntry]:
    """Status moves, field changes, comments and attachments, newest first (the lead's
    timeline entries: ``kind`` "transition", "change", "comment", "attachment",
    "attachment_removed")."""
    entries = [
        TimelineEntry("transition", move.moved_at, move.actor, move)
        for move in ProjectTransition.objects.filter(project=project).select_related("actor")
    ]
    # An upload or a removal is on the timeline as the attachment itself.
    entries += [
        TimelineEntry("change", change.changed_at, change.actor, change)
        for change in audit.change_history(project)
        if not is_attachment_change(change)
    ]
    entries += discussion_entries(project)
    return sorted(entries, key=lambda entry: entry.sort_key, reverse=True)


def progress_reports(*, project: Project) -> QuerySet[ProgressReport]:
    return project.progress_reports.select_related("created_by")


@dataclass
class BoardColumn:
    status: str
    label: str
    count: int
    total_investment: Decimal
    cards: list[Project]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


@dataclass
class Rates:
    """The rates leaders report, each with numerator and denominator (rate ``None`` when 0/0)."""

    commenced: int = 0
    reached_signed: int = 0
    funds_in_place: Decimal = Decimal(0)
    signed_amount: Decimal = Decimal(0)
    kept: int = 0
    due: int = 0

    @staticmethod
    def _ratio(numerator: Any, denominator: Any) -> float | None:
        return float(numerator) / float(denominator) * 100 if denominator else None

    @property
    def commencement_rate(self) -> float | None:
        """开工率: commenced or producing ÷ every project that reached signed."""
        return self._ratio(self.commenced, self.reached_signed)

    @property
    def funds_rate(self) -> float | None:
        """资金到位率: funds in place ÷ signed amount, over projects that reached signed."""
        return self._ratio(self.funds_in_place, self.signed_amount)

    @property
    def keeping_rate(self) -> float | None:
        """履约率: (project, target) pairs kept by the due date ÷ pairs whose date has passed."""
        return self._ratio(self.kept, self.due)


@dataclass
class StandingRow:
    project: Project
    days_in_status: int


@dataclass
class Board:
    columns: list[BoardColumn]
    rates: Rates
    negotiating_unsigned: list[StandingRow]
    signed_not_commenced: list[StandingRow]
    negotiating_unsigned_count: int = 0
    signed_not_commenced_count: int = 0
    filterset: Any = field(default=None, repr=False)
    # The rates cover every project the user sees, whatever the board's filters (a filter
    # such as 逾期 would otherwise leave only failures and show 0.0 %); this says a filter is on.
    filtered: bool = False


def _date_reached_q(status: str, day: datetime.date) -> Q:
    """Projects that had reached ``status`` on ``day`` (its date recorded on or before it)."""
    if status == Project.Status.NEGOTIATING:
        return Q(created_at__date__lte=day)
    return Q(**{f"{Project.STATUS_DATE_FIELDS[status]}__lte": day})


def project_rates(projects: QuerySet[Project], today: datetime.date) -> Rates:
    """开工率, 资金到位率 and 履约率 over ``projects`` (already scoped and filtered).

    Costs one query plus one per target whose due date has passed (a handful, set by admins).
    """
    plain = projects.order_by()
    signed = plain.filter(reached_signed_q()).aggregate(
        reached=Count("id"),
        commenced=Count(
            "id", filter=Q(status__in=[Project.Status.COMMENCED, Project.Status.PRODUCING])
        ),
        funds=Coalesce(Sum("funds_in_place"), ZERO),
        signed=Coalesce(Sum("signed_amount"), ZERO),
    )
    rates = Rates(
        commenced=signed["commenced"],
        reached_signed=signed["reached"],
        funds_in_place=signed["funds"],
        signed_amount=signed["signed"],
    )
    for target in Target.objects.filter(is_active=True, due_on__lt=today):
        under = plain.filter(_date_reached_q(target.status, target.due_on))
        if target.category:
            under = under.filter(category=target.category)
        goal_field = Project.STATUS_DATE_FIELDS[target.goal_status]
        counts = under.aggregate(
            due=Count("id"), kept=Count("id", filter=Q(**{f"{goal_field}__lte": target.due_on}))
        )
        rates.due += counts["due"]
        rates.kept += counts["kept"]
    return rates


def standing_rows(
    queryset: QuerySet[Project], today: datetime.date, limit: int
) -> list[StandingRow]:
    """The 两未 lists (洽谈未签约, 签约未开工): the ``limit`` projects longest in their status,
    with the days they have stood there; the board and the cockpit show them."""
    rows = list(queryset.order_by("status_changed_on", "id")[:limit])
    return [StandingRow(project, project.days_in_status(today)) for project in rows]


BOARD_STATUSES = Project.Status.values


def _deadline_rank(dues: dict[tuple[str, str], datetime.date | None]) -> Case:
    """A card's place by deadline within its column: 0 for the soonest target due date of the
    column, then the next, projects under no target last.

    The target a project is under (``with_target``) depends on its status and category only,
    so ``dues`` ((status, category) → the due date, as ``with_target`` found it) ranks every
    card without asking for each project's target: the database sorts narrow rows.
    """
    whens = []
    for status in {status for status, _category in dues}:
        days = sorted({day for (s, _c), day in dues.items() if s == status and day is not None})
        for index, due in enumerate(days):
            categories = [c for (s, c), day in dues.items() if s == status and day == due]
            whens.append(When(status=status, category__in=categories, then=Value(index)))
    return Case(*whens, default=Value(len(Project.Category.values) + 1))


def project_board(
    *,
    user: User,
    filters: Any = None,
    today: datetime.date,
    per_column: int = 30,
    standing_limit: int = 15,
) -> Board:
    """The 挂图作战 board over the visible, filtered projects; its rates over all the visible
    projects (全县, within the user's scope), unfiltered.

    One query for the columns' counts, totals and the targets their projects are under, two
    for the first ``per_column`` cards of every column (the most urgent deadline first, late
    ones on top, then the most recently changed: their ids, then the cards), one for
    targets, the rates and the two standing lists: a fixed number of queries whatever the
    number of projects.
    """
    filterset = project_list(user=user, filters=filters)
    projects = filterset.qs
    filtered = filterset.is_bound and any(
        filterset.data.get(key) not in (None, "", [])
        for key in filterset.filters
        if key != "ordering"
    )
    totals: dict[str, dict[str, Any]] = {}
    dues: dict[tuple[str, str], datetime.date | None] = {}
    for row in (
        projects.order_by()
        .values("status", "category")
        .annotate(count=Count("id"), total=Coalesce(Sum("total_investment"), ZERO))
        .with_target()
    ):
        column = totals.setdefault(row["status"], {"count": 0, "total": Decimal(0)})
        column["count"] += row["count"]
        column["total"] += row["total"]
        dues[row["status"], row["category"]] = row["target_due_on"]
    order = [_deadline_rank(dues), F("updated_at").desc(), F("id").desc()]
    # Each column's first ids from narrow rows, then only those rows in full (two queries: as a
    # subquery the planner cannot tell how few ids it returns, and joins every project).
    first = (
        list(
            projects.order_by()
            .annotate(place=Window(RowNumber(), partition_by=[F("status")], order_by=order))
            .filter(place__lte=per_column)
            .values_list("pk", flat=True)
        )
        if dues
        else []
    )
    cards_of: dict[str, list[Project]] = {}
    cards = list(projects.filter(pk__in=first).order_by(*order)) if first else []
    for card in attach_targets(cards, today, targets_by_id()):
        cards_of.setdefault(card.status, []).append(card)
    columns = [
        BoardColumn(
            status=status,
            label=label,
            count=totals.get(status, {}).get("count", 0),
            total_investment=totals.get(status, {}).get("total", Decimal(0)),
            cards=cards_of.get(status, []),
        )
        for status, label in Project.Status.choices
    ]
    negotiating = projects.filter(status=Project.Status.NEGOTIATING)
    signed = projects.filter(status=Project.Status.SIGNED)
    by_column = {column.status: column.count for column in columns}
    return Board(
        columns=columns,
        rates=project_rates(Project.objects.visible_to(user), today),
        negotiating_unsigned=standing_rows(negotiating, today, standing_limit),
        signed_not_commenced=standing_rows(signed, today, standing_limit),
        negotiating_unsigned_count=by_column.get(Project.Status.NEGOTIATING, 0),
        signed_not_commenced_count=by_column.get(Project.Status.SIGNED, 0),
        filterset=filterset,
        filtered=filtered,
    )


# Tasks -----------------------------------------------------------------------------------


def open_tasks(*, user: User) -> QuerySet[Task]:
    """The user's open tasks, soonest due first, with their projects."""
    return (
        Task.objects.filter(assignee=user, done=False)
        .visible_to(user)
        .select_related("project")
        .order_by("due_on", "id")
    )


def project_tasks(*, project: Project) -> QuerySet[Task]:
    return project.tasks.select_related("assignee", "done_by")


def tasks_overdue(*, user: User, today: datetime.date, scope: str) -> QuerySet[Task]:
    """THE overdue tasks of ``user``'s ``scope`` (``OverdueScope``), longest overdue first.

    A task's person is its assignee, its task force its project's; every page, count and
    email about overdue tasks reads this (``projects.reminders``).
    """
    return (
        Task.objects.overdue(today)
        .visible_to(user)
        .filter(overdue_scope_q(user, scope, owner="assignee", task_force="project__task_force"))
        .select_related("project", "assignee")
        .order_by("due_on", "id")
    )


def tasks_overdue_everywhere(*, today: datetime.date) -> QuerySet[Task]:
    """Every overdue task (the morning run), each knowing whether its assignee still sees it.

    ``assignee_sees`` is false when the project has left the assignee's scope: the task is
    still overdue for the task force and the bureau, but not in the assignee's own list.
    """
    assignee_sees = column_user_in_scope_q(
        "assignee", owner="project__owner", task_force="project__task_force"
    )
    return (
        Task.objects.overdue(today)
        .annotate(assignee_sees=ExpressionWrapper(assignee_sees, output_field=BooleanField()))
        .select_related("project")
        .order_by("due_on", "id")
    )


# 对上争取 ----------------------------------------------------------------------------------


def support_visible(*, user: User) -> QuerySet[SupportApplication]:
    """The applications ``user`` may see (``crm.access``), with nothing else loaded."""
    return SupportApplication.objects.filter(scope_q(user, owner="owner", task_force="task_force"))


def support_queryset(*, user: User) -> QuerySet[SupportApplication]:
    return (
        support_visible(user=user)
        .select_related("owner", "task_force")
        # Only the linked projects the reader may see are named (the others stay linked).
        .prefetch_related(Prefetch("projects", queryset=Project.objects.visible_to(user)))
    )


def support_list(*, user: User, filters: Any = None) -> SupportApplicationFilterSet:
    return SupportApplicationFilterSet(filters or None, queryset=support_queryset(user=user))


def support_get(*, user: User, pk: int) -> SupportApplication:
    try:
        return support_queryset(user=user).get(pk=pk)
    except (SupportApplication.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("没有找到这个对上争取事项。")) from None


def support_totals(applications: QuerySet[SupportApplication], by: str) -> list[dict[str, Any]]:
    """Count and amounts grouped by ``fund_source`` or ``status``, with display labels."""
    labels = dict(SupportApplication._meta.get_field(by).choices)
    rows = (
        applications.order_by()
        .values(by)
        .annotate(
            count=Count("id", distinct=True),
            requested=Coalesce(Sum("amount_requested"), ZERO),
            approved=Coalesce(Sum("amount_approved"), ZERO),
            allocated=Coalesce(Sum("amount_allocated"), ZERO),
        )
        .order_by(by)
    )
    return [{**row, "key": row[by], "label": labels.get(row[by], row[by])} for row in rows]


# Funds in place ----------------------------------------------------------------------------


def funds_arrivals(*, project: Project, limit: int = 12) -> list[FundsArrival]:
    """The project's latest arrivals of funds, newest first (the project page lists them)."""
    return list(project.funds_arrivals.select_related("created_by")[:limit])


def funds_arrived(projects: QuerySet[Project], start: datetime.date, end: datetime.date) -> Decimal:
    """到位资金 that arrived from ``start`` to ``end`` (both included) on ``projects`` (already
    scoped), net of corrections."""
    return FundsArrival.objects.filter(
        project__in=projects.order_by().values("id"), arrived_on__range=(start, end)
    ).aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


def funds_by_month(
    projects: QuerySet[Project], start: datetime.date, end: datetime.date
) -> dict[datetime.date, Decimal]:
    """到位资金 per month from ``start`` to ``end``: first day of the month → amount (months
    without arrivals are left out)."""
    rows = (
        FundsArrival.objects.filter(
            project__in=projects.order_by().values("id"), arrived_on__range=(start, end)
        )
        .annotate(month=TruncMonth("arrived_on"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    return {row["month"]: row["total"] for row in rows}
