"""The 领导驾驶舱: each block's figures on a known county, what each role sees, and every figure
agreeing with the list it opens.

The county (``county``) on 2026-11-28, a Saturday: two task forces (米业 led by ``leader``, 乳业),
nine leads registered and moved on known days, six projects signed, commenced, funded and
late on known days, a year's goals, approvals waiting, 对上争取 applications. Each test states
the figures it expects from that data; ``test_every_figure_agrees_with_the_list_it_opens``
opens every list the page links to, as the bureau leader and as the task-force leader.
"""

import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db.models import Sum
from django.urls import resolve, reverse
from django.utils import timezone

from crm.models import ReminderSchedule, User
from crm.notifications.selectors import OverdueScope, overdue_counts
from dashboard.cockpit import (
    Period,
    cockpit,
    parse_period,
    period_of,
    year_share,
)
from dashboard.models import RankingRule
from leads.models import ApprovalRequest, Lead, LeadTransition
from projects.models import (
    AnnualGoal,
    FundsArrival,
    Project,
    SupportApplication,
)
from projects.selectors import project_board
from tests.factories import LeadFactory, TaskForceFactory, UserFactory, channel, industry, region
from tests.projects.conftest import ProjectFactory, TargetFactory, TaskFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)
YEAR = Period(kind="year", start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31))


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def moment(text: str) -> datetime.datetime:
    """Noon of a day in the bureau's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day(text), datetime.time(12)))


@pytest.fixture
def fixed_today(monkeypatch) -> datetime.date:
    """Freeze ``timezone.localdate()`` (the cockpit, the lists' filters, the rules) on TODAY;
    the local date of a given moment stays what it is."""
    localdate = timezone.localdate

    def frozen(value=None, timezone=None):
        return TODAY if value is None else localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", frozen)
    return TODAY


def make_lead(owner, force, created, *, moves=(), stage=None, **fields) -> Lead:
    """A lead registered on ``created`` and moved as ``moves`` says: (from, to, day)."""
    lead = LeadFactory(
        owner=owner,
        task_force=force,
        stage=stage or (moves[-1][1] if moves else Lead.Stage.COLLECT),
        last_activity_on=fields.pop("last_activity_on", TODAY),
        **fields,
    )
    Lead.objects.filter(pk=lead.pk).update(created_at=moment(created))
    for from_stage, to_stage, on in moves:
        move = LeadTransition.objects.create(
            lead=lead, from_stage=from_stage, to_stage=to_stage, actor=lead.created_by
        )
        LeadTransition.objects.filter(pk=move.pk).update(moved_at=moment(on))
    return lead


def project(owner, force, **fields) -> Project:
    fields.setdefault("total_investment", Decimal(3000))
    return ProjectFactory(owner=owner, task_force=force, **fields)


def arrival(of: Project, on: str, amount: int) -> None:
    FundsArrival.objects.create(
        project=of, arrived_on=day(on), amount=Decimal(amount), created_by=of.owner
    )


def application(owner, force, source, status, requested, approved=0, allocated=0) -> None:
    SupportApplication.objects.create(
        title=f"{source} {status}",
        fund_source=source,
        status=status,
        amount_requested=Decimal(requested),
        amount_approved=Decimal(approved),
        amount_allocated=Decimal(allocated),
        owner=owner,
        task_force=force,
        status_changed_on=TODAY,
        created_by=owner,
    )


@pytest.fixture
def county(fixed_today, leader, officer, other_officer, task_force, bureau_leader):
    """The county described in the module's docstring."""
    S = Lead.Stage
    dairy = TaskForceFactory(code="dairy-tf", name="乳业专班", members=[other_officer])
    rice = task_force
    leads = {
        "week": make_lead(
            officer, rice, "2026-11-24", channel=channel("townsman"), region=region()
        ),
        "month": make_lead(
            officer,
            rice,
            "2026-11-03",
            moves=[(S.COLLECT, S.SCREEN, "2026-11-10")],
            channel=channel("business"),
            region=None,
        ),
        "spring": make_lead(
            officer,
            rice,
            "2026-03-02",
            moves=[(S.COLLECT, S.SCREEN, "2026-03-05"), (S.SCREEN, S.DOCK, "2026-06-01")],
            channel=channel("expo"),
            region=region("pearl-delta"),
        ),
        "served": make_lead(
            officer,
            rice,
            "2026-02-01",
            moves=[
                (S.COLLECT, S.SCREEN, "2026-02-03"),
                (S.SCREEN, S.DOCK, "2026-02-20"),
                (S.DOCK, S.SERVE, "2026-05-01"),
            ],
            channel=channel("townsman"),
            region=region(),
        ),
        "dairy": make_lead(
            other_officer,
            dairy,
            "2026-11-25",
            channel=channel("townsman"),
            region=region("in-province"),
            industry=industry("dairy"),
        ),
        # screen for 17 days without a follow-up: 10 days past the stage's 7
        "old": make_lead(
            officer,
            rice,
            "2025-06-01",
            moves=[(S.COLLECT, S.SCREEN, "2025-07-01")],
            channel=channel("business"),
            region=region(),
            last_activity_on=TODAY - datetime.timedelta(days=17),
        ),
        # its planned follow-up 3 days ago
        "late_call": make_lead(
            officer,
            rice,
            "2025-05-01",
            channel=channel("business"),
            region=region(),
            next_follow_up_on=TODAY - datetime.timedelta(days=3),
        ),
        "dropped": make_lead(
            other_officer,
            dairy,
            "2026-04-01",
            moves=[(S.COLLECT, S.DROPPED, "2026-04-10")],
            channel=channel("online"),
            region=region("other"),
        ),
        # back and forth: enters 筛选 twice this year, counted once
        "back": make_lead(
            officer,
            rice,
            "2026-01-10",
            moves=[
                (S.COLLECT, S.SCREEN, "2026-01-15"),
                (S.SCREEN, S.COLLECT, "2026-01-20"),
                (S.COLLECT, S.SCREEN, "2026-02-01"),
            ],
            channel=channel("affection"),
            region=None,
        ),
    }
    P = Project.Status
    projects = {
        "commenced": project(
            officer,
            rice,
            status=P.COMMENCED,
            signed_on=day("2026-03-15"),
            signed_amount=Decimal(8000),
            commenced_on=day("2026-06-10"),
            total_investment=Decimal(12000),
        ),
        "signed": project(
            officer, rice, status=P.SIGNED, signed_on=day("2026-11-02"), signed_amount=5000
        ),
        "producing": project(
            other_officer,
            dairy,
            status=P.PRODUCING,
            signed_on=day("2026-07-01"),
            signed_amount=Decimal(20000),
            commenced_on=day("2026-08-01"),
            producing_on=day("2026-10-01"),
            total_investment=Decimal(30000),
        ),
        "negotiating": project(officer, rice, total_investment=Decimal(50000)),
        "terminated": project(officer, rice, status=P.TERMINATED, total_investment=Decimal(20000)),
        "last_year": project(
            officer, rice, status=P.SIGNED, signed_on=day("2025-05-01"), signed_amount=4000
        ),
    }
    Project.objects.filter(pk=projects["negotiating"].pk).update(
        status_changed_on=day("2026-09-01")
    )
    arrival(projects["commenced"], "2025-12-20", 1000)
    arrival(projects["commenced"], "2026-04-01", 3000)
    arrival(projects["signed"], "2026-11-20", 500)
    arrival(projects["signed"], "2026-11-25", -100)
    arrival(projects["producing"], "2026-07-15", 10000)
    TargetFactory(
        status=P.SIGNED,
        goal_status=P.COMMENCED,
        due_on=day("2026-10-31"),
        description="签约项目10月底前开工",
    )
    TaskFactory(project=projects["commenced"], assignee=officer, due_on=day("2026-11-20"))
    AnnualGoal.objects.create(
        year=2026, signed_amount=Decimal(40000), funds_in_place=Decimal(20000)
    )
    for lead, asked in (("month", "2026-11-20"), ("old", "2026-11-24"), ("back", "2026-11-27")):
        ApprovalRequest.objects.create(
            lead=leads[lead], requested_by=officer, requested_at=moment(asked)
        )
    application(officer, rice, "central_budget", "submitted", 1000)
    application(officer, rice, "special_bonds", "approved", 3000, approved=2500)
    application(other_officer, dairy, "provincial", "allocated", 800, 800, 800)
    return {"leads": leads, "projects": projects, "dairy": dairy}


def board_of(user: User, period: Period = YEAR):
    return cockpit(user=user, period=period, today=TODAY)


# --- the period ------------------------------------------------------------------------------


def test_the_period_is_this_year_unless_asked_otherwise():
    assert parse_period({}, TODAY) == YEAR
    assert parse_period({"period": "month"}, TODAY) == Period(
        "month", day("2026-11-01"), day("2026-11-30")
    )
    assert parse_period({"period": "quarter"}, TODAY) == Period(
        "quarter", day("2026-10-01"), day("2026-12-31")
    )
    custom = parse_period({"period": "custom", "start": "2026-02-01", "end": "2026-03-15"}, TODAY)
    assert custom == Period("custom", day("2026-02-01"), day("2026-03-15"))
    assert custom.label == "2026-02-01 至 2026-03-15"
    assert period_of("quarter", TODAY).label == "2026年第4季度"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "week"}, "时间范围只能是本月、本季、本年或自定义。"),
        ({"period": "custom", "start": "2026-02-01"}, "须同时填写开始日期和结束日期"),
        ({"period": "custom", "start": "2026-13-01", "end": "2026-12-01"}, "开始日期请按"),
        ({"period": "custom", "start": "2026-05-01", "end": "2026-04-01"}, "不能晚于结束日期"),
        ({"period": "custom", "start": "2015-01-01", "end": "2026-01-01"}, "最长 5 年"),
        ({"period": "custom", "start": "0001-01-01", "end": "2026-01-01"}, "日期超出合理范围"),
    ],
)
def test_a_bad_period_is_refused_with_its_reason(fixed_today, params, message):
    from crm.exceptions import DomainError

    with pytest.raises(DomainError) as refusal:
        parse_period(params, TODAY)
    assert message in refusal.value.message


