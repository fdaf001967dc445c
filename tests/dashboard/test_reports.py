"""周报 / 月报: the period and scope asked for, who may read which scope, each section's figures,
their click-through lists, the page (screen and print) and its xlsx."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.exceptions import DomainError, NotFound, PermissionRefused
from crm.models import ReminderSchedule, SecurityEvent, User
from crm.notifications.selectors import OverdueScope, overdue_counts
from crm.templatetags.amounts import wan_number
from dashboard.models import RankingRule
from dashboard.ranking import task_force_ranking
from dashboard.reports import (
    COUNTY,
    Period,
    ReportScope,
    ScopeKind,
    default_period,
    month_of,
    report,
    report_request,
    report_scope_choices,
    report_scope_get,
    week_of,
)
from leads.models import ApprovalRequest, Lead, LeadTransition
from leads.selectors import approval_queue, lead_list
from projects.models import FundsArrival, Project, ProjectTransition
from tests.crm.conftest import make_overdue_lead
from tests.factories import FollowUpFactory, LeadFactory, TaskForceFactory, UserFactory
from tests.projects.conftest import ProjectFactory, TaskFactory

# A Monday: the week reported on by default is the one before it (2026, week 48).
TODAY = datetime.date(2026, 11, 30)
WEEK = Period(datetime.date(2026, 11, 23), datetime.date(2026, 11, 29))
IN_WEEK = datetime.date(2026, 11, 25)
BEFORE = datetime.date(2026, 11, 20)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Freeze ``timezone.localdate()`` (the lead list's overdue filter, the views) at TODAY."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@dataclass
class Week:
    leads: dict[str, Lead]
    projects: dict[str, Project]


def lead_on(day: datetime.date, **kwargs) -> Lead:
    lead = LeadFactory(last_activity_on=TODAY, **kwargs)
    Lead.objects.filter(pk=lead.pk).update(created_at=at(day))
    return lead


def move(lead: Lead, from_stage: str, to_stage: str, day: datetime.date, actor: User) -> None:
    transition = LeadTransition.objects.create(
        lead=lead, from_stage=from_stage, to_stage=to_stage, actor=actor
    )
    LeadTransition.objects.filter(pk=transition.pk).update(moved_at=at(day))


def make_week(*, officer, other_officer, leader, task_force, other_task_force) -> Week:
    """Week 48 of the rice and dairy task forces, with records just before and after it.

    In the week: 4 new leads (rice 2, dairy 1, unfiled 1; 计划投资 35,500, two of 1 亿 or
    more); 5 stage moves (2 forward, 1 back, 1 dropped, 1 reopened); 3 follow-ups (2 phone,
    1 visit; officer 2, other_officer 1); 2 requests asked, 2 approved (one a leader's direct
    move), 1 returned (asked before), 2 waiting now (1 past the SLA); 2 project moves, 1 project
    signed (8,000), 1 commenced (总投资 5,000), 300 到位资金. Now: 2 overdue leads, 1 overdue
    task.
    """
    rice_a = lead_on(
        IN_WEEK, owner=officer, task_force=task_force, planned_investment=Decimal(20000)
    )
    rice_b = lead_on(IN_WEEK, owner=officer, task_force=task_force, planned_investment=500)
    dairy_a = lead_on(
        IN_WEEK,
        owner=other_officer,
        task_force=other_task_force,
        planned_investment=Decimal(15000),
    )
    unfiled = lead_on(IN_WEEK, owner=officer, planned_investment=None)
    rice_old = lead_on(BEFORE, owner=officer, task_force=task_force, planned_investment=90000)
    lead_on(TODAY, owner=leader, task_force=task_force, planned_investment=90000)

    move(rice_a, "collect", "screen", IN_WEEK, officer)
    move(rice_a, "screen", "dock", IN_WEEK, leader)
    move(rice_b, "collect", "dropped", IN_WEEK, officer)
    move(rice_b, "dropped", "collect", WEEK.end, officer)
    move(dairy_a, "screen", "collect", IN_WEEK, other_officer)
    move(rice_old, "collect", "screen", BEFORE, officer)

    FollowUpFactory(lead=rice_a, occurred_on=IN_WEEK, method="visit", created_by=officer)
    FollowUpFactory(lead=rice_b, occurred_on=IN_WEEK, method="phone", created_by=officer)
    FollowUpFactory(lead=dairy_a, occurred_on=WEEK.end, method="phone", created_by=other_officer)
    FollowUpFactory(lead=rice_old, occurred_on=BEFORE, method="phone", created_by=officer)

    status = ApprovalRequest.Status
    ApprovalRequest.objects.create(  # asked and approved in the week
        lead=rice_a,
        requested_by=officer,
        requested_at=at(IN_WEEK, 9),
        status=status.APPROVED,
        decided_by=leader,
        decided_at=at(IN_WEEK, 15),
    )
    ApprovalRequest.objects.create(  # a leader's direct move: decided, not asked
        lead=rice_b,
        requested_by=leader,
        requested_at=at(IN_WEEK, 11),
        status=status.APPROVED,
        decided_by=leader,
        decided_at=at(IN_WEEK, 11),
    )
    ApprovalRequest.objects.create(  # asked before the week, returned in it
        lead=rice_old,
        requested_by=officer,
        requested_at=at(BEFORE),
        status=status.RETURNED,
        decided_by=leader,
        decided_at=at(IN_WEEK),
        comment="信用代码有误",
    )
    ApprovalRequest.objects.create(  # asked on the week's last day: waiting, within the SLA
        lead=dairy_a, requested_by=other_officer, requested_at=at(WEEK.end)
    )
    waiting_long = lead_on(BEFORE, owner=officer, task_force=task_force, stage="screen")
    ApprovalRequest.objects.create(  # asked long ago: waiting past the SLA
        lead=waiting_long, requested_by=officer, requested_at=at(datetime.date(2026, 11, 2))
    )

    signed = ProjectFactory(
        owner=officer,
        task_force=task_force,
        status="signed",
        signed_on=IN_WEEK,
        signed_amount=Decimal(8000),
        status_changed_on=IN_WEEK,
    )
    commenced = ProjectFactory(
        owner=other_officer,
        task_force=other_task_force,
        status="commenced",
        signed_on=datetime.date(2026, 10, 1),
        signed_amount=Decimal(4000),
        commenced_on=WEEK.end,
        total_investment=Decimal(5000),
        status_changed_on=WEEK.end,
    )
    ProjectFactory(
        owner=officer,
        task_force=task_force,
        status="signed",
        signed_on=BEFORE,
        signed_amount=Decimal(7000),
        status_changed_on=BEFORE,
    )
    for project, to_status, day in (
        (signed, "signed", IN_WEEK),
        (commenced, "commenced", WEEK.end),
    ):
        ProjectTransition.objects.create(
            project=project,
            from_status="negotiating" if to_status == "signed" else "signed",
            to_status=to_status,
            occurred_on=day,  # recorded today, dated on the day it happened
            actor=project.owner,
        )
    FundsArrival.objects.create(project=signed, arrived_on=IN_WEEK, amount=300, created_by=officer)
    FundsArrival.objects.create(
        project=commenced, arrived_on=BEFORE, amount=200, created_by=other_officer
    )

    make_overdue_lead(owner=officer, task_force=task_force, days=3, today=TODAY)
    make_overdue_lead(owner=other_officer, task_force=other_task_force, days=5, today=TODAY)
    TaskFactory(assignee=officer, project=signed, due_on=TODAY - datetime.timedelta(days=2))
    return Week(
        leads={"rice_a": rice_a, "rice_b": rice_b, "dairy_a": dairy_a, "unfiled": unfiled},
        projects={"signed": signed, "commenced": commenced},
    )


@pytest.fixture
def week(officer, other_officer, leader, task_force, other_task_force) -> Week:
    # The settings rows exist in a running bureau: the first read would also create them.
    ReminderSchedule.current()
    RankingRule.current()
    return make_week(
        officer=officer,
        other_officer=other_officer,
        leader=leader,
        task_force=task_force,
        other_task_force=other_task_force,
    )


def county_report(user: User):
    return report(user=user, scope=COUNTY, start=WEEK.start, end=WEEK.end, today=TODAY)


def listed(user: User, url: str) -> int:
    """How many records the lead list behind a figure shows (its page's selector)."""
    query = urlsplit(url).query
    assert urlsplit(url).path == reverse("leads:list")
    return lead_list(user=user, filters=QueryDict(query)).qs.count()


# --- the period -------------------------------------------------------------------------------


def test_the_default_is_the_last_complete_week_or_month():
    assert default_period("week", TODAY) == WEEK
    assert default_period("week", datetime.date(2026, 12, 6)) == WEEK  # a Sunday
    assert default_period("month", TODAY) == month_of(datetime.date(2026, 10, 9))
    assert default_period("month", datetime.date(2027, 1, 3)) == Period(
        datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)
    )


