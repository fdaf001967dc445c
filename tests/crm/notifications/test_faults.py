"""Faults the reminder engine survives: bad rows, a hung broker, a refusing mail server, a
worker killed mid-run, two beats at once. Each ends with every email delivered exactly once.

The tests at the top need nothing but the database (SQLite will do); those marked
``services`` start real Celery worker and beat processes against Redis and PostgreSQL (skipped
without them, failing in CI where ``REQUIRE_SERVICES=1``).
"""

import asyncio
import datetime
import signal
import threading
import time
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from crm.models import Reminder, ReminderSchedule, User
from crm.notifications import mail, services
from leads.models import Lead
from tests.crm.conftest import make_overdue_lead
from tests.crm.notifications.conftest import celery_broker
from tests.crm.notifications.test_celery_e2e import (
    celery_env,
    needs_postgresql,
    start_celery,
    start_worker,
    stop,
    wait_for,
)
from tests.factories import UserFactory

# A hung broker must cost a request seconds, not minutes: a guard against a hang, not a timing.
HANG_GUARD_SECONDS = 15


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assign(user: User, lead: Lead, owner: User):
    """Give ``lead`` to ``owner`` through the API, as ``user``."""
    return client_for(user).patch(f"/api/v1/leads/{lead.pk}/", {"owner": owner.pk}, format="json")


@pytest.fixture
def dairy_leads(bureau, officer):
    """Two dairy leads that may be given to ``officer`` (an owner belongs to the task force)."""
    bureau["dairy"].members.add(officer)
    return [bureau["leads"]["dairy_2"], bureau["leads"]["dairy_20"]]


def only_dispatching_ticks() -> None:
    """The beat's tick then only hands out pending rows: no daily run joins in."""
    ReminderSchedule.objects.update_or_create(pk=1, defaults={"is_enabled": False})


def recipients(messages) -> Counter:
    return Counter(message["To"] for message in messages)


# --- one bad row cannot stop a run ----------------------------------------------------------


@pytest.mark.django_db
def test_one_bad_row_fails_alone_the_others_go_out_and_the_command_exits_non_zero(
    bureau, today, mailoutbox
):
    # The day of the report: 16 emails, one of them impossible to send.
    for number in range(9):
        owner = UserFactory(username=f"extra{number}", full_name=f"专员{number}")
        make_overdue_lead(owner=owner, days=1 + number % 5)
    yesterday = today - datetime.timedelta(days=1)
    officer = bureau["leads"]["rice_3"].owner
    # Written before one-line fields were enforced: a newline in the address and in a subject.
    bad = Reminder.objects.create(
        kind="officer", recipient=officer, day=yesterday, email="officer@example.cn\nBcc: x@y.cn"
    )
    old = Reminder.objects.create(
        kind="digest",
        recipient=bureau["dairy_leader"],
        day=yesterday,
        email="dairy-leader@example.cn",
        subject="【专班汇总】完达山\n乳业",
    )

    with pytest.raises(CommandError) as refused:
        call_command("send_reminders", "--date", today.isoformat())

    assert f"#{bad.pk}" in str(refused.value) and "1 封提醒发送失败" in str(refused.value)
    assert len(mailoutbox) == 15
    assert Reminder.objects.filter(state="sent").count() == 15
    bad.refresh_from_db()
    assert (bad.state, bad.attempts) == ("failed", 1)
    assert bad.last_error.startswith("BadHeaderError")
    assert "【专班汇总】完达山 乳业" in [message.subject for message in mailoutbox]
    # The next run tries the failed row again, and nothing that went out goes out twice.
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", today.isoformat())
    assert len(mailoutbox) == 15
    old.refresh_from_db()
    assert old.state == "sent"


