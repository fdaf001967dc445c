"""Factories and fixtures for the projects suite."""

import datetime
from decimal import Decimal

import factory
import pytest
from django.utils import timezone

from crm.models import User
from projects.models import Project, Target, Task
from tests.factories import UserFactory, industry, make_credit_code

TODAY = datetime.date(2026, 11, 28)

_serial = iter(range(500_000, 10_000_000))


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project written straight to the database (bypassing services), for arranging tests."""

    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试项目{n}")
    category = Project.Category.INDUSTRIAL
    enterprise_name = factory.Sequence(lambda n: f"测试投资企业{n}有限公司")
    credit_code = factory.LazyFunction(lambda: make_credit_code(next(_serial)))
    industry = factory.LazyFunction(industry)
    total_investment = Decimal("10000")
    owner = factory.SubFactory(UserFactory)
    status = Project.Status.NEGOTIATING
    status_changed_on = factory.LazyFunction(timezone.localdate)
    created_by = factory.SelfAttribute("owner")
    updated_by = factory.SelfAttribute("owner")


def signed_project(**kwargs) -> Project:
    """A project formally signed on 2026-06-01 for 8,000 万元."""
    defaults = {
        "status": Project.Status.SIGNED,
        "framework_signed_on": datetime.date(2026, 3, 1),
        "signed_on": datetime.date(2026, 6, 1),
        "signed_amount": Decimal("8000"),
    }
    defaults.update(kwargs)
    return ProjectFactory(**defaults)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    status = Project.Status.SIGNED
    goal_status = Project.Status.COMMENCED
    due_on = datetime.date(2027, 3, 31)
    description = "已签约项目明年3月全部开工"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    assignee = factory.SubFactory(UserFactory)
    # By default the assignee owns the project: a task goes to someone who sees its project.
    project = factory.SubFactory(ProjectFactory, owner=factory.SelfAttribute("..assignee"))
    title = factory.Sequence(lambda n: f"任务{n}")
    due_on = factory.LazyFunction(timezone.localdate)
    created_by = factory.SelfAttribute("assignee")


@pytest.fixture
def fixed_today(monkeypatch):
    """Freeze ``timezone.localdate()`` at 2026-11-28 (the article's "today")."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def project(task_force, officer) -> Project:
    """A negotiating rice project of the officer's task force."""
    return ProjectFactory(owner=officer, task_force=task_force, name="米业扩建项目")


@pytest.fixture
def outsider(other_officer) -> User:
    return other_officer
