"""Row-level visibility, decided here and used by every page, export, API endpoint and task.

The rule, for any record that has an owner and a task force:

- bureau leaders, administrators and superusers see everything;
- a task-force leader sees the records of the task forces they lead;
- an officer sees the records they own and those of the task forces they belong to
  (a leader is also an officer of their own records and memberships).

Records outside a user's scope answer 404: their existence is not revealed.
"""

from django.db.models import Q

from crm.models import TaskForce, User


def task_force_ids(user: User) -> set[int]:
    """Ids of the task forces the user leads or belongs to, cached on the user object."""
    cached = getattr(user, "_task_force_ids", None)
    if cached is None:
        cached = set(TaskForce.objects.filter(leader=user).values_list("id", flat=True))
        cached |= set(user.task_forces.values_list("id", flat=True))
        user._task_force_ids = cached
    return cached


def led_task_force_ids(user: User) -> set[int]:
    """Ids of the task forces the user leads, cached on the user object."""
    cached = getattr(user, "_led_task_force_ids", None)
    if cached is None:
        cached = set(TaskForce.objects.filter(leader=user).values_list("id", flat=True))
        user._led_task_force_ids = cached
    return cached


def scope_q(user: User, *, owner: str | None = "owner", task_force: str = "task_force") -> Q:
    """The filter that limits a queryset to what ``user`` may see.

    ``owner`` and ``task_force`` name the fields that carry the record's owner and task force
    (``owner=None`` for records scoped by task force only). Returns ``Q()`` for everything and a
    filter that matches nothing for an anonymous or inactive user.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.sees_everything:
        return Q()
    condition = Q(**{f"{task_force}__in": task_force_ids(user)})
    if owner:
        condition |= Q(**{owner: user})
    return condition


def is_leader_of(user: User, task_force_id: int | None) -> bool:
    """Whether the user approves for this task force: its leader, or anyone who sees everything."""
    if user.sees_everything:
        return True
    return task_force_id is not None and task_force_id in led_task_force_ids(user)
