"""Who may see, change and be given which record: decided here, once, for every app.

Every record with an owner and a task force (leads, projects, 对上争取 applications; tasks and
progress reports through their project) follows one rule:

- bureau leaders, administrators and superusers see everything;
- a task-force leader sees the records of the task forces they lead;
- an officer sees the records they own and those of the task forces they belong to
  (a leader is also an officer of their own records and memberships);
- whoever sees a record may change it; records outside a user's scope answer 404 (their
  existence is not revealed).

``scope_q`` is the rule as a query (lists, counts, exports); ``in_scope`` is the same rule for
one record in Python (services re-check it on the locked row). A test checks the two agree over
a grid of users × records. ``check_assignment`` is the one rule of who may put a record in
which task force and give it to whom; every create and update service calls it.
"""

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm.exceptions import DomainError, PermissionRefused
from crm.models import TaskForce, User


def task_force_ids(user: User) -> set[int]:
    """Ids of the task forces the user leads or belongs to, cached on the user object."""
    if getattr(user, "_task_force_ids", None) is None:
        _load_task_force_ids(user)
    return user._task_force_ids


def led_task_force_ids(user: User) -> set[int]:
    """Ids of the task forces the user leads, cached on the user object."""
    if getattr(user, "_led_task_force_ids", None) is None:
        _load_task_force_ids(user)
    return user._led_task_force_ids


def _load_task_force_ids(user: User) -> None:
    """Both caches of ``task_force_ids`` and ``led_task_force_ids`` in one query: every page of
    a reader with a scope asks for them."""
    rows = set(
        TaskForce.objects.filter(Q(leader=user) | Q(members=user)).values_list("id", "leader_id")
    )
    user._led_task_force_ids = {pk for pk, leader_id in rows if leader_id == user.pk}
    user._task_force_ids = {pk for pk, _leader_id in rows}


def sees_everything(user: User) -> bool:
    """Bureau leaders, administrators and superusers: every record, county-wide figures."""
    return bool(user.is_authenticated and user.is_active and user.sees_everything)


def scope_key(user: User) -> str:
    """What decides the records ``user`` sees, as a short string: a reader whose key has not
    changed sees the same records. ``crm.snapshots`` keys the figures it keeps on it, so a
    reader moved out of a task force never gets figures computed before the move."""
    if not user.is_authenticated or not user.is_active:
        return "none"
    if user.sees_everything:
        return "all"
    members = ",".join(map(str, sorted(task_force_ids(user))))
    led = ",".join(map(str, sorted(led_task_force_ids(user))))
    return f"u{user.pk}:in{members}:leads{led}"


def reads_county(user: User) -> bool:
    """Whether ``user`` reads the county as a whole: their cockpit, maps and reports count every
    record and are labelled 「全县」, the county's goals are set against their figures, the 全县
    report is theirs to open, and ``/`` opens the cockpit for them. Bureau leaders and
    administrators: those who see everything."""
    return sees_everything(user)


def reading_scope_label(user: User) -> str:
    """What ``user``'s figures cover, in words: 「全县」, the task forces they read
    (「米业专班、绿色食品专班」), or 「本人负责的记录」 for someone in none."""
    if reads_county(user):
        return _("全县")
    names = list(readable_task_forces(user).order_by("name").values_list("name", flat=True))
    return "、".join(names) if names else _("本人负责的记录")


def readable_task_forces(user: User) -> QuerySet[TaskForce]:
    """The active task forces whose work as a whole ``user`` reads (the ranking, the reports'
    scopes, the cockpit's label): every one for those who see everything, otherwise the ones
    they belong to or lead."""
    task_forces = TaskForce.objects.filter(is_active=True)
    if sees_everything(user):
        return task_forces
    return task_forces.filter(id__in=task_force_ids(user))


def overseen_task_forces(user: User) -> QuerySet[TaskForce]:
    """The active task forces ``user`` oversees as their leader (the team page): every one for
    those who see everything, otherwise the active ones they lead."""
    task_forces = TaskForce.objects.filter(is_active=True)
    if sees_everything(user):
        return task_forces
    return task_forces.filter(leader=user)


def bureau_leaders_q() -> Q:
    """The active bureau leaders, as a filter on ``User``: who is escalated to."""
    return Q(role=User.Role.BUREAU_LEADER, is_active=True)


def is_bureau_leader(user: User) -> bool:
    """``bureau_leaders_q`` for one user."""
    return user.is_active and user.role == User.Role.BUREAU_LEADER


