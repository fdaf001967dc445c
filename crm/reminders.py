"""The reminder engine: who is told about which overdue items, and the ledger that sends once.

Upper apps plug their overdue things in through ``crm.registry.reminder_sources``; this module
never imports them. A daily run works over sets:

1. every source's ``collect(today)`` yields every overdue item (one query per source);
2. the items are grouped into reminders: each owner's list, each task-force leader's digest,
   and the escalation to bureau leaders of items overdue longer than the schedule allows;
3. one ledger row per (kind, recipient, day) is inserted, duplicates ignored by the database's
   unique constraint, so a second run, a second beat or a second worker adds nothing;
4. the pending rows are claimed and handed to workers, one task per email; a worker sends
   under a row lock and marks the row sent, so a duplicated task sends nothing.

The number of queries of steps 1–3 does not depend on the number of overdue items.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from crm import mail
from crm.models import Reminder, ReminderRun, ReminderSchedule, TaskForce, User
from crm.registry import ReminderItem, ReminderSource, reminder_sources

logger = logging.getLogger(__name__)

# What an email lists at most; the rest is counted and left to the web page.
MAX_ITEMS_PER_REMINDER = 200
# Failed reminders of this many past days are retried by the next daily run.
FAILED_RETRY_DAYS = 3
# Errors that mean "the broker cannot take the task now": the row stays pending, unenqueued.
ENQUEUE_ERRORS = (BrokerError, OSError)


@dataclass
class PlannedReminder:
    """A reminder the run would create: its kind, recipient and the items it lists."""

    kind: str
    recipient: User
    items: list[dict] = field(default_factory=list)  # at most MAX_ITEMS_PER_REMINDER
    item_count: int = 0  # all of them


@dataclass
class RunResult:
    """What a run did: skipped (already done today), items found, rows created and handed on."""

    day: datetime.date
    skipped: bool = False
    item_count: int = 0
    created: int = 0
    retried: int = 0
    dispatch: "DispatchResult | None" = None


@dataclass
class DispatchResult:
    """Rows handed to workers (``enqueued``), sent in-process, failed, or left for later."""

    enqueued: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    not_enqueued: list[int] = field(default_factory=list)


# --- selectors -------------------------------------------------------------------------------


def _item_snapshot(item: ReminderItem, owner_name: str) -> dict:
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


def _may_see(user: User, item: ReminderItem, task_forces_of: dict[int, set[int]]) -> bool:
    """``crm.access.scope_q`` applied to one item, with task forces loaded in bulk."""
    if not user.is_active:
        return False
    if user.sees_everything or item.recipient_id == user.pk:
        return True
    return item.task_force_id is not None and item.task_force_id in task_forces_of[user.pk]


def _wants_mail(user: User, kind: str) -> bool:
    """Daily kinds respect the opt-out; assignment emails are sent to every active user."""
    if not user.is_active or not user.email:
        return False
    return kind == Reminder.Kind.ASSIGNMENT or user.receives_digests


def _task_forces_of(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """Task forces each user leads or belongs to, in two queries for any number of users."""
    task_forces_of: dict[int, set[int]] = defaultdict(set)
    user_ids = list(user_ids)
    for leader_id, tf_id in TaskForce.objects.filter(leader_id__in=user_ids).values_list(
        "leader_id", "id"
    ):
        task_forces_of[leader_id].add(tf_id)
    for user_id, tf_id in TaskForce.members.through.objects.filter(
        user_id__in=user_ids
    ).values_list("user_id", "taskforce_id"):
        task_forces_of[user_id].add(tf_id)
    return task_forces_of


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
    task_forces_of = _task_forces_of(users)

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
        if user is None or not user_items or not _wants_mail(user, kind):
            continue
        visible = [item for item in user_items if _may_see(user, item, task_forces_of)]
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
                    _item_snapshot(item, name_of(item.recipient_id))
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
    """One of the user's own reminders; others' answer DoesNotExist (the view turns it to 404)."""
    return reminder_history(user=user).get(pk=pk)


# --- services --------------------------------------------------------------------------------


def _new_row(
    *,
    kind: str,
    recipient: User,
    day: datetime.date,
    items: list[dict],
    item_count: int | None = None,
    ref: str = "",
) -> Reminder:
    shown = items[:MAX_ITEMS_PER_REMINDER]
    count = len(items) if item_count is None else item_count
    return Reminder(
        kind=kind,
        recipient=recipient,
        day=day,
        ref=ref,
        email=recipient.email,
        subject=mail.reminder_subject(kind=kind, count=count, day=day, items=shown),
        item_count=count,
        items=shown,
    )


def reminders_run(
    *, today: datetime.date, force: bool = False, deliver_now: bool = False
) -> RunResult:
    """The daily job: plan the day's reminders, write their ledger rows, send or enqueue them.

    A run already finished for ``today`` is skipped unless ``force`` (the operator's command);
    forcing never sends twice because rows that exist are left alone. Failed reminders of the
    last few days are put back to pending. ``deliver_now`` sends in this process instead of
    through workers. Call it outside a transaction: the rows must be committed before a
    worker looks for them.
    """
    result = RunResult(day=today)
    with transaction.atomic():
        ReminderRun.objects.get_or_create(day=today)
        # Two beats or two workers starting the same day's run queue up here.
        run = ReminderRun.objects.select_for_update().get(day=today)
        if run.finished_at and not force:
            result.skipped = True
            return result
        planned, result.item_count = reminders_plan(today=today)
        before = Reminder.objects.filter(day=today).count()
        Reminder.objects.bulk_create(
            [
                _new_row(
                    kind=p.kind,
                    recipient=p.recipient,
                    day=today,
                    items=p.items,
                    item_count=p.item_count,
                )
                for p in planned
            ],
            ignore_conflicts=True,
        )
        result.created = Reminder.objects.filter(day=today).count() - before
        result.retried = Reminder.objects.filter(
            state=Reminder.State.FAILED,
            day__gte=today - datetime.timedelta(days=FAILED_RETRY_DAYS),
        ).update(state=Reminder.State.PENDING, enqueued_at=None, updated_at=timezone.now())
        run.finished_at = timezone.now()
        run.item_count = result.item_count
        run.reminder_count += result.created
        run.save(update_fields=["finished_at", "item_count", "reminder_count"])
    logger.info(
        "Reminder run %s: %d overdue items, %d new reminders, %d failed ones retried.",
        today,
        result.item_count,
        result.created,
        result.retried,
    )
    result.dispatch = reminders_dispatch(deliver_now=deliver_now)
    return result


def reminders_tick(*, now: datetime.datetime | None = None) -> RunResult | DispatchResult:
    """What the beat calls every minute: the daily run once the send time has come, else
    enqueue what is pending and not in a worker's hands (e.g. it could not be enqueued)."""
    local = timezone.localtime(now or timezone.now())
    schedule = ReminderSchedule.current()
    if (
        schedule.is_enabled
        and local.time() >= schedule.send_at
        and not ReminderRun.objects.filter(day=local.date(), finished_at__isnull=False).exists()
    ):
        return reminders_run(today=local.date())
    return reminders_dispatch()


def _claim_pending(now: datetime.datetime) -> list[int]:
    """Mark the pending rows no worker holds as enqueued, and return them.

    Rows locked by another dispatcher are skipped, so two dispatchers never hand out the same
    row; a row enqueued long ago and still pending (its task was lost) is handed out again.
    """
    stale = now - datetime.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(state=Reminder.State.PENDING)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
            .order_by("id")
            .values_list("id", flat=True)
        )
        if ids:
            Reminder.objects.filter(id__in=ids).update(enqueued_at=now)
    return ids


