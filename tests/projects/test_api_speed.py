"""Query budgets of the projects API lists: a page costs the same whatever its number of rows.

Each list is read at two sizes (2 and 12 rows, both on one page); a serializer field that asks
the database once per row makes the second count larger and the test fail.
"""

import datetime
from decimal import Decimal

import pytest

from crm.models import User
from projects.models import ProgressReport, SupportApplication
from tests.budgets import assert_api_list_cost_is_flat
from tests.factories import chain_link
from tests.projects.conftest import TODAY, ProjectFactory, TargetFactory, signed_project

# Every request: the session and the user. Then the count, the page of rows and what each
# list's rows need; an officer's scope adds their task forces (led or member: one query).
# projects: the active targets (``attach_targets``).
PROJECT_LIST_QUERIES = {"bureau_leader": 2 + 3, "officer": 2 + 1 + 3}
# 对上争取: the linked projects the reader may see (one prefetch).
SUPPORT_LIST_QUERIES = {"bureau_leader": 2 + 3, "officer": 2 + 1 + 3}


def make_projects(count: int, *, owner: User, task_force) -> None:
    """Projects with everything a row names: chain link, leader, target, progress report."""
    TargetFactory()
    for number in range(count):
        make = signed_project if number % 2 else ProjectFactory
        project = make(
            owner=owner,
            leader=owner,
            task_force=task_force,
            chain_link=chain_link(),
            total_investment=Decimal(1000 + number),
        )
        ProgressReport.objects.create(
            project=project,
            reported_on=TODAY - datetime.timedelta(days=number),
            percent=10,
            done="完成场地平整",
            created_by=owner,
        )


def make_applications(count: int, *, owner: User, task_force) -> None:
    """对上争取 applications, each linked to two projects."""
    for number in range(count):
        application = SupportApplication.objects.create(
            title=f"省级专项资金{number}",
            fund_source=SupportApplication.FundSource.PROVINCIAL,
            amount_requested=Decimal(100 + number),
            owner=owner,
            task_force=task_force,
            status_changed_on=TODAY,
            created_by=owner,
        )
        application.projects.set(
            [ProjectFactory(owner=owner, task_force=task_force) for _project in range(2)]
        )


@pytest.mark.parametrize("who", ["bureau_leader", "officer"])
def test_project_list_costs_the_same_for_2_and_12_rows(fixed_today, request, task_force, who):
    user = request.getfixturevalue(who)
    assert_api_list_cost_is_flat(
        user,
        "/api/v1/projects/",
        lambda n: make_projects(n, owner=user, task_force=task_force),
        PROJECT_LIST_QUERIES[who],
    )


@pytest.mark.parametrize("who", ["bureau_leader", "officer"])
def test_support_list_costs_the_same_for_2_and_12_rows(fixed_today, request, task_force, who):
    user = request.getfixturevalue(who)
    assert_api_list_cost_is_flat(
        user,
        "/api/v1/support-applications/",
        lambda n: make_applications(n, owner=user, task_force=task_force),
        SUPPORT_LIST_QUERIES[who],
    )
