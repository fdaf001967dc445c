"""Fixtures for the lead suites: leads ready for each move, linked projects, role users."""

import itertools

import pytest

from crm.models import User
from leads.models import Lead
from tests.factories import LeadFactory, UserFactory, make_credit_code
from tests.projects.conftest import ProjectFactory, signed_project

_serials = itertools.count(10_000)


def next_credit_code() -> str:
    """A valid credit code no other lead of the test run holds."""
    return make_credit_code(next(_serials))


def ready_lead(stage: str = Lead.Stage.COLLECT, **fields) -> Lead:
    """A lead that meets every requirement of the moves out of ``stage``."""
    defaults = {
        "stage": stage,
        "credit_code": next_credit_code(),
        "due_diligence_note": "已核实营业执照、纳税和经营情况。",
        "rating": Lead.Rating.A,
    }
    return LeadFactory(**{**defaults, **fields})


@pytest.fixture
def link_project():
    """Link a real project to a lead: signed (the dock → serve rule is met) or negotiating."""

    def link(lead: Lead, *, reached_signed: bool = True, name: str = "绿都米业深加工项目"):
        # A conversion carries the lead's owner and task force over to the project.
        carried = {"owner": lead.owner, "task_force": lead.task_force}
        if reached_signed:
            return signed_project(lead=lead, name=name, credit_code=lead.credit_code, **carried)
        return ProjectFactory(lead=lead, name=name, credit_code=lead.credit_code, **carried)

    return link


@pytest.fixture
def colleague(task_force) -> User:
    """A second member of the task force, who owns the lead the visibility matrix is about."""
    user = UserFactory(username="colleague", full_name="张同事")
    task_force.members.add(user)
    return user


# Each role of the visibility matrix and whether its scope holds a lead of ``task_force``
# owned by ``colleague``.
ROLE_SEES_LEAD = {
    "officer_member": True,
    "officer_of_other_task_force": False,
    "leader_of_task_force": True,
    "leader_of_other_task_force": False,
    "bureau_leader": True,
    "admin": True,
    "inactive_member": False,
}


@pytest.fixture
def role_user(
    request, officer, other_officer, leader, bureau_leader, admin_user, task_force, other_task_force
):
    """The user playing ``request.param`` (a key of ``ROLE_SEES_LEAD``)."""
    role = request.param
    if role == "inactive_member":
        user = UserFactory(username="inactive", is_active=False)
        task_force.members.add(user)
        return user
    return {
        "officer_member": officer,
        "officer_of_other_task_force": other_officer,
        "leader_of_task_force": leader,
        "leader_of_other_task_force": other_task_force.leader,
        "bureau_leader": bureau_leader,
        "admin": admin_user,
    }[role]


@pytest.fixture
def matrix_lead(colleague, task_force) -> Lead:
    return ready_lead(owner=colleague, task_force=task_force)
