"""End to end: a real ``celery -A config worker`` consumes from the real Redis broker, reads
the committed test database and delivers the email to a real SMTP server on loopback."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from crm.models import Reminder, ReminderRun, ReminderSchedule
from crm.notifications import services
from tests.conftest import skip_or_fail

BASE_DIR = Path(__file__).resolve().parents[3]


def database_url() -> str:
    """The URL of the test database this process uses, for the worker's environment."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def celery_env(*, redis_url: str, smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "REMINDER_RETRY_BASE_SECONDS": "0.2",
        "REMINDER_RETRY_MAX_SECONDS": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **extra,
    }


def start_celery(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel=INFO"]
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def start_worker(*, env: dict[str, str], log: Path) -> subprocess.Popen:
    return start_celery(
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        env=env,
        log=log,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("the worker process needs a database it can open too (run on PostgreSQL)")


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_consumes_from_redis_and_the_email_arrives(
    bureau, today, smtp_server, redis_broker, tmp_path
):
    needs_postgresql()
    smtp_server.refuse = 1  # the worker retries through the broker, too
    log = tmp_path / "worker.log"
    worker = start_worker(
        env=celery_env(redis_url=redis_broker, smtp_port=smtp_server.port), log=log
    )
    try:
        result = services.reminders_run(today=today)
        assert len(result.dispatch.enqueued) == 5
        delivered = wait_for(lambda: len(smtp_server.messages) == 5, timeout=45)
        assert delivered, f"worker did not deliver; its log:\n{log.read_text()[-4000:]}"
        assert wait_for(lambda: not Reminder.objects.exclude(state="sent").exists(), timeout=10)
    finally:
        stop(worker)
    officer_mail = next(m for m in smtp_server.messages if m["To"] == "officer@example.cn")
    assert "您有 2 项逾期未跟进" in officer_mail["Subject"]
    lead = bureau["leads"]["rice_10"]
    assert f"/leads/{lead.pk}/" in officer_mail.get_body(("plain",)).get_content()
    # The refused first attempt was retried: six attempts for five emails.
    assert sum(Reminder.objects.values_list("attempts", flat=True)) == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_and_worker_on_the_embedded_broker_send_the_morning_emails(
    bureau, smtp_server, tmp_path
):
    """No Redis: kombu's filesystem transport carries the beat's tick to the worker."""
    needs_postgresql()
    ReminderSchedule.objects.update_or_create(pk=1, defaults={"send_at": datetime.time(0, 0)})
    env = celery_env(
        redis_url="",
        smtp_port=smtp_server.port,
        CELERY_QUEUE_DIR=str(tmp_path / "celery"),
        REMINDER_TICK_SECONDS="1",
    )
    worker = start_worker(env=env, log=tmp_path / "worker.log")
    beat = start_celery(
        "beat", f"--schedule={tmp_path / 'beat-schedule'}", env=env, log=tmp_path / "beat.log"
    )
    try:
        delivered = wait_for(lambda: len(smtp_server.messages) == 5, timeout=45)
        logs = "\n".join(
            (tmp_path / name).read_text()[-3000:] for name in ("worker.log", "beat.log")
        )
        assert delivered, f"nothing delivered; logs:\n{logs}"
    finally:
        stop(beat)
        stop(worker)
    # Later ticks of the same day sent nothing more.
    assert len(smtp_server.messages) == 5
    assert ReminderRun.objects.get().finished_at is not None
