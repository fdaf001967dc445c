"""Creating projects, converting a docking lead, counting an enterprise once, capital increase."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError

from crm import audit
from crm.exceptions import (
    ConflictError,
    DomainError,
    DuplicateError,
    PermissionRefused,
    TransitionRefused,
)
from leads.models import Lead
from leads.services import lead_transition
from projects.models import CapitalIncrease, Project
from projects.services import (
    capital_increase_create,
    project_create,
    project_create_from_lead,
    project_transition,
    project_update,
)
from tests.factories import LeadFactory, industry, make_credit_code
from tests.projects.conftest import TODAY, ProjectFactory


@pytest.fixture
def docking_lead(officer, task_force) -> Lead:
    return LeadFactory(
        company_name="中粮米业（虎林）有限公司",
        credit_code=make_credit_code(7001),
        stage=Lead.Stage.DOCK,
        owner=officer,
        task_force=task_force,
        planned_investment=Decimal("50000"),
        intent="新建年加工50万吨水稻生产线",
        rating=Lead.Rating.A,
    )


def test_converting_a_docking_lead_carries_its_data_and_links_both_ways(
    fixed_today, officer, docking_lead, task_force
):
    project = project_create_from_lead(
        lead=docking_lead, actor=officer, data={"name": "中粮50万吨水稻加工项目"}
    )
    assert project.name == "中粮50万吨水稻加工项目"
    assert project.enterprise_name == "中粮米业（虎林）有限公司"
    assert project.credit_code == docking_lead.credit_code
    assert project.industry == docking_lead.industry
    assert project.total_investment == Decimal("50000")
    assert (project.owner, project.task_force) == (officer, task_force)
    assert project.description == "新建年加工50万吨水稻生产线"
    assert project.status == Project.Status.NEGOTIATING
    lead = Lead.objects.get(pk=docking_lead.pk)
    assert lead.project == project
    assert project.lead == lead
    assert audit.change_history(lead).first().changes[0]["new"] == "中粮50万吨水稻加工项目"


def test_the_lead_serves_once_its_project_is_signed(fixed_today, officer, docking_lead):
    project = project_create_from_lead(lead=docking_lead, actor=officer)
    with pytest.raises(TransitionRefused, match="尚未正式签约"):
        lead_transition(lead=Lead.objects.get(pk=docking_lead.pk), to="serve", actor=officer)
    project_transition(
        project=project, to="signed", actor=officer, date=TODAY, signed_amount=Decimal(48000)
    )
    lead = lead_transition(lead=Lead.objects.get(pk=docking_lead.pk), to="serve", actor=officer)
    assert lead.stage == Lead.Stage.SERVE


def test_only_a_docking_lead_is_converted(fixed_today, officer, task_force):
    lead = LeadFactory(stage=Lead.Stage.SCREEN, owner=officer, credit_code=make_credit_code(7002))
    with pytest.raises(TransitionRefused, match="对接"):
        project_create_from_lead(lead=lead, actor=officer)


def test_a_lead_is_converted_once(fixed_today, officer, docking_lead):
    project_create_from_lead(lead=docking_lead, actor=officer)
    with pytest.raises(ConflictError):
        project_create_from_lead(lead=docking_lead, actor=officer)


def test_someone_outside_the_scope_may_not_convert(fixed_today, other_officer, docking_lead):
    with pytest.raises(PermissionRefused):
        project_create_from_lead(lead=docking_lead, actor=other_officer)


def test_livelihood_projects_need_neither_lead_nor_credit_code(fixed_today, bureau_leader):
    project = project_create(
        actor=bureau_leader,
        data={
            "name": "实验小学易地新建",
            "category": Project.Category.LIVELIHOOD,
            "enterprise_name": "虎林市教育局",
            "total_investment": Decimal("18000"),
        },
    )
    assert project.lead is None
    assert project.credit_code == ""


def test_an_industrial_project_needs_the_enterprise_credit_code(fixed_today, bureau_leader):
    with pytest.raises(DomainError) as refused:
        project_create(
            actor=bureau_leader,
            data={"name": "x", "category": "industrial", "enterprise_name": "某公司"},
        )
    assert "credit_code" in refused.value.field_errors


def test_an_upgrade_project_can_be_created_without_a_lead(fixed_today, bureau_leader):
    project = project_create(
        actor=bureau_leader,
        data={
            "name": "绿都米业100万吨扩能",
            "category": Project.Category.UPGRADE,
            "enterprise_name": "虎林绿都米业有限公司",
            "credit_code": make_credit_code(7003).lower(),
            "industry": industry("rice"),
        },
    )
    assert project.credit_code == make_credit_code(7003)


def test_the_same_enterprise_is_counted_once(fixed_today, bureau_leader):
    existing = ProjectFactory(credit_code=make_credit_code(7004), name="绿都米业一期")
    # Named by its task force, not by name: the user may not be allowed to see the project.
    with pytest.raises(DuplicateError, match="该企业已在") as refused:
        project_create(
            actor=bureau_leader,
            data={
                "name": "绿都米业二期",
                "category": "upgrade",
                "enterprise_name": "绿都",
                "credit_code": existing.credit_code,
            },
        )
    assert "增资" in refused.value.message
    assert Project.objects.count() == 1


def test_the_database_refuses_a_second_project_for_one_credit_code(db):
    ProjectFactory(credit_code=make_credit_code(7005))
    with pytest.raises(IntegrityError):
        ProjectFactory(credit_code=make_credit_code(7005))


def test_a_capital_increase_adds_to_the_existing_project_with_history(fixed_today, bureau_leader):
    project = ProjectFactory(total_investment=Decimal(30000), signed_amount=Decimal(20000))
    increase = capital_increase_create(
        project=project,
        actor=bureau_leader,
        agreed_on=datetime.date(2026, 11, 1),
        amount=Decimal(20000),
        signed_amount=Decimal(15000),
        note="扩至100万吨",
    )
    project.refresh_from_db()
    assert project.total_investment == Decimal(50000)
    assert project.signed_amount == Decimal(35000)
    assert CapitalIncrease.objects.get() == increase
    changes = {c["field"]: c for c in audit.change_history(project).first().changes}
    assert changes["total_investment"]["old"] == "30000.00"
    assert changes["total_investment"]["new"] == "50000.00"
    assert "capital_increase" in changes
    assert Project.objects.count() == 1


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-5)])
def test_a_capital_increase_must_add_something(fixed_today, bureau_leader, amount):
    with pytest.raises(DomainError):
        capital_increase_create(
            project=ProjectFactory(), actor=bureau_leader, agreed_on=TODAY, amount=amount
        )


def test_amounts_cannot_be_negative_in_the_database(db):
    with pytest.raises(IntegrityError):
        ProjectFactory(funds_in_place=Decimal(-1))


def test_dates_cannot_run_backwards_in_the_database(db):
    with pytest.raises(IntegrityError):
        ProjectFactory(
            status="commenced",
            signed_on=datetime.date(2026, 6, 1),
            commenced_on=datetime.date(2026, 5, 1),
        )


def test_an_update_records_each_changed_field(fixed_today, officer, project):
    project_update(
        project=project,
        actor=officer,
        data={"funds_in_place": Decimal(1200), "location": "虎林经济开发区"},
    )
    change = audit.change_history(project).first()
    assert {c["field"] for c in change.changes} == {"funds_in_place", "location"}
    version = Project.objects.get(pk=project.pk).version
    project_update(project=project, actor=officer, data={"location": "虎林经济开发区"})
    assert Project.objects.get(pk=project.pk).version == version  # nothing changed, nothing done


def test_an_update_with_a_stale_version_is_a_conflict(fixed_today, officer, project):
    project_update(project=project, actor=officer, data={"location": "A"}, expected_version=1)
    with pytest.raises(ConflictError):
        project_update(project=project, actor=officer, data={"location": "B"}, expected_version=1)
