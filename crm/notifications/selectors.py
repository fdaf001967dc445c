"""Reads of the reminder engine: what is overdue, who may be told about which item, the plan.

Visibility is ``crm.access.in_scope`` applied to each item, with the task forces of every
recipient loaded in bulk beforehand, so planning a morning costs a fixed number of queries.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access import bureau_leaders_q, in_scope, is_bureau_leader, sees_everything
from crm.exceptions import NotFound
from crm.models import Reminder, ReminderSchedule, TaskForce, User
from crm.registry import ReminderItem, ReminderSource, reminder_sources

# What an email lists at most; the rest is counted and left to the web page.
MAX_ITEMS_PER_REMINDER = 200


class OverdueScope(models.TextChoices):
    """Whose overdue items a count or a list covers; every page and email names its scope.

    ``mine``: what the user is responsible for (the officer email, the badge, 我的提醒);
    ``team``: everything in the active task forces the user leads (the leader's digest);
    ``all``: everything the user may see (the escalation email, the cockpit).
    """

    MINE = "mine", gettext_lazy("我负责的")
    TEAM = "team", gettext_lazy("本专班")
    ALL = "all", gettext_lazy("全县")


def team_task_force_ids(user: User) -> set[int]:
    """The active task forces ``user`` leads: the ``team`` scope and the digest's recipients."""
    cached = getattr(user, "_team_task_force_ids", None)
    if cached is None:
        cached = set(
            TaskForce.objects.filter(leader=user, is_active=True).values_list("id", flat=True)
        )
        user._team_task_force_ids = cached
    return cached


def overdue_scope_q(user: User, scope: str, *, owner: str, task_force: str) -> Q:
    """The filter narrowing a source's visible overdue rows to ``scope``.

    ``owner`` names the field of the person responsible (a lead's owner, a task's assignee),
    ``task_force`` the record's task force. The caller has already applied visibility
    (``crm.access.scope_q``): ``all`` adds nothing to it.
    """
    if scope == OverdueScope.MINE:
        return Q(**{owner: user})
    if scope == OverdueScope.TEAM:
        return Q(**{f"{task_force}__in": team_task_force_ids(user)})
    if scope == OverdueScope.ALL:
        return Q()
    raise ValueError(f"unknown overdue scope {scope!r}")


def overdue_scopes_for(user: User) -> list[str]:
    """The scopes a user's pages show: their own, their task forces', and everything if they
    see everything (bureau leaders and administrators)."""
    scopes = [OverdueScope.MINE.value]
    if team_task_force_ids(user):
        scopes.append(OverdueScope.TEAM.value)
    if sees_everything(user):
        scopes.append(OverdueScope.ALL.value)
    return scopes


def scope_label(user: User, scope: str) -> str:
    """「我负责的」, 「本专班」, 「全县」 — or 「我可见范围」 for ``all`` when the user does not
    see the whole county."""
    if scope == OverdueScope.ALL and not sees_everything(user):
        return _("我可见范围")
    return str(OverdueScope(scope).label)


@dataclass(frozen=True)
class OverdueCount:
    """One source's count: 「逾期线索 3 条」."""

    key: str
    title: str
    unit: str
    count: int

    def __str__(self) -> str:
        return f"{self.title} {self.count} {self.unit}".strip()


@dataclass(frozen=True)
class OverdueCounts:
    """The overdue counts of one user and scope, one per source, counted separately."""

    scope: str
    label: str
    counts: list[OverdueCount]

    @property
    def total(self) -> int:
        return sum(entry.count for entry in self.counts)

    def of(self, key: str) -> int:
        """The count of one source (0 if it is not registered)."""
        return next((entry.count for entry in self.counts if entry.key == key), 0)

    def as_dict(self) -> dict[str, int]:
        return {entry.key: entry.count for entry in self.counts}

    def __str__(self) -> str:
        """「我负责的：逾期线索 3 条 · 逾期项目任务 2 项」, the same sentence everywhere."""
        return _("%(scope)s：%(counts)s") % {
            "scope": self.label,
            "counts": " · ".join(str(entry) for entry in self.counts),
        }


def _counts(user: User, scope: str, by_source: dict[str, int]) -> OverdueCounts:
    return OverdueCounts(
        scope=scope,
        label=scope_label(user, scope),
        counts=[
            OverdueCount(
                key=source.key,
                title=str(source.title),
                unit=str(source.unit),
                count=by_source.get(source.key, 0),
            )
            for source in reminder_sources
            if source.personal or scope != OverdueScope.MINE
        ],
    )


def overdue_counts(*, user: User, today: datetime.date, scope: str) -> OverdueCounts:
    """THE overdue count of ``user`` in ``scope``: what the work page, 我的提醒, the badge, the
    emails and the cockpit show. One count query per source."""
    if not user.is_authenticated:
        return _counts(user, scope, {})
    return _counts(
        user,
        scope,
        {source.key: source.count_for(user, today, scope) for source in reminder_sources},
    )


@dataclass
class PlannedReminder:
    """A reminder the run would create: its kind, recipient and the items it lists.

    ``counts`` are the recipient's overdue counts in the reminder's scope (officer: mine,
    digest: team, escalation: all), the same numbers ``overdue_counts`` gives their pages;
    the escalation lists only the items past the threshold, but counts them all.
    """

    kind: str
    recipient: User
    items: list[dict] = field(default_factory=list)  # at most MAX_ITEMS_PER_REMINDER
    item_count: int = 0  # all of them
    counts: OverdueCounts | None = None


# The scope of each daily email.
KIND_SCOPES = {
    Reminder.Kind.OFFICER: OverdueScope.MINE,
    Reminder.Kind.DIGEST: OverdueScope.TEAM,
    Reminder.Kind.ESCALATION: OverdueScope.ALL,
}


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
    """Daily kinds respect the opt-out; single-object emails (a new lead, an approval decided)
    are sent to every active user."""
    if not user.is_active or not user.email:
        return False
    return kind in Reminder.SINGLE_KINDS or user.receives_digests


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
    # The digest's rule is ``team_task_force_ids``': the active task forces a leader leads.
    leader_of = dict(
        TaskForce.objects.filter(id__in=tf_ids, is_active=True).values_list("id", "leader_id")
    )
    escalated = [item for item in items if item.days_overdue > schedule.escalation_days]
    wanted = Q(id__in={item.recipient_id for item in items} | set(leader_of.values()))
    if escalated:
        wanted |= bureau_leaders_q()
    users = {user.pk: user for user in User.objects.filter(wanted)}
    _prefill_task_forces(users.values())

    def name_of(user_id: int) -> str:
        user = users.get(user_id)
        return str(user) if user else ""

    grouped: dict[tuple[str, int], list[ReminderItem]] = defaultdict(list)
    for item in items:
        if item.recipient_id is not None:
            grouped[(Reminder.Kind.OFFICER, item.recipient_id)].append(item)
        leader_id = leader_of.get(item.task_force_id)
        if leader_id is not None:
            grouped[(Reminder.Kind.DIGEST, leader_id)].append(item)
    bureau_leaders = [u for u in users.values() if is_bureau_leader(u)]
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
        in_scope_items = (
            [item for item in items if _may_see(user, item)]
            if kind == Reminder.Kind.ESCALATION
            else visible
        )
        by_source: dict[str, int] = defaultdict(int)
        for item in in_scope_items:
            by_source[item.source] += 1
        if kind == Reminder.Kind.DIGEST:
            visible.sort(
                key=lambda i: (name_of(i.recipient_id), i.recipient_id or 0, -i.days_overdue)
            )
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
                counts=_counts(user, KIND_SCOPES[kind], by_source),
            )
        )
    planned.sort(key=lambda p: (p.kind, p.recipient.username))
    return planned, len(items)