# --- each block on the known county ------------------------------------------------------------


def test_new_leads_of_this_week_and_month_count_registrations(county, bureau_leader):
    leads = board_of(bureau_leader).leads
    assert (leads.week.count, leads.month.count) == (2, 3)
    assert leads.week.url == reverse("leads:list") + (
        "?created_after=2026-11-23&created_before=2026-11-28"
    )


def test_stages_count_entries_in_the_period_once_per_lead_and_convert(county, bureau_leader):
    rows = {row.stage: row for row in board_of(bureau_leader).leads.stages}
    entered = {stage: row.entered.count for stage, row in rows.items()}
    assert entered == {"collect": 7, "screen": 4, "dock": 2, "serve": 1, "dropped": 1}
    now = {stage: row.now.count for stage, row in rows.items()}
    assert now == {"collect": 3, "screen": 3, "dock": 1, "serve": 1, "dropped": 1}
    assert rows["collect"].conversion == pytest.approx(4 / 7 * 100)
    assert rows["screen"].conversion == pytest.approx(50)
    assert rows["dock"].conversion == pytest.approx(50)
    assert rows["serve"].conversion is None
    assert rows["dropped"].conversion is None


def test_a_shorter_period_counts_only_its_own_moves(county, bureau_leader):
    stages = board_of(bureau_leader, period_of("month", TODAY)).leads.stages
    rows = {row.stage: row for row in stages}
    assert rows["collect"].entered.count == 3
    assert rows["screen"].entered.count == 1
    assert rows["dock"].entered.count == 0
    assert rows["screen"].conversion == pytest.approx(0)


