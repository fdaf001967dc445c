"""专班工作: one task force's approvals, overdue work by officer and week, for its leader.

Every figure is counted the way the other pages count it: an officer's overdue leads open the
lead list on exactly those leads, and the task force's overdue leads, tasks and approvals past
the SLA are what its leader's digest scope (``overdue_counts`` with ``team``) counts.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import NotFound, PermissionRefused
from crm.models import ReminderSchedule, User
from crm.notifications.selectors import OverdueScope, overdue_counts
from dashboard.selectors import team_view
from leads.models import ApprovalRequest, Lead, LeadTransition
from projects.models import Project, ProjectTransition
from tests.factories import FollowUpFactory, LeadFactory, TaskForceFactory, UserFactory
from tests.projects.conftest import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

Stage = Lead.Stage


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def week_start(today):
    return today - datetime.timedelta(days=today.weekday())


def before_this_week(week_start) -> datetime.datetime:
    """An hour before Monday began."""
    monday = timezone.make_aware(datetime.datetime.combine(week_start, datetime.time.min))
    return monday - datetime.timedelta(hours=1)


def lead_in(task_force, owner, *, overdue=False, stage=Stage.COLLECT, creator=None, **kwargs):
    creator = creator or owner
    return LeadFactory(
        owner=owner,
        task_force=task_force,
        stage=stage,
        next_follow_up_on=(timezone.localdate() - datetime.timedelta(days=3) if overdue else None),
        created_by=creator,
        updated_by=creator,
        **kwargs,
    )


def move(lead, actor, from_stage, to_stage, *, at=None):
    row = LeadTransition.objects.create(
        lead=lead, from_stage=from_stage, to_stage=to_stage, actor=actor, reason="测试"
    )
    if at is not None:
        LeadTransition.objects.filter(pk=row.pk).update(moved_at=at)
    return row


def ask(lead, officer, *, days_ago=0):
    return ApprovalRequest.objects.create(
        lead=lead,
        requested_by=officer,
        note="申请进入对接",
        requested_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def colleague(task_force):
    user = UserFactory(username="colleague", full_name="同班同事")
    task_force.members.add(user)
    return user


@pytest.fixture
def former_member(db):
    """Someone no longer in the task force who still owns one of its leads."""
    return UserFactory(username="former", full_name="已调走的专员")


@pytest.fixture
def rice_week(
    today,
    week_start,
    leader,
    officer,
    colleague,
    former_member,
    other_officer,
    task_force,
    other_task_force,
):
    """A week of the rice task force, with the dairy task force's work alongside to ignore."""
    sla = ReminderSchedule.current().approval_sla_days
    # officer: two overdue leads, one on time, one dropped; an overdue task; two follow-ups
    # this week and one last week.
    first = lead_in(task_force, officer, overdue=True)
    lead_in(task_force, officer, overdue=True)
    on_time = lead_in(task_force, officer)
    lead_in(task_force, officer, stage=Stage.DROPPED)
    FollowUpFactory(lead=first)
    FollowUpFactory(lead=on_time)
    FollowUpFactory(lead=on_time, occurred_on=week_start - datetime.timedelta(days=1))
    project = ProjectFactory(owner=officer, task_force=task_force, name="米业扩建项目")
    TaskFactory(project=project, assignee=officer, due_on=today - datetime.timedelta(days=2))
    TaskFactory(project=project, assignee=officer, due_on=today + datetime.timedelta(days=2))
    # colleague: one overdue lead, created last week.
    old = lead_in(task_force, colleague, overdue=True)
    Lead.objects.filter(pk=old.pk).update(created_at=before_this_week(week_start))
    # the former member's lead, and a lead nobody owns, both overdue
    lead_in(task_force, former_member, overdue=True, creator=leader)
    lead_in(task_force, None, overdue=True, creator=leader)
    # the week's moves: one of each kind, one from last week
    move(first, officer, Stage.COLLECT, Stage.SCREEN)
    move(first, leader, Stage.SCREEN, Stage.COLLECT)
    move(on_time, officer, Stage.COLLECT, Stage.DROPPED)
    move(on_time, officer, Stage.DROPPED, Stage.COLLECT)
    move(on_time, officer, Stage.COLLECT, Stage.SCREEN, at=before_this_week(week_start))
    ProjectTransition.objects.create(
        project=project,
        from_status=Project.Status.NEGOTIATING,
        to_status=Project.Status.FRAMEWORK,
        occurred_on=today,
        actor=leader,
    )
    ProjectTransition.objects.create(
        project=project,
        from_status=Project.Status.FRAMEWORK,
        to_status=Project.Status.SIGNED,
        occurred_on=week_start - datetime.timedelta(days=1),
        actor=leader,
    )
    # approvals: one waiting past the SLA, one asked today, one already decided
    screened = {
        "stage": Stage.SCREEN,
        "rating": Lead.Rating.A,
    }
    late = ask(lead_in(task_force, officer, **screened), officer, days_ago=sla + 1)
    fresh = ask(lead_in(task_force, officer, **screened), officer)
    decided = ask(lead_in(task_force, officer, **screened), officer, days_ago=2)
    ApprovalRequest.objects.filter(pk=decided.pk).update(
        status=ApprovalRequest.Status.RETURNED,
        decided_by=leader,
        decided_at=timezone.now(),
        comment="请补充材料",
    )
    # the dairy task force: none of this counts for rice
    dairy = lead_in(other_task_force, other_officer, overdue=True)
    move(dairy, other_officer, Stage.COLLECT, Stage.SCREEN)
    ask(lead_in(other_task_force, other_officer, **screened), other_officer, days_ago=sla + 5)
    dairy_project = ProjectFactory(owner=other_officer, task_force=other_task_force)
    TaskFactory(
        project=dairy_project, assignee=other_officer, due_on=today - datetime.timedelta(days=1)
    )
    # the officer's own lead outside any task force
    lead_in(None, officer, overdue=True)
    return {"late": late, "fresh": fresh, "sla": sla}