@pytest.mark.django_db
def test_a_newline_in_an_old_company_name_gives_a_one_line_subject(
    dairy_leads,
    officer,
    bureau_leader,
    celery_eager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    lead = dairy_leads[0]
    Lead.objects.filter(pk=lead.pk).update(company_name="完达山\r\n乳业\t有限公司")
    lead.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = assign(bureau_leader, lead, officer)
    assert response.status_code == 200
    assert [message.subject for message in mailoutbox] == [
        "【新线索】您已被指定为「完达山 乳业 有限公司」的负责人"
    ]
    assert Reminder.objects.get(kind="assignment").state == "sent"


@pytest.mark.django_db
def test_a_195_character_company_name_assigned_to_a_new_owner_answers_200(
    dairy_leads,
    officer,
    bureau_leader,
    celery_eager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    lead = dairy_leads[0]
    name = "黑龙江省虎林市" + "绿色有机农业产业化" * 20 + "有限公司"
    name = name[:195]
    Lead.objects.filter(pk=lead.pk).update(company_name=name)
    lead.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = assign(bureau_leader, lead, officer)
    assert response.status_code == 200, response.content
    row = Reminder.objects.get(kind="assignment")
    assert len(row.subject) <= mail.SUBJECT_MAX_LENGTH
    assert row.subject.startswith("【新线索】您已被指定为「黑龙江省虎林市")
    assert row.subject.endswith("…」的负责人")
    assert row.state == "sent"
    assert row.items[0]["title"] == name  # the full name is kept where it fits
    assert mailoutbox[0].subject == row.subject


def test_subjects_are_one_line_and_fit_their_column():
    day = datetime.date(2026, 3, 2)
    for title in ("a\nb", "甲" * 500, "\x00\x1b\u2028", ""):
        items = [{"title": title}]
        subject = mail.reminder_subject(kind="assignment", count=1, day=day, items=items)
        assert len(subject) <= mail.SUBJECT_MAX_LENGTH
        assert mail.single_line(subject) == subject
    assert mail.single_line(" 第一行\r\n第二行\t完 ") == "第一行 第二行 完"
    assert mail.clip("甲" * 10, 5) == "甲甲甲甲…"


# --- a broker that accepts and never answers -------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_hung_broker_costs_an_assignment_seconds_and_the_next_tick_delivers(
    dairy_leads, officer, bureau_leader, hung_server, celery_eager, mailoutbox
):
    only_dispatching_ticks()
    first, second = dairy_leads
    with celery_broker(hung_server.url):
        started = time.monotonic()
        response = assign(bureau_leader, first, officer)
        assert time.monotonic() - started < HANG_GUARD_SECONDS
        tried = len(hung_server.connections)
        # The request path now leaves reminders to the beat for a while: no second wait.
        assert assign(bureau_leader, second, officer).status_code == 200
        assert len(hung_server.connections) == tried
    assert response.status_code == 200
    assert tried >= 1  # the broker was really asked
    assert {lead.owner for lead in Lead.objects.filter(pk__in=[first.pk, second.pk])} == {officer}
    rows = Reminder.objects.filter(kind="assignment").order_by("id")
    assert [(row.state, row.enqueued_at) for row in rows] == [("pending", None)] * 2
    assert rows[0].last_error.startswith("无法放入发送队列")

    services.reminders_tick()  # the next beat tick, with a broker that works
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert [message.to for message in mailoutbox] == [[officer.email]] * 2


@pytest.mark.django_db
def test_a_daily_run_with_a_hung_broker_keeps_every_reminder_for_the_next_tick(
    bureau, today, hung_server, celery_eager, mailoutbox
):
    with celery_broker(hung_server.url):
        result = services.reminders_run(today=today)
    assert len(result.dispatch.not_enqueued) == 5
    assert Reminder.objects.filter(state="pending", enqueued_at__isnull=True).count() == 5
    services.reminders_tick()
    assert len(mailoutbox) == 5


# --- a mail server that refuses a whole run, then recovers -----------------------------------


@pytest.mark.services
@pytest.mark.django_db
def test_smtp_refusing_a_whole_run_then_recovering_delivers_every_email_once(
    bureau, today, smtp_server
):
    smtp_server.always_refuse = True
    with pytest.raises(CommandError) as refused:
        call_command("send_reminders", "--date", today.isoformat())
    assert "5 封提醒发送失败" in str(refused.value)
    assert smtp_server.messages == []
    assert smtp_server.attempts == 5
    failed = Reminder.objects.filter(state="failed")
    assert failed.count() == 5
    assert all("451" in row.last_error for row in failed)

    smtp_server.always_refuse = False
    call_command("send_reminders", "--date", today.isoformat())  # exits 0
    call_command("send_reminders", "--date", today.isoformat())  # nothing left to send
    assert len(smtp_server.messages) == 5
    assert set(recipients(smtp_server.messages).values()) == {1}
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert sorted(Reminder.objects.values_list("attempts", flat=True)) == [2] * 5


# --- real worker and beat processes on Redis and PostgreSQL ----------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hung_broker_then_a_real_worker_delivers_the_assignment_once(
    dairy_leads, officer, bureau_leader, hung_server, redis_broker, smtp_server, tmp_path
):
    needs_postgresql()
    only_dispatching_ticks()
    log = tmp_path / "worker.log"
    worker = start_worker(
        env=celery_env(redis_url=redis_broker, smtp_port=smtp_server.port), log=log
    )
    try:
        with celery_broker(hung_server.url):
            response = assign(bureau_leader, dairy_leads[0], officer)
        assert response.status_code == 200
        row = Reminder.objects.get(kind="assignment")
        assert (row.state, row.enqueued_at) == ("pending", None)

        assert services.reminders_tick().enqueued == [row.pk]
        delivered = wait_for(lambda: Reminder.objects.filter(state="sent").exists(), timeout=45)
        assert delivered, f"worker did not deliver; its log:\n{log.read_text()[-4000:]}"
    finally:
        stop(worker)
    assert recipients(smtp_server.messages) == {officer.email: 1}
    assert "Timeout" not in log.read_text()  # the worker lives with the socket timeouts


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_smtp_refusing_a_whole_run_through_the_worker_then_recovering(
    bureau, today, redis_broker, smtp_server, tmp_path
):
    needs_postgresql()
    retries = 2
    smtp_server.always_refuse = True
    log = tmp_path / "worker.log"
    env = celery_env(
        redis_url=redis_broker, smtp_port=smtp_server.port, REMINDER_MAX_RETRIES=str(retries)
    )
    worker = start_worker(env=env, log=log)
    try:
        assert len(services.reminders_run(today=today).dispatch.enqueued) == 5
        all_failed = wait_for(lambda: Reminder.objects.filter(state="failed").count() == 5, 60)
        assert all_failed, f"not all failed; worker log:\n{log.read_text()[-4000:]}"
        assert smtp_server.attempts == 5 * (retries + 1)  # each retried with backoff
        assert smtp_server.messages == []

        smtp_server.always_refuse = False
        second = services.reminders_run(today=today, force=True)
        assert (second.created, second.retried) == (0, 5)
        delivered = wait_for(lambda: len(smtp_server.messages) == 5, timeout=45)
        assert delivered, f"worker did not deliver; its log:\n{log.read_text()[-4000:]}"
        assert wait_for(lambda: not Reminder.objects.exclude(state="sent").exists(), 10)
    finally:
        stop(worker)
    assert set(recipients(smtp_server.messages).values()) == {1}
    assert sorted(Reminder.objects.values_list("attempts", flat=True)) == [retries + 2] * 5


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_run_the_rerun_completes_without_duplicates(
    bureau, today, redis_broker, smtp_server, tmp_path, settings
):
    needs_postgresql()
    # The worker is killed while the mail server keeps it waiting on the third email's
    # recipient: two emails are sent and recorded, the third is not yet handed over.
    holding = threading.Event()
    release = threading.Event()
    seen = []

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        seen.append(address)
        if len(seen) == 3:
            holding.set()
            while not release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = handle_RCPT
    env = celery_env(redis_url=redis_broker, smtp_port=smtp_server.port)
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    worker = start_worker(env=env, log=first_log)
    try:
        assert len(services.reminders_run(today=today).dispatch.enqueued) == 5
        assert holding.wait(timeout=45), f"worker log:\n{first_log.read_text()[-4000:]}"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=15)
    finally:
        release.set()
        stop(worker)
    assert len(smtp_server.messages) == 2
    assert Reminder.objects.filter(state="sent").count() == 2

    # The rerun: the next tick hands out again what no worker finished (in production after
    # REMINDER_REQUEUE_AFTER_SECONDS), while the killed run's messages are still queued.
    settings.REMINDER_REQUEUE_AFTER_SECONDS = 0
    assert len(services.reminders_dispatch().enqueued) == 3
    worker = start_worker(env=env, log=second_log)
    try:
        done = wait_for(lambda: second_log.read_text().count(" succeeded in ") >= 5, 45)
        assert done, f"worker log:\n{second_log.read_text()[-4000:]}"
    finally:
        stop(worker)
    assert len(smtp_server.messages) == 5
    assert set(recipients(smtp_server.messages).values()) == {1}
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert sum(Reminder.objects.values_list("attempts", flat=True)) == 5
    assert "'skipped'" in second_log.read_text()  # a duplicated task found its row sent


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_beats_and_two_workers_send_each_reminder_once(
    bureau, redis_broker, smtp_server, tmp_path
):
    needs_postgresql()
    ReminderSchedule.objects.update_or_create(pk=1, defaults={"send_at": datetime.time(0, 0)})
    env = celery_env(
        redis_url=redis_broker,
        smtp_port=smtp_server.port,
        CELERY_QUEUE_DIR=str(tmp_path / "celery"),
        REMINDER_TICK_SECONDS="1",
    )
    logs = {name: tmp_path / f"{name}.log" for name in ("beat-1", "beat-2", "w1", "w2")}
    processes = [
        start_celery(
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={name}@%h",
            env=env,
            log=logs[name],
        )
        for name in ("w1", "w2")
    ] + [
        start_celery("beat", f"--schedule={tmp_path / name}.db", env=env, log=logs[name])
        for name in ("beat-1", "beat-2")
    ]

    def ticks() -> list[int]:
        return [logs[name].read_text().count("Sending due task") for name in ("beat-1", "beat-2")]

    def ticked_since(before: list[int], count: int) -> bool:
        return all(now >= then + count for now, then in zip(ticks(), before, strict=True))

    def show() -> str:
        return "\n".join(f"--- {name}\n{log.read_text()[-2000:]}" for name, log in logs.items())

    try:
        assert wait_for(lambda: len(smtp_server.messages) == 5, timeout=60), show()
        # Both beats go on ticking after the day's emails went out: nothing more is sent.
        after = ticks()
        assert wait_for(lambda: ticked_since(after, 3), timeout=30), show()
        assert wait_for(lambda: not Reminder.objects.exclude(state="sent").exists(), 10)
    finally:
        for process in processes:
            stop(process)
    assert len(smtp_server.messages) == 5
    assert set(recipients(smtp_server.messages).values()) == {1}