def test_new_leads_by_channel_industry_and_region_with_none_given_apart(county, bureau_leader):
    sources = board_of(bureau_leader).sources
    channels = {row.key: row.count for row in sources["channel"]}
    assert channels == {"townsman": 3, "affection": 1, "expo": 1, "business": 1, "online": 1}
    assert sources["channel"][0].key == "townsman"  # most first
    assert {row.key: row.count for row in sources["industry"]} == {"rice": 6, "dairy": 1}
    regions = {row.key: (row.label, row.count) for row in sources["region"]}
    assert regions["null"] == ("未填写", 2)
    assert regions["yangtze-delta"][1] == 2
    assert "region=null" in next(row.url for row in sources["region"] if row.key == "null")


def test_signed_and_funds_of_the_year_against_the_goals(county, bureau_leader):
    goals = board_of(bureau_leader).goals
    assert goals.goal_set and goals.compared
    assert (goals.signed.figure.count, goals.signed.reached) == (3, Decimal(33000))
    assert goals.signed.percent == pytest.approx(82.5)
    assert goals.signed.year_share == pytest.approx(332 / 365 * 100)
    assert goals.signed.ahead is False  # 欠进度: 82.5 % of the goal, 91 % of the year gone
    assert goals.signed.gap == Decimal(33000) - goals.signed.expected
    # arrivals of 2026 only, the correction netted; last December's left out
    assert (goals.funds.figure.count, goals.funds.reached) == (3, Decimal(13400))
    assert goals.funds.ahead is False