def rows_by_name(team) -> dict[str, object]:
    return {str(row.user) if row.user else None: row for row in team.officers}


# --- the figures --------------------------------------------------------------------------


def test_each_officer_row_counts_their_work_in_the_task_force(leader, rice_week, today):
    team = team_view(user=leader, task_force_id=None, today=today)

    rows = rows_by_name(team)
    assert set(rows) == {"王招商", "同班同事", "已调走的专员", "米业专班负责人", None}
    officer = rows["王招商"]
    assert (officer.active_leads, officer.follow_ups) == (6, 2)
    assert (officer.overdue_leads, officer.overdue_tasks) == (2, 1)
    colleague = rows["同班同事"]
    assert (colleague.active_leads, colleague.overdue_leads, colleague.follow_ups) == (1, 1, 0)
    assert rows["已调走的专员"].overdue_leads == 1
    assert not rows["已调走的专员"].is_member
    assert rows["米业专班负责人"].is_leader and rows["米业专班负责人"].overdue == 0
    assert rows[None].overdue_leads == 1
    # most overdue first; the leads nobody owns last
    assert team.officers[0].user.username == "officer"
    assert team.officers[-1].user is None


def test_the_task_forces_overdue_counts_are_its_leaders_digest_scope(leader, rice_week, today):
    team = team_view(user=leader, task_force_id=None, today=today)

    digest_scope = overdue_counts(user=leader, today=today, scope=OverdueScope.TEAM)
    assert team.overdue.as_dict() == digest_scope.as_dict()
    assert team.overdue.as_dict() == {"leads": 5, "tasks": 1, "approvals": 1}


def test_each_officers_overdue_and_active_counts_equal_the_lead_lists_they_open(
    client, leader, rice_week, today
):
    team = team_view(user=leader, task_force_id=None, today=today)
    client.force_login(leader)

    def listed(query: str) -> int:
        response = client.get(f"{reverse('leads:list')}?{query}")
        assert response.status_code == 200
        return response.context["page"].paginator.count

    for row in team.officers:
        if row.user is None:
            continue
        assert listed(row.overdue_query) == row.overdue_leads, row.user
        assert listed(row.active_query) == row.active_leads, row.user
    assert listed(team.overdue_query) == team.overdue.of("leads")
    assert listed(team.new_leads_query) == team.week.new_leads


