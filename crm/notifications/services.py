"""Writes of the reminder engine: the ledger rows, claiming them, dispatch, sent and failed.

A run plans with ``crm.notifications.selectors`` and writes one ledger row per (kind,
recipient, day); workers send under a row lock. Only errors a retry can fix are retried; any
other error marks that one row failed with its error, and the run goes on with the next.

The broker is never waited on for long: its connections give up after a couple of seconds
(``REDIS_TIMEOUT_SECONDS``), and after a failure the request path stops trying for
``BROKER_RETRY_AFTER_SECONDS``. What could not be enqueued stays pending and the next beat
tick hands it out.
"""

import datetime
import logging
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

from celery import current_app
from django import db
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import Reminder, ReminderRun, ReminderSchedule, TeamWebhook, User
from crm.notifications import mail, webhooks
from crm.notifications.selectors import (
    MAX_ITEMS_PER_REMINDER,
    item_snapshot,
    reminders_collect_for_mail,
    reminders_plan,
    wants_mail,
    webhook_summaries_plan,
)
from crm.registry import ReminderItem, ScheduledMail, scheduled_mails

logger = logging.getLogger(__name__)

# Failed reminders of this many past days are retried by the next daily run.
FAILED_RETRY_DAYS = 3
# The database itself is unreachable: nothing can be recorded on the row, so the error goes up
# and the row stays pending for a later hand-out (``REMINDER_REQUEUE_AFTER_SECONDS``).
DATABASE_DOWN = (OperationalError, InterfaceError)
# Longest error text kept on a row.
ERROR_MAX_LENGTH = 2000
SUBJECT_MAX_LENGTH = mail.SUBJECT_MAX_LENGTH


def is_retryable(error: BaseException) -> bool:
    """Whether sending again later may succeed: a passing mail error, a robot's rate limit or
    a network or server error on the way to it."""
    if isinstance(error, webhooks.WebhookError):
        return error.retryable
    return mail.is_retryable(error)


class Delivery(StrEnum):
    """What one attempt to send a reminder came to."""

    SENT = "sent"
    SKIPPED = "skipped"  # gone, or no longer pending: someone else sent it
    RETRY = "retry"  # a mail error that may pass: try again after a backoff
    FAILED = "failed"  # permanent, or the last retry: the row is marked failed


class _BrokerBreaker:
    """After the broker failed, the request path leaves reminders to the beat for a while.

    Each enqueue costs up to the broker timeout when the broker hangs; a page that assigns
    several leads would pay it for each. The beat tick always tries (``force``) and closes the
    breaker again when the broker answers.
    """

    def __init__(self) -> None:
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> None:
        self.open_until = time.monotonic() + settings.BROKER_RETRY_AFTER_SECONDS

    def reset(self) -> None:
        self.open_until = 0.0


broker_breaker = _BrokerBreaker()


@dataclass
class DispatchResult:
    """Rows handed to workers (``enqueued``), sent in-process, failed, or left for later."""

    enqueued: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    not_enqueued: list[int] = field(default_factory=list)


@dataclass
class RunResult:
    """What a run did: skipped (already done today), items found, rows created and handed on."""

    day: datetime.date
    skipped: bool = False
    item_count: int = 0
    created: int = 0
    retried: int = 0
    dispatch: DispatchResult | None = None


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
        items = reminders_collect_for_mail(today=today)
        planned, result.item_count = reminders_plan(today=today, items=items)
        summaries = webhook_summaries_plan(today=today, items=items, webhooks=_summary_webhooks())
        before = Reminder.objects.filter(day=today).count()
        Reminder.objects.bulk_create(
            [
                *(
                    _new_row(
                        kind=p.kind,
                        recipient=p.recipient,
                        day=today,
                        items=p.items,
                        item_count=p.item_count,
                    )
                    for p in planned
                ),
                *(
                    Reminder(
                        kind=Reminder.Kind.DIGEST,
                        webhook=summary.webhook,
                        day=today,
                        subject=mail.clip(mail.single_line(summary.subject), SUBJECT_MAX_LENGTH),
                        item_count=summary.item_count,
                        items=summary.items,
                    )
                    for summary in summaries
                ),
            ],
            ignore_conflicts=True,
        )
        result.created = Reminder.objects.filter(day=today).count() - before
        recent = today - datetime.timedelta(days=FAILED_RETRY_DAYS)
        # A weekly row's day is the week it reports on, a week or more before it is sent.
        result.retried = (
            Reminder.objects.filter(state=Reminder.State.FAILED)
            .filter(
                Q(day__gte=recent) | Q(kind__in=Reminder.WEEKLY_KINDS, created_at__date__gte=recent)
            )
            .update(state=Reminder.State.PENDING, enqueued_at=None, updated_at=timezone.now())
        )
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


