"""ProjectFilterSet and SupportApplicationFilterSet: one test per filter, fed from a URL query
string as the board, the table and the API do."""

import datetime
from decimal import Decimal

import pytest
from django.http import QueryDict

from projects.models import Project, SupportApplication
from projects.selectors import project_board, project_list, support_list
from tests.factories import UserFactory, industry
from tests.projects.conftest import TODAY, ProjectFactory, TargetFactory, signed_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(bureau_leader):
    return bureau_leader


def found(user, query: str) -> list[Project]:
    filterset = project_list(user=user, filters=QueryDict(query))
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def refused(user, query: str) -> dict:
    filterset = project_list(user=user, filters=QueryDict(query))
    assert list(filterset.qs) == []
    return filterset.errors


def left(user) -> object:
    return UserFactory(username="left", full_name="已调离干部", is_active=False)


# --- projects -------------------------------------------------------------------------------


def test_q_searches_name_enterprise_location_and_department(reader):
    by_name = ProjectFactory(name="绿都米业扩能项目")
    by_enterprise = ProjectFactory(enterprise_name="绿都集团有限公司")
    by_location = ProjectFactory(location="虎林经济开发区绿都路")
    by_department = ProjectFactory(department="绿都工作专班")
    ProjectFactory(name="乳业项目")
    assert set(found(reader, "q=绿都")) == {by_name, by_enterprise, by_location, by_department}


def test_q_needs_every_word(reader):
    both = ProjectFactory(name="绿都米业", location="开发区")
    ProjectFactory(name="绿都蜂业", location="虎头镇")
    assert found(reader, "q=绿都+开发区") == [both]


def test_status_filter_takes_several_statuses(reader):
    signed = signed_project()
    framework = ProjectFactory(status=Project.Status.FRAMEWORK)
    ProjectFactory()
    assert set(found(reader, "status=signed&status=framework")) == {signed, framework}


def test_category_filter(reader):
    road = ProjectFactory(category=Project.Category.LIVELIHOOD, credit_code="")
    ProjectFactory()
    assert found(reader, "category=livelihood") == [road]


def test_industry_filter_by_code(reader):
    rice = ProjectFactory(industry=industry("rice"))
    bee = ProjectFactory(industry=industry("bee"))
    ProjectFactory(industry=industry("dairy"))
    assert set(found(reader, "industry=rice&industry=bee")) == {rice, bee}


def test_task_force_id_filter(reader, task_force, other_task_force):
    ours = ProjectFactory(task_force=task_force)
    theirs = ProjectFactory(task_force=other_task_force)
    ProjectFactory(task_force=None)
    assert found(reader, f"task_force_id={task_force.pk}") == [ours]
    both = f"task_force_id={task_force.pk}&task_force_id={other_task_force.pk}"
    assert set(found(reader, both)) == {ours, theirs}


def test_leader_id_filter(reader, leader):
    led = ProjectFactory(leader=leader)
    ProjectFactory(leader=UserFactory())
    ProjectFactory(leader=None)
    assert found(reader, f"leader_id={leader.pk}") == [led]


def test_leader_id_filter_finds_the_projects_of_a_leader_who_left(reader):
    gone = left(reader)
    led = ProjectFactory(leader=gone)
    ProjectFactory(leader=UserFactory())
    assert found(reader, f"leader_id={gone.pk}") == [led]


def test_owner_id_filter(reader, officer, other_officer):
    mine = ProjectFactory(owner=officer)
    ProjectFactory(owner=other_officer)
    assert found(reader, f"owner_id={officer.pk}") == [mine]


def test_owner_id_filter_finds_the_projects_of_an_owner_who_left(reader):
    gone = left(reader)
    kept = ProjectFactory(owner=gone)
    ProjectFactory()
    assert found(reader, f"owner_id={gone.pk}") == [kept]


@pytest.mark.parametrize("name", ["leader_id", "owner_id", "task_force_id"])
def test_an_unknown_id_is_an_error_and_lists_nothing(reader, name):
    ProjectFactory()
    errors = refused(reader, f"{name}=999999")
    assert "999999" in errors[name][0]


@pytest.mark.parametrize("value", ["abc", "1.5", "1e999", "-3", "99999999999999999999999"])
def test_a_malformed_user_id_is_an_error_and_lists_nothing(reader, value):
    ProjectFactory()
    assert "leader_id" in refused(reader, f"leader_id={value}")


@pytest.fixture
def late_and_not(fixed_today):
    """A signed project past the target's due date, and projects under no passed target."""
    TargetFactory(status=Project.Status.SIGNED, due_on=datetime.date(2026, 11, 1))
    late = signed_project(name="签约未开工")
    not_late = {ProjectFactory(name="洽谈中"), ProjectFactory(status=Project.Status.FRAMEWORK)}
    return {late}, not_late