def test_a_year_without_goals_shows_the_amounts_and_no_schedule(county, bureau_leader):
    AnnualGoal.objects.all().delete()
    goals = board_of(bureau_leader).goals
    assert not goals.goal_set
    assert goals.signed.reached == Decimal(33000)
    assert (goals.signed.percent, goals.signed.ahead, goals.signed.gap) == (None, None, None)


def test_a_goal_reached_faster_than_the_year_is_ahead(county, bureau_leader):
    AnnualGoal.objects.filter(year=2026).update(signed_amount=Decimal(30000))
    assert board_of(bureau_leader).goals.signed.ahead is True


def test_year_share_counts_today():
    assert year_share(datetime.date(2026, 1, 1)) == pytest.approx(100 / 365)
    assert year_share(datetime.date(2024, 12, 31)) == pytest.approx(100)


def test_the_rates_are_the_boards(county, bureau_leader, leader):
    for user in (bureau_leader, leader):
        rates = board_of(user).rates
        assert rates == project_board(user=user, today=TODAY).rates
    rates = board_of(bureau_leader).rates
    assert (rates.commenced, rates.reached_signed) == (2, 4)
    assert (rates.kept, rates.due) == (2, 3)


def test_big_projects_are_of_one_yi_or_more_and_not_terminated(county, bureau_leader, leader):
    big = board_of(bureau_leader).big_projects
    assert (big.count, big.amount) == (3, Decimal(92000))
    big = board_of(leader).big_projects
    assert (big.count, big.amount) == (2, Decimal(62000))


def test_trends_by_month_over_the_last_twelve(county, bureau_leader):
    trends = board_of(bureau_leader).trends
    assert [month.label for month in trends][:2] == ["2025-12", "2026-01"]
    assert trends[-1].label == "2026-11"
    by_label = {month.label: month for month in trends}
    assert by_label["2026-03"].signed.amount == Decimal(8000)
    assert by_label["2026-07"].signed.amount == Decimal(20000)
    assert by_label["2026-11"].signed.count == 1
    assert by_label["2026-06"].commenced.count == 1
    assert by_label["2026-08"].commenced.count == 1
    assert by_label["2025-12"].funds.amount == Decimal(1000)
    assert (by_label["2026-11"].funds.amount, by_label["2026-11"].funds.count) == (
        Decimal(400),
        1,
    )
    assert sum(month.signed.count for month in trends) == 3


def test_the_ranking_scores_by_the_published_rule(county, bureau_leader):
    ranking = board_of(bureau_leader).ranking
    rows = {ranked.row.name: ranked.row for ranked in ranking.rows}
    rice, dairy = rows["米业专班"], rows["乳业专班"]
    assert (rice.new_leads, rice.forward_moves, rice.signed_amount, rice.overdue_leads) == (
        5,
        8,
        Decimal(13000),
        2,
    )
    assert rice.score == Decimal("84.0")
    assert dairy.score == Decimal("102.0")
    assert [ranked.row.name for ranked in ranking.rows] == ["乳业专班", "米业专班"]
    assert ranking.rule_text == (
        "新线索 1 分/条，阶段推进 2 分/次，签约额每千万元 5 分，逾期线索每条扣 1 分"
    )


def test_the_printed_rule_follows_the_administrators_weights(county, bureau_leader):
    RankingRule.objects.update_or_create(
        pk=1, defaults={"points_per_new_lead": Decimal("1.5"), "penalty_per_overdue_lead": 3}
    )
    assert "新线索 1.5 分/条" in board_of(bureau_leader).ranking.rule_text
    assert "逾期线索每条扣 3 分" in board_of(bureau_leader).ranking.rule_text


def test_warnings_count_what_the_meeting_must_act_on(county, bureau_leader):
    warn = board_of(bureau_leader).warnings
    assert (warn.overdue_leads.count, warn.overdue_tasks.count) == (2, 1)
    assert warn.escalation_days == 7
    assert warn.overdue_over.count == 1
    assert [lead.company_name for lead in warn.overdue_over_leads] == [
        county["leads"]["old"].company_name
    ]
    assert warn.overdue_over_leads[0].overdue_days == 10
    assert warn.late.count == 2
    assert {p.pk for p in warn.late_projects} == {
        county["projects"]["signed"].pk,
        county["projects"]["last_year"].pk,
    }
    assert (warn.negotiating.count, warn.signed.count) == (1, 2)
    assert warn.negotiating_rows[0].days_in_status == (TODAY - day("2026-09-01")).days
    assert warn.sla_days == 3
    assert warn.approvals.count == 2
    assert [a.waited for a in warn.approvals_waiting] == [8, 4]


