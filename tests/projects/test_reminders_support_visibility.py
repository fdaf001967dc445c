"""Overdue tasks feed the reminder registry; 对上争取 moves; who sees which project."""

import datetime
from decimal import Decimal

import pytest

from crm.exceptions import TransitionRefused
from crm.registry import reminder_sources
from projects.models import Project, SupportApplication, SupportTransition
from projects.selectors import project_list, support_list, support_totals
from projects.services import support_application_create, support_transition
from tests.projects.conftest import TODAY, ProjectFactory, TaskFactory

# Reminders ---------------------------------------------------------------------------------


def tasks_source():
    return next(source for source in reminder_sources if source.key == "tasks")


def test_the_tasks_source_is_registered():
    assert tasks_source().title


def test_overdue_tasks_become_reminder_items(db, officer, task_force):
    project = ProjectFactory(task_force=task_force, name="灌区项目")
    overdue = TaskFactory(
        project=project,
        assignee=officer,
        title="报送形象进度",
        due_on=TODAY - datetime.timedelta(3),
    )
    TaskFactory(project=project, assignee=officer, due_on=TODAY)  # due today: not yet overdue
    TaskFactory(
        project=project,
        assignee=officer,
        due_on=TODAY - datetime.timedelta(9),
        done=True,
        done_on=TODAY,
    )
    items = list(tasks_source().collect(TODAY))
    assert len(items) == 1
    item = items[0]
    assert (item.source, item.object_id, item.recipient_id) == ("tasks", overdue.pk, officer.pk)
    assert item.task_force_id == task_force.pk
    assert item.days_overdue == 3
    assert item.url == project.get_absolute_url()
    assert "灌区项目" in item.details.values()


def test_overdue_across_a_month_and_year_end(db, officer):
    TaskFactory(assignee=officer, due_on=datetime.date(2026, 12, 31))
    assert list(tasks_source().collect(datetime.date(2026, 12, 31))) == []
    [item] = tasks_source().collect(datetime.date(2027, 1, 1))
    assert item.days_overdue == 1


def test_inactive_assignees_get_no_reminders(db, officer):
    TaskFactory(assignee=officer, due_on=TODAY - datetime.timedelta(2))
    officer.is_active = False
    officer.save()
    # Still overdue for the bureau, but nobody is told in person.
    assert [item.recipient_id for item in tasks_source().collect(TODAY)] == [None]


# 对上争取 ----------------------------------------------------------------------------------


@pytest.fixture
def application(fixed_today, leader, task_force) -> SupportApplication:
    return support_application_create(
        actor=leader,
        data={
            "title": "灌区超长期特别国债",
            "fund_source": "ultra_long_bonds",
            "amount_requested": Decimal(20000),
            "task_force": task_force,
        },
    )


def test_an_application_moves_step_by_step_to_allocated(application, leader):
    for status in ("prepared", "submitted", "pooled"):
        application = support_transition(application=application, to=status, actor=leader)
    with pytest.raises(TransitionRefused, match="批复金额"):
        support_transition(application=application, to="approved", actor=leader)
    application = support_transition(
        application=application, to="approved", actor=leader, amount=Decimal(16000)
    )
    application = support_transition(
        application=application, to="allocated", actor=leader, amount=Decimal(12000)
    )
    assert (application.amount_approved, application.amount_allocated) == (16000, 12000)
    assert SupportTransition.objects.filter(application=application).count() == 5


def test_an_application_cannot_skip(application, leader):
    with pytest.raises(TransitionRefused, match="逐级"):
        support_transition(application=application, to="submitted", actor=leader)


def test_rejection_and_moving_back_need_a_reason(application, leader):
    application = support_transition(application=application, to="prepared", actor=leader)
    application = support_transition(application=application, to="submitted", actor=leader)
    with pytest.raises(TransitionRefused, match="原因"):
        support_transition(application=application, to="rejected", actor=leader)
    with pytest.raises(TransitionRefused, match="原因"):
        support_transition(application=application, to="prepared", actor=leader)
    rejected = support_transition(
        application=application, to="rejected", actor=leader, reason="不符合支持方向"
    )
    with pytest.raises(TransitionRefused):
        support_transition(application=rejected, to="submitted", actor=leader, reason="x")
    replanned = support_transition(
        application=rejected, to="planned", actor=leader, reason="明年重报"
    )
    assert replanned.status == "planned"


def test_totals_by_fund_source_and_status(fixed_today, leader, task_force):
    for title, source, amount in (
        ("甲", "central_budget", 100),
        ("乙", "central_budget", 50),
        ("丙", "provincial", 30),
    ):
        support_application_create(
            actor=leader,
            data={
                "title": title,
                "fund_source": source,
                "amount_requested": Decimal(amount),
                "task_force": task_force,
            },
        )
    applications = support_list(user=leader).qs
    by_source = {row["key"]: row for row in support_totals(applications, "fund_source")}
    assert by_source["central_budget"]["count"] == 2
    assert by_source["central_budget"]["requested"] == Decimal(150)
    assert by_source["central_budget"]["label"] == "中央预算内投资"
    by_status = support_totals(applications, "status")
    assert [(row["key"], row["count"]) for row in by_status] == [("planned", 3)]


# Visibility -------------------------------------------------------------------------------


@pytest.fixture
def spread(task_force, other_task_force, officer):
    return {
        "mine_by_task_force": ProjectFactory(task_force=task_force),
        "mine_by_owner": ProjectFactory(owner=officer, task_force=None),
        "other": ProjectFactory(task_force=other_task_force),
        "nobody": ProjectFactory(task_force=None),
    }


def visible(user) -> set[int]:
    return set(project_list(user=user).qs.values_list("pk", flat=True))


def test_an_officer_sees_own_and_task_force_projects(spread, officer):
    assert visible(officer) == {spread["mine_by_task_force"].pk, spread["mine_by_owner"].pk}


def test_a_leader_sees_the_task_forces_they_lead(spread, leader):
    assert visible(leader) == {spread["mine_by_task_force"].pk}


def test_another_officer_sees_only_their_task_force(spread, other_officer):
    assert visible(other_officer) == {spread["other"].pk}


@pytest.mark.parametrize("who", ["bureau_leader", "admin_user"])
def test_bureau_leaders_and_admins_see_everything(spread, request, who):
    assert visible(request.getfixturevalue(who)) == {p.pk for p in spread.values()}


def test_support_applications_follow_the_same_scope(
    fixed_today, officer, other_officer, task_force, bureau_leader
):
    support_application_create(
        actor=officer, data={"title": "本班事项", "fund_source": "other", "task_force": task_force}
    )
    assert support_list(user=other_officer).qs.count() == 0
    assert support_list(user=officer).qs.count() == 1
    assert support_list(user=bureau_leader).qs.count() == 1
    assert Project.objects.count() == 0
