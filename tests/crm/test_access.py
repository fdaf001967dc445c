"""``crm.access``: the query and the Python twin agree, and the one assignment rule.

``scope_q`` (lists, counts, exports) and ``in_scope`` (services re-checking one locked row) are
two spellings of one rule; a grid of every kind of user against leads, projects, 对上争取
applications, tasks and progress reports of every owner × task force checks they never drift.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.utils import timezone

from crm.access import (
    check_assignment,
    in_scope,
    overseen_task_forces,
    readable_task_forces,
    reading_scope_label,
    reads_county,
    scope_q,
)
from crm.exceptions import DomainError, PermissionRefused
from crm.models import TaskForce, User
from leads.models import Lead
from projects.models import ProgressReport, Project, SupportApplication, Task
from tests.conftest import module_data
from tests.factories import LeadFactory, TaskForceFactory, UserFactory
from tests.projects.conftest import ProjectFactory

pytestmark = pytest.mark.django_db

# The users of the grid: each kind of person the rule tells apart. A leader of B is also a
# member of A, so memberships and leaderships must add up.
GRID_USERS = (
    "superuser",
    "admin",
    "bureau_leader",
    "leader_a",
    "leader_b_member_a",
    "officer_a",
    "officer_b",
    "officer_no_task_force",
    "inactive_officer_a",
)
USERS = (*GRID_USERS, "anonymous")
TASK_FORCES = ("A", "B", None)
MODELS = ("lead", "project", "application", "task", "progress_report")


@dataclass
class Grid:
    """Every record of the grid, by model, with the owner and task force it was given."""

    records: dict[str, list[tuple[str | None, str | None, Model]]]


def _make_users() -> dict[str, User]:
    officer = User.Role.OFFICER
    users = {
        "superuser": UserFactory(username="g_super", role=officer, is_superuser=True),
        "admin": UserFactory(username="g_admin", role=User.Role.ADMIN),
        "bureau_leader": UserFactory(username="g_chief", role=User.Role.BUREAU_LEADER),
        "leader_a": UserFactory(username="g_leader_a", role=User.Role.LEADER),
        "leader_b_member_a": UserFactory(username="g_leader_b", role=User.Role.LEADER),
        "officer_a": UserFactory(username="g_officer_a", role=officer),
        "officer_b": UserFactory(username="g_officer_b", role=officer),
        "officer_no_task_force": UserFactory(username="g_loner", role=officer),
        "inactive_officer_a": UserFactory(username="g_inactive", role=officer, is_active=False),
    }
    TaskForceFactory(
        code="grid-a",
        name="甲专班",
        leader=users["leader_a"],
        members=[users["officer_a"], users["leader_b_member_a"], users["inactive_officer_a"]],
    )
    TaskForceFactory(
        code="grid-b",
        name="乙专班",
        leader=users["leader_b_member_a"],
        members=[users["officer_b"]],
    )
    return users


def _make_records(users: dict[str, User]) -> Grid:
    task_forces = {code: TaskForce.objects.get(code=f"grid-{code.lower()}") for code in "AB"}
    creator = users["admin"]
    today = timezone.localdate()
    records: dict[str, list[tuple[str | None, str | None, Model]]] = {m: [] for m in MODELS}
    for owner_name in (*GRID_USERS, None):
        owner = users[owner_name] if owner_name else None
        for tf_name in TASK_FORCES:
            task_force = task_forces[tf_name] if tf_name else None
            where = (owner_name, tf_name)
            lead = LeadFactory(
                owner=owner, task_force=task_force, created_by=creator, updated_by=creator
            )
            project = ProjectFactory(
                owner=owner, task_force=task_force, created_by=creator, updated_by=creator
            )
            records["lead"].append((*where, lead))
            records["project"].append((*where, project))
            records["task"].append(
                (
                    *where,
                    Task.objects.create(
                        project=project,
                        title="报送形象进度",
                        assignee=creator,
                        due_on=today,
                        created_by=creator,
                    ),
                )
            )
            records["progress_report"].append(
                (
                    *where,
                    ProgressReport.objects.create(
                        project=project,
                        reported_on=today,
                        percent=10,
                        done="完成场地平整",
                        created_by=creator,
                    ),
                )
            )
            if owner is not None:  # an application always has an owner
                application = SupportApplication.objects.create(
                    title=f"申报{owner_name}{tf_name}",
                    fund_source=SupportApplication.FundSource.PROVINCIAL,
                    owner=owner,
                    task_force=task_force,
                    status_changed_on=today,
                    created_by=creator,
                )
                records["application"].append((*where, application))
    return Grid(records=records)


@pytest.fixture(scope="module")
def grid(django_db_setup, django_db_blocker) -> Iterator[Grid]:
    """The users and the records of every owner × task force, written once for the module."""
    with module_data(django_db_blocker):
        yield _make_records(_make_users())


def fresh_user(name: str) -> Any:
    """The grid user ``name`` loaded anew (``crm.access`` caches task forces on the object)."""
    if name == "anonymous":
        return AnonymousUser()
    username = {
        "superuser": "g_super",
        "admin": "g_admin",
        "bureau_leader": "g_chief",
        "leader_a": "g_leader_a",
        "leader_b_member_a": "g_leader_b",
        "officer_a": "g_officer_a",
        "officer_b": "g_officer_b",
        "officer_no_task_force": "g_loner",
        "inactive_officer_a": "g_inactive",
    }[name]
    return User.objects.get(username=username)


def _queried(model: str, user: Any) -> set[int]:
    """Ids ``scope_q`` lets through for ``model`` (tasks and reports through their project)."""
    if model == "lead":
        queryset = Lead.objects.filter(scope_q(user))
    elif model == "project":
        queryset = Project.objects.filter(scope_q(user))
    elif model == "application":
        queryset = SupportApplication.objects.filter(scope_q(user))
    elif model == "task":
        queryset = Task.objects.filter(
            scope_q(user, owner="project__owner", task_force="project__task_force")
        )
    else:
        queryset = ProgressReport.objects.filter(
            scope_q(user, owner="project__owner", task_force="project__task_force")
        )
    return set(queryset.values_list("pk", flat=True))


def _checked(model: str, user: Any, record: Model) -> bool:
    """``in_scope`` for one record (tasks and reports through their project)."""
    if model in ("task", "progress_report"):
        return in_scope(user, record.project)
    return in_scope(user, record)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("user_name", USERS)
def test_scope_q_and_in_scope_agree_on_every_record(grid, user_name, model):
    user = fresh_user(user_name)
    queried = _queried(model, user)
    disagreements = [
        f"owner={owner} task_force={tf}: scope_q {'lists' if record.pk in queried else 'hides'} "
        f"it, in_scope says {_checked(model, user, record)}"
        for owner, tf, record in grid.records[model]
        if (record.pk in queried) != _checked(model, user, record)
    ]
    assert not disagreements, f"{user_name} × {model}:\n" + "\n".join(disagreements)


# The grid above proves the twins agree; this proves they agree on the right answer.


def _expected(user_name: str, owner: str | None, tf: str | None) -> bool:
    if user_name in ("superuser", "admin", "bureau_leader"):
        return True
    if user_name in ("anonymous", "inactive_officer_a"):
        return False
    task_forces = {
        "leader_a": {"A"},
        "leader_b_member_a": {"A", "B"},
        "officer_a": {"A"},
        "officer_b": {"B"},
        "officer_no_task_force": set(),
    }[user_name]
    return owner == user_name or tf in task_forces


@pytest.mark.parametrize("user_name", USERS)
def test_scope_holds_own_records_and_those_of_ones_task_forces(grid, user_name):
    user = fresh_user(user_name)
    for owner, tf, project in grid.records["project"]:
        assert in_scope(user, project) == _expected(user_name, owner, tf), (
            f"{user_name} and a project owned by {owner} in task force {tf}"
        )


# check_assignment ------------------------------------------------------------------------


@pytest.fixture
def bureau(db) -> dict[str, Any]:
    """Task forces A (leader_a; officer_a, colleague_a, officer_ab, leader_b, inactive_a) and
    B (leader_b; officer_ab, officer_b), an officer of no task force, a bureau leader, an admin.
    """
    people = {
        "leader_a": UserFactory(username="a_leader", role=User.Role.LEADER),
        "leader_b": UserFactory(username="b_leader", role=User.Role.LEADER),
        "officer_a": UserFactory(username="a_officer"),
        "colleague_a": UserFactory(username="a_colleague"),
        "officer_ab": UserFactory(username="ab_officer"),
        "officer_b": UserFactory(username="b_officer"),
        "loner": UserFactory(username="loner"),
        "inactive_a": UserFactory(username="a_inactive", is_active=False),
        "bureau_leader": UserFactory(username="chief", role=User.Role.BUREAU_LEADER),
        "admin": UserFactory(username="sysadmin", role=User.Role.ADMIN),
    }
    people["A"] = TaskForceFactory(
        code="tf-a",
        name="米业专班",
        leader=people["leader_a"],
        members=[
            people["officer_a"],
            people["colleague_a"],
            people["officer_ab"],
            people["leader_b"],
            people["inactive_a"],
        ],
    )
    people["B"] = TaskForceFactory(
        code="tf-b",
        name="蜂业专班",
        leader=people["leader_b"],
        members=[people["officer_ab"], people["officer_b"]],
    )
    return people


def test_officer_creates_in_own_task_force_owned_by_self(bureau):
    officer = bureau["officer_a"]
    check_assignment(actor=officer, owner=officer, task_force=bureau["A"], creating=True)


def test_officer_creates_unfiled_record_owned_by_self(bureau):
    officer = bureau["loner"]
    check_assignment(actor=officer, owner=officer, task_force=None, creating=True)


def test_officer_may_not_create_in_a_task_force_they_are_not_in(bureau):
    officer = bureau["officer_a"]
    with pytest.raises(PermissionRefused) as refused:
        check_assignment(actor=officer, owner=officer, task_force=bureau["B"], creating=True)
    assert "task_force" in refused.value.field_errors


def test_officer_may_not_create_a_record_owned_by_someone_else(bureau):
    with pytest.raises(PermissionRefused) as refused:
        check_assignment(
            actor=bureau["officer_a"],
            owner=bureau["colleague_a"],
            task_force=bureau["A"],
            creating=True,
            noun="项目",
        )
    assert "owner" in refused.value.field_errors
    assert "项目" in refused.value.message
    assert refused.value.status_code == 403


def test_officer_in_both_task_forces_may_not_move_own_record_from_one_to_the_other(bureau):
    officer = bureau["officer_ab"]
    with pytest.raises(PermissionRefused) as refused:
        check_assignment(
            actor=officer,
            owner=officer,
            task_force=bureau["B"],
            old_owner=officer,
            old_task_force=bureau["A"],
        )
    assert "task_force" in refused.value.field_errors


def test_officer_may_not_take_own_record_out_of_its_task_force(bureau):
    officer = bureau["officer_a"]
    with pytest.raises(PermissionRefused):
        check_assignment(
            actor=officer,
            owner=officer,
            task_force=None,
            old_owner=officer,
            old_task_force=bureau["A"],
        )


def test_leader_of_the_target_task_force_moves_a_record_into_it(bureau):
    owner = bureau["officer_ab"]  # belongs to both, so stays the owner
    check_assignment(
        actor=bureau["leader_b"],
        owner=owner,
        task_force=bureau["B"],
        old_owner=owner,
        old_task_force=bureau["A"],
    )


def test_leader_of_the_target_task_force_moves_and_reassigns_to_a_member(bureau):
    check_assignment(
        actor=bureau["leader_b"],
        owner=bureau["officer_b"],
        task_force=bureau["B"],
        old_owner=bureau["officer_a"],
        old_task_force=bureau["A"],
    )


def test_leader_may_not_move_a_record_out_to_a_task_force_they_do_not_lead(bureau):
    owner = bureau["officer_ab"]
    with pytest.raises(PermissionRefused) as refused:
        check_assignment(
            actor=bureau["leader_a"],
            owner=owner,
            task_force=bureau["B"],
            old_owner=owner,
            old_task_force=bureau["A"],
        )
    assert "task_force" in refused.value.field_errors


def test_leader_takes_a_record_out_of_the_task_force_they_lead(bureau):
    owner = bureau["officer_a"]
    check_assignment(
        actor=bureau["leader_a"],
        owner=owner,
        task_force=None,
        old_owner=owner,
        old_task_force=bureau["A"],
    )


def test_officer_files_an_unfiled_record_into_own_task_force(bureau):
    officer = bureau["officer_a"]
    check_assignment(
        actor=officer,
        owner=officer,
        task_force=bureau["A"],
        old_owner=officer,
        old_task_force=None,
    )


@pytest.mark.parametrize("actor", ["admin", "bureau_leader", "leader_a"])
def test_owner_outside_the_task_force_is_bad_input_whoever_assigns(bureau, actor):
    with pytest.raises(DomainError) as refused:
        check_assignment(
            actor=bureau[actor],
            owner=bureau["officer_b"],
            task_force=bureau["A"],
            old_owner=bureau["officer_a"],
            old_task_force=bureau["A"],
        )
    assert not isinstance(refused.value, PermissionRefused)
    assert refused.value.status_code == 400
    assert "owner" in refused.value.field_errors


def test_owner_outside_the_task_force_is_bad_input_even_when_creating_as_admin(bureau):
    with pytest.raises(DomainError) as refused:
        check_assignment(
            actor=bureau["admin"], owner=bureau["loner"], task_force=bureau["B"], creating=True
        )
    assert refused.value.status_code == 400


@pytest.mark.parametrize("actor", ["admin", "leader_a"])
def test_an_inactive_owner_is_refused(bureau, actor):
    with pytest.raises(DomainError) as refused:
        check_assignment(
            actor=bureau[actor],
            owner=bureau["inactive_a"],
            task_force=bureau["A"],
            old_owner=bureau["officer_a"],
            old_task_force=bureau["A"],
        )
    assert refused.value.status_code == 400
    assert "owner" in refused.value.field_errors


def test_an_inactive_owner_is_refused_for_an_unfiled_record(bureau):
    with pytest.raises(DomainError):
        check_assignment(actor=bureau["bureau_leader"], owner=bureau["inactive_a"], task_force=None)


def test_officer_may_not_take_a_colleagues_record_for_themselves(bureau):
    officer = bureau["officer_a"]
    with pytest.raises(PermissionRefused) as refused:
        check_assignment(
            actor=officer,
            owner=officer,
            task_force=bureau["A"],
            old_owner=bureau["colleague_a"],
            old_task_force=bureau["A"],
        )
    assert "owner" in refused.value.field_errors


def test_officer_may_not_give_own_record_to_a_colleague(bureau):
    officer = bureau["officer_a"]
    with pytest.raises(PermissionRefused):
        check_assignment(
            actor=officer,
            owner=bureau["colleague_a"],
            task_force=bureau["A"],
            old_owner=officer,
            old_task_force=bureau["A"],
        )


def test_leader_reassigns_within_the_task_force_they_lead(bureau):
    check_assignment(
        actor=bureau["leader_a"],
        owner=bureau["colleague_a"],
        task_force=bureau["A"],
        old_owner=bureau["officer_a"],
        old_task_force=bureau["A"],
    )


def test_leader_may_not_reassign_in_a_task_force_they_only_belong_to(bureau):
    # leader_b leads B and is a member of A: membership gives no say over who owns what in A.
    with pytest.raises(PermissionRefused):
        check_assignment(
            actor=bureau["leader_b"],
            owner=bureau["officer_a"],
            task_force=bureau["A"],
            old_owner=bureau["colleague_a"],
            old_task_force=bureau["A"],
        )


@pytest.mark.parametrize("actor", ["bureau_leader", "admin"])
@pytest.mark.parametrize("owner", ["leader_a", "officer_a", "officer_ab", "colleague_a"])
@pytest.mark.parametrize("old_task_force", ["A", "B", None, "new"])
def test_bureau_leader_gives_anything_to_anyone_who_belongs_to_the_task_force(
    bureau, actor, owner, old_task_force
):
    if old_task_force == "new":
        check_assignment(
            actor=bureau[actor], owner=bureau[owner], task_force=bureau["A"], creating=True
        )
        return
    check_assignment(
        actor=bureau[actor],
        owner=bureau[owner],
        task_force=bureau["A"],
        old_owner=bureau["officer_b"],
        old_task_force=bureau[old_task_force] if old_task_force else None,
    )


def test_nothing_changing_is_always_allowed_to_whoever_sees_it(bureau):
    # A colleague editing another field of a record of their task force keeps owner and TF.
    check_assignment(
        actor=bureau["colleague_a"],
        owner=bureau["officer_a"],
        task_force=bureau["A"],
        old_owner=bureau["officer_a"],
        old_task_force=bureau["A"],
    )


@pytest.mark.django_db
def test_task_forces_read_and_overseen_follow_the_role(
    officer, leader, bureau_leader, task_force, other_task_force
):
    dissolved = TaskForceFactory(leader=leader, members=[officer], is_active=False)
    assert set(readable_task_forces(officer)) == {task_force}
    assert set(overseen_task_forces(officer)) == set()
    assert set(overseen_task_forces(leader)) == {task_force}
    assert {task_force, other_task_force} <= set(readable_task_forces(bureau_leader))
    assert set(overseen_task_forces(bureau_leader)) == set(readable_task_forces(bureau_leader))
    assert dissolved not in readable_task_forces(leader)


def test_who_reads_the_county_and_how_their_scope_is_named(
    officer, leader, bureau_leader, admin_user, task_force, other_task_force
):
    loner = UserFactory(role=User.Role.OFFICER)
    TaskForceFactory(name="蜂业二组专班", leader=leader, members=[officer])
    readers = {user: reads_county(user) for user in (officer, leader, bureau_leader, loner)}
    assert readers == {officer: False, leader: False, bureau_leader: True, loner: False}
    assert reading_scope_label(bureau_leader) == "全县"
    assert set(reading_scope_label(officer).split("、")) == {"蜂业二组专班", task_force.name}
    assert reading_scope_label(loner) == "本人负责的记录"
