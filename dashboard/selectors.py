"""Reads that compose the 我的工作台 and 专班工作 pages from the apps' selectors, and where
``/`` sends each user."""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access import overseen_task_forces, reads_county
from crm.exceptions import NotFound, PermissionRefused
from crm.models import ReminderSchedule, TaskForce, User
from crm.notifications.selectors import (
    OverdueCount,
    OverdueCounts,
    OverdueScope,
    overdue_counts,
    overdue_scopes_for,
    team_task_force_ids,
)
from crm.paging import first_rows
from crm.registry import reminder_sources
from leads.filters import DAYS_OVERDUE
from leads.models import (
    ApprovalRequest,
    FollowUp,
    Lead,
    LeadTransition,
    backward_move_q,
    forward_move_q,
    waited_over_q,
)
from leads.selectors import (
    approval_queue,
    lead_queryset,
    leads_due_between,
    leads_overdue,
    leads_recently_changed,
    overdue_list_query,
)
from projects.models import Project, ProjectTransition
from projects.selectors import tasks_overdue

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
    """One scope's counts and worst leads (their ids, then the rows): four queries, five with
    the task-force breakdown."""
    leads = leads_overdue(user=user, today=today, scope=scope)
    section = OverdueSection(
        counts=overdue_counts(user=user, today=today, scope=scope),
        leads=first_rows(leads, LIST_LIMIT),
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


# --- where ``/`` sends a user ---------------------------------------------------------------


def landing_url(user: User) -> str:
    """The page ``/`` opens: the cockpit for those who see everything (bureau leaders,
    administrators), the team page for the leader of an active task force, the work page for
    everyone else. Each may still open the others' pages, within their scope."""
    if reads_county(user):
        return reverse("dashboard:cockpit")
    if team_task_force_ids(user):
        return reverse("dashboard:team")
    return reverse("dashboard:my_work")


# --- 专班工作: one task force's approvals, overdue work and week, for its leader --------------

MOVES_SHOWN = 8

# The reminder sources the team page counts for one task force (``crm.registry``'s keys).
TEAM_SOURCES = ("leads", "tasks", "approvals")


def team_task_forces(*, user: User) -> QuerySet[TaskForce]:
    """The task forces whose team page ``user`` may open, by name: every active one for those
    who see everything, the active ones they lead for a task-force leader (the ``team`` scope
    of the digest), none for anyone else."""
    return overseen_task_forces(user).select_related("leader").order_by("name", "id")


def team_task_force_get(*, user: User, pk: int | None) -> tuple[TaskForce, list[TaskForce]]:
    """The task force the team page shows (``pk``, or the first the user may open) and those
    it may switch to.

    ``PermissionRefused`` when the user leads none or asks for one they do not lead,
    ``NotFound`` when ``pk`` names no active task force (or there is none at all).
    """
    choices = list(team_task_forces(user=user))
    if not choices and reads_county(user):
        raise NotFound(_("还没有设立专班，请系统管理员在管理后台添加。"))
    if not choices:
        raise PermissionRefused(
            _("「专班工作」是专班负责人和局领导查看专班整体工作的页面，您目前没有负责的专班。")
        )
    if pk is None:
        return choices[0], choices
    for task_force in choices:
        if task_force.pk == pk:
            return task_force, choices
    if TaskForce.objects.filter(pk=pk, is_active=True).exists():
        raise PermissionRefused(_("只有该专班的负责人和局领导可以查看它的专班工作。"))
    raise NotFound(_("没有找到这个专班。"))


@dataclass
class OfficerRow:
    """One person's share of the task force: the leads they carry, their follow-ups this week
    and what of theirs is overdue; ``user`` is None for the leads nobody owns. The ``*_query``
    strings open the lead list on exactly the leads counted."""

    user: User | None
    is_member: bool = False
    is_leader: bool = False
    active_leads: int = 0
    follow_ups: int = 0
    overdue_leads: int = 0
    overdue_tasks: int = 0
    active_query: str = ""
    overdue_query: str = ""

    @property
    def overdue(self) -> int:
        return self.overdue_leads + self.overdue_tasks

    @property
    def is_empty(self) -> bool:
        return not (self.active_leads or self.follow_ups or self.overdue)


@dataclass
class TeamWeek:
    """What moved in the task force since Monday: stage moves by kind (each of
    ``lead_moves`` has ``kind``: forward, back, dropped or reopened), new leads, follow-ups and
    its projects' status moves (by the day they happened); the lists hold the latest
    ``MOVES_SHOWN``."""

    start: datetime.date
    forward: int = 0
    back: int = 0
    dropped: int = 0
    reopened: int = 0
    new_leads: int = 0
    follow_ups: int = 0
    project_moves: int = 0
    lead_moves: list[LeadTransition] = field(default_factory=list)
    project_move_list: list[ProjectTransition] = field(default_factory=list)

    @property
    def stage_moves(self) -> int:
        return self.forward + self.back + self.dropped + self.reopened


@dataclass
class TeamView:
    """Everything the team page shows about one task force; lists are capped, counts are not."""

    task_force: TaskForce
    choices: list[TaskForce]
    today: datetime.date
    sla_days: int
    approvals: list[ApprovalRequest]  # the oldest waiting, each with ``waited``, ``past_sla``
    approvals_count: int
    # the task force's overdue leads, tasks and approvals past the SLA, as every page counts
    overdue: OverdueCounts
    officers: list[OfficerRow]
    week: TeamWeek
    overdue_query: str
    new_leads_query: str
    pipeline_query: str

    @property
    def approvals_past_sla(self) -> int:
        return self.overdue.of("approvals")

    @property
    def approvals_more(self) -> bool:
        return self.approvals_count > len(self.approvals)


def _lead_list_query(task_force: TaskForce, *params: tuple[str, object]) -> str:
    """The lead list's querystring for the task force's leads narrowed by ``params``."""
    return urlencode([("task_force_id", task_force.pk), *params])


def _move_kind(move: LeadTransition) -> str:
    if move.to_stage == Lead.Stage.DROPPED:
        return "dropped"
    if move.from_stage == Lead.Stage.DROPPED:
        return "reopened"
    return "forward" if Lead.WORKFLOW.is_forward(move.from_stage, move.to_stage) else "back"


def _team_officers(
    *,
    user: User,
    task_force: TaskForce,
    leads: QuerySet[Lead],
    today: datetime.date,
    week: TeamWeek,
) -> list[OfficerRow]:
    """One row per member (and the leader, and anyone else who owns or is assigned work in
    the task force), most overdue first, then the leads nobody owns; adds the week's new
    leads and follow-ups to ``week``. Five queries."""
    rows: dict[int | None, OfficerRow] = {}

    def row(user_id: int | None) -> OfficerRow:
        return rows.setdefault(user_id, OfficerRow(user=None))

    for entry in leads.values("owner").annotate(
        active=Count("id", filter=Q(stage__in=Lead.ACTIVE_STAGES)),
        new=Count("id", filter=Q(created_at__date__gte=week.start)),
    ):
        row(entry["owner"]).active_leads = entry["active"]
        week.new_leads += entry["new"]
    for entry in (
        leads_overdue(user=user, today=today, scope=OverdueScope.ALL)
        .filter(task_force=task_force)
        .order_by()
        .values("owner")
        .annotate(n=Count("id"))
    ):
        row(entry["owner"]).overdue_leads = entry["n"]
    for entry in (
        tasks_overdue(user=user, today=today, scope=OverdueScope.ALL)
        .filter(project__task_force=task_force)
        .order_by()
        .values("assignee")
        .annotate(n=Count("id"))
    ):
        row(entry["assignee"]).overdue_tasks = entry["n"]
    for entry in (
        FollowUp.objects.filter(lead__in=leads, occurred_on__range=(week.start, today))
        .order_by()
        .values("created_by")
        .annotate(n=Count("id"))
    ):
        row(entry["created_by"]).follow_ups = entry["n"]
        week.follow_ups += entry["n"]

    members = TaskForce.members.through.objects.filter(taskforce_id=task_force.pk)
    people = User.objects.filter(
        Q(is_active=True, pk__in=members.values("user_id"))
        | Q(is_active=True, pk=task_force.leader_id)
        | Q(pk__in=[pk for pk in rows if pk is not None])
    ).annotate(is_member=Exists(members.filter(user_id=OuterRef("pk"))))
    officers = []
    for person in people:
        officer = rows.get(person.pk) or OfficerRow(user=None)
        officer.user = person
        officer.is_leader = person.pk == task_force.leader_id
        officer.is_member = person.is_member or officer.is_leader
        officer.active_query = _lead_list_query(
            task_force,
            ("owner_id", person.pk),
            *(("stage", stage) for stage in Lead.ACTIVE_STAGES),
        )
        officer.overdue_query = _lead_list_query(
            task_force,
            ("owner_id", person.pk),
            ("overdue", "true"),
            ("ordering", f"-{DAYS_OVERDUE}"),
        )
        officers.append(officer)
    officers.sort(
        key=lambda o: (-o.overdue, -o.active_leads, -o.follow_ups, o.user.get_full_name())
    )
    unowned = rows.get(None)
    if unowned is not None and not unowned.is_empty:
        officers.append(unowned)
    return officers


def _team_moves(
    *,
    user: User,
    task_force: TaskForce,
    leads: QuerySet[Lead],
    today: datetime.date,
    week: TeamWeek,
) -> None:
    """The week's stage moves of the task force's leads and status moves of its projects,
    counted and the latest listed, into ``week``. Four queries."""
    since = timezone.make_aware(datetime.datetime.combine(week.start, datetime.time.min))
    moves = LeadTransition.objects.filter(lead__in=leads, moved_at__gte=since)
    totals = moves.aggregate(
        forward=Count("id", filter=forward_move_q()),
        back=Count("id", filter=backward_move_q()),
        dropped=Count("id", filter=Q(to_stage=Lead.Stage.DROPPED)),
        reopened=Count("id", filter=Q(from_stage=Lead.Stage.DROPPED)),
    )
    week.forward, week.back = totals["forward"], totals["back"]
    week.dropped, week.reopened = totals["dropped"], totals["reopened"]
    week.lead_moves = list(
        moves.select_related("lead", "actor").order_by("-moved_at", "-id")[:MOVES_SHOWN]
    )
    for move in week.lead_moves:
        move.kind = _move_kind(move)
    # A project's move counts in the week it happened (its date), not the week it was recorded:
    # a signing entered late belongs to the week it was signed.
    project_moves = ProjectTransition.objects.filter(
        project__in=Project.objects.visible_to(user).filter(task_force=task_force),
        occurred_on__range=(week.start, today),
    )
    week.project_moves = project_moves.count()
    week.project_move_list = list(
        project_moves.select_related("project", "actor").order_by(
            "-occurred_on", "-moved_at", "-id"
        )[:MOVES_SHOWN]
    )


def _team_approvals(
    *, user: User, task_force: TaskForce, today: datetime.date, sla_days: int
) -> tuple[list[ApprovalRequest], int, int]:
    """The task force's part of the approvals queue (``approval_queue``): the oldest
    ``LIST_LIMIT`` requests with ``waited`` and ``past_sla``, how many wait, and how many wait
    past the SLA (``leads.models.waited_over_q``, the digest's rule). Two queries."""
    queue = approval_queue(user=user).qs.filter(lead__task_force=task_force)
    waiting = queue.aggregate(
        total=Count("id"), past_sla=Count("id", filter=waited_over_q(sla_days, today))
    )
    approvals = list(queue[:LIST_LIMIT])
    for approval in approvals:
        approval.waited = approval.days_waiting(today)
        approval.past_sla = approval.waited > sla_days
    return approvals, waiting["total"], waiting["past_sla"]


def team_view(*, user: User, task_force_id: int | None, today: datetime.date) -> TeamView:
    """One task force as its leader runs it: approvals waiting (the SLA marked), overdue leads
    and tasks by officer (``leads_overdue`` and ``tasks_overdue``, the counts of every other
    page), each officer's active leads and follow-ups this week, and what moved since Monday.

    Refusals as ``team_task_force_get``. Runs a fixed number of queries whatever the data size.
    """
    task_force, choices = team_task_force_get(user=user, pk=task_force_id)
    week = TeamWeek(start=today - datetime.timedelta(days=today.weekday()))
    leads = Lead.objects.visible_to(user).filter(task_force=task_force).order_by()
    officers = _team_officers(user=user, task_force=task_force, leads=leads, today=today, week=week)
    _team_moves(user=user, task_force=task_force, leads=leads, today=today, week=week)
    sla_days = ReminderSchedule.current().approval_sla_days
    approvals, waiting, past_sla = _team_approvals(
        user=user, task_force=task_force, today=today, sla_days=sla_days
    )
    by_source = {
        "leads": sum(o.overdue_leads for o in officers),
        "tasks": sum(o.overdue_tasks for o in officers),
        "approvals": past_sla,
    }
    return TeamView(
        task_force=task_force,
        choices=choices,
        today=today,
        sla_days=sla_days,
        approvals=approvals,
        approvals_count=waiting,
        overdue=OverdueCounts(
            scope=OverdueScope.TEAM,
            label=task_force.name,
            counts=[
                OverdueCount(
                    key=source.key,
                    title=str(source.title),
                    unit=str(source.unit),
                    count=by_source[source.key],
                )
                for source in reminder_sources
                if source.key in TEAM_SOURCES
            ],
        ),
        officers=officers,
        week=week,
        overdue_query=_lead_list_query(
            task_force, ("overdue", "true"), ("ordering", f"-{DAYS_OVERDUE}")
        ),
        new_leads_query=_lead_list_query(
            task_force, ("created_after", week.start.isoformat()), ("ordering", "-created_at")
        ),
        pipeline_query=_lead_list_query(task_force),
    )