def reminders_enqueue(ids: list[int]) -> DispatchResult:
    """Hand reminders to the workers; if the broker is down, record it and leave them pending.

    The web application calls this after a commit, so a broker outage must not fail the
    request: the error is logged, written on the rows, and the next periodic run retries.
    """
    from crm.tasks import send_reminder  # the tasks module imports this one

    result = DispatchResult()
    for position, reminder_id in enumerate(ids):
        try:
            send_reminder.delay(reminder_id)
        except ENQUEUE_ERRORS as error:
            result.not_enqueued = ids[position:]
            logger.error(
                "Could not enqueue %d reminder(s) %s: the Celery broker is unavailable (%s: %s). "
                "They stay pending and are enqueued by the next periodic run.",
                len(result.not_enqueued),
                result.not_enqueued,
                type(error).__name__,
                error,
            )
            Reminder.objects.filter(id__in=result.not_enqueued).update(
                enqueued_at=None,
                last_error=_("无法放入发送队列：%(error)s") % {"error": error},
                updated_at=timezone.now(),
            )
            break
        result.enqueued.append(reminder_id)
    return result


def reminders_dispatch(*, deliver_now: bool = False) -> DispatchResult:
    """Send or enqueue every pending reminder that no worker holds."""
    ids = _claim_pending(timezone.now())
    if not deliver_now:
        return reminders_enqueue(ids)
    result = DispatchResult()
    for reminder_id in ids:
        try:
            if reminder_deliver(reminder_id=reminder_id):
                result.sent.append(reminder_id)
        except mail.MAIL_ERRORS as error:
            reminder_attempt_failed(reminder_id=reminder_id, error=error, final=True)
            result.failed.append(reminder_id)
    return result