def _summary_webhooks() -> list[TeamWebhook]:
    """The enabled robots that take the morning's overdue summary (one query)."""
    return [
        hook
        for hook in TeamWebhook.objects.filter(is_enabled=True).select_related("task_force")
        if hook.wants(Reminder.Kind.DIGEST)
    ]


def weekly_report_day(
    *, now: datetime.datetime, schedule: ReminderSchedule
) -> datetime.date | None:
    """The Monday of the week whose weekly mails are due at ``now``, or ``None`` before this
    week's send time (``weekly_report_weekday`` at ``weekly_report_at``, Beijing time) or when
    they are switched off: from the send time on, it is the week before the current one."""
    if not schedule.weekly_report_enabled:
        return None
    local = timezone.localtime(now)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    send_on = monday + datetime.timedelta(days=schedule.weekly_report_weekday)
    if (local.date(), local.time()) < (send_on, schedule.weekly_report_at):
        return None
    return monday - datetime.timedelta(days=7)


def _weekly_rows(source: ScheduledMail, day: datetime.date) -> int:
    """Write the ledger rows of ``source`` for ``day`` that do not exist yet; returns how many.

    Only the recipients without a row get their content built, so a tick after the rows exist
    costs two queries and builds nothing; the unique constraint keeps a concurrent tick's rows
    out. Recipients who switched digests off, are inactive or have no email get nothing.
    """
    recipients = [
        user for user in User.objects.filter(source.recipients()) if wants_mail(user, source.kind)
    ]
    done = set(
        Reminder.objects.filter(
            kind=source.kind, day=day, recipient__in=[user.pk for user in recipients]
        ).values_list("recipient_id", flat=True)
    )
    rows = []
    # The content goes into emails: the product's language, whoever's request is running.
    with translation.override(settings.LANGUAGE_CODE):
        for user in recipients:
            if user.pk in done:
                continue
            content = source.build(user, day)
            rows.append(
                Reminder(
                    kind=source.kind,
                    recipient=user,
                    day=day,
                    email=user.email,
                    subject=mail.clip(mail.single_line(content.subject), mail.SUBJECT_MAX_LENGTH),
                    item_count=len(content.items),
                    items=content.items[:MAX_ITEMS_PER_REMINDER],
                )
            )
    with transaction.atomic():
        before = Reminder.objects.filter(kind=source.kind, day=day).count()
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        return Reminder.objects.filter(kind=source.kind, day=day).count() - before


def weekly_reports_run(*, now: datetime.datetime, schedule: ReminderSchedule) -> int:
    """Write the ledger rows of the weekly mails due at ``now`` (``weekly_report_day``); the
    dispatch that follows sends them. Returns how many rows were created.

    A mail source that fails to build is logged and left for the next tick: the daily
    reminders must not wait on it.
    """
    day = weekly_report_day(now=now, schedule=schedule)
    if day is None:
        return 0
    created = 0
    for source in scheduled_mails:
        if source.kind not in Reminder.WEEKLY_KINDS:
            continue
        try:
            created += _weekly_rows(source, day)
        except DATABASE_DOWN:
            raise
        except Exception:  # a bug in one source must not stop the morning's reminders
            logger.exception("Weekly mail %s for %s could not be built.", source.kind, day)
    if created:
        logger.info("Weekly mails for the week of %s: %d new.", day, created)
    return created


def reminders_tick(*, now: datetime.datetime | None = None) -> RunResult | DispatchResult:
    """What the beat calls every minute: the weekly mails once their send time has come, the
    daily run once its send time has come, else enqueue what is pending and not in a worker's
    hands (e.g. it could not be enqueued)."""
    local = timezone.localtime(now or timezone.now())
    schedule = ReminderSchedule.current()
    weekly_reports_run(now=local, schedule=schedule)
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


