"""Query budgets of the approvals and 目标企业库 API lists: a page costs the same whatever its
number of rows.

Each list is read at two sizes (2 and 12 rows, both on one page); a serializer field that asks
the database once per row makes the second count larger and the test fail.
"""

import pytest
from django.utils import timezone

from crm.models import User
from leads.models import ApprovalRequest, Lead
from tests.budgets import assert_api_list_cost_is_flat
from tests.factories import LeadFactory, TargetEnterpriseFactory, make_credit_code, region

# Every request: the session and the user. Then the count and the page of rows, each row's
# lead, people and task force joined in. A task-force leader decides for the task forces they
# lead (one query).
APPROVAL_LIST_QUERIES = {"bureau_leader": 2 + 2, "leader": 2 + 1 + 2}
# 目标企业库: the same, with the lead each converted target became joined in; an officer's
# scope adds their task forces (led or member: one query).
TARGET_LIST_QUERIES = {"bureau_leader": 2 + 2, "officer": 2 + 1 + 2}

_serial = iter(range(700_000, 800_000))


def make_approvals(count: int, *, officer: User, leader: User, task_force) -> None:
    """Requests on leads of the task force, every other one already approved by its leader."""
    for number in range(count):
        lead = LeadFactory(
            owner=officer,
            task_force=task_force,
            stage=Lead.Stage.SCREEN,
            credit_code=make_credit_code(next(_serial)),
        )
        decided = number % 2 == 1
        ApprovalRequest.objects.create(
            lead=lead,
            requested_by=officer,
            note="企业已完成尽调。",
            status=ApprovalRequest.Status.APPROVED if decided else ApprovalRequest.Status.PENDING,
            decided_by=leader if decided else None,
            decided_at=timezone.now() if decided else None,
        )


def make_targets(count: int, *, owner: User, task_force) -> None:
    """Targets of the task force with a region, every other one converted into a lead."""
    for number in range(count):
        lead = None
        if number % 2:
            lead = LeadFactory(
                owner=owner, task_force=task_force, credit_code=make_credit_code(next(_serial))
            )
        TargetEnterpriseFactory(owner=owner, task_force=task_force, region=region(), lead=lead)


@pytest.mark.parametrize("who", ["bureau_leader", "leader"])
def test_approval_list_costs_the_same_for_2_and_12_rows(request, officer, leader, task_force, who):
    assert_api_list_cost_is_flat(
        request.getfixturevalue(who),
        "/api/v1/approvals/?status=pending&status=approved",
        lambda n: make_approvals(n, officer=officer, leader=leader, task_force=task_force),
        APPROVAL_LIST_QUERIES[who],
    )


@pytest.mark.parametrize("who", ["bureau_leader", "officer"])
def test_target_list_costs_the_same_for_2_and_12_rows(request, officer, task_force, who):
    assert_api_list_cost_is_flat(
        request.getfixturevalue(who),
        "/api/v1/targets/",
        lambda n: make_targets(n, owner=officer, task_force=task_force),
        TARGET_LIST_QUERIES[who],
    )
