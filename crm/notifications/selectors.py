"""Reads of the reminder engine: what is overdue, who may be told about which item, the plan.

Visibility is ``crm.access.in_scope`` applied to each item, with the task forces of every
recipient loaded in bulk beforehand, so planning a morning costs a fixed number of queries.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access import bureau_leaders_q, in_scope, is_bureau_leader, sees_everything
from crm.exceptions import NotFound
from crm.models import (
    Notice,
    NoticeChannel,
    NotificationPreference,
    Reminder,
    ReminderSchedule,
    TaskForce,
    TeamWebhook,
    User,
)
from crm.notifications.filters import NoticeFilterSet
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


def reminders_collect_for_mail(*, today: datetime.date) -> list[ReminderItem]:
    """``reminders_collect`` with the item details (labels, stage names) in the product's
    language: they go into emails and robots' messages."""
    with translation.override(settings.LANGUAGE_CODE):
        return reminders_collect(today=today)


@dataclass
class PlannedSummary:
    """The morning's overdue summary one task-force robot gets (``TeamWebhook``)."""

    webhook: TeamWebhook
    subject: str
    items: list[dict]
    item_count: int


# How many of its worst overdue items a robot's summary names; the count covers them all.
SUMMARY_ITEMS_SHOWN = 10


def webhook_summaries_plan(
    *, today: datetime.date, items: list[ReminderItem], webhooks: list[TeamWebhook]
) -> list[PlannedSummary]:
    """Each robot's summary of its own task force's overdue items: the digest's rule (the
    items of the active task force), so the count is ``overdue_counts`` in the ``team`` scope
    of a leader of that one task force, counted per source. A team with nothing overdue gets
    no message."""
    by_team: dict[int, list[ReminderItem]] = defaultdict(list)
    for item in items:
        if item.task_force_id is not None:
            by_team[item.task_force_id].append(item)
    planned = []
    with translation.override(settings.LANGUAGE_CODE):
        for webhook in webhooks:
            team = webhook.task_force
            team_items = by_team.get(team.pk, [])
            if not team.is_active or not team_items:
                continue
            by_source: dict[str, int] = defaultdict(int)
            for item in team_items:
                by_source[item.source] += 1
            counts = {
                str(source.title): _("%(count)d %(unit)s")
                % {"count": by_source.get(source.key, 0), "unit": source.unit}
                for source in reminder_sources
            }
            worst = sorted(team_items, key=lambda i: (-i.days_overdue, i.source, i.object_id))
            shown = [
                {
                    **item_snapshot(item, ""),
                    "title": _("%(title)s（逾期 %(days)d 天）")
                    % {"title": item.title, "days": item.days_overdue},
                    "details": {},
                }
                for item in worst[:SUMMARY_ITEMS_SHOWN]
            ]
            summary = {
                "source": "summary",
                "object_id": team.pk,
                "title": _("逾期统计"),
                "url": "",
                "details": counts,
            }
            planned.append(
                PlannedSummary(
                    webhook=webhook,
                    subject=_("【逾期汇总】%(team)s共有 %(count)d 项逾期未办（%(day)s）")
                    % {"team": team.name, "count": len(team_items), "day": f"{today:%Y-%m-%d}"},
                    items=[summary, *shown],
                    item_count=len(team_items),
                )
            )
    return planned


def reminders_plan(
    *,
    today: datetime.date,
    schedule: ReminderSchedule | None = None,
    items: list[ReminderItem] | None = None,
) -> tuple[list[PlannedReminder], int]:
    """The reminders a run on ``today`` sends, and the number of overdue items behind them.

    Officers get their own items, leaders the items of the active task forces they lead
    grouped by officer, bureau leaders the items overdue longer than the escalation threshold.
    Users who switched digests off, have no email or are inactive get nothing; nobody gets an
    item outside their visibility scope. ``items`` are the day's items when the caller has
    collected them already (``reminders_collect_for_mail``).
    """
    schedule = schedule or ReminderSchedule.current()
    if items is None:
        items = reminders_collect_for_mail(today=today)
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


# --- preferences -----------------------------------------------------------------------------

# A kind without a preference row: email too for what asks the person to act on their own work.
DEFAULT_CHANNELS = {
    Reminder.Kind.ASSIGNMENT: NoticeChannel.EMAIL,
    Reminder.Kind.APPROVAL: NoticeChannel.EMAIL,
    Reminder.Kind.APPROVAL_ASK: NoticeChannel.IN_APP,
    Reminder.Kind.SENT_BACK: NoticeChannel.IN_APP,
    Reminder.Kind.MENTION: NoticeChannel.IN_APP,
    Reminder.Kind.TASK: NoticeChannel.IN_APP,
}

# What a task force's robot can be told: the events, and the morning's overdue summary.
WEBHOOK_KIND_CHOICES = [
    *((kind.value, kind.label) for kind in Reminder.SINGLE_KINDS),
    (Reminder.Kind.DIGEST.value, gettext_lazy("每日逾期汇总")),
]


def channels_for(users: Iterable[User], kind: str) -> dict[int, str]:
    """Each user's channel for ``kind``: their choice, else the default (one query)."""
    ids = [user.pk for user in users]
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list(
            "user_id", "channel"
        )
    )
    return {pk: chosen.get(pk, DEFAULT_CHANNELS[kind]) for pk in ids}


def channels_for_user(user: User) -> dict[str, str]:
    """``user``'s channel for every event kind (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, default) for kind, default in DEFAULT_CHANNELS.items()}


# --- the inbox and the task forces' robots ------------------------------------------------------


def notice_list(*, user: User, filters: Any = None) -> NoticeFilterSet:
    """``user``'s inbox through its FilterSet (page and API): unread first, newest first."""
    notices = (
        Notice.objects.filter(recipient=user)
        .select_related("actor")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
    )
    return NoticeFilterSet(filters or None, queryset=notices)


def unread_notice_count(*, user: User) -> int:
    """The number on the bell (one query)."""
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def managed_task_forces(*, user: User) -> QuerySet[TaskForce]:
    """The task forces whose robots ``user`` manages: the ones they lead, or every one for a
    bureau leader or an administrator (``crm.access.is_leader_of``)."""
    teams = TaskForce.objects.filter(is_active=True)
    if not sees_everything(user):
        teams = teams.filter(leader=user)
    return teams.order_by("name")


def webhooks_for(*, user: User) -> QuerySet[TeamWebhook]:
    """The robots of the task forces ``user`` manages."""
    return (
        TeamWebhook.objects.filter(task_force__in=managed_task_forces(user=user))
        .select_related("task_force")
        .order_by("task_force__name", "name", "id")
    )


def webhook_get(*, user: User, pk: int) -> TeamWebhook:
    """One robot ``user`` manages; ``NotFound`` for anyone else's."""
    webhook = webhooks_for(user=user).filter(pk=pk).first()
    if webhook is None:
        raise NotFound(_("没有找到这个群机器人。"))
    return webhook


def webhook_deliveries(*, webhook: TeamWebhook, limit: int = 10) -> list[Reminder]:
    """The robot's latest messages and how each went, for its manager."""
    return list(webhook.deliveries.order_by("-created_at", "-id")[:limit])


def notice_get(*, user: User, pk: int) -> Notice:
    """One of ``user``'s notices; ``NotFound`` for anyone else's."""
    notice = Notice.objects.filter(recipient=user, pk=pk).first()
    if notice is None:
        raise NotFound(_("没有找到这条消息。"))
    return notice