def can_read_security_log(user: Any) -> bool:
    """Administrators and superusers read the security log; bureau leaders do not."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or getattr(user, "role", None) == User.Role.ADMIN)
    )


def scope_q(user: User, *, owner: str | None = "owner", task_force: str = "task_force") -> Q:
    """The filter that limits a queryset to what ``user`` may see.

    ``owner`` and ``task_force`` name the fields (or lookups, e.g. ``project__owner``) that carry
    the record's owner and task force (``owner=None`` for records scoped by task force only).
    Returns ``Q()`` for everything and a filter that matches nothing for an anonymous or
    inactive user.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.sees_everything:
        return Q()
    condition = Q(**{f"{task_force}__in": task_force_ids(user)})
    if owner:
        condition |= Q(**{owner: user})
    return condition


def in_scope(
    user: User,
    record: Any,
    *,
    owner: str | None = "owner_id",
    task_force: str = "task_force_id",
) -> bool:
    """``scope_q`` for one record already in memory: whether ``user`` may see (and change) it.

    ``owner`` and ``task_force`` name the record's attributes holding the owner's and the task
    force's ids.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.sees_everything:
        return True
    if owner and getattr(record, owner) == user.pk:
        return True
    task_force_id = getattr(record, task_force)
    return task_force_id is not None and task_force_id in task_force_ids(user)


def is_leader_of(user: User, task_force_id: int | None) -> bool:
    """Whether the user approves for this task force: its leader, or anyone who sees everything."""
    if user.sees_everything:
        return True
    return task_force_id is not None and task_force_id in led_task_force_ids(user)


def approves_for_any(user: User) -> bool:
    """Whether ``is_leader_of`` holds for some task force (who is offered the approvals queue)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.sees_everything or bool(led_task_force_ids(user))


