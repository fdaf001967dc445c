"""周报 / 月报: what the bureau did in a period, within a scope, counted from the records.

A report covers a ``Period`` (a Monday–Sunday week or a calendar month) and a ``ReportScope``
(the county, one task force, one officer) and is read by one user: every figure stays within
what that user sees (``crm.access``), and ``report_request`` lets a user ask only for the scopes
``report_scope_choices`` offers them. Each figure counts through the one rule of what it counts:
forward moves (``forward_move_q``), overdue (``overdue_counts`` when the scope is one of the
reader's own, else ``leads_overdue`` / ``tasks_overdue`` narrowed to the scope), 到位资金
(``funds_arrived``), the ranking (``task_force_ranking``); and carries the URL of the list
behind it where such a list exists, filtered to exactly the records counted.

The page, the xlsx (``dashboard.report_workbook``, laid out by ``crm.export``), the API and the
weekly email to bureau leaders (``dashboard.report_mail``, registered with ``crm.registry``) read
``report()``, which runs a fixed number of queries whatever the number of records.
"""

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access import assignment_choices, is_leader_of, reads_county, scope_q
from crm.exceptions import DomainError, NotFound, PermissionRefused
from crm.inputs import is_id, validate_sane_date
from crm.models import ReminderSchedule, TaskForce, User
from crm.notifications.selectors import (
    OverdueCount,
    OverdueCounts,
    OverdueScope,
    overdue_counts,
    team_task_force_ids,
)
from crm.registry import ReminderItem, reminder_sources
from crm.snapshots import Snapshot, snapshot
from dashboard.models import RankingRule
from dashboard.ranking import (
    RankingRow,
    created_between,
    local_days,
    ranked_task_forces,
    task_force_ranking,
)
from leads.filters import DAYS_OVERDUE
from leads.models import ApprovalRequest, FollowUp, Lead, LeadTransition
from leads.selectors import leads_overdue
from projects.models import Project, ProjectTransition
from projects.selectors import funds_arrived, tasks_overdue

# New leads planning at least this much (万元) are listed by name: 亿元以上线索.
NOTABLE_INVESTMENT = Decimal(10000)
# Lists in a report (notable leads, projects signed or commenced) show at most this many.
LIST_LIMIT = 30


# --- the period -------------------------------------------------------------------------------


class ReportKind(models.TextChoices):
    WEEK = "week", gettext_lazy("周报")
    MONTH = "month", gettext_lazy("月报")


def _month_day(day: datetime.date) -> str:
    return _("%(month)d月%(day)d日") % {"month": day.month, "day": day.day}


