"""The one visibility rule: who sees which owned, task-force-scoped records."""

import pytest
from django.contrib.auth.models import AnonymousUser

from crm.access import is_leader_of, led_task_force_ids, scope_q, task_force_ids
from crm.models import User
from leads.models import Lead
from tests.factories import LeadFactory, TaskForceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(officer, other_officer, leader, task_force, other_task_force):
    """One lead of each kind: in the task force, in the other one, owned outside any task force."""
    return {
        "in_task_force": LeadFactory(owner=leader, task_force=task_force),
        "in_other_task_force": LeadFactory(owner=other_officer, task_force=other_task_force),
        "owned_by_officer": LeadFactory(owner=officer, task_force=None),
        "owned_by_nobody_we_know": LeadFactory(task_force=None),
    }


def visible(user) -> set[str]:
    ids = set(Lead.objects.filter(scope_q(user)).values_list("pk", flat=True))
    return ids


def names(leads, user) -> set[str]:
    seen = visible(user)
    return {name for name, lead in leads.items() if lead.pk in seen}


def test_officer_sees_own_leads_and_their_task_forces_leads(leads, officer):
    assert names(leads, officer) == {"in_task_force", "owned_by_officer"}


def test_officer_of_another_task_force_sees_only_that_task_force(leads, other_officer):
    assert names(leads, other_officer) == {"in_other_task_force"}


def test_leader_sees_the_task_force_they_lead(leads, leader):
    assert names(leads, leader) == {"in_task_force"}


def test_leader_of_another_task_force_sees_none_of_ours(leads):
    other_leader = UserFactory(role=User.Role.LEADER)
    TaskForceFactory(leader=other_leader)
    assert names(leads, other_leader) == set()


def test_bureau_leader_and_admin_see_everything(leads, bureau_leader, admin_user):
    assert names(leads, bureau_leader) == set(leads)
    assert names(leads, admin_user) == set(leads)


def test_superuser_sees_everything_whatever_the_role(leads):
    superuser = UserFactory(role=User.Role.OFFICER, is_superuser=True)
    assert names(leads, superuser) == set(leads)


def test_inactive_user_sees_nothing_even_as_bureau_leader(leads, bureau_leader, officer):
    bureau_leader.is_active = False
    officer.is_active = False
    assert names(leads, bureau_leader) == set()
    assert names(leads, officer) == set()


def test_anonymous_user_sees_nothing(leads):
    assert names(leads, AnonymousUser()) == set()


def test_scope_by_task_force_only_ignores_ownership(leads, officer):
    condition = scope_q(officer, owner=None)
    seen = set(Lead.objects.filter(condition).values_list("pk", flat=True))
    assert seen == {leads["in_task_force"].pk}


def test_task_force_ids_hold_led_and_member_task_forces(leader, officer, task_force):
    second = TaskForceFactory(members=[leader])
    assert task_force_ids(leader) == {task_force.pk, second.pk}
    assert led_task_force_ids(leader) == {task_force.pk}
    assert task_force_ids(officer) == {task_force.pk}


def test_task_force_ids_are_cached_on_the_user(officer, task_force, django_assert_num_queries):
    task_force_ids(officer)
    with django_assert_num_queries(0):
        task_force_ids(officer)


def test_is_leader_of_only_the_led_task_force(leader, officer, task_force, other_task_force):
    assert is_leader_of(leader, task_force.pk)
    assert not is_leader_of(leader, other_task_force.pk)
    assert not is_leader_of(leader, None)
    assert not is_leader_of(officer, task_force.pk)


def test_bureau_leader_and_admin_lead_every_task_force(bureau_leader, admin_user, task_force):
    assert is_leader_of(bureau_leader, task_force.pk)
    assert is_leader_of(admin_user, None)
