"""领导驾驶舱: the figures of the bureau's meeting, within what the reader may see.

One public function per block (the 周报/月报 reuse them) and ``cockpit`` composing them. Every
figure is read from ``visible_to(user)`` querysets through the apps' own rules (the overdue
rule and count, the rates, the ranking, the 对上争取 totals, the arrivals of funds): nothing
here counts a second way. Each figure carries the URL of the list behind it, built here, so
that a test can open every one and compare the list with the figure (``Cockpit.figures``).

Every block costs a fixed number of queries, aggregated in the database, whatever the number
of leads and projects.
"""

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access import approves_for_any, reading_scope_label, reads_county, scope_q
from crm.exceptions import DomainError
from crm.inputs import bound_form_fields
from crm.models import Channel, Industry, Region, ReminderSchedule, User
from crm.notifications.selectors import (
    OverdueCounts,
    OverdueScope,
    overdue_counts,
    overdue_scopes_for,
)
from crm.paging import first_rows
from crm.snapshots import Snapshot, snapshot
from dashboard.models import RankingRule
from dashboard.ranking import RankingRow, created_between, task_force_ranking
from leads.filters import DAYS_OVERDUE
from leads.models import ApprovalRequest, Lead, LeadTransition, overdue_q
from leads.selectors import approval_queue, leads_overdue, overdue_list_query
from projects.models import AnnualGoal, FundsArrival, Project, SupportApplication
from projects.selectors import (
    Rates,
    StandingRow,
    attach_targets,
    funds_arrived,
    funds_by_month,
    project_queryset,
    project_rates,
    standing_rows,
    support_queryset,
    support_totals,
)

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=2))
# 亿元项目: total investment of at least 1 亿元 (10,000 万元).
BIG_PROJECT_MIN = Decimal(10000)
# How many rows each warning list shows; its count covers them all.
WARNING_LIMIT = 8
TREND_MONTHS = 12
# The longest period one may choose: five years.
MAX_PERIOD_DAYS = 5 * 366


# --- the period ------------------------------------------------------------------------------


PERIOD_KINDS = {
    "month": gettext_lazy("本月"),
    "quarter": gettext_lazy("本季"),
    "year": gettext_lazy("本年"),
    "custom": gettext_lazy("自定义"),
}
DEFAULT_PERIOD = "year"


@dataclass(frozen=True)
class Period:
    """The dates the period-bound blocks count over (both days included)."""

    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        """「2026年11月」, 「2026年第4季度」, 「2026年」 or 「2026-01-05 至 2026-02-10」."""
        if self.kind == "month":
            return _("%(year)d年%(month)d月") % {"year": self.start.year, "month": self.start.month}
        if self.kind == "quarter":
            return _("%(year)d年第%(quarter)d季度") % {
                "year": self.start.year,
                "quarter": (self.start.month - 1) // 3 + 1,
            }
        if self.kind == "year":
            return _("%(year)d年") % {"year": self.start.year}
        return _("%(start)s 至 %(end)s") % {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def period_of(kind: str, today: datetime.date) -> Period:
    """The calendar month, quarter or year that holds ``today``."""
    if kind == "month":
        start = today.replace(day=1)
        end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    elif kind == "quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        start = datetime.date(today.year, first_month, 1)
        last_month = first_month + 2
        end = datetime.date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])
    else:
        start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    return Period(kind=kind, start=start, end=end)