@dataclass(frozen=True)
class Period:
    """The days a report covers, both included: a week (``week_of``) or a month (``month_of``)."""

    start: datetime.date
    end: datetime.date

    @property
    def kind(self) -> str:
        """``week`` or ``month`` when the period is one, else ``""`` (any other range)."""
        if self.start.weekday() == 0 and self.end == self.start + datetime.timedelta(days=6):
            return ReportKind.WEEK
        if self.start.day == 1 and self.end == month_of(self.start).end:
            return ReportKind.MONTH
        return ""

    @property
    def kind_label(self) -> str:
        return str(ReportKind(self.kind).label) if self.kind else _("报告")

    @property
    def label(self) -> str:
        """「2026年第48周，11月23日—11月29日」, 「2026年11月」 or 「2026-11-03—2026-11-20」."""
        if self.kind == ReportKind.WEEK:
            iso = self.start.isocalendar()
            return _("%(year)d年第%(week)d周，%(start)s—%(end)s") % {
                "year": iso.year,
                "week": iso.week,
                "start": _month_day(self.start),
                "end": _month_day(self.end),
            }
        if self.kind == ReportKind.MONTH:
            return _("%(year)d年%(month)d月") % {"year": self.start.year, "month": self.start.month}
        return f"{self.start.isoformat()}—{self.end.isoformat()}"

    def shifted(self, steps: int) -> "Period":
        """The week or month ``steps`` before (negative) or after this one."""
        if self.kind == ReportKind.MONTH:
            months = self.start.year * 12 + self.start.month - 1 + steps
            return month_of(datetime.date(months // 12, months % 12 + 1, 1))
        return week_of(self.start + datetime.timedelta(days=7 * steps))

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as instants (``dashboard.ranking.local_days``): a range on a timestamp
        that can use its index."""
        return local_days(self.start, self.end)


def week_of(day: datetime.date) -> Period:
    """The Monday–Sunday week that holds ``day``."""
    start = day - datetime.timedelta(days=day.weekday())
    return Period(start, start + datetime.timedelta(days=6))


def month_of(day: datetime.date) -> Period:
    """The calendar month that holds ``day``."""
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=1), day.replace(day=last))


def default_period(kind: str, today: datetime.date) -> Period:
    """The last complete week or month before ``today``: what a leader reads on Monday."""
    if kind == ReportKind.MONTH:
        return month_of(today.replace(day=1) - datetime.timedelta(days=1))
    return week_of(today - datetime.timedelta(days=7))


# --- the scope --------------------------------------------------------------------------------


class ScopeKind(models.TextChoices):
    COUNTY = "county", gettext_lazy("全县")
    TASK_FORCE = "tf", gettext_lazy("专班")
    OFFICER = "officer", gettext_lazy("个人")


@dataclass(frozen=True)
class ReportScope:
    """Whose work a report counts: the county, one task force, or one officer's own records.

    ``key`` is how a URL names it: ``county``, ``tf-<task force id>``, ``officer-<user id>``.
    """

    kind: str
    task_force: TaskForce | None = None
    officer: User | None = None

    @property
    def key(self) -> str:
        if self.task_force is not None:
            return f"tf-{self.task_force.pk}"
        if self.officer is not None:
            return f"officer-{self.officer.pk}"
        return ScopeKind.COUNTY.value

    @property
    def label(self) -> str:
        if self.task_force is not None:
            return self.task_force.name
        if self.officer is not None:
            return str(self.officer)
        return str(ScopeKind.COUNTY.label)

    def q(self, *, owner: str, task_force: str) -> Q:
        """The scope as a filter: ``owner`` and ``task_force`` name the fields (or lookups)
        holding a row's person and task force, as for ``crm.access.scope_q``."""
        if self.task_force is not None:
            return Q(**{task_force: self.task_force.pk})
        if self.officer is not None:
            return Q(**{owner: self.officer.pk})
        return Q()

    def holds(self, item: ReminderItem) -> bool:
        """Whether an overdue item (``crm.registry``) is in the scope."""
        if self.task_force is not None:
            return item.task_force_id == self.task_force.pk
        if self.officer is not None:
            return item.recipient_id == self.officer.pk
        return True

    def list_params(self) -> list[tuple[str, Any]]:
        """The lead list's (and project list's) filters narrowing a list to the scope."""
        if self.task_force is not None:
            return [("task_force_id", self.task_force.pk)]
        if self.officer is not None:
            return [("owner_id", self.officer.pk)]
        return []


COUNTY = ReportScope(ScopeKind.COUNTY)


@dataclass
class ScopeChoices:
    """The scopes a user may read: the county (those who see everything), the task forces
    they work in (all for those who see everything: ``ranked_task_forces``), and the
    officers whose records they may assign (themselves; the members of the task forces they
    lead; everyone for bureau leaders: ``crm.access.assignment_choices``)."""

    county: bool
    task_forces: list[TaskForce]
    officers: list[User]

    @property
    def groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The chooser's options as (group label, [(key, label)]): the county (no group), the
        task forces, the officers."""
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        if self.county:
            groups.append(("", [(COUNTY.key, COUNTY.label)]))
        for label, scopes in (
            (
                ScopeKind.TASK_FORCE.label,
                [ReportScope(ScopeKind.TASK_FORCE, task_force=tf) for tf in self.task_forces],
            ),
            (
                ScopeKind.OFFICER.label,
                [ReportScope(ScopeKind.OFFICER, officer=person) for person in self.officers],
            ),
        ):
            if scopes:
                groups.append((str(label), [(scope.key, scope.label) for scope in scopes]))
        return groups

    def default(self, user: User) -> ReportScope:
        """The county for bureau leaders, the first task force a leader leads, else oneself."""
        if self.county:
            return COUNTY
        led = [tf for tf in self.task_forces if tf.leader_id == user.pk]
        if led:
            return ReportScope(ScopeKind.TASK_FORCE, task_force=led[0])
        return ReportScope(ScopeKind.OFFICER, officer=user)


def _officers(user: User) -> QuerySet[User]:
    _task_forces, owners = assignment_choices(user)
    return owners.filter(Q(role__in=[User.Role.OFFICER, User.Role.LEADER]) | Q(pk=user.pk))


def report_scope_choices(*, user: User) -> ScopeChoices:
    """What the scope chooser offers ``user``. Two queries."""
    return ScopeChoices(
        county=reads_county(user),
        task_forces=list(ranked_task_forces(user=user)),
        officers=list(_officers(user).order_by("full_name", "username")),
    )


def report_scope_get(*, user: User, key: str) -> ReportScope:
    """The scope ``key`` names, if ``user`` may read it.

    ``PermissionRefused`` for the county without the right or a task force or officer outside
    the user's, ``NotFound`` for one that does not exist, ``DomainError`` for a malformed key.
    """
    if key == ScopeKind.COUNTY:
        if not reads_county(user):
            raise PermissionRefused(_("只有局领导和系统管理员可以查看全县的报告。"))
        return COUNTY
    prefix, _dash, pk = key.rpartition("-")
    if prefix == ScopeKind.TASK_FORCE and is_id(pk):
        task_force = ranked_task_forces(user=user).filter(pk=pk).first()
        if task_force is not None:
            return ReportScope(ScopeKind.TASK_FORCE, task_force=task_force)
        if TaskForce.objects.filter(pk=pk).exists():
            raise PermissionRefused(_("只能查看您所在专班的报告。"))
        raise NotFound(_("没有找到这个专班。"))
    if prefix == ScopeKind.OFFICER and is_id(pk):
        officer = _officers(user).filter(pk=pk).first()
        if officer is not None:
            return ReportScope(ScopeKind.OFFICER, officer=officer)
        if User.objects.filter(pk=pk, is_active=True).exists():
            raise PermissionRefused(_("只能查看本人或您负责的专班成员的报告。"))
        raise NotFound(_("没有找到这位人员。"))
    raise DomainError.for_field(
        "scope", _("范围无效：应为 county（全县）、tf-专班编号 或 officer-人员编号。")
    )


@dataclass(frozen=True)
class ReportRequest:
    """A report asked for: its scope and period."""

    scope: ReportScope
    period: Period

    @property
    def query(self) -> str:
        """The querystring that asks for it again (the page, the export, the email's link)."""
        return urlencode(
            {
                "kind": self.period.kind or ReportKind.WEEK,
                "start": self.period.start.isoformat(),
                "scope": self.scope.key,
            }
        )


def _period(kind: str, start: str, today: datetime.date) -> Period:
    if kind not in ReportKind.values:
        raise DomainError.for_field("kind", _("报告类型只能是 week（周报）或 month（月报）。"))
    if not start:
        return default_period(kind, today)
    try:
        day = datetime.date.fromisoformat(start)
        validate_sane_date(day)
    except ValueError:
        raise DomainError.for_field(
            "start", _("日期格式应为 年-月-日，例如 2026-11-23。")
        ) from None
    except ValidationError as error:
        raise DomainError.for_field("start", error.messages[0]) from None
    period = month_of(day) if kind == ReportKind.MONTH else week_of(day)
    if period.start > today:
        raise DomainError.for_field(
            "start", _("%(period)s还没有开始，无法生成报告。") % {"period": period.label}
        )
    return period


def report_request(*, user: User, data: Mapping[str, Any], today: datetime.date) -> ReportRequest:
    """Read ``?kind=week|month&start=YYYY-MM-DD&scope=…`` (each optional) as the page, the
    export and the API receive it: a week or month holding ``start`` (by default the last
    complete one) and the scope (by default the user's widest own). Errors as
    ``report_scope_get``; a bad kind or date is a ``DomainError`` naming its field."""
    kind = str(data.get("kind") or ReportKind.WEEK).strip()
    start = str(data.get("start") or "").strip()
    key = str(data.get("scope") or "").strip()
    period = _period(kind, start, today)
    if key:
        scope = report_scope_get(user=user, key=key)
    else:
        scope = report_scope_choices(user=user).default(user)
    return ReportRequest(scope=scope, period=period)


# --- the figures ------------------------------------------------------------------------------


@dataclass
class GroupRow:
    """One line of a breakdown (a task force, a method, a person, a status): how many, how
    much (万元) where it applies, and the list behind it when there is one."""

    key: str
    label: str
    count: int = 0
    amount: Decimal | None = None
    url: str = ""


@dataclass
class NewLeads:
    """Leads registered in the period: how many, their 计划投资, by task force, and the
    notable ones (计划投资 ≥ ``threshold``) by name, largest first."""

    count: int
    investment: Decimal
    url: str
    by_task_force: list[GroupRow]
    threshold: Decimal
    notable_count: int
    notable_url: str
    notable: list[Lead]


class MoveKind(models.TextChoices):
    FORWARD = "forward", gettext_lazy("推进")
    BACK = "back", gettext_lazy("退回")
    DROPPED = "dropped", gettext_lazy("搁置")
    REOPENED = "reopened", gettext_lazy("重新启用")


@dataclass
class StagePair:
    """How many times leads moved from one stage to another in the period."""

    from_stage: str
    to_stage: str
    kind: str
    count: int

    @property
    def from_stage_label(self) -> str:
        return str(Lead.Stage(self.from_stage).label)

    @property
    def to_stage_label(self) -> str:
        return str(Lead.Stage(self.to_stage).label)

    @property
    def label(self) -> str:
        return f"{self.from_stage_label} → {self.to_stage_label}"

    @property
    def kind_label(self) -> str:
        return str(MoveKind(self.kind).label)


@dataclass
class StageMoves:
    """Stage moves in the period: forward (one step along the pipeline, ``forward_move_q``),
    back, dropped and reopened, and by pair of stages."""

    forward: int = 0
    back: int = 0
    dropped: int = 0
    reopened: int = 0
    by_pair: list[StagePair] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.forward + self.back + self.dropped + self.reopened


@dataclass
class FollowUps:
    """Follow-ups that took place in the period, by method and by the officer who logged them."""

    count: int
    by_method: list[GroupRow]
    by_officer: list[GroupRow]


@dataclass
class Approvals:
    """Requests of 筛选 → 对接 asked and decided in the period; those waiting now, and of
    them those past the SLA (``None`` for an officer's report: a leader's backlog is nobody's
    own, as in ``overdue_counts``' ``mine``)."""

    asked: int
    approved: int
    returned: int
    waiting: int
    over_sla: int | None
    sla_days: int
    waiting_url: str


@dataclass
class ProjectFigures:
    """Projects in the period: status changes by the status moved to, those formally signed
    (with the 签约额) and commenced, and the 到位资金 that arrived."""

    status_changes: int
    by_status: list[GroupRow]
    signed_count: int
    signed_amount: Decimal
    signed: list[Project]
    commenced_count: int
    commenced_investment: Decimal
    commenced: list[Project]
    funds_arrived: Decimal


@dataclass
class Overdue:
    """What is overdue now (leads, project tasks, approvals past the SLA), counted as every
    other page counts it for this scope, with the lists behind the counts."""

    counts: OverdueCounts
    leads_url: str
    tasks_url: str

    @property
    def leads(self) -> int:
        return self.counts.of("leads")

    @property
    def tasks(self) -> int:
        return self.counts.of("tasks")


@dataclass
class RankedTaskForce:
    """A row of the ranking with the lead lists behind its new leads and overdue leads."""

    row: RankingRow
    new_leads_url: str
    overdue_url: str
    is_scope: bool = False


@dataclass
class Ranking:
    rule: RankingRule
    rows: list[RankedTaskForce]

    @property
    def rule_text(self) -> str:
        """The published score, printed under the table so every task force can check it."""
        rule = self.rule
        return _(
            "得分 = 新增线索 × %(new)s + 阶段推进 × %(move)s + 签约额（千万元）× %(signed)s"
            " − 当前逾期线索 × %(overdue)s"
        ) % {
            "new": rule.points_per_new_lead.normalize(),
            "move": rule.points_per_forward_move.normalize(),
            "signed": rule.points_per_thousand_signed.normalize(),
            "overdue": rule.penalty_per_overdue_lead.normalize(),
        }


@dataclass
class Report:
    """A 周报 / 月报 as ``report()`` computes it; lists are capped, counts are not."""

    scope: ReportScope
    period: Period
    today: datetime.date
    new_leads: NewLeads
    stage_moves: StageMoves
    follow_ups: FollowUps
    approvals: Approvals
    projects: ProjectFigures
    overdue: Overdue
    ranking: Ranking | None

    @property
    def title(self) -> str:
        return report_title(self.scope, self.period)

    @property
    def request(self) -> ReportRequest:
        return ReportRequest(scope=self.scope, period=self.period)

    @property
    def in_progress(self) -> bool:
        """The period has not ended yet: its figures run to today."""
        return self.period.end >= self.today


def report_title(scope: ReportScope, period: Period) -> str:
    """「虎林市招商工作周报（2026年第48周，11月23日—11月29日）」, 「虎林市米业专班招商工作月报
    （2026年11月）」, 「王志深个人招商工作周报（…）」: the county's name from settings."""
    values = {"kind": period.kind_label, "period": period.label}
    if scope.officer is not None:
        return _("%(name)s个人招商工作%(kind)s（%(period)s）") % {**values, "name": scope.label}
    who = settings.COUNTY_NAME
    if scope.task_force is not None:
        who = f"{who}{scope.task_force.name}"
    return _("%(who)s招商工作%(kind)s（%(period)s）") % {**values, "who": who}


def report_url(request: ReportRequest) -> str:
    """The path of the report page showing ``request``."""
    return f"{reverse('dashboard:reports')}?{request.query}"


def _lead_list_url(*params: tuple[str, Any]) -> str:
    return f"{reverse('leads:list')}?{urlencode(params)}"


def _new_leads(user: User, scope: ReportScope, period: Period) -> NewLeads:
    """Two queries."""
    leads = (
        Lead.objects.visible_to(user)
        .filter(scope.q(owner="owner", task_force="task_force"))
        .filter(created_between(period.start, period.end))
        .order_by()
    )
    notable_q = Q(planned_investment__gte=NOTABLE_INVESTMENT)
    params = [
        ("created_after", period.start.isoformat()),
        ("created_before", period.end.isoformat()),
        *scope.list_params(),
    ]
    by_task_force = []
    count, investment, notable_count = 0, Decimal(0), 0
    for row in (
        leads.values("task_force", "task_force__name")
        .annotate(
            count=Count("id"),
            amount=Sum("planned_investment"),
            notable=Count("id", filter=notable_q),
        )
        .order_by()
    ):
        tf_id = row["task_force"]
        by_task_force.append(
            GroupRow(
                key=str(tf_id or ""),
                label=row["task_force__name"] or _("未分专班"),
                count=row["count"],
                amount=row["amount"] or Decimal(0),
                # The lead list cannot ask for "no task force": that row has no list.
                url=_lead_list_url(*params, ("task_force_id", tf_id)) if tf_id else "",
            )
        )
        count += row["count"]
        investment += row["amount"] or Decimal(0)
        notable_count += row["notable"]
    # Largest first; the leads of no task force last (NULL sorts differently per database).
    by_task_force.sort(key=lambda row: (not row.key, -row.count, row.label))
    # A task-force report's one row is the report's own total: the same list.
    if scope.task_force is not None:
        for row in by_task_force:
            row.url = _lead_list_url(*params)
    notable = leads.filter(notable_q).select_related("owner", "task_force", "industry")
    return NewLeads(
        count=count,
        investment=investment,
        url=_lead_list_url(*params),
        by_task_force=by_task_force,
        threshold=NOTABLE_INVESTMENT,
        notable_count=notable_count,
        notable_url=_lead_list_url(
            *params,
            ("investment_min", NOTABLE_INVESTMENT),
            ("ordering", "-planned_investment"),
        ),
        notable=list(notable.order_by("-planned_investment", "id")[:LIST_LIMIT]),
    )


def _move_kind(from_stage: str, to_stage: str) -> str:
    if to_stage == Lead.Stage.DROPPED:
        return MoveKind.DROPPED
    if from_stage == Lead.Stage.DROPPED:
        return MoveKind.REOPENED
    # One step along the pipeline: what ``leads.models.forward_move_q`` counts.
    if Lead.WORKFLOW.forward.get(from_stage) == to_stage:
        return MoveKind.FORWARD
    return MoveKind.BACK


def _stage_moves(user: User, scope: ReportScope, period: Period) -> StageMoves:
    """One query."""
    start, end = period.bounds()
    owner, task_force = "lead__owner", "lead__task_force"
    rows = (
        LeadTransition.objects.filter(
            scope_q(user, owner=owner, task_force=task_force),
            scope.q(owner=owner, task_force=task_force),
            moved_at__gte=start,
            moved_at__lt=end,
        )
        .values("from_stage", "to_stage")
        .annotate(count=Count("id"))
        .order_by()
    )
    moves = StageMoves()
    order = {kind: position for position, kind in enumerate(MoveKind.values)}
    stages = Lead.Stage.values
    for row in rows:
        pair = StagePair(
            row["from_stage"],
            row["to_stage"],
            _move_kind(row["from_stage"], row["to_stage"]),
            row["count"],
        )
        setattr(moves, pair.kind, getattr(moves, pair.kind) + pair.count)
        moves.by_pair.append(pair)
    moves.by_pair.sort(
        key=lambda p: (order[p.kind], stages.index(p.from_stage), stages.index(p.to_stage))
    )
    return moves


def _follow_ups(user: User, scope: ReportScope, period: Period) -> FollowUps:
    """Two queries."""
    follow_ups = FollowUp.objects.filter(
        scope_q(user, owner="lead__owner", task_force="lead__task_force"),
        scope.q(owner="created_by", task_force="lead__task_force"),
        occurred_on__range=(period.start, period.end),
    ).order_by()
    methods = dict(FollowUp.Method.choices)
    by_method = [
        GroupRow(key=row["method"], label=str(methods[row["method"]]), count=row["count"])
        for row in follow_ups.values("method").annotate(count=Count("id")).order_by("-count")
    ]
    by_officer = [
        GroupRow(
            key=str(row["created_by"]),
            label=row["created_by__full_name"] or row["created_by__username"],
            count=row["count"],
        )
        for row in follow_ups.values("created_by", "created_by__full_name", "created_by__username")
        .annotate(count=Count("id"))
        .order_by("-count", "created_by__full_name", "created_by")
    ]
    return FollowUps(
        count=sum(row.count for row in by_method), by_method=by_method, by_officer=by_officer
    )


def _approvals(
    user: User, scope: ReportScope, period: Period, overdue: OverdueCounts, sla_days: int
) -> Approvals:
    """One query: the approvals of visible leads in the scope (an officer's: those they asked)."""
    start, end = period.bounds()
    approvals = ApprovalRequest.objects.filter(
        scope_q(user, owner="lead__owner", task_force="lead__task_force"),
        scope.q(owner="requested_by", task_force="lead__task_force"),
    ).order_by()
    status = ApprovalRequest.Status
    decided = Q(decided_at__gte=start, decided_at__lt=end)
    # A leader's own move is recorded as a request asked and decided at once: decided, not asked.
    asked = Q(requested_at__gte=start, requested_at__lt=end) & (
        Q(decided_at__isnull=True) | ~Q(decided_at=F("requested_at"))
    )
    totals = approvals.aggregate(
        asked=Count("id", filter=asked),
        approved=Count("id", filter=decided & Q(status=status.APPROVED)),
        returned=Count("id", filter=decided & Q(status=status.RETURNED)),
        waiting=Count("id", filter=Q(status=status.PENDING)),
    )
    # The approvals queue lists what the user decides; it matches when they decide the scope.
    waiting_url = ""
    # (the county's: who decides for every task force, ``is_leader_of`` without one).
    decides = is_leader_of(user, scope.task_force.pk if scope.task_force is not None else None)
    if scope.officer is None and decides:
        waiting_url = reverse("leads:approvals")
        if scope.task_force is not None:
            waiting_url += f"?{urlencode({'task_force_id': scope.task_force.pk})}"
    over_sla = None if scope.officer is not None else overdue.of("approvals")
    return Approvals(**totals, over_sla=over_sla, sla_days=sla_days, waiting_url=waiting_url)


def _projects(user: User, scope: ReportScope, period: Period) -> ProjectFigures:
    """Five queries."""
    projects = (
        Project.objects.visible_to(user)
        .filter(scope.q(owner="owner", task_force="task_force"))
        .order_by()
    )
    owner, task_force = "project__owner", "project__task_force"
    labels = dict(Project.Status.choices)
    by_status = [
        GroupRow(key=row["to_status"], label=str(labels[row["to_status"]]), count=row["count"])
        for row in ProjectTransition.objects.filter(
            scope_q(user, owner=owner, task_force=task_force),
            scope.q(owner=owner, task_force=task_force),
            occurred_on__range=(period.start, period.end),  # the day it happened
        )
        .values("to_status")
        .annotate(count=Count("id"))
        .order_by()
    ]
    by_status.sort(key=lambda row: Project.Status.values.index(row.key))
    days = (period.start, period.end)
    signed_q, commenced_q = Q(signed_on__range=days), Q(commenced_on__range=days)
    totals = projects.aggregate(
        signed_count=Count("id", filter=signed_q),
        signed_amount=Sum("signed_amount", filter=signed_q),
        commenced_count=Count("id", filter=commenced_q),
        commenced_investment=Sum("total_investment", filter=commenced_q),
    )
    listed = projects.select_related("task_force", "owner")
    return ProjectFigures(
        status_changes=sum(row.count for row in by_status),
        by_status=by_status,
        signed_count=totals["signed_count"],
        signed_amount=totals["signed_amount"] or Decimal(0),
        signed=list(listed.filter(signed_q).order_by("-signed_amount", "id")[:LIST_LIMIT]),
        commenced_count=totals["commenced_count"],
        commenced_investment=totals["commenced_investment"] or Decimal(0),
        commenced=list(listed.filter(commenced_q).order_by("-total_investment", "id")[:LIST_LIMIT]),
        funds_arrived=funds_arrived(projects, period.start, period.end),
    )


def _own_overdue_scope(user: User, scope: ReportScope) -> str | None:
    """The reader's own overdue scope that is exactly the report's, if one is."""
    if scope.officer is not None:
        return OverdueScope.MINE if scope.officer.pk == user.pk else None
    if scope.task_force is not None:
        return OverdueScope.TEAM if team_task_force_ids(user) == {scope.task_force.pk} else None
    return OverdueScope.ALL if reads_county(user) else None


def _overdue(user: User, scope: ReportScope, today: datetime.date) -> Overdue:
    """The overdue counts of the scope: ``overdue_counts`` itself when the scope is one of the
    reader's own (the work page's figures), else each source's rule narrowed to the scope
    (``leads_overdue`` and ``tasks_overdue`` in the database, the others over their items,
    which are few). An officer's report leaves out what is nobody's own (``personal``), as
    ``overdue_counts`` does for ``mine``. Three or four queries."""
    own = _own_overdue_scope(user, scope)
    lead_query = urlencode(
        [("overdue", "true"), *scope.list_params(), ("ordering", f"-{DAYS_OVERDUE}")]
    )
    leads_url = f"{reverse('leads:list')}?{lead_query}"
    if own is not None:
        return Overdue(
            counts=overdue_counts(user=user, today=today, scope=own),
            leads_url=leads_url,
            tasks_url=f"{reverse('reminders:list')}?{urlencode({'scope': own})}",
        )
    narrowed = {
        "leads": lambda: leads_overdue(user=user, today=today, scope=OverdueScope.ALL)
        .filter(scope.q(owner="owner", task_force="task_force"))
        .count(),
        "tasks": lambda: tasks_overdue(user=user, today=today, scope=OverdueScope.ALL)
        .filter(scope.q(owner="assignee", task_force="project__task_force"))
        .count(),
    }
    counts = []
    for source in reminder_sources:
        if scope.officer is not None and not source.personal:
            continue
        if source.key in narrowed:
            count = narrowed[source.key]()
        else:
            items = source.collect_for(user, today, OverdueScope.ALL)
            count = sum(1 for item in items if scope.holds(item))
        counts.append(
            OverdueCount(
                key=source.key, title=str(source.title), unit=str(source.unit), count=count
            )
        )
    return Overdue(
        counts=OverdueCounts(scope=scope.key, label=scope.label, counts=counts),
        leads_url=leads_url,
        tasks_url="",
    )


def _ranking(user: User, scope: ReportScope, period: Period, today: datetime.date) -> Ranking:
    """The task forces the reader sees, ranked over the period. Six queries."""
    rule, rows = task_force_ranking(user=user, start=period.start, end=period.end, today=today)
    created = [("created_after", period.start.isoformat()), ("created_before", period.end)]
    return Ranking(
        rule=rule,
        rows=[
            RankedTaskForce(
                row=row,
                new_leads_url=_lead_list_url(*created, ("task_force_id", row.task_force_id)),
                overdue_url=_lead_list_url(
                    ("overdue", "true"),
                    ("task_force_id", row.task_force_id),
                    ("ordering", f"-{DAYS_OVERDUE}"),
                ),
                is_scope=scope.task_force is not None and scope.task_force.pk == row.task_force_id,
            )
            for row in rows
        ],
    )


def report(
    *,
    user: User,
    scope: ReportScope,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
) -> Report:
    """The report of ``scope`` from ``start`` to ``end`` (both included) as ``user`` sees it.

    The caller has checked that ``user`` may read ``scope`` (``report_request``). Figures of
    the period count what happened in it (up to today for one still running); the overdue
    counts and the approvals waiting are today's. The ranking is left out of an officer's
    report. About 25 queries whatever the number of records.
    """
    period = Period(start, end)
    overdue = _overdue(user, scope, today)
    return Report(
        scope=scope,
        period=period,
        today=today,
        new_leads=_new_leads(user, scope, period),
        stage_moves=_stage_moves(user, scope, period),
        follow_ups=_follow_ups(user, scope, period),
        approvals=_approvals(
            user, scope, period, overdue.counts, ReminderSchedule.current().approval_sla_days
        ),
        projects=_projects(user, scope, period),
        overdue=overdue,
        ranking=None if scope.officer is not None else _ranking(user, scope, period, today),
    )


def report_from_params(user: User, *, scope: str, start: str, end: str, today: str) -> Report:
    """``report`` from the strings ``crm.snapshots`` keeps (registered as ``"report"``); the
    scope is checked again for the reader, as a worker recomputes it later."""
    return report(
        user=user,
        scope=report_scope_get(user=user, key=scope),
        start=datetime.date.fromisoformat(start),
        end=datetime.date.fromisoformat(end),
        today=datetime.date.fromisoformat(today),
    )


def report_snapshot(
    *, user: User, asked: ReportRequest, today: datetime.date, fresh: bool = False
) -> Snapshot:
    """The report as kept for ``user`` (``crm.snapshots``), ``asked`` having been checked by
    ``report_request``; ``.value`` is the ``Report``. The xlsx export computes it anew."""
    params = {
        "scope": asked.scope.key,
        "start": asked.period.start.isoformat(),
        "end": asked.period.end.isoformat(),
        "today": today.isoformat(),
    }
    return snapshot("report", user=user, params=params, fresh=fresh)


def report_subtitle(data: Report) -> str:
    """「统计范围：全县 · 统计时间：2026-11-23 至 2026-11-29」, as the title row's second line and
    the security log's description of an export."""
    return _("统计范围：%(scope)s · 统计时间：%(start)s 至 %(end)s") % {
        "scope": data.scope.label,
        "start": data.period.start.isoformat(),
        "end": min(data.period.end, data.today).isoformat(),
    }