def test_late_true_filter(reader, late_and_not):
    late, _ = late_and_not
    assert set(found(reader, "late=true")) == late


def test_late_false_filter(reader, late_and_not):
    _, not_late = late_and_not
    assert set(found(reader, "late=false")) == not_late


def test_late_left_empty_filters_nothing(reader, late_and_not):
    late, not_late = late_and_not
    assert set(found(reader, "late=")) == late | not_late


def test_late_false_on_the_board(reader, late_and_not):
    board = project_board(user=reader, filters=QueryDict("late=false"), today=TODAY)
    counts = {column.status: column.count for column in board.columns}
    assert counts["signed"] == 0
    assert counts["negotiating"] == 1 and counts["framework"] == 1


def test_ordering_filter(reader):
    small = ProjectFactory(name="乙", total_investment=Decimal("10"))
    large = ProjectFactory(name="甲", total_investment=Decimal("900"))
    middle = ProjectFactory(name="丙", total_investment=Decimal("50"))
    assert found(reader, "ordering=-total_investment") == [large, middle, small]
    assert found(reader, "ordering=total_investment") == [small, middle, large]


def test_an_unknown_ordering_is_an_error(reader):
    ProjectFactory()
    assert "ordering" in refused(reader, "ordering=nonexistent")


def test_blank_parameters_filter_nothing(reader):
    every = {ProjectFactory(), ProjectFactory(category="livelihood", credit_code="")}
    query = "q=&status=&category=&industry=&task_force_id=&leader_id=&owner_id=&late=&ordering="
    assert set(found(reader, query)) == every


def test_filters_combine(reader, task_force):
    hit = ProjectFactory(task_force=task_force, industry=industry("rice"), category="upgrade")
    ProjectFactory(task_force=task_force, industry=industry("rice"))
    ProjectFactory(task_force=task_force, industry=industry("bee"), category="upgrade")
    query = f"task_force_id={task_force.pk}&industry=rice&category=upgrade"
    assert found(reader, query) == [hit]


# --- 对上争取 ----------------------------------------------------------------------------------


def application(**fields) -> SupportApplication:
    owner = fields.pop("owner", None) or UserFactory()
    defaults = {
        "title": "专项资金申请",
        "fund_source": SupportApplication.FundSource.SPECIAL_BONDS,
        "owner": owner,
        "created_by": owner,
        "status_changed_on": TODAY,
    }
    return SupportApplication.objects.create(**{**defaults, **fields})


def applications(user, query: str) -> list[SupportApplication]:
    filterset = support_list(user=user, filters=QueryDict(query))
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def test_support_q_searches_title_policy_and_note(reader):
    by_title = application(title="灌区节水改造")
    by_policy = application(policy_reference="发改农经〔2026〕节水")
    by_note = application(note="节水指标已落实")
    application(title="道路")
    assert set(applications(reader, "q=节水")) == {by_title, by_policy, by_note}


def test_support_status_filter(reader):
    submitted = application(status=SupportApplication.Status.SUBMITTED)
    application()
    assert applications(reader, "status=submitted") == [submitted]


def test_support_fund_source_filter(reader):
    central = application(fund_source=SupportApplication.FundSource.CENTRAL_BUDGET)
    application()
    assert applications(reader, "fund_source=central_budget") == [central]


def test_support_owner_id_filter_finds_the_applications_of_an_owner_who_left(reader):
    gone = left(reader)
    kept = application(owner=gone)
    application()
    assert applications(reader, f"owner_id={gone.pk}") == [kept]


def test_support_task_force_id_filter(reader, task_force):
    ours = application(task_force=task_force)
    application()
    assert applications(reader, f"task_force_id={task_force.pk}") == [ours]


def test_support_project_id_filter(reader):
    project = ProjectFactory()
    linked = application()
    linked.projects.add(project, ProjectFactory())
    application().projects.add(ProjectFactory())
    assert applications(reader, f"project_id={project.pk}") == [linked]


@pytest.mark.parametrize("value", ["abc", "1.5", "1e999", "0", "99999999999999999999999"])
def test_support_project_id_must_be_an_id(reader, value):
    application()
    filterset = support_list(user=reader, filters=QueryDict(f"project_id={value}"))
    assert list(filterset.qs) == []
    assert "project_id" in filterset.errors


def test_support_deadline_range_filter_is_inclusive(reader):
    early = application(deadline=datetime.date(2026, 3, 1))
    middle = application(deadline=datetime.date(2026, 6, 1))
    application(deadline=datetime.date(2026, 9, 1))
    application(deadline=None)
    query = "deadline_after=2026-03-01&deadline_before=2026-06-01"
    assert set(applications(reader, query)) == {early, middle}


def test_support_unknown_owner_is_an_error_and_lists_nothing(reader):
    application()
    filterset = support_list(user=reader, filters=QueryDict("owner_id=999999"))
    assert list(filterset.qs) == []
    assert "owner_id" in filterset.errors