class PeriodForm(forms.Form):
    """``?period=month|quarter|year`` or ``?period=custom&start=YYYY-MM-DD&end=YYYY-MM-DD``."""

    period = forms.ChoiceField(
        choices=list(PERIOD_KINDS.items()),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("时间范围只能是本月、本季、本年或自定义。")},
    )
    start = forms.DateField(
        required=False, error_messages={"invalid": gettext_lazy("开始日期请按 YYYY-MM-DD 填写。")}
    )
    end = forms.DateField(
        required=False, error_messages={"invalid": gettext_lazy("结束日期请按 YYYY-MM-DD 填写。")}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_form_fields(self.fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        custom = data.get("period") == "custom" or (not data.get("period") and (start or end))
        if not custom:
            return data
        data["period"] = "custom"
        if start is None or end is None:
            raise forms.ValidationError(_("自定义时间范围须同时填写开始日期和结束日期。"))
        if start > end:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("时间范围最长 5 年。"))
        return data


def parse_period(params: Mapping[str, Any], today: datetime.date) -> Period:
    """The period a page or API request asks for (本年 when it asks for none).

    Bad input raises ``DomainError`` with a Chinese message per field.
    """
    form = PeriodForm(
        {key: params.get(key, "") for key in ("period", "start", "end")},
    )
    if not form.is_valid():
        messages = [str(message) for errors in form.errors.values() for message in errors]
        raise DomainError(
            _("时间范围有误：%(messages)s") % {"messages": " ".join(messages)},
            field_errors={
                key: [str(message) for message in errors] for key, errors in form.errors.items()
            },
        )
    kind = form.cleaned_data.get("period") or DEFAULT_PERIOD
    if kind == "custom":
        return Period(kind=kind, start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    return period_of(kind, today)


# --- figures and their lists -----------------------------------------------------------------


def _url(name: str, params: list[tuple[str, Any]] | None = None) -> str:
    query = urlencode([(key, str(value)) for key, value in params or []])
    return reverse(name) + (f"?{query}" if query else "")


def lead_list_url(*params: tuple[str, Any]) -> str:
    return _url("leads:list", list(params))


def project_list_url(*params: tuple[str, Any]) -> str:
    return _url("projects:list", list(params))


def _created(start: datetime.date, end: datetime.date) -> list[tuple[str, Any]]:
    return [("created_after", start.isoformat()), ("created_before", end.isoformat())]


@dataclass(frozen=True)
class Figure:
    """A number on the cockpit and the list behind it.

    ``count`` is how many records the list at ``url`` holds (``url`` is "" when no page lists
    them); ``amount`` (万元), when given, is their total of ``amount_field`` (``signed_amount``
    …), or, for arrivals of funds (no ``amount_field``), what arrived on the listed projects.
    ``key`` identifies the row of a chart (a stage, a channel's code, a month).
    """

    label: str
    count: int
    url: str = ""
    amount: Decimal | None = None
    amount_field: str = ""
    key: str = ""


# --- 新增线索 and the stages -------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    """A stage: the leads in it now, those that entered it in the period, and the conversion
    to the next stage (entered next ÷ entered this; ``None`` when nothing entered this one)."""

    stage: str
    label: str
    now: Figure
    entered: Figure
    conversion: float | None = None


# The groupings of the period's new leads, with their titles.
SOURCE_KINDS = {
    "channel": gettext_lazy("按招商渠道"),
    "industry": gettext_lazy("按产业"),
    "region": gettext_lazy("按来源地区"),
}
SOURCE_MODELS = {"channel": Channel, "industry": Industry, "region": Region}


@dataclass(frozen=True)
class LeadBlock:
    """新增线索 this week and this month, the stages, the period's new leads by channel,
    industry and region (``sources``), and the number of leads overdue past the escalation
    threshold (counted in the same pass)."""

    week: Figure
    month: Figure
    active: Figure  # in 搜集, 筛选, 对接 or 服务 now
    stages: list[StageRow]
    sources: dict[str, list[Figure]]
    overdue_over_count: int


def lead_block(*, user: User, period: Period, today: datetime.date, overdue_over: int) -> LeadBlock:
    """Five queries: one pass over the visible leads grouped by stage, channel, industry and
    region, one over the period's stage moves, and the names of the three groupings.

    A lead entered 搜集 when it was registered, any other stage when it was moved there (a lead
    moved twice to the same stage in the period counts once); the lists behind are the lead
    list by registration date (``created_after``/``created_before``) and by move
    (``moved_to``/``moved_after``/``moved_before``). Leads without a region are a source of
    their own (「未填写」, ``region=null``).
    """
    week_start = today - datetime.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    tally = list(
        Lead.objects.visible_to(user)
        .order_by()
        .values("stage", "channel_id", "industry_id", "region_id")
        .annotate(
            week=Count("id", filter=created_between(week_start, today)),
            month=Count("id", filter=created_between(month_start, today)),
            period=Count("id", filter=created_between(period.start, period.end)),
            overdue_over=Count("id", filter=overdue_q(today - datetime.timedelta(overdue_over))),
            now=Count("id"),
        )
    )
    # One distinct count per stage (rather than grouping by stage): each sorts lead ids only.
    entered = (
        LeadTransition.objects.filter(
            scope_q(user, owner="lead__owner", task_force="lead__task_force"),
            created_between(period.start, period.end, field="moved_at"),
        )
        .order_by()
        .aggregate(
            **{
                stage: Count("lead", distinct=True, filter=Q(to_stage=stage))
                for stage in Lead.Stage.values
                if stage != Lead.Stage.COLLECT
            }
        )
    )
    now: dict[str, int] = defaultdict(int)
    for row in tally:
        now[row["stage"]] += row["now"]
    entered[Lead.Stage.COLLECT] = sum(row["period"] for row in tally)
    moved = [("moved_after", period.start.isoformat()), ("moved_before", period.end.isoformat())]
    rows = []
    for stage, label in Lead.Stage.choices:
        if stage == Lead.Stage.COLLECT:
            entered_url = lead_list_url(*_created(period.start, period.end))
        else:
            entered_url = lead_list_url(("moved_to", stage), *moved)
        following = Lead.WORKFLOW.forward.get(stage)
        here = entered.get(stage, 0)
        conversion = None
        if following is not None and here:
            conversion = entered.get(following, 0) / here * 100
        rows.append(
            StageRow(
                stage=stage,
                label=str(label),
                now=Figure(str(label), now[stage], lead_list_url(("stage", stage)), key=stage),
                entered=Figure(str(label), here, entered_url, key=stage),
                conversion=conversion,
            )
        )
    return LeadBlock(
        week=Figure(
            _("本周新增线索"),
            sum(row["week"] for row in tally),
            lead_list_url(*_created(week_start, today)),
        ),
        month=Figure(
            _("本月新增线索"),
            sum(row["month"] for row in tally),
            lead_list_url(*_created(month_start, today)),
        ),
        active=Figure(
            _("在办线索"),
            sum(now[stage] for stage in Lead.ACTIVE_STAGES),
            lead_list_url(*(("stage", stage) for stage in Lead.ACTIVE_STAGES)),
        ),
        stages=rows,
        sources={by: _sources(tally, by, period) for by in SOURCE_KINDS},
        overdue_over_count=sum(row["overdue_over"] for row in tally),
    )


def _sources(tally: list[dict], by: str, period: Period) -> list[Figure]:
    """The period's new leads of ``tally`` by one grouping, most first (one query for the
    names of the grouping's codes)."""
    counts: dict[int | None, int] = defaultdict(int)
    for row in tally:
        if row["period"]:
            counts[row[f"{by}_id"]] += row["period"]
    names = {
        pk: (code, name)
        for pk, code, name in SOURCE_MODELS[by]
        .objects.filter(pk__in=[pk for pk in counts if pk is not None])
        .values_list("pk", "code", "name")
    }
    figures = []
    for pk, count in counts.items():
        code, label = names[pk] if pk is not None else ("null", _("未填写"))
        params = [(by, code), *_created(period.start, period.end)]
        figures.append(Figure(label, count, lead_list_url(*params), key=code))
    return sorted(figures, key=lambda figure: (-figure.count, figure.label))


# --- 签约额 and 到位资金 against the year's goals ------------------------------------------------


@dataclass(frozen=True)
class GoalProgress:
    """An amount reached this year against the year's goal and the share of the year gone by.

    ``goal`` is ``None`` when no goal is set for the year. Ahead of schedule (超进度) when the
    share of the goal reached is at least the share of the year gone by.
    """

    figure: Figure  # its amount is what was reached
    goal: Decimal | None
    year_share: float  # 0–100

    @property
    def reached(self) -> Decimal:
        return self.figure.amount or Decimal(0)

    @property
    def percent(self) -> float | None:
        """The share of the goal reached (0–100+), ``None`` without a goal."""
        if not self.goal:
            return None
        return float(self.reached) / float(self.goal) * 100

    @property
    def expected(self) -> Decimal | None:
        """What should have been reached by now at an even pace."""
        if not self.goal:
            return None
        return (self.goal * Decimal(self.year_share) / 100).quantize(Decimal("0.01"))

    @property
    def ahead(self) -> bool | None:
        if self.percent is None:
            return None
        return self.percent >= self.year_share

    @property
    def gap(self) -> Decimal | None:
        """Reached minus expected: positive ahead of schedule, negative behind."""
        expected = self.expected
        return None if expected is None else self.reached - expected


@dataclass(frozen=True)
class Goals:
    """This year's amounts; measured against the goals only for the county, which the goals
    are set for (``compared``), not against them for a task force's share of the work."""

    year: int
    signed: GoalProgress
    funds: GoalProgress
    goal_set: bool  # an administrator has set this year's goals
    compared: bool  # … and the reader sees the county they are set for


def year_share(today: datetime.date) -> float:
    """The share of ``today``'s year gone by, today included (0–100)."""
    start = datetime.date(today.year, 1, 1)
    days = 366 if calendar.isleap(today.year) else 365
    return ((today - start).days + 1) / days * 100


def goals(*, user: User, today: datetime.date) -> Goals:
    """签约额 and 到位资金 from 1 January to today against ``AnnualGoal``; four queries.

    签约额: the signed amount (签约金额, with its capital increases) of the projects formally
    signed this year, the same amount the ranking counts; 到位资金: the arrivals of funds
    recorded this year (``FundsArrival``), corrections netted. The goals are the county's:
    a reader who sees part of it gets the amounts without a comparison.
    """
    start = datetime.date(today.year, 1, 1)
    projects = Project.objects.visible_to(user)
    goal_set = AnnualGoal.objects.filter(year=today.year).first()
    compared = goal_set is not None and reads_county(user)
    goal = goal_set if compared else None
    signed = (
        projects.order_by()
        .filter(signed_on__range=(start, today))
        .aggregate(n=Count("id"), total=Coalesce(Sum("signed_amount"), ZERO))
    )
    signed_dates = [("signed_after", start.isoformat()), ("signed_before", today.isoformat())]
    funds_dates = [("funds_after", start.isoformat()), ("funds_before", today.isoformat())]
    funded = (
        FundsArrival.objects.filter(
            project__in=projects.order_by().values("id"), arrived_on__range=(start, today)
        )
        .order_by()
        .aggregate(n=Count("project", distinct=True))
    )
    share = year_share(today)
    return Goals(
        year=today.year,
        signed=GoalProgress(
            figure=Figure(
                _("签约额"),
                signed["n"],
                project_list_url(*signed_dates),
                amount=signed["total"],
                amount_field="signed_amount",
            ),
            goal=goal.signed_amount if goal else None,
            year_share=share,
        ),
        funds=GoalProgress(
            figure=Figure(
                _("到位资金"),
                funded["n"],
                project_list_url(*funds_dates),
                amount=funds_arrived(projects, start, today),
            ),
            goal=goal.funds_in_place if goal else None,
            year_share=share,
        ),
        goal_set=goal_set is not None,
        compared=compared,
    )


# --- rates and 亿元项目 ------------------------------------------------------------------------


def rates(*, user: User, today: datetime.date) -> Rates:
    """开工率, 资金到位率 and 履约率 over the visible projects, exactly as the board shows them."""
    return project_rates(Project.objects.visible_to(user), today)


def big_projects(*, user: User) -> Figure:
    """亿元项目: the visible projects, terminated ones aside, of at least 1 亿元 total
    investment; their number and total. One query."""
    statuses = [status for status in Project.Status.values if status != Project.Status.TERMINATED]
    totals = (
        Project.objects.visible_to(user)
        .order_by()
        .filter(status__in=statuses, total_investment__gte=BIG_PROJECT_MIN)
        .aggregate(n=Count("id"), total=Coalesce(Sum("total_investment"), ZERO))
    )
    return Figure(
        _("亿元以上项目"),
        totals["n"],
        project_list_url(("investment_min", BIG_PROJECT_MIN), *(("status", s) for s in statuses)),
        amount=totals["total"],
        amount_field="total_investment",
    )


# --- trends by month -------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    """One month: projects signed (with their signed amount), commenced, and funds arrived."""

    month: datetime.date
    label: str
    signed: Figure
    commenced: Figure
    funds: Figure


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(first: datetime.date) -> datetime.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def trends(*, user: User, today: datetime.date, months: int = TREND_MONTHS) -> list[MonthRow]:
    """The last ``months`` months, this one included: four queries."""
    first = _add_months(today.replace(day=1), -(months - 1))
    last = _month_end(today.replace(day=1))
    projects = Project.objects.visible_to(user).order_by()
    signed = {
        row["month"]: row
        for row in projects.filter(signed_on__range=(first, last))
        .annotate(month=TruncMonth("signed_on"))
        .values("month")
        .annotate(n=Count("id"), total=Coalesce(Sum("signed_amount"), ZERO))
    }
    commenced = dict(
        projects.filter(commenced_on__range=(first, last))
        .annotate(month=TruncMonth("commenced_on"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    funds = funds_by_month(projects, first, last)
    funded = dict(
        FundsArrival.objects.filter(
            project__in=projects.values("id"), arrived_on__range=(first, last)
        )
        .order_by()
        .annotate(month=TruncMonth("arrived_on"))
        .values("month")
        .annotate(n=Count("project", distinct=True))
        .values_list("month", "n")
    )
    rows = []
    for offset in range(months):
        month = _add_months(first, offset)
        end = _month_end(month)
        dates = (month.isoformat(), end.isoformat())
        label = f"{month:%Y-%m}"
        signed_row = signed.get(month, {})
        rows.append(
            MonthRow(
                month=month,
                label=label,
                signed=Figure(
                    label,
                    signed_row.get("n", 0),
                    project_list_url(("signed_after", dates[0]), ("signed_before", dates[1])),
                    amount=signed_row.get("total", Decimal(0)),
                    amount_field="signed_amount",
                    key=label,
                ),
                commenced=Figure(
                    label,
                    commenced.get(month, 0),
                    project_list_url(("commenced_after", dates[0]), ("commenced_before", dates[1])),
                    key=label,
                ),
                funds=Figure(
                    label,
                    funded.get(month, 0),
                    project_list_url(("funds_after", dates[0]), ("funds_before", dates[1])),
                    amount=funds.get(month, Decimal(0)),
                    key=label,
                ),
            )
        )
    return rows


# --- 龙虎榜 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedTaskForce:
    """A ranking row with the lists behind its figures (forward moves have none: a lead moved
    twice is one lead)."""

    row: RankingRow
    new_leads: Figure
    signed: Figure
    overdue: Figure


@dataclass(frozen=True)
class Ranking:
    rule: RankingRule
    rows: list[RankedTaskForce]

    @property
    def rule_text(self) -> str:
        """「新线索 1 分/条，阶段推进 2 分/次，签约额每千万元 5 分，逾期线索每条扣 1 分」."""
        rule = self.rule
        return _(
            "新线索 %(lead)s 分/条，阶段推进 %(move)s 分/次，签约额每千万元 %(signed)s 分，"
            "逾期线索每条扣 %(overdue)s 分"
        ) % {
            "lead": _points(rule.points_per_new_lead),
            "move": _points(rule.points_per_forward_move),
            "signed": _points(rule.points_per_thousand_signed),
            "overdue": _points(rule.penalty_per_overdue_lead),
        }


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}"


def ranking(*, user: User, period: Period, today: datetime.date) -> Ranking:
    """The task-force ranking over the period (``dashboard.ranking``), with its lists."""
    rule, rows = task_force_ranking(user=user, start=period.start, end=period.end, today=today)
    signed_dates = [
        ("signed_after", period.start.isoformat()),
        ("signed_before", period.end.isoformat()),
    ]
    ranked = []
    for row in rows:
        tf = ("task_force_id", row.task_force_id)
        ranked.append(
            RankedTaskForce(
                row=row,
                new_leads=Figure(
                    row.name,
                    row.new_leads,
                    lead_list_url(tf, *_created(period.start, period.end)),
                ),
                signed=Figure(
                    row.name,
                    row.signed_projects,
                    project_list_url(tf, *signed_dates),
                    amount=row.signed_amount,
                    amount_field="signed_amount",
                ),
                overdue=Figure(
                    row.name,
                    row.overdue_leads,
                    lead_list_url(tf, ("overdue", "true"), ("ordering", f"-{DAYS_OVERDUE}")),
                ),
            )
        )
    return Ranking(rule=rule, rows=ranked)


# --- warnings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warnings:
    """What the meeting must act on: each a count with its list, and its worst rows."""

    overdue: OverdueCounts  # THE overdue count of the reader's scope (leads and tasks apart)
    overdue_leads: Figure
    overdue_tasks: Figure  # url "" when 我的提醒 has no page for this scope
    escalation_days: int
    overdue_over: Figure
    overdue_over_leads: list[Lead]  # each with ``overdue_days``
    late: Figure
    late_projects: list[Project]
    negotiating: Figure
    negotiating_rows: list[StandingRow]
    signed: Figure
    signed_rows: list[StandingRow]
    sla_days: int
    approvals: Figure | None  # None for who decides no approvals
    approvals_waiting: list[ApprovalRequest] = field(default_factory=list)


def warnings(
    *, user: User, today: datetime.date, schedule: ReminderSchedule, overdue_over_count: int
) -> Warnings:
    """Overdue work, late projects, the 两未 lists and approvals past the time limit.

    ``overdue_over_count`` comes from ``lead_block`` (same rule, counted in its aggregate).
    Ten to twelve queries, whatever the data size.
    """
    counts = overdue_counts(user=user, today=today, scope=OverdueScope.ALL)
    days = schedule.escalation_days
    worst = leads_overdue(user=user, today=today, scope=OverdueScope.ALL).filter(
        overdue_q(today - datetime.timedelta(days))
    )
    projects = project_queryset(user=user)
    by_status = dict(
        Project.objects.visible_to(user)
        .order_by()
        .filter(status__in=[Project.Status.NEGOTIATING, Project.Status.SIGNED])
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    late = projects.late(today)
    late_list = attach_targets(list(late.order_by("target_due_on", "id")[:WARNING_LIMIT]), today)
    tasks_url = ""
    if OverdueScope.ALL in overdue_scopes_for(user):
        tasks_url = _url("reminders:list", [("scope", OverdueScope.ALL)])
    approvals = None
    waiting: list[ApprovalRequest] = []
    sla = schedule.approval_sla_days
    worst_leads = first_rows(worst, WARNING_LIMIT)
    for lead in worst_leads:
        lead.overdue_days = lead.days_overdue(today)
    if approves_for_any(user):
        queue = approval_queue(user=user, filters={"waited_over": sla}).qs
        waiting = list(queue[:WARNING_LIMIT])
        approvals = Figure(
            _("审批超时"), queue.count(), _url("leads:approvals", [("waited_over", sla)])
        )
        for approval in waiting:
            approval.waited = approval.days_waiting(today)
    negotiating = projects.filter(status=Project.Status.NEGOTIATING)
    signed = projects.filter(status=Project.Status.SIGNED)
    return Warnings(
        overdue=counts,
        overdue_leads=Figure(
            _("逾期线索"),
            counts.of("leads"),
            _url("leads:list") + "?" + overdue_list_query(user=user, scope=OverdueScope.ALL),
        ),
        overdue_tasks=Figure(_("逾期项目任务"), counts.of("tasks"), tasks_url),
        escalation_days=days,
        overdue_over=Figure(
            _("逾期超过 %(days)d 天的线索") % {"days": days},
            overdue_over_count,
            lead_list_url(("overdue_over", days), ("ordering", f"-{DAYS_OVERDUE}")),
        ),
        overdue_over_leads=worst_leads,
        late=Figure(_("逾期项目"), late.count(), project_list_url(("late", "true"))),
        late_projects=late_list,
        negotiating=Figure(
            _("洽谈未签约"),
            by_status.get(Project.Status.NEGOTIATING, 0),
            project_list_url(("status", Project.Status.NEGOTIATING)),
        ),
        negotiating_rows=standing_rows(negotiating, today, WARNING_LIMIT),
        signed=Figure(
            _("签约未开工"),
            by_status.get(Project.Status.SIGNED, 0),
            project_list_url(("status", Project.Status.SIGNED)),
        ),
        signed_rows=standing_rows(signed, today, WARNING_LIMIT),
        sla_days=sla,
        approvals=approvals,
        approvals_waiting=waiting,
    )


# --- 对上争取 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportRow:
    """A fund source or a status: applications (with the amount requested) and the amounts
    approved and allocated."""

    figure: Figure
    approved: Decimal
    allocated: Decimal


@dataclass(frozen=True)
class Support:
    by_source: list[SupportRow]
    by_status: list[SupportRow]

    @property
    def total(self) -> SupportRow:
        rows = self.by_source
        return SupportRow(
            figure=Figure(
                _("合计"),
                sum(row.figure.count for row in rows),
                _url("projects:support_list"),
                amount=sum((row.figure.amount or Decimal(0) for row in rows), Decimal(0)),
                amount_field="amount_requested",
            ),
            approved=sum((row.approved for row in rows), Decimal(0)),
            allocated=sum((row.allocated for row in rows), Decimal(0)),
        )


def support(*, user: User) -> Support:
    """对上争取 by fund source and by status (``projects.selectors.support_totals``): two
    queries. Statuses are listed in their pipeline order, rejected last."""
    applications = support_queryset(user=user)

    def rows(by: str) -> list[SupportRow]:
        return [
            SupportRow(
                figure=Figure(
                    str(row["label"]),
                    row["count"],
                    _url("projects:support_list", [(by, row["key"])]),
                    amount=row["requested"],
                    amount_field="amount_requested",
                    key=row["key"],
                ),
                approved=row["approved"],
                allocated=row["allocated"],
            )
            for row in support_totals(applications, by)
        ]

    order = {value: index for index, value in enumerate(SupportApplication.Status.values)}
    by_status = sorted(rows("status"), key=lambda row: order.get(row.figure.key, len(order)))
    return Support(by_source=rows("fund_source"), by_status=by_status)


# --- the whole cockpit -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cockpit:
    """Everything the cockpit shows, for one reader, period and day."""

    today: datetime.date
    period: Period
    scope: str
    county: bool  # the reader sees the whole county
    leads: LeadBlock
    goals: Goals
    rates: Rates
    big_projects: Figure
    trends: list[MonthRow]
    sources: dict[str, list[Figure]]  # channel / industry / region → rows
    ranking: Ranking
    warnings: Warnings
    support: Support

    def figures(self) -> Iterator[Figure]:
        """Every figure that opens a list (the test follows each one)."""
        leads, warn = self.leads, self.warnings
        yield from (leads.week, leads.month, leads.active)
        for row in leads.stages:
            yield row.now
            yield row.entered
        yield self.goals.signed.figure
        yield self.goals.funds.figure
        yield self.big_projects
        for month in self.trends:
            yield month.signed
            yield month.commenced
            yield month.funds
        for rows in self.sources.values():
            yield from rows
        for ranked in self.ranking.rows:
            yield ranked.new_leads
            yield ranked.signed
            yield ranked.overdue
        yield from (warn.overdue_leads, warn.overdue_over, warn.late)
        yield from (warn.negotiating, warn.signed)
        if warn.overdue_tasks.url:
            yield warn.overdue_tasks
        if warn.approvals is not None:
            yield warn.approvals
        for row in (*self.support.by_source, *self.support.by_status, self.support.total):
            yield row.figure


def cockpit(*, user: User, period: Period, today: datetime.date) -> Cockpit:
    """The cockpit of ``user`` over ``period`` on ``today``: a fixed number of queries (about
    forty, plus one per 推进目标 whose date has passed, as for the board's 履约率)."""
    schedule = ReminderSchedule.current()
    lead_figures = lead_block(
        user=user, period=period, today=today, overdue_over=schedule.escalation_days
    )
    return Cockpit(
        today=today,
        period=period,
        scope=reading_scope_label(user),
        county=reads_county(user),
        leads=lead_figures,
        goals=goals(user=user, today=today),
        rates=rates(user=user, today=today),
        big_projects=big_projects(user=user),
        trends=trends(user=user, today=today),
        sources=lead_figures.sources,
        ranking=ranking(user=user, period=period, today=today),
        warnings=warnings(
            user=user,
            today=today,
            schedule=schedule,
            overdue_over_count=lead_figures.overdue_over_count,
        ),
        support=support(user=user),
    )


def cockpit_from_params(user: User, *, period: str, start: str, end: str, today: str) -> Cockpit:
    """``cockpit`` from the strings ``crm.snapshots`` keeps (registered as ``"cockpit"``)."""
    dates = Period(
        kind=period,
        start=datetime.date.fromisoformat(start),
        end=datetime.date.fromisoformat(end),
    )
    return cockpit(user=user, period=dates, today=datetime.date.fromisoformat(today))


def cockpit_snapshot(
    *, user: User, period: Period, today: datetime.date, fresh: bool = False
) -> Snapshot:
    """The cockpit as kept for ``user`` (``crm.snapshots``): computed in the request only when
    nothing recent is kept, or ``fresh``; ``.value`` is the ``Cockpit``."""
    params = {
        "period": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "today": today.isoformat(),
    }
    return snapshot("cockpit", user=user, params=params, fresh=fresh)