def test_the_week_counts_stage_moves_by_kind_new_leads_follow_ups_and_project_moves(
    leader, rice_week, today
):
    week = team_view(user=leader, task_force_id=None, today=today).week

    assert (week.forward, week.back, week.dropped, week.reopened) == (1, 1, 1, 1)
    assert {move.kind for move in week.lead_moves} == {"forward", "back", "dropped", "reopened"}
    # every rice lead but the colleague's, which was logged last week
    assert week.new_leads == Lead.objects.filter(task_force__code="rice-tf").count() - 1
    assert week.follow_ups == 2
    assert week.project_moves == 1
    assert [m.to_status for m in week.project_move_list] == [Project.Status.FRAMEWORK]


def test_approvals_wait_oldest_first_with_the_ones_past_the_sla_marked(leader, rice_week, today):
    team = team_view(user=leader, task_force_id=None, today=today)

    assert [a.pk for a in team.approvals] == [rice_week["late"].pk, rice_week["fresh"].pk]
    assert team.approvals_count == 2 and team.approvals_past_sla == 1
    late, fresh = team.approvals
    assert (late.waited, late.past_sla) == (rice_week["sla"] + 1, True)
    assert (fresh.waited, fresh.past_sla) == (0, False)


# --- the page -----------------------------------------------------------------------------


def test_the_page_shows_the_officers_approvals_and_week(client, leader, rice_week):
    client.force_login(leader)
    response = client.get(reverse("dashboard:team"))

    assert response.status_code == 200
    page = response.content.decode()
    for text in ("米业专班", "专员工作情况", "待审批", "超过时限", "本周动态", "未指定负责人"):
        assert text in page
    assert "非本专班成员" in page
    assert "css/team.css" in page
    assert f'href="{reverse("leads:approvals")}?task_force_id=' in page


def test_a_member_without_work_still_has_a_row(leader, officer, task_force, today):
    team = team_view(user=leader, task_force_id=None, today=today)
    [_leader_row, officer_row] = sorted(team.officers, key=lambda r: r.user.username)
    assert officer_row.user == officer and officer_row.is_empty and officer_row.is_member
    assert team.approvals == [] and team.week.stage_moves == 0


def test_a_leader_of_two_task_forces_switches_between_them(client, leader, task_force, today):
    second = TaskForceFactory(code="green-tf", name="绿色食品专班", leader=leader)
    client.force_login(leader)

    first_page = client.get(reverse("dashboard:team")).context["team"]
    assert [tf.name for tf in first_page.choices] == ["米业专班", "绿色食品专班"]
    assert first_page.task_force == task_force
    response = client.get(reverse("dashboard:team"), {"task_force_id": second.pk})
    assert response.context["team"].task_force == second
    assert f'?task_force_id={task_force.pk}"' in response.content.decode()


def test_a_bureau_leader_chooses_any_active_task_force(
    client, bureau_leader, task_force, other_task_force, today
):
    TaskForceFactory(code="gone-tf", name="已撤销专班", is_active=False)
    team = team_view(user=bureau_leader, task_force_id=other_task_force.pk, today=today)

    assert team.task_force == other_task_force
    assert {tf.name for tf in team.choices} == {"米业专班", "乳业专班"}


# --- who may open it ----------------------------------------------------------------------


def test_an_officer_gets_a_403_page_that_explains_and_points_to_the_work_page(
    client, officer, task_force
):
    client.force_login(officer)
    response = client.get(reverse("dashboard:team"), {"task_force_id": task_force.pk})

    assert response.status_code == 403
    page = response.content.decode()
    assert "您目前没有负责的专班" in page
    assert reverse("dashboard:my_work") in page
    assert "专员工作情况" not in page


def test_a_leader_may_not_open_a_task_force_they_do_not_lead(
    client, leader, task_force, other_task_force
):
    client.force_login(leader)
    response = client.get(reverse("dashboard:team"), {"task_force_id": other_task_force.pk})

    assert response.status_code == 403
    page = response.content.decode()
    assert "只有该专班的负责人和局领导可以查看" in page
    assert "查看我负责的专班" in page