def test_the_overdue_counts_are_the_ones_every_page_shows(county, bureau_leader):
    """The work page, 我的提醒 and the emails read ``overdue_counts``; so does the cockpit."""
    warn = board_of(bureau_leader).warnings
    counts = overdue_counts(user=bureau_leader, today=TODAY, scope=OverdueScope.ALL)
    assert warn.overdue == counts
    assert warn.overdue_leads.count == counts.of("leads")
    assert warn.overdue_tasks.count == counts.of("tasks")
    assert warn.approvals.count == counts.of("approvals")


def test_support_by_fund_source_and_status(county, bureau_leader, leader):
    support = board_of(bureau_leader).support
    by_source = {row.figure.key: row for row in support.by_source}
    assert by_source["special_bonds"].figure.amount == Decimal(3000)
    assert by_source["special_bonds"].approved == Decimal(2500)
    assert [row.figure.key for row in support.by_status] == ["submitted", "approved", "allocated"]
    assert (support.total.figure.count, support.total.allocated) == (3, Decimal(800))
    assert board_of(leader).support.total.figure.count == 2


# --- visibility ------------------------------------------------------------------------------


def test_a_task_force_leader_sees_the_figures_of_their_task_forces(county, leader):
    board = board_of(leader)
    assert board.scope == "米业专班"
    assert not board.county
    assert (board.leads.week.count, board.leads.month.count) == (1, 2)
    assert board.goals.signed.reached == Decimal(13000)
    assert board.goals.funds.reached == Decimal(3400)
    # the goals are the county's: a task force's share is not measured against them
    assert board.goals.goal_set and not board.goals.compared
    assert (board.goals.signed.goal, board.goals.signed.ahead) == (None, None)
    assert [ranked.row.name for ranked in board.ranking.rows] == ["米业专班"]
    assert {row.key for row in board.sources["industry"]} == {"rice"}
    assert board.warnings.approvals.count == 2


def test_an_officer_sees_their_own_scope_and_no_approvals(county, other_officer):
    board = board_of(other_officer)
    assert board.scope == "乳业专班"
    assert sum(row.now.count for row in board.leads.stages) == 2
    assert board.goals.signed.reached == Decimal(20000)
    assert board.warnings.approvals is None
    assert board.warnings.overdue_tasks.url == ""  # 我的提醒 has no page for this scope


def test_the_bureau_sees_the_whole_county(county, bureau_leader):
    board = board_of(bureau_leader)
    assert (board.scope, board.county) == ("全县", True)


def test_someone_in_no_task_force_sees_their_own_records(county):
    loner = UserFactory(username="loner", role=User.Role.OFFICER)
    assert board_of(loner).scope == "本人负责的记录"


# --- every figure opens its list --------------------------------------------------------------


def listed(client, url: str, amount_field: str) -> tuple[int, Decimal | None]:
    """How many records the page at ``url`` lists, and their total of ``amount_field``."""
    response = client.get(url)
    assert response.status_code == 200, url
    name = resolve(urlsplit(url).path).view_name
    context = response.context
    if name == "reminders:list":
        scope = dict(item.split("=") for item in urlsplit(url).query.split("&"))["scope"]
        counts = next(each for each in context["counts"] if each.scope == scope)
        return counts.of("tasks"), None
    if name == "projects:support_list":
        rows = context["applications"]
    else:
        rows = context["page"].paginator.object_list
    total = rows.aggregate(total=Sum(amount_field))["total"] if amount_field else None
    return rows.count(), total


