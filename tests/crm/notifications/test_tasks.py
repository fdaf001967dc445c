"""Celery tasks of the reminder engine: thin, idempotent, retrying on named errors only."""

import smtplib
import threading

import pytest
from django.core.mail import BadHeaderError
from django.db import DataError

from crm.models import Reminder
from crm.notifications import services, tasks

pytestmark = pytest.mark.django_db


def test_send_reminder_twice_sends_once(bureau, today, celery_eager, mailoutbox, monkeypatch):
    monkeypatch.setattr(tasks.send_reminder, "delay", lambda reminder_id: None)
    services.reminders_run(today=today)
    monkeypatch.undo()
    row = Reminder.objects.first()
    assert tasks.send_reminder.delay(row.pk).get() == "sent"
    assert tasks.send_reminder.delay(row.pk).get() == "skipped"
    assert len(mailoutbox) == 1


def test_send_reminder_returns_quietly_when_the_row_is_gone(db, celery_eager):
    assert tasks.send_reminder.delay(987654).get() == "skipped"


def test_send_reminder_retries_named_errors_then_records_failure(
    bureau, today, celery_eager, monkeypatch
):
    monkeypatch.setattr(tasks.send_reminder, "delay", lambda reminder_id: None)
    services.reminders_run(today=today)
    monkeypatch.undo()
    calls = []

    def refuse(reminder):
        calls.append(reminder.pk)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("crm.notifications.mail.send_reminder_mail", refuse)
    row = Reminder.objects.first()
    tasks.send_reminder.delay(row.pk)
    row.refresh_from_db()
    assert len(calls) == tasks.send_reminder.max_retries + 1
    assert (row.state, row.attempts) == ("failed", len(calls))
    assert row.last_error.startswith("SMTPServerDisconnected")


@pytest.mark.parametrize(
    "error",
    [
        BadHeaderError("Header values can't contain newlines"),
        ValueError("template bug"),
        UnicodeEncodeError("ascii", "王", 0, 1, "ordinal not in range(128)"),
        DataError("value too long for type character varying(200)"),
        smtplib.SMTPRecipientsRefused({"officer@example.cn": (550, b"no such user")}),
        smtplib.SMTPDataError(554, b"message refused"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_a_retry_cannot_fix_fail_that_row_at_once_with_its_error(
    bureau, today, celery_eager, monkeypatch, error
):
    monkeypatch.setattr(tasks.send_reminder, "delay", lambda reminder_id: None)
    services.reminders_run(today=today)
    monkeypatch.undo()
    calls = []

    def broken(reminder):
        calls.append(reminder.pk)
        raise error

    monkeypatch.setattr("crm.notifications.mail.send_reminder_mail", broken)
    row = Reminder.objects.first()
    assert tasks.send_reminder.delay(row.pk).get() == "failed"
    assert len(calls) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error.startswith(type(error).__name__)


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPDataError(451, b"try again later"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_mail_errors_that_may_pass_are_retried_with_backoff(
    bureau, today, celery_eager, monkeypatch, error
):
    monkeypatch.setattr(tasks.send_reminder, "delay", lambda reminder_id: None)
    services.reminders_run(today=today)
    monkeypatch.undo()
    countdowns = []
    real_countdown = tasks.retry_countdown
    monkeypatch.setattr(
        tasks, "retry_countdown", lambda retries: countdowns.append(real_countdown(retries)) or 0
    )

    def refuse(reminder):
        raise error

    monkeypatch.setattr("crm.notifications.mail.send_reminder_mail", refuse)
    row = Reminder.objects.first()
    tasks.send_reminder.delay(row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", tasks.send_reminder.max_retries + 1)
    assert len(countdowns) == tasks.send_reminder.max_retries
    assert countdowns[-1] > countdowns[0]  # doubling


def test_retry_countdown_doubles_is_capped_and_jittered(settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 10
    settings.REMINDER_RETRY_MAX_SECONDS = 60
    assert 10 <= tasks.retry_countdown(0) <= 20
    assert 40 <= tasks.retry_countdown(2) <= 50
    assert 60 <= tasks.retry_countdown(9) <= 70
    assert len({tasks.retry_countdown(1) for _ in range(5)}) > 1


def test_tick_task_runs_the_day_once_after_the_send_time(bureau, celery_eager, mailoutbox):
    from crm.models import ReminderSchedule

    ReminderSchedule.objects.update_or_create(pk=1, defaults={"send_at": "00:00"})
    tasks.reminders_tick.delay()
    tasks.reminders_tick.delay()
    assert len(mailoutbox) == 5


def test_run_task_forces_a_day(bureau, today, celery_eager, mailoutbox):
    result = tasks.reminders_run.delay(today.isoformat()).get()
    assert result == {"day": today.isoformat(), "items": 4, "created": 5}
    assert len(mailoutbox) == 5


def test_beat_schedule_ticks_the_reminders(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reminders-tick"]
    assert entry["task"] == tasks.reminders_tick.name
    assert entry["schedule"] <= 300


def test_a_slow_broker_never_holds_the_request_past_the_timeout(monkeypatch, settings):
    """A broker answering each command just under the socket timeout would hold a publish for
    half a minute (review finding): the request waits ``REDIS_TIMEOUT_SECONDS`` at most."""
    from celery import current_app

    from crm.notifications import services

    release = threading.Event()
    published = []

    def slow_enqueue(ids, *, force=True):
        release.wait(30)  # a publish stuck on a slow broker
        published.extend(ids)

    monkeypatch.setattr(services, "reminders_enqueue", slow_enqueue)
    monkeypatch.setattr(current_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(current_app.conf, "CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    settings.REDIS_TIMEOUT_SECONDS = 0.05
    services.broker_breaker.reset()
    try:
        services.reminders_enqueue_from_request([1])
        assert services.broker_breaker.is_open()  # returned while the publish still waits
        assert published == []
    finally:
        release.set()
        services.broker_breaker.reset()