def leader_scope_q(user: User, *, task_force: str = "task_force") -> Q:
    """``is_leader_of`` as a filter: the records whose ``task_force`` (a field or lookup) the
    user approves for (everything for bureau leaders and administrators)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.sees_everything:
        return Q()
    return Q(**{f"{task_force}__in": led_task_force_ids(user)})


def belongs_to(user: User, task_force: TaskForce) -> bool:
    """Whether ``user`` is a member or the leader of ``task_force``."""
    return task_force.leader_id == user.pk or task_force.members.filter(pk=user.pk).exists()


def check_assignment(
    *,
    actor: User,
    owner: User | None,
    task_force: TaskForce | None,
    old_owner: User | None = None,
    old_task_force: TaskForce | None = None,
    creating: bool = False,
    noun: str = "",
) -> None:
    """Refuse (``PermissionRefused``) a task force or owner that ``actor`` may not set.

    - An officer creates and keeps records in their own task forces, owned by themselves.
    - Only a leader of the target task force, a bureau leader or an administrator moves a
      record into another task force, and only a leader of the task force it leaves takes it
      out of one without putting it elsewhere.
    - Only a leader of the record's task force, a bureau leader or an administrator gives a
      record to someone else.
    - Whoever assigns, the owner must be active and belong to the record's task force (member
      or leader); an owner who does not is bad input (``DomainError``, 400), not a refusal.

    ``noun`` names the record in messages (线索, 项目, 事项); ``old_*`` are the values before an
    update and are ignored when ``creating``.
    """
    noun = noun or pgettext("noun in a sentence", "记录")
    if creating:
        old_owner, old_task_force = actor, None
    moved = task_force != old_task_force
    if moved and not actor.sees_everything:
        if task_force is None:
            if old_task_force is not None and not is_leader_of(actor, old_task_force.pk):
                raise PermissionRefused(
                    _("只有专班负责人可以把%(noun)s调出「%(tf)s」。")
                    % {"noun": noun, "tf": old_task_force},
                    field_errors={"task_force": [_("无权更改专班。")]},
                )
        elif old_task_force is None and task_force.pk in task_force_ids(actor):
            pass  # filing a new or unfiled record into one of one's own task forces
        elif not is_leader_of(actor, task_force.pk):
            message = (
                _("只能把%(noun)s放入自己所在的专班。") % {"noun": noun}
                if old_task_force is None
                else _("只有「%(tf)s」的负责人或局领导可以把%(noun)s调入该专班。")
                % {"noun": noun, "tf": task_force}
            )
            raise PermissionRefused(
                message,
                field_errors={
                    "task_force": [
                        _("无权把%(noun)s放入「%(tf)s」。") % {"noun": noun, "tf": task_force}
                    ]
                },
            )
    if moved and task_force is not None and not task_force.is_active:
        raise DomainError(
            _("「%(tf)s」已撤销，不能再放入%(noun)s。") % {"tf": task_force, "noun": noun},
            field_errors={"task_force": [_("该专班已撤销。")]},
        )
    # Giving a record to someone else, taking a colleague's record for oneself, or leaving it
    # without an owner is a reassignment: the task force's leader's call.
    leads_target = task_force is not None and is_leader_of(actor, task_force.pk)
    if owner != old_owner and not actor.sees_everything and not leads_target:
        raise PermissionRefused(
            _("只有专班负责人或局领导可以把%(noun)s分配给他人。") % {"noun": noun},
            field_errors={"owner": [_("只能由专班负责人分配给他人。")]},
        )
    if owner is None:
        return
    if not owner.is_active:
        raise DomainError(
            _("「%(user)s」已停用，不能负责%(noun)s。") % {"user": owner, "noun": noun},
            field_errors={"owner": [_("该用户已停用。")]},
        )
    if task_force is not None and not belongs_to(owner, task_force):
        raise DomainError(
            _("「%(user)s」不在「%(tf)s」中，不能负责该专班的%(noun)s。")
            % {"user": owner, "tf": task_force, "noun": noun},
            field_errors={
                "owner": [_("负责人须是「%(tf)s」的成员或负责人。") % {"tf": task_force}]
            },
        )


def column_user_in_scope_q(
    user_field: str, *, owner: str | None = "owner", task_force: str = "task_force"
) -> Q:
    """``scope_q`` with the user taken from a column: rows whose ``user_field`` may see them.

    For rows addressed to someone (a task's assignee), so that nobody is shown a row of a
    record that has since left their scope (the project moved to another task force).
    """
    membership = TaskForce.members.through.objects.filter(
        taskforce_id=OuterRef(f"{task_force}_id"), user_id=OuterRef(f"{user_field}_id")
    )
    condition = (
        Q(**{f"{user_field}__is_superuser": True})
        | Q(**{f"{user_field}__role__in": User.EVERYTHING_ROLES})
        | Q(**{f"{task_force}__leader": F(user_field)})
        | Exists(membership)
    )
    if owner:
        condition |= Q(**{owner: F(user_field)})
    return Q(**{f"{user_field}__is_active": True}) & condition


def users_who_see_q(
    record: Any, *, owner: str | None = "owner_id", task_force: str = "task_force_id"
) -> Q:
    """The active users for whom ``in_scope(user, record)`` holds, as a filter on ``User``.

    For the choices of a field that picks a person who must see the record (a task's assignee).
    """
    condition = Q(is_superuser=True) | Q(role__in=User.EVERYTHING_ROLES)
    if owner and getattr(record, owner):
        condition |= Q(pk=getattr(record, owner))
    task_force_id = getattr(record, task_force)
    if task_force_id is not None:
        condition |= Q(task_forces=task_force_id) | Q(led_task_forces=task_force_id)
    return Q(is_active=True) & condition


def assignment_choices(
    actor: User, *, task_force_id: int | None = None, owner_id: int | None = None
) -> tuple[QuerySet[TaskForce], QuerySet[User]]:
    """The task forces and owners a form offers ``actor`` (``check_assignment`` decides).

    Everyone is offered the task forces they work in and themselves; leaders also the members
    of the task forces they lead; bureau leaders and administrators every active one. A
    record's current task force and owner (``task_force_id``, ``owner_id``) stay offered.
    """
    task_forces = TaskForce.objects.filter(is_active=True)
    owners = User.objects.filter(is_active=True)
    if not actor.sees_everything:
        led = led_task_force_ids(actor)
        task_forces = task_forces.filter(pk__in=task_force_ids(actor))
        owners = owners.filter(Q(pk=actor.pk) | Q(task_forces__in=led) | Q(led_task_forces__in=led))
    if task_force_id is not None:
        task_forces = TaskForce.objects.filter(Q(pk__in=task_forces) | Q(pk=task_force_id))
    if owner_id is not None:
        owners = User.objects.filter(Q(pk__in=owners) | Q(pk=owner_id))
    return task_forces.order_by("name"), owners.distinct().order_by("username")


def check_reassignment(
    *, actor: User, record: Any, changed: list[str], old: dict[str, Any], noun: str
) -> None:
    """``check_assignment`` for an update, when its task force or owner changed.

    ``changed`` and ``old`` are what ``crm.writes.record_update`` hands its ``validate`` hook.
    """
    if "task_force" not in changed and "owner" not in changed:
        return
    check_assignment(
        actor=actor,
        owner=record.owner,
        task_force=record.task_force,
        old_owner=old.get("owner", record.owner),
        old_task_force=old.get("task_force", record.task_force),
        noun=noun,
    )