def user_overdue_items(
    *,
    user: User,
    today: datetime.date,
    scope: str = OverdueScope.MINE,
    limit: int = MAX_ITEMS_PER_REMINDER,
) -> list[tuple[ReminderSource, list[ReminderItem]]]:
    """The overdue items of ``user``'s ``scope`` now, per source, the ``limit`` worst of each
    (我的提醒; ``overdue_counts`` counts them all)."""
    sections = []
    for source in reminder_sources:
        # The sources yield the longest overdue first.
        items = list(islice(source.collect_for(user, today, scope), limit))
        items.sort(key=lambda i: (-i.days_overdue, i.object_id))
        sections.append((source, items))
    return sections


def user_overdue_count(*, user: User, today: datetime.date) -> int:
    """How many overdue items ``user`` is responsible for now (the navigation badge)."""
    return overdue_counts(user=user, today=today, scope=OverdueScope.MINE).total


def reminder_history(*, user: User) -> QuerySet[Reminder]:
    """The reminders sent (or due to be sent) to ``user``, newest first."""
    return Reminder.objects.filter(recipient=user).order_by("-day", "-id")


def reminder_get(*, user: User, pk: int) -> Reminder:
    """One of the user's own reminders; anyone else's is ``NotFound``."""
    try:
        return reminder_history(user=user).get(pk=pk)
    except Reminder.DoesNotExist:
        raise NotFound(_("没有找到这条提醒。")) from None
