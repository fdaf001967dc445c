"""Celery tasks of the reminder engine: thin, taking ids, safe to run twice.

Each task calls one service in ``crm.notifications.services``. Sending retries only on mail
errors that may pass (``mail.is_retryable``), with exponential backoff and jitter; after the
last retry, or at once for an error no retry can fix, the service marks the reminder failed
with its error, and the next daily run picks it up again.

The task names keep their ``crm.tasks.`` prefix from before the engine became a package: the
beat schedule and messages already queued refer to them by name. ``config/celery.py`` makes
the worker discover this module.
"""

import datetime
import logging
import random

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from crm.notifications import services

logger = logging.getLogger(__name__)


def retry_countdown(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: doubling from the base, capped, jittered."""
    base = settings.REMINDER_RETRY_BASE_SECONDS
    delay = min(base * (2**retries), settings.REMINDER_RETRY_MAX_SECONDS)
    return delay + random.uniform(0, base)


@shared_task(
    bind=True,
    name="crm.tasks.send_reminder",
    max_retries=settings.REMINDER_MAX_RETRIES,
    acks_late=True,
    ignore_result=True,
)
def send_reminder(self, reminder_id: int) -> str:
    """Send one reminder; a repeated or duplicated task finds it sent and does nothing."""
    outcome = services.reminder_send(
        reminder_id=reminder_id, last_try=self.request.retries >= self.max_retries
    )
    if outcome == services.Delivery.RETRY:
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return str(outcome)


@shared_task(name="crm.tasks.reminders_tick", acks_late=True, ignore_result=True)
def reminders_tick() -> str:
    """Every minute (beat): the day's run once the send time has come, else pending rows."""
    result = services.reminders_tick()
    return type(result).__name__


@shared_task(name="crm.tasks.reminders_run", acks_late=True, ignore_result=True)
def reminders_run(day: str | None = None) -> dict:
    """The daily run for ``day`` (ISO date, default today), forced: the operator asked for it."""
    today = timezone.localdate() if day is None else datetime.date.fromisoformat(day)
    result = services.reminders_run(today=today, force=True)
    return {"day": str(result.day), "items": result.item_count, "created": result.created}
