"""Fixtures for the lead suites: leads ready for each move, a stand-in project, role users."""

import itertools
from dataclasses import dataclass

import pytest

from crm.models import User
from leads.models import Lead
from tests.factories import LeadFactory, UserFactory, make_credit_code

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


@dataclass
class StandInProject:
    """What the pipeline asks of ``lead.project`` (the projects app supplies the real one)."""

    name: str
    reached_signed: bool

    def __str__(self) -> str:
        return self.name


@pytest.fixture
def link_project(monkeypatch):
    """Give leads a ``project`` while the projects app is built in parallel.

    The stand-in is installed on the class, keyed by lead id, because services re-read the
    lead under a row lock: an attribute set on one instance would not survive that. Once the
    projects app adds its one-to-one relation, this still replaces it for the test only.
    """
    projects: dict[int, StandInProject] = {}

    def project(lead: Lead) -> StandInProject:
        try:
            return projects[lead.pk]
        except KeyError:
            raise AttributeError("project") from None

    monkeypatch.setattr(Lead, "project", property(project), raising=False)

    def link(lead: Lead, *, reached_signed: bool = True, name: str = "绿都米业深加工项目"):
        projects[lead.pk] = StandInProject(name=name, reached_signed=reached_signed)
        return projects[lead.pk]

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