@pytest.mark.parametrize("who", ["bureau_leader", "leader"])
def test_every_figure_agrees_with_the_list_it_opens(county, client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    board = board_of(user)
    figures = list(board.figures())
    assert len(figures) > 60
    for figure in figures:
        assert figure.url, figure
        count, total = listed(client, figure.url, figure.amount_field)
        assert count == figure.count, (figure.label, figure.url)
        if figure.amount_field:
            assert (total or Decimal(0)) == figure.amount, (figure.label, figure.url)


def test_the_rate_tiles_open_the_board_that_shows_the_same_rates(county, client, leader):
    client.force_login(leader)
    page = client.get(reverse("projects:board"))
    assert page.context["board"].rates == board_of(leader).rates


def test_the_funds_figures_list_the_projects_funds_arrived_on(county, client, bureau_leader):
    client.force_login(bureau_leader)
    goals = board_of(bureau_leader).goals
    page = client.get(goals.funds.figure.url)
    projects = page.context["page"].paginator.object_list
    arrived = FundsArrival.objects.filter(
        project__in=projects, arrived_on__range=(day("2026-01-01"), TODAY)
    ).aggregate(total=Sum("amount"))["total"]
    assert arrived == goals.funds.reached


# --- the lists' filters the figures open ------------------------------------------------------


def listed_names(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    context = response.context
    rows = context["page"].object_list
    return {getattr(row, "company_name", None) or getattr(row, "name", "") for row in rows}


def test_the_lead_list_filters_by_region_none_given_included(county, client, bureau_leader):
    client.force_login(bureau_leader)
    leads = county["leads"]
    assert listed_names(client, "/leads/?region=null") == {
        leads["month"].company_name,
        leads["back"].company_name,
    }
    assert leads["week"].company_name in listed_names(
        client, "/leads/?region=null&region=yangtze-delta"
    )


@pytest.mark.parametrize(("days", "expected"), [("0", {"old", "late_call"}), ("7", {"old"})])
def test_the_lead_list_filters_leads_overdue_longer_than_days(
    county, client, bureau_leader, days, expected
):
    client.force_login(bureau_leader)
    names = {county["leads"][key].company_name for key in expected}
    assert listed_names(client, f"/leads/?overdue_over={days}") == names


@pytest.mark.parametrize("days", ["1.5", "-1", "99999", "abc"])
def test_a_bad_number_of_days_is_named_not_a_500(county, client, bureau_leader, days):
    client.force_login(bureau_leader)
    response = client.get("/leads/", {"overdue_over": days})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert response.context["filter_form"].errors["overdue_over"] == [
        "逾期超过（天）：请填写 0 至 3650 之间的整数。"
    ]


def test_the_lead_list_filters_moves_by_stage_and_dates(county, client, bureau_leader):
    client.force_login(bureau_leader)
    leads = county["leads"]
    moved = "/leads/?moved_to=dock&moved_after=2026-02-01&moved_before=2026-05-31"
    assert listed_names(client, moved) == {leads["served"].company_name}
    # dates alone: any move in them
    assert listed_names(client, "/leads/?moved_after=2026-04-01&moved_before=2026-04-30") == {
        leads["dropped"].company_name
    }
    # a stage alone: any move to it, ever
    assert listed_names(client, "/leads/?moved_to=collect") == {leads["back"].company_name}


def test_the_approvals_queue_filters_those_waiting_longer_than_days(county, client, leader):
    client.force_login(leader)
    response = client.get("/leads/approvals/", {"waited_over": 3})
    names = {approval.lead.company_name for approval in response.context["page"].object_list}
    assert names == {county["leads"]["month"].company_name, county["leads"]["old"].company_name}
    assert "只显示等待超过 3 天的审批" in response.content.decode()


def test_the_project_list_filters_the_cockpits_dates_and_amounts(county, client, bureau_leader):
    client.force_login(bureau_leader)
    projects = county["projects"]
    assert listed_names(client, "/projects/?investment_min=30000") == {
        projects["producing"].name,
        projects["negotiating"].name,
    }
    signed = "/projects/?signed_after=2026-03-01&signed_before=2026-07-01"
    assert listed_names(client, signed) == {projects["commenced"].name, projects["producing"].name}
    assert listed_names(client, "/projects/?commenced_after=2026-08-01") == {
        projects["producing"].name
    }
    # arrivals: a correction is an arrival too; last December's is outside the year
    assert listed_names(client, "/projects/?funds_after=2026-11-01") == {projects["signed"].name}
    assert listed_names(client, "/projects/?funds_before=2025-12-31") == {
        projects["commenced"].name
    }


# --- the page -----------------------------------------------------------------------------------


def test_the_page_shows_the_scope_the_tiles_and_the_charts_data(county, client, bureau_leader):
    client.force_login(bureau_leader)
    response = client.get(reverse("dashboard:cockpit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-scope>全县</span>" in html
    assert 'id="cockpit-charts"' in html
    assert "3.3<small>亿元</small>" in html  # 本年签约额 33,000 万元
    assert "欠进度" in html
    assert "计分规则：新线索 1 分/条" in html
    assert "口径：签约额为 2026 年内正式签约项目的签约金额" in html
    for chart in ("stages", "trends", "ranking", "source_channel", "support_source"):
        assert f'data-chart="{chart}"' in html
        assert chart in response.context["charts"]
    assert "vendor/echarts.min.js" in html
    assert "<script>" not in html and " style=" not in html


def test_the_page_for_a_chosen_period(county, client, bureau_leader):
    client.force_login(bureau_leader)
    response = client.get(reverse("dashboard:cockpit"), {"period": "month"})
    assert response.context["board"].period == period_of("month", TODAY)
    assert "2026年11月" in response.content.decode()


def test_a_bad_period_is_named_on_the_page_over_this_years_figures(county, client, leader):
    client.force_login(leader)
    response = client.get(
        reverse("dashboard:cockpit"), {"period": "custom", "start": "2026-05-01", "end": "x"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "时间范围有误：结束日期请按 YYYY-MM-DD 填写。" in html
    assert response.context["board"].period == YEAR


def test_the_meeting_room_screen_hides_the_navigation(county, client, bureau_leader):
    client.force_login(bureau_leader)
    response = client.get(reverse("dashboard:cockpit"), {"screen": "1", "period": "quarter"})
    html = response.content.decode()
    assert 'class="cockpit-page cockpit-screen"' in html
    assert "data-fullscreen" in html
    assert 'href="?period=quarter">退出大屏' in html


def test_an_officer_may_open_the_cockpit_of_their_own_scope(county, client, officer):
    client.force_login(officer)
    response = client.get(reverse("dashboard:cockpit"))
    assert response.status_code == 200
    assert response.context["board"].scope == "米业专班"
    # …but the navigation offers it only to who leads a task force or sees everything
    assert f'href="{reverse("dashboard:cockpit")}"' not in response.content.decode()


def test_the_navigation_offers_the_cockpit_to_leaders(county, client, leader):
    client.force_login(leader)
    html = client.get(reverse("leads:list")).content.decode()
    assert f'href="{reverse("dashboard:cockpit")}"' in html
    assert "领导驾驶舱" in html


def test_signing_in_is_required(client):
    response = client.get(reverse("dashboard:cockpit"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- a fixed number of queries ------------------------------------------------------------------


def grow(county, officer, other_officer, task_force, times: int) -> None:
    """More of everything the cockpit counts, in both task forces."""
    S = Lead.Stage
    for n in range(times):
        for owner, force in ((officer, task_force), (other_officer, county["dairy"])):
            make_lead(
                owner,
                force,
                f"2026-{n % 11 + 1:02d}-05",
                moves=[(S.COLLECT, S.SCREEN, f"2026-{n % 11 + 1:02d}-20")],
                region=region("overseas"),
                next_follow_up_on=TODAY - datetime.timedelta(days=n % 20),
            )
            signed = project(
                owner,
                force,
                status=Project.Status.SIGNED,
                signed_on=day(f"2026-{n % 11 + 1:02d}-10"),
                signed_amount=1000 + n,
            )
            arrival(signed, f"2026-{n % 11 + 1:02d}-15", 100)


# The queries of the cockpit, whatever the number of leads and projects: the lead block 2,
# goals 4, rates 2 + 1 per passed target, big projects 1, trends 4, sources 3, ranking 6,
# warnings (overdue counts one per source, lists, the 两未 counts, approvals; the worst overdue
# leads by id, then those rows when there are any) and support 2.
COCKPIT_QUERIES = {"bureau_leader": 41, "leader": 43}


@pytest.mark.parametrize("who", ["bureau_leader", "leader"])
@pytest.mark.parametrize("size", [1, 12])
def test_the_cockpit_costs_a_fixed_number_of_queries(
    county, officer, other_officer, task_force, request, django_assert_num_queries, who, size
):
    grow(county, officer, other_officer, task_force, size)
    ReminderSchedule.current(), RankingRule.current()  # the settings rows exist in a bureau
    user = User.objects.get(pk=request.getfixturevalue(who).pk)  # nothing cached on it
    with django_assert_num_queries(COCKPIT_QUERIES[who]):
        board = board_of(user)
        list(board.figures())