def _release(ids: list[int], *, error: str = "") -> None:
    """Give claimed rows back: pending, in nobody's hands, so the next tick hands them out."""
    changes = {"enqueued_at": None, "updated_at": timezone.now()}
    if error:
        changes["last_error"] = error[:ERROR_MAX_LENGTH]
    Reminder.objects.filter(id__in=ids, state=Reminder.State.PENDING).update(**changes)


def reminders_enqueue_from_request(ids: list[int]) -> None:
    """``reminders_enqueue`` for the web request path, which never waits long for the broker.

    The socket timeouts bound each read, not a whole publish: a broker that answers every one
    of a publish's dozen commands just under the timeout would hold the request for half a
    minute. So the publish runs in a thread the request waits for at most one second more than
    ``REDIS_TIMEOUT_SECONDS``; past that the breaker opens (later requests skip the broker) and
    the thread finishes on its own. Either way the row is pending until a worker sends it, and
    the beat tick hands out whatever was not enqueued.
    """
    if not ids:
        return
    conf = current_app.conf
    if conf.task_always_eager or not str(conf.broker_url).startswith(("redis", "amqp")):
        # Eager tasks and the local filesystem broker involve no network to wait for.
        reminders_enqueue(ids, force=False)
        return

    def publish() -> None:
        try:
            reminders_enqueue(ids, force=False)
        finally:
            db.connections.close_all()  # the thread's own connection, if it opened one

    worker = threading.Thread(target=publish, name="reminder-enqueue", daemon=True)
    worker.start()
    # One socket timeout plus a margin: a broker that hangs outright fails within it, and the
    # failure is recorded on the row before the request goes on.
    worker.join(timeout=settings.REDIS_TIMEOUT_SECONDS + 1)
    if worker.is_alive():
        broker_breaker.trip()
        logger.error(
            "Enqueueing reminder(s) %s took longer than %.1f s: the broker is slow; the request "
            "goes on and the next periodic run delivers them if the publish fails.",
            ids,
            settings.REDIS_TIMEOUT_SECONDS,
        )


def reminders_enqueue(ids: list[int], *, force: bool = True) -> DispatchResult:
    """Hand reminders to the workers; if the broker fails, record it and leave them pending.

    The web application calls this after a commit (``force=False``), so a broker outage must
    not fail or stall the request: the error is logged, written on the rows, and the next
    periodic run retries. Whatever the broker library raises counts as an outage.
    """
    from crm.notifications.tasks import send_reminder  # the tasks module imports this one

    result = DispatchResult()
    if not ids:
        return result
    if not force and broker_breaker.is_open():
        result.not_enqueued = list(ids)
        _release(ids)
        return result
    for position, reminder_id in enumerate(ids):
        try:
            send_reminder.delay(reminder_id)
        except Exception as error:  # every broker failure leaves the row pending
            broker_breaker.trip()
            result.not_enqueued = ids[position:]
            logger.error(
                "Could not enqueue %d reminder(s) %s: the Celery broker is unavailable (%s: %s). "
                "They stay pending and are enqueued by the next periodic run.",
                len(result.not_enqueued),
                result.not_enqueued,
                type(error).__name__,
                error,
            )
            _release(
                result.not_enqueued,
                error=_("无法放入发送队列：%(error)s") % {"error": error},
            )
            break
        result.enqueued.append(reminder_id)
    else:
        broker_breaker.reset()
    return result


def reminders_dispatch(*, deliver_now: bool = False) -> DispatchResult:
    """Send or enqueue every pending reminder that no worker holds.

    Sending in this process, each row is tried once: a failure marks that row failed (the next
    run retries it) and the others are still sent. Should the database itself fail, the rows
    not reached yet are given back before the error goes up.
    """
    ids = _claim_pending(timezone.now())
    if not deliver_now:
        return reminders_enqueue(ids)
    result = DispatchResult()
    done = 0
    try:
        for reminder_id in ids:
            outcome = reminder_send(reminder_id=reminder_id, last_try=True)
            done += 1
            if outcome == Delivery.SENT:
                result.sent.append(reminder_id)
            elif outcome == Delivery.FAILED:
                result.failed.append(reminder_id)
    finally:
        _release(ids[done:])
    return result


