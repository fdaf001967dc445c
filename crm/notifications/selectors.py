"""Reads of the reminder engine: what is overdue, who may be told about which item, the plan.

Visibility is ``crm.access.in_scope`` applied to each item, with the task forces of every
recipient loaded in bulk beforehand, so planning a morning costs a fixed number of queries.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from crm.access import in_scope
from crm.exceptions import NotFound
from crm.models import Reminder, ReminderSchedule, TaskForce, User
from crm.registry import ReminderItem, ReminderSource, reminder_sources

# What an email lists at most; the rest is counted and left to the web page.
MAX_ITEMS_PER_REMINDER = 200


@dataclass
class PlannedReminder:
    """A reminder the run would create: its kind, recipient and the items it lists."""

    kind: str
    recipient: User
    items: list[dict] = field(default_factory=list)  # at most MAX_ITEMS_PER_REMINDER
    item_count: int = 0  # all of them


def item_snapshot(item: ReminderItem, owner_name: str) -> dict:
    """An item as the ledger row keeps it: what the email shows, frozen at planning time."""
    return {
        "source": item.source,
        "object_id": item.object_id,
        "recipient_id": item.recipient_id,
        "owner_name": owner_name,
        "task_force_id": item.task_force_id,
        "title": item.title,
        "url": item.url,
        "days_overdue": item.days_overdue,
        "details": {str(label): str(value) for label, value in item.details.items()},
    }


def wants_mail(user: User, kind: str) -> bool:
    """Daily kinds respect the opt-out; assignment emails are sent to every active user."""
    if not user.is_active or not user.email:
        return False
    return kind == Reminder.Kind.ASSIGNMENT or user.receives_digests


def _prefill_task_forces(users: Iterable[User]) -> None:
    """Load the task forces each user leads or belongs to, in two queries for any number.

    ``crm.access.in_scope`` reads them from the user object (``task_force_ids`` caches them
    there), so checking every item of every recipient queries nothing more.
    """
    users = list(users)
    task_forces_of: dict[int, set[int]] = defaultdict(set)
    user_ids = [user.pk for user in users]
    for leader_id, tf_id in TaskForce.objects.filter(leader_id__in=user_ids).values_list(
        "leader_id", "id"
    ):
        task_forces_of[leader_id].add(tf_id)
    for user_id, tf_id in TaskForce.members.through.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "taskforce_id"):
        task_forces_of[user_id].add(tf_id)
    for user in users:
        user._task_force_ids = task_forces_of[user.pk]


def _may_see(user: User, item: ReminderItem) -> bool:
    return in_scope(user, item, owner="recipient_id", task_force="task_force_id")


def reminders_collect(*, today: datetime.date) -> list[ReminderItem]:
    """Every overdue item of every registered source on ``today``."""
    return [item for source in reminder_sources for item in source.collect(today)]


def reminders_plan(
    *, today: datetime.date, schedule: ReminderSchedule | None = None
) -> tuple[list[PlannedReminder], int]:
    """The reminders a run on ``today`` sends, and the number of overdue items behind them.

    Officers get their own items, leaders the items of the active task forces they lead
    grouped by officer, bureau leaders the items overdue longer than the escalation threshold.
    Users who switched digests off, have no email or are inactive get nothing; nobody gets an
    item outside their visibility scope.
    """
    schedule = schedule or ReminderSchedule.current()
    # The item details (labels, stage names) go into emails: the product's language.
    with translation.override(settings.LANGUAGE_CODE):
        items = reminders_collect(today=today)
    if not items:
        return [], 0

    tf_ids = {item.task_force_id for item in items if item.task_force_id}
    leader_of = dict(
        TaskForce.objects.filter(id__in=tf_ids, is_active=True).values_list("id", "leader_id")
    )
    escalated = [item for item in items if item.days_overdue > schedule.escalation_days]
    wanted = Q(id__in={item.recipient_id for item in items} | set(leader_of.values()))
    if escalated:
        wanted |= Q(role=User.Role.BUREAU_LEADER, is_active=True)
    users = {user.pk: user for user in User.objects.filter(wanted)}
    _prefill_task_forces(users.values())

    def name_of(user_id: int) -> str:
        user = users.get(user_id)
        return str(user) if user else ""

    grouped: dict[tuple[str, int], list[ReminderItem]] = defaultdict(list)
    for item in items:
        grouped[(Reminder.Kind.OFFICER, item.recipient_id)].append(item)
        leader_id = leader_of.get(item.task_force_id)
        if leader_id is not None:
            grouped[(Reminder.Kind.DIGEST, leader_id)].append(item)
    bureau_leaders = [u for u in users.values() if u.role == User.Role.BUREAU_LEADER]
    for chief in bureau_leaders:
        grouped[(Reminder.Kind.ESCALATION, chief.pk)] = list(escalated)

    planned = []
    for (kind, user_id), user_items in grouped.items():
        user = users.get(user_id)
        if user is None or not user_items or not wants_mail(user, kind):
            continue
        visible = [item for item in user_items if _may_see(user, item)]
        if not visible:
            continue
        if kind == Reminder.Kind.DIGEST:
            visible.sort(key=lambda i: (name_of(i.recipient_id), i.recipient_id, -i.days_overdue))
        else:
            visible.sort(key=lambda i: (-i.days_overdue, i.source, i.object_id))
        planned.append(
            PlannedReminder(
                kind=kind,
                recipient=user,
                items=[
                    item_snapshot(item, name_of(item.recipient_id))
                    for item in visible[:MAX_ITEMS_PER_REMINDER]
                ],
                item_count=len(visible),
            )
        )
    planned.sort(key=lambda p: (p.kind, p.recipient.username))
    return planned, len(items)


def user_overdue_items(
    *, user: User, today: datetime.date
) -> list[tuple[ReminderSource, list[ReminderItem]]]:
    """The overdue items ``user`` is responsible for now, per source (the reminders page)."""
    sections = []
    for source in reminder_sources:
        items = list(source.collect_for(user, today))
        items.sort(key=lambda i: -i.days_overdue)
        sections.append((source, items))
    return sections


def user_overdue_count(*, user: User, today: datetime.date) -> int:
    """How many overdue items ``user`` is responsible for now (the navigation badge)."""
    if not user.is_authenticated:
        return 0
    return sum(source.count_for(user, today) for source in reminder_sources)


def reminder_history(*, user: User) -> QuerySet[Reminder]:
    """The reminders sent (or due to be sent) to ``user``, newest first."""
    return Reminder.objects.filter(recipient=user).order_by("-day", "-id")


def reminder_get(*, user: User, pk: int) -> Reminder:
    """One of the user's own reminders; anyone else's is ``NotFound``."""
    try:
        return reminder_history(user=user).get(pk=pk)
    except Reminder.DoesNotExist:
        raise NotFound(_("没有找到这条提醒。")) from None