def test_any_day_asks_for_its_monday_to_sunday_week_or_calendar_month():
    assert week_of(datetime.date(2026, 11, 29)) == WEEK
    assert week_of(datetime.date(2026, 11, 23)) == WEEK
    assert month_of(datetime.date(2024, 2, 10)).end == datetime.date(2024, 2, 29)
    assert WEEK.kind == "week" and month_of(TODAY).kind == "month"
    assert WEEK.shifted(-1) == week_of(datetime.date(2026, 11, 16))
    assert month_of(datetime.date(2026, 1, 5)).shifted(-1) == month_of(datetime.date(2025, 12, 1))


def test_titles_name_the_county_task_force_or_officer_with_the_iso_week(
    settings, week, bureau_leader, officer, task_force
):
    settings.COUNTY_NAME = "虎林市"
    assert county_report(bureau_leader).title == (
        "虎林市招商工作周报（2026年第48周，11月23日—11月29日）"
    )
    month = month_of(datetime.date(2026, 11, 1))
    data = report(
        user=bureau_leader,
        scope=ReportScope(ScopeKind.TASK_FORCE, task_force=task_force),
        start=month.start,
        end=month.end,
        today=TODAY,
    )
    assert data.title == "虎林市米业专班招商工作月报（2026年11月）"
    data = report(
        user=officer,
        scope=ReportScope(ScopeKind.OFFICER, officer=officer),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    assert data.title == "王招商个人招商工作周报（2026年第48周，11月23日—11月29日）"


def test_a_week_across_the_new_year_is_numbered_by_its_iso_year():
    assert week_of(datetime.date(2027, 1, 1)).label == "2026年第53周，12月28日—1月3日"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "year"}, "kind", "报告类型只能是 week（周报）或 month（月报）。"),
        ({"start": "2026-13-01"}, "start", "日期格式应为 年-月-日，例如 2026-11-23。"),
        ({"start": "上周"}, "start", "日期格式应为 年-月-日，例如 2026-11-23。"),
        ({"start": "1900-01-01"}, "start", "日期超出合理范围"),
        ({"start": "2026-12-07"}, "start", "2026年第50周，12月7日—12月13日还没有开始"),
        ({"kind": "month", "start": "2026-12-31"}, "start", "2026年12月还没有开始"),
        ({"scope": "everything"}, "scope", "范围无效"),
        ({"scope": "tf-1.5"}, "scope", "范围无效"),
        ({"scope": "officer-99999999999999999999"}, "scope", "范围无效"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_naming_the_field(
    bureau_leader, data, field, message
):
    with pytest.raises(DomainError) as refused:
        report_request(user=bureau_leader, data=data, today=TODAY)
    assert type(refused.value) is DomainError
    assert list(refused.value.field_errors) == [field]
    assert message in refused.value.message


def test_the_running_week_may_be_read_up_to_today(bureau_leader):
    asked = report_request(user=bureau_leader, data={"start": "2026-11-30"}, today=TODAY)
    assert asked.period == week_of(TODAY)
    assert asked.query == "kind=week&start=2026-11-30&scope=county"


# --- who may read which scope ----------------------------------------------------------------


def test_scope_choices_follow_the_users_scope(
    bureau_leader, leader, officer, other_officer, task_force, other_task_force
):
    chief = report_scope_choices(user=bureau_leader)
    assert chief.county
    assert {tf.pk for tf in chief.task_forces} == {task_force.pk, other_task_force.pk}
    assert {officer, other_officer, leader} <= set(chief.officers)
    assert chief.default(bureau_leader) == COUNTY

    head = report_scope_choices(user=leader)
    assert not head.county
    assert head.task_forces == [task_force]
    assert set(head.officers) == {leader, officer}
    assert head.default(leader).task_force == task_force

    mine = report_scope_choices(user=officer)
    assert (mine.county, mine.task_forces, mine.officers) == (False, [task_force], [officer])
    assert mine.default(officer) == ReportScope(ScopeKind.OFFICER, officer=officer)
    assert [group for group, _options in mine.groups] == ["专班", "个人"]


def test_a_member_reads_their_task_forces_report_and_nobody_elses(
    officer, other_officer, task_force, other_task_force
):
    assert report_scope_get(user=officer, key=f"tf-{task_force.pk}").task_force == task_force
    assert report_scope_get(user=officer, key=f"officer-{officer.pk}").officer == officer
    with pytest.raises(PermissionRefused, match="只能查看您所在专班的报告"):
        report_scope_get(user=officer, key=f"tf-{other_task_force.pk}")
    with pytest.raises(PermissionRefused, match="只能查看本人或您负责的专班成员的报告"):
        report_scope_get(user=officer, key=f"officer-{other_officer.pk}")
    with pytest.raises(PermissionRefused, match="只有局领导和系统管理员可以查看全县的报告"):
        report_scope_get(user=officer, key="county")


def test_a_leader_reads_their_members_and_bureau_leaders_read_anyone(
    leader, officer, other_officer, bureau_leader, admin_user, task_force
):
    assert report_scope_get(user=leader, key=f"officer-{officer.pk}").officer == officer
    with pytest.raises(PermissionRefused):
        report_scope_get(user=leader, key=f"officer-{other_officer.pk}")
    assert report_scope_get(user=bureau_leader, key=f"officer-{other_officer.pk}")
    assert report_scope_get(user=admin_user, key="county") == COUNTY


def test_unknown_task_forces_and_people_are_not_found(bureau_leader):
    with pytest.raises(NotFound, match="没有找到这个专班"):
        report_scope_get(user=bureau_leader, key="tf-999999")
    with pytest.raises(NotFound, match="没有找到这位人员"):
        report_scope_get(user=bureau_leader, key="officer-999999")


# --- the figures ------------------------------------------------------------------------------


def test_county_report_counts_what_happened_in_the_week(week, bureau_leader, task_force):
    data = county_report(bureau_leader)

    new = data.new_leads
    assert (new.count, new.investment, new.notable_count) == (4, Decimal(35500), 2)
    assert [(row.label, row.count) for row in new.by_task_force] == [
        ("米业专班", 2),
        ("乳业专班", 1),
        ("未分专班", 1),
    ]
    assert [lead.pk for lead in new.notable] == [
        week.leads["rice_a"].pk,
        week.leads["dairy_a"].pk,
    ]

    moves = data.stage_moves
    assert (moves.forward, moves.back, moves.dropped, moves.reopened) == (2, 1, 1, 1)
    assert [(pair.label, pair.kind, pair.count) for pair in moves.by_pair] == [
        ("搜集 → 筛选", "forward", 1),
        ("筛选 → 对接", "forward", 1),
        ("筛选 → 搜集", "back", 1),
        ("搜集 → 搁置", "dropped", 1),
        ("搁置 → 搜集", "reopened", 1),
    ]

    follow = data.follow_ups
    assert follow.count == 3
    assert [(row.label, row.count) for row in follow.by_method] == [("电话", 2), ("走访", 1)]
    assert [(row.label, row.count) for row in follow.by_officer] == [("王招商", 2), ("李外班", 1)]

    approvals = data.approvals
    # A leader's direct move is approved without being asked; the returned one was asked before.
    assert (approvals.asked, approvals.approved, approvals.returned) == (2, 2, 1)
    assert (approvals.waiting, approvals.over_sla, approvals.sla_days) == (2, 1, 3)

    projects = data.projects
    assert [(row.label, row.count) for row in projects.by_status] == [("正式签约", 1), ("开工", 1)]
    assert (projects.signed_count, projects.signed_amount) == (1, Decimal(8000))
    assert projects.signed == [week.projects["signed"]]
    assert (projects.commenced_count, projects.commenced_investment) == (1, Decimal(5000))
    assert projects.funds_arrived == Decimal(300)

    assert (data.overdue.leads, data.overdue.tasks) == (2, 1)


def test_task_force_report_counts_only_that_task_force(week, leader, task_force):
    data = report(
        user=leader,
        scope=ReportScope(ScopeKind.TASK_FORCE, task_force=task_force),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    assert (data.new_leads.count, data.new_leads.investment) == (2, Decimal(20500))
    assert (data.stage_moves.forward, data.stage_moves.back, data.stage_moves.dropped) == (2, 0, 1)
    assert data.follow_ups.count == 2
    assert (data.approvals.asked, data.approvals.approved, data.approvals.returned) == (1, 2, 1)
    assert (data.approvals.waiting, data.approvals.over_sla) == (1, 1)
    assert (data.projects.signed_count, data.projects.commenced_count) == (1, 0)
    assert data.projects.funds_arrived == Decimal(300)
    assert (data.overdue.leads, data.overdue.tasks) == (1, 1)
    assert [entry.is_scope for entry in data.ranking.rows] == [True]


def test_officer_report_counts_their_own_records_and_has_no_ranking(week, officer):
    data = report(
        user=officer,
        scope=ReportScope(ScopeKind.OFFICER, officer=officer),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    assert data.new_leads.count == 3  # rice_a, rice_b and the unfiled lead
    assert data.follow_ups.count == 2
    assert (data.approvals.asked, data.approvals.over_sla) == (1, None)
    assert data.projects.signed_count == 1
    assert [entry.key for entry in data.overdue.counts.counts] == ["leads", "tasks"]
    assert data.ranking is None


def test_nothing_outside_the_readers_scope_is_counted(week, other_officer):
    data = report(
        user=other_officer,
        scope=ReportScope(ScopeKind.OFFICER, officer=other_officer),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    assert data.new_leads.count == 1
    assert data.follow_ups.count == 1
    assert data.projects.signed_count == 0


def test_overdue_is_overdue_counts_where_the_scope_is_the_readers_own(
    week, bureau_leader, leader, officer, task_force
):
    assert county_report(bureau_leader).overdue.counts == overdue_counts(
        user=bureau_leader, today=TODAY, scope=OverdueScope.ALL
    )
    mine = report(
        user=officer,
        scope=ReportScope(ScopeKind.OFFICER, officer=officer),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    assert mine.overdue.counts == overdue_counts(user=officer, today=TODAY, scope="mine")
    team = report(
        user=leader,
        scope=ReportScope(ScopeKind.TASK_FORCE, task_force=task_force),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    assert team.overdue.counts == overdue_counts(user=leader, today=TODAY, scope="team")
    # The same task force read by the bureau leader: counted through the narrowed rules.
    narrowed = report(
        user=bureau_leader,
        scope=ReportScope(ScopeKind.TASK_FORCE, task_force=task_force),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    assert narrowed.overdue.counts.as_dict() == team.overdue.counts.as_dict()
    assert narrowed.overdue.tasks_url == ""


def test_the_ranking_is_the_task_force_ranking_of_the_period(week, bureau_leader):
    data = county_report(bureau_leader)
    _rule, rows = task_force_ranking(
        user=bureau_leader, start=WEEK.start, end=WEEK.end, today=TODAY
    )
    assert [entry.row for entry in data.ranking.rows] == rows
    assert "得分 = 新增线索 × 1 + 阶段推进 × 2" in data.ranking.rule_text


# --- each figure equals the list behind it ---------------------------------------------------


@pytest.mark.parametrize("reader", ["bureau_leader", "leader", "officer"])
def test_every_lead_figure_equals_its_click_through_list(request, week, reader):
    user = request.getfixturevalue(reader)
    choices = report_scope_choices(user=user)
    data = report(
        user=user, scope=choices.default(user), start=WEEK.start, end=WEEK.end, today=TODAY
    )
    assert listed(user, data.new_leads.url) == data.new_leads.count
    assert listed(user, data.new_leads.notable_url) == data.new_leads.notable_count
    for row in data.new_leads.by_task_force:
        if row.url:
            assert listed(user, row.url) == row.count
    assert listed(user, data.overdue.leads_url) == data.overdue.leads
    for entry in data.ranking.rows if data.ranking else []:
        assert listed(user, entry.new_leads_url) == entry.row.new_leads
        assert listed(user, entry.overdue_url) == entry.row.overdue_leads


@pytest.mark.parametrize("reader", ["bureau_leader", "leader"])
def test_waiting_approvals_equal_the_approvals_queue(request, week, reader):
    user = request.getfixturevalue(reader)
    data = report(
        user=user,
        scope=report_scope_choices(user=user).default(user),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    url = urlsplit(data.approvals.waiting_url)
    assert url.path == reverse("leads:approvals")
    queue = approval_queue(user=user, filters=QueryDict(url.query) if url.query else None)
    assert queue.qs.count() == data.approvals.waiting


def test_an_officers_report_links_their_own_lists(week, officer):
    data = report(
        user=officer,
        scope=ReportScope(ScopeKind.OFFICER, officer=officer),
        start=WEEK.start,
        end=WEEK.end,
        today=TODAY,
    )
    assert parse_qs(urlsplit(data.new_leads.url).query)["owner_id"] == [str(officer.pk)]
    assert data.approvals.waiting_url == ""  # the queue is the leaders'
    assert data.overdue.tasks_url == "/reminders/?scope=mine"


# --- a fixed number of queries ----------------------------------------------------------------


def grow(size: int, *, officer, task_force) -> None:
    """``size`` more of everything the report counts, in the week."""
    for _ in range(size):
        lead = lead_on(IN_WEEK, owner=officer, task_force=task_force, planned_investment=30000)
        move(lead, "collect", "screen", IN_WEEK, officer)
        FollowUpFactory(lead=lead, occurred_on=IN_WEEK, created_by=officer)
        ProjectFactory(owner=officer, task_force=task_force, status="signed", signed_on=IN_WEEK)
        make_overdue_lead(owner=officer, task_force=task_force, days=2, today=TODAY)


# The overdue counts (leads; approvals: the SLA setting and the count; tasks); new leads (by
# task force, the notable ones); stage moves; follow-ups (by method, by officer); approvals (the
# SLA setting, the counts); projects (status changes, totals, signed, commenced, 到位资金); then
# the ranking's own queries (``task_force_ranking``, budgeted by its own tests).
OWN_QUERIES = 4 + 2 + 1 + 2 + 2 + 5
# A task force its reader does not lead alone: which task forces the reader leads, then the
# overdue leads and tasks narrowed to it, and the approvals past the SLA (the setting, read by
# the source twice, and its rows) instead of the reader's own counts.
NARROWED_QUERIES = OWN_QUERIES + 2


def ranking_queries(user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        task_force_ranking(user=user, start=WEEK.start, end=WEEK.end, today=TODAY)
    return len(queries)


@pytest.mark.parametrize("size", [0, 12])
def test_report_costs_the_same_queries_whatever_the_data_size(
    week, bureau_leader, officer, task_force, size, django_assert_num_queries
):
    grow(size, officer=officer, task_force=task_force)
    reader = User.objects.get(pk=bureau_leader.pk)  # nothing cached on the user
    budget = OWN_QUERIES + ranking_queries(reader)
    with django_assert_num_queries(budget):
        data = county_report(reader)
    assert data.new_leads.count == 4 + size


@pytest.mark.parametrize("size", [0, 12])
def test_a_narrowed_task_force_report_costs_the_same_queries_too(
    week, bureau_leader, officer, task_force, size
):
    grow(size, officer=officer, task_force=task_force)
    reader = User.objects.get(pk=bureau_leader.pk)
    scope = ReportScope(ScopeKind.TASK_FORCE, task_force=task_force)
    budget = NARROWED_QUERIES + ranking_queries(reader)
    with CaptureQueriesContext(connection) as queries:
        report(user=reader, scope=scope, start=WEEK.start, end=WEEK.end, today=TODAY)
    assert len(queries) == budget


# --- the page -------------------------------------------------------------------------------


REPORTS = "/reports/"


@pytest.mark.parametrize("role", ["officer", "leader", "bureau_leader", "admin_user"])
def test_the_page_opens_for_every_role_on_their_widest_scope(client, request, role, task_force):
    client.force_login(request.getfixturevalue(role))
    response = client.get(REPORTS)
    assert response.status_code == 200
    assert "招商工作周报（2026年第48周，11月23日—11月29日）" in response.content.decode()


def test_the_page_needs_a_login(client, db):
    response = client.get(REPORTS)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_page_shows_the_report_with_print_and_export(client, week, bureau_leader):
    client.force_login(bureau_leader)
    response = client.get(REPORTS, {"kind": "week", "start": "2026-11-25", "scope": "county"})
    page = response.content.decode()
    assert response.context["report"].period == WEEK
    assert "虎林市招商工作周报（2026年第48周，11月23日—11月29日）" in page
    assert "截至 2026-11-30" in page
    assert "单位：万元" in page
    assert 'href="/static/css/report.css"' in page
    assert "data-print" in page
    assert (
        f"{reverse('dashboard:report_export')}?kind=week&amp;start=2026-11-23&amp;scope=county"
        in page
    )
    assert "七、龙虎榜" in page
    assert 'href="/leads/?created_after=2026-11-23&amp;created_before=2026-11-29"' in page
    assert "下一周" in page  # the running week may be read


def test_the_navigation_offers_the_reports_to_everyone(client, officer):
    client.force_login(officer)
    assert 'href="/reports/"' in client.get(reverse("dashboard:my_work")).content.decode()


def test_a_scope_the_user_may_not_read_answers_403_with_the_reason(client, officer, task_force):
    client.force_login(officer)
    response = client.get(REPORTS, {"scope": "county"})
    assert response.status_code == 403
    assert "只有局领导和系统管理员可以查看全县的报告。" in response.content.decode()
    assert "report" not in response.context


def test_an_unknown_task_force_answers_404(client, bureau_leader):
    client.force_login(bureau_leader)
    assert client.get(REPORTS, {"scope": "tf-999999"}).status_code == 404


def test_a_bad_date_answers_400_with_the_chooser_and_the_message(client, bureau_leader):
    client.force_login(bureau_leader)
    response = client.get(REPORTS, {"start": "2026-02-30"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "日期格式应为 年-月-日，例如 2026-11-23。" in page
    assert 'name="scope"' in page


def test_the_page_costs_a_fixed_number_of_queries(client, week, bureau_leader, officer, task_force):
    client.force_login(bureau_leader)
    client.get(REPORTS)  # the first request of a session writes it
    with CaptureQueriesContext(connection) as small:
        client.get(REPORTS)
    grow(10, officer=officer, task_force=task_force)
    with CaptureQueriesContext(connection) as large:
        client.get(REPORTS)
    assert len(small) == len(large)


# --- the xlsx -------------------------------------------------------------------------------


def exported(client, **params):
    response = client.get(reverse("dashboard:report_export"), params)
    assert response.status_code == 200, response.content
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_the_xlsx_is_the_bureaus_fixed_layout(client, week, bureau_leader):
    client.force_login(bureau_leader)
    sheet = exported(client, kind="week", start="2026-11-23", scope="county")

    assert sheet["A1"].value == "虎林市招商工作周报（2026年第48周，11月23日—11月29日）"
    assert "A1:G1" in {str(merged) for merged in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "截至 2026-11-30"
    assert sheet["G2"].value == "单位：万元"
    assert sheet["A3"].value == "统计范围：全县 · 统计时间：2026-11-23 至 2026-11-29"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    headings = [row[0] for row in rows if row[0] and str(row[0])[:2] in {"一、", "二、", "七、"}]
    assert headings == [
        "一、新增线索（按专班）",
        "一、新增线索：计划投资亿元以上",
        "二、阶段推进",
        "七、龙虎榜",
    ]
    by_task_force = rows.index(
        ["专班", "新增线索（条）", "计划投资（万元）", None, None, None, None]
    )
    assert rows[by_task_force + 1][:3] == ["米业专班", 2, 20500]
    assert rows[by_task_force + 4][:3] == ["合计", 4, 35500]
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


def test_the_export_is_in_the_security_log(client, week, bureau_leader):
    client.force_login(bureau_leader)
    exported(client, kind="month", start="2026-11-05", scope="county")
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert event.actor == bureau_leader
    assert event.details["format"] == "xlsx"
    assert event.details["filters"] == "统计范围：全县 · 统计时间：2026-11-01 至 2026-11-30"
    assert event.details["query"] == {
        "kind": ["month"],
        "start": ["2026-11-05"],
        "scope": ["county"],
    }
    assert event.details["rows"] > 0


def test_a_company_name_that_looks_like_a_formula_stays_text(client, bureau_leader, task_force):
    lead_on(
        IN_WEEK,
        owner=bureau_leader,
        task_force=task_force,
        planned_investment=50000,
        company_name='=HYPERLINK("http://x","y")',
    )
    client.force_login(bureau_leader)
    sheet = exported(client, scope="county")
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
    name = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert name.data_type == "s"


def test_the_export_refuses_what_the_page_refuses(client, officer, task_force):
    client.force_login(officer)
    response = client.get(reverse("dashboard:report_export"), {"scope": "county"})
    assert response.status_code == 403
    assert response.content.decode() == "只有局领导和系统管理员可以查看全县的报告。"
    assert client.get(reverse("dashboard:report_export"), {"kind": "day"}).status_code == 400
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()


def test_a_new_task_force_without_records_reports_zeros(client, bureau_leader):
    empty = TaskForceFactory(name="新专班", leader=UserFactory(role="leader"))
    client.force_login(bureau_leader)
    response = client.get(REPORTS, {"scope": f"tf-{empty.pk}"})
    assert response.status_code == 200
    assert response.context["report"].new_leads.count == 0
    assert "本期没有新增线索。" in response.content.decode()


def test_report_tables_print_amounts_as_plain_wan_yuan_numbers():
    assert wan_number(Decimal("12500.5")) == "12,500.5"
    assert wan_number(Decimal("440200.00")) == "440,200"
    assert wan_number(None) == "—"