def reminder_send(*, reminder_id: int, last_try: bool) -> Delivery:
    """One attempt to send one reminder, its outcome recorded on the row.

    A mail error that may pass is recorded as an attempt and answered ``RETRY`` (``FAILED`` on
    the ``last_try``); any other error (a bad header, a value, encoding or data error: retrying
    cannot fix it) marks the row failed at once. Only a database that cannot be reached
    propagates, since nothing can be recorded then.
    """
    try:
        sent = reminder_deliver(reminder_id=reminder_id)
    except DATABASE_DOWN:
        raise
    except Exception as error:  # one bad row must not stop the others
        retry = is_retryable(error) and not last_try
        reminder_attempt_failed(reminder_id=reminder_id, error=error, final=not retry)
        return Delivery.RETRY if retry else Delivery.FAILED
    return Delivery.SENT if sent else Delivery.SKIPPED


def reminder_deliver(*, reminder_id: int) -> bool:
    """Send one reminder unless it is gone or no longer pending; True when it was sent now.

    The row stays locked while the mail (or the robot's message) goes out, so a duplicated or
    retried task waits and then finds it sent. Errors propagate (nothing is written):
    ``reminder_send`` sorts them.
    """
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("recipient", "webhook__task_force")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.state != Reminder.State.PENDING:
            return False
        if reminder.webhook_id is not None:
            webhooks.send_webhook_message(reminder)
        else:
            mail.send_reminder_mail(reminder)
        reminder.state = Reminder.State.SENT
        reminder.sent_at = timezone.now()
        reminder.attempts += 1
        reminder.last_error = ""
        reminder.save(update_fields=["state", "sent_at", "attempts", "last_error", "updated_at"])
    return True


def reminder_attempt_failed(*, reminder_id: int, error: BaseException, final: bool) -> None:
    """Record a failed send; a final one marks the reminder failed, with its error, for admins."""
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.state != Reminder.State.PENDING:
            return
        reminder.attempts += 1
        reminder.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
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
        # A programming or data error needs its traceback; a refusing mail server does not.
        exc_info=None if isinstance(error, webhooks.WebhookError) or is_retryable(error) else error,
    )


def reminder_assignment_create(
    *,
    recipient: User,
    item: ReminderItem,
    day: datetime.date,
    kind: str = Reminder.Kind.ASSIGNMENT,
) -> Reminder | None:
    """Write the "you are the new owner" email for one item; it is enqueued after the commit.

    ``kind`` names another email about one event sent the same way (``Reminder.SINGLE_KINDS``:
    an approval decided, a task …): the email channel of ``crm.notifications.notices.notify``.

    Called inside the transaction that changes the owner, so the row commits or rolls back
    with the change; the worker only delivers. Sent to any active user with an email (it is
    not a digest, so the opt-out does not apply); at most one per item, recipient and day.
    Nothing in the item can make this raise: the subject is made to fit its column.
    """
    if not wants_mail(recipient, kind):
        return None
    ref = f"{item.source}:{item.object_id}"
    with transaction.atomic():
        row = _new_row(
            kind=kind,
            recipient=recipient,
            day=day,
            items=[item_snapshot(item, str(recipient))],
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
            # robust: whatever enqueueing raises, the committed change has been made; the row
            # stays pending for the next tick.
            transaction.on_commit(
                lambda: reminders_enqueue_from_request(_claim_one(reminder.pk)), robust=True
            )
    return reminder


def claim_new(rows: Q) -> list[int]:
    """Claim the pending rows matching ``rows`` that nobody has been handed yet (after the
    commit that wrote them); rows another dispatcher holds are left to it."""
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(rows, state=Reminder.State.PENDING, enqueued_at__isnull=True)
            .values_list("id", flat=True)
        )
        if ids:
            Reminder.objects.filter(id__in=ids).update(enqueued_at=timezone.now())
    return ids


def _claim_one(reminder_id: int) -> list[int]:
    updated = Reminder.objects.filter(
        pk=reminder_id, state=Reminder.State.PENDING, enqueued_at__isnull=True
    ).update(enqueued_at=timezone.now())
    return [reminder_id] if updated else []