@pytest.mark.parametrize("value", ["999999", "abc", "1.5", "-1", "0", "9" * 30, "１"])
def test_an_unknown_or_malformed_task_force_is_a_404(client, leader, task_force, value):
    client.force_login(leader)
    response = client.get(reverse("dashboard:team"), {"task_force_id": value})
    assert response.status_code == 404


def test_a_dissolved_task_force_is_not_found_even_for_a_bureau_leader(
    bureau_leader, task_force, today
):
    gone = TaskForceFactory(code="gone-tf", name="已撤销专班", is_active=False)
    with pytest.raises(NotFound):
        team_view(user=bureau_leader, task_force_id=gone.pk, today=today)


def test_a_leader_whose_task_forces_are_all_dissolved_is_refused(leader, task_force, today):
    task_force.is_active = False
    task_force.save()
    with pytest.raises(PermissionRefused):
        team_view(user=leader, task_force_id=None, today=today)


def test_the_team_page_needs_login(client, db):
    response = client.get(reverse("dashboard:team"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- a fixed number of queries ------------------------------------------------------------


def populate(size: int, *, task_force, leader) -> None:
    """``size`` of everything the page counts or lists, spread over ``size`` officers."""
    today = timezone.localdate()
    sla = ReminderSchedule.current().approval_sla_days
    for number in range(size):
        member = UserFactory(username=f"member{size}-{number}", role=User.Role.OFFICER)
        task_force.members.add(member)
        lead = lead_in(task_force, member, overdue=True)
        FollowUpFactory(lead=lead)
        move(lead, member, Stage.COLLECT, Stage.SCREEN)
        project = ProjectFactory(owner=member, task_force=task_force)
        TaskFactory(project=project, assignee=member, due_on=today - datetime.timedelta(days=1))
        ProjectTransition.objects.create(
            project=project,
            from_status=Project.Status.NEGOTIATING,
            to_status=Project.Status.FRAMEWORK,
            occurred_on=today,
            actor=leader,
        )
        screened = lead_in(task_force, member, stage=Stage.SCREEN, rating=Lead.Rating.B)
        ask(screened, member, days_ago=number % (sla + 3))


# The layout (session, user, the reminder badge, the bell; the session was renewed by the
# first page, crm.sessions); the 待审批 entry in the navigation (its count); the task forces
# the page may show; the officers (leads by owner, overdue leads, overdue tasks, follow-ups, the
# people); the week (stage moves counted and listed, project moves counted and listed); the
# SLA setting and the approvals (counted, listed). A bureau leader sees everything: no scope.
LAYOUT = 4 + 1
TEAM_QUERIES = LAYOUT + 1 + 1 + 5 + 4 + 3
# A leader: their task forces (led and member, one query) for the scope of every read; the task
# forces the page may show are one query for everyone (``crm.access.overseen_task_forces``).
TEAM_LEADER_QUERIES = TEAM_QUERIES + 1


@pytest.mark.parametrize("size", [2, 12])
def test_team_page_query_budget_for_a_leader(
    client, django_assert_num_queries, leader, officer, task_force, size
):
    populate(size, task_force=task_force, leader=leader)
    client.force_login(leader)
    client.get(reverse("dashboard:team"))
    with django_assert_num_queries(TEAM_LEADER_QUERIES):
        response = client.get(reverse("dashboard:team"))
    team = response.context["team"]
    assert team.overdue.of("leads") == size and len(team.officers) == size + 2


@pytest.mark.parametrize("size", [2, 12])
def test_team_page_query_budget_for_a_bureau_leader(
    client, django_assert_num_queries, bureau_leader, leader, officer, task_force, size
):
    populate(size, task_force=task_force, leader=leader)
    client.force_login(bureau_leader)
    client.get(reverse("dashboard:team"))
    with django_assert_num_queries(TEAM_QUERIES):
        response = client.get(reverse("dashboard:team"), {"task_force_id": task_force.pk})
    assert response.context["team"].week.project_moves == size


def test_a_bureau_leader_is_told_when_there_is_no_task_force_yet(client, bureau_leader):
    client.force_login(bureau_leader)
    response = client.get(reverse("dashboard:team"))
    assert response.status_code == 404
    assert "还没有设立专班" in response.content.decode()