def reminder_deliver(*, reminder_id: int) -> bool:
    """Send one reminder unless it is gone or no longer pending; True when it was sent now.

    The row stays locked while the mail goes out, so a duplicated or retried task waits and
    then finds it sent. Mail errors propagate (nothing is written) for the caller to retry.
    """
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.state != Reminder.State.PENDING:
            return False
        mail.send_reminder_mail(reminder)
        reminder.state = Reminder.State.SENT
        reminder.sent_at = timezone.now()
        reminder.attempts += 1
        reminder.last_error = ""
        reminder.save(update_fields=["state", "sent_at", "attempts", "last_error", "updated_at"])
    return True


def reminder_attempt_failed(*, reminder_id: int, error: BaseException, final: bool) -> None:
    """Record a failed send; after the last retry the reminder is marked failed for admins."""
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.state != Reminder.State.PENDING:
            return
        reminder.attempts += 1
        reminder.last_error = f"{type(error).__name__}: {error}"[:2000]
        # A retry is a fresh enqueue: the periodic run must not hand the row out meanwhile.
        reminder.enqueued_at = timezone.now()
        if final:
            reminder.state = Reminder.State.FAILED
        reminder.save(
            update_fields=["attempts", "last_error", "enqueued_at", "state", "updated_at"]
        )
    log = logger.error if final else logger.warning
    log(
        "Reminder %s: sending failed (attempt %d%s): %s",
        reminder_id,
        reminder.attempts,
        ", giving up until the next run" if final else ", will retry",
        reminder.last_error,
    )


def reminder_assignment_create(
    *, recipient: User, item: ReminderItem, day: datetime.date
) -> Reminder | None:
    """Create the "you are the new owner" email for one item and enqueue it after commit.

    Sent to any active user with an email (it is not a digest, so the opt-out does not apply);
    at most one per item, recipient and day.
    """
    if not _wants_mail(recipient, Reminder.Kind.ASSIGNMENT):
        return None
    ref = f"{item.source}:{item.object_id}"
    with transaction.atomic():
        row = _new_row(
            kind=Reminder.Kind.ASSIGNMENT,
            recipient=recipient,
            day=day,
            items=[_item_snapshot(item, str(recipient))],
            ref=ref,
        )
        reminder, created = Reminder.objects.get_or_create(
            kind=row.kind,
            recipient=recipient,
            day=day,
            ref=ref,
            defaults={
                "email": row.email,
                "subject": row.subject,
                "item_count": row.item_count,
                "items": row.items,
            },
        )
        if created:
            transaction.on_commit(lambda: reminders_enqueue(_claim_one(reminder.pk)))
    return reminder


def _claim_one(reminder_id: int) -> list[int]:
    updated = Reminder.objects.filter(
        pk=reminder_id, state=Reminder.State.PENDING, enqueued_at__isnull=True
    ).update(enqueued_at=timezone.now())
    return [reminder_id] if updated else []
