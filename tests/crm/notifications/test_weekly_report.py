"""The weekly report emailed to bureau leaders: once, after the administrator's weekday and
time, through the reminder ledger (kind ``weekly``, day = the Monday of the week reported on),
with the same retries and failures as the daily emails; and through a real worker."""

import dataclasses
import datetime
import logging

import pytest
from django.utils import timezone

from crm.models import Reminder, ReminderSchedule
from crm.notifications import mail, services
from crm.registry import scheduled_mails
from dashboard.reports import week_of
from tests.crm.conftest import message_text
from tests.crm.notifications.test_celery_e2e import (
    celery_env,
    needs_postgresql,
    start_worker,
    stop,
    wait_for,
)
from tests.factories import UserFactory

# A Monday long enough ago for its week to have happened, whatever today is.
MONDAY = week_of(timezone.localdate() - datetime.timedelta(days=21)).start
REPORTED = MONDAY - datetime.timedelta(days=7)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def weekly(bureau):
    """The bureau of the reminder tests with the weekly report on, at its default Monday 08:00,
    and the daily run switched off (so only the weekly email goes out)."""
    ReminderSchedule.objects.filter(pk=1).update(weekly_report_enabled=True, is_enabled=False)
    return bureau


def weekly_rows():
    return Reminder.objects.filter(kind=Reminder.Kind.WEEKLY_REPORT)


def test_the_default_schedule_is_monday_at_eight():
    schedule = ReminderSchedule()
    assert (schedule.weekly_report_weekday, schedule.weekly_report_at) == (0, datetime.time(8))
    assert schedule.weekly_report_enabled


def test_dashboard_registers_the_weekly_report():
    source = scheduled_mails.get(Reminder.Kind.WEEKLY_REPORT)
    assert source is not None
    assert source.template == "dashboard/emails/weekly_report"


def test_nothing_at_0759_the_report_at_0800_and_a_rerun_is_a_no_op(
    weekly, bureau_leader, celery_eager, mailoutbox
):
    services.reminders_tick(now=at(MONDAY, 7, 59))
    assert not weekly_rows().exists()
    assert mailoutbox == []

    services.reminders_tick(now=at(MONDAY, 8, 0))
    [row] = weekly_rows()
    assert (row.recipient, row.day, row.state) == (bureau_leader, REPORTED, "sent")
    assert len(mailoutbox) == 1

    for later in (at(MONDAY, 8, 1), at(MONDAY + datetime.timedelta(days=3), 17)):
        services.reminders_tick(now=later)
    assert weekly_rows().count() == 1
    assert len(mailoutbox) == 1


def test_the_week_reported_is_the_one_before_the_send_day(weekly, celery_eager, mailoutbox):
    services.reminders_tick(now=at(MONDAY, 9))
    row = weekly_rows().get()
    assert row.day == REPORTED == week_of(REPORTED).start
    period = f"{REPORTED.month}月{REPORTED.day}日—"
    assert row.subject.startswith("【招商周报】虎林市招商工作周报（")
    assert period in row.subject


def test_the_administrator_moves_the_weekly_time(weekly, celery_eager, mailoutbox):
    ReminderSchedule.objects.filter(pk=1).update(
        weekly_report_weekday=1, weekly_report_at=datetime.time(9, 30)
    )
    tuesday = MONDAY + datetime.timedelta(days=1)
    services.reminders_tick(now=at(MONDAY, 23))
    services.reminders_tick(now=at(tuesday, 9, 29))
    assert mailoutbox == []
    services.reminders_tick(now=at(tuesday, 9, 30))
    assert weekly_rows().get().day == REPORTED
    assert len(mailoutbox) == 1


def test_switched_off_it_sends_nothing(weekly, celery_eager, mailoutbox):
    ReminderSchedule.objects.filter(pk=1).update(weekly_report_enabled=False)
    services.reminders_tick(now=at(MONDAY, 10))
    assert not weekly_rows().exists()


def test_only_active_bureau_leaders_who_take_digests_receive_it(
    weekly, bureau_leader, celery_eager, mailoutbox
):
    UserFactory(username="deputy", role="bureau_leader", receives_digests=False)
    UserFactory(username="retired", role="bureau_leader", is_active=False)
    UserFactory(username="no-mail", role="bureau_leader", email="")
    second = UserFactory(username="second-chief", role="bureau_leader")
    services.reminders_tick(now=at(MONDAY, 8))
    assert set(weekly_rows().values_list("recipient__username", flat=True)) == {
        bureau_leader.username,
        second.username,
    }
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [bureau_leader.email, second.email]
    )


def test_a_bureau_leader_added_later_in_the_week_still_gets_it_once(
    weekly, celery_eager, mailoutbox
):
    services.reminders_tick(now=at(MONDAY, 8))
    late = UserFactory(username="new-chief", role="bureau_leader")
    services.reminders_tick(now=at(MONDAY + datetime.timedelta(days=2), 8))
    services.reminders_tick(now=at(MONDAY + datetime.timedelta(days=2), 8, 1))
    assert weekly_rows().filter(recipient=late).count() == 1
    assert len(mailoutbox) == 2


def test_the_email_has_the_headline_figures_and_the_link_to_the_report(
    weekly, settings, celery_eager, mailoutbox
):
    settings.SITE_URL = "https://zhaoshang.hulin.example.cn"
    services.reminders_tick(now=at(MONDAY, 8))
    [message] = mailoutbox
    html = message.alternatives[0][0]
    link = (
        "https://zhaoshang.hulin.example.cn/reports/"
        f"?kind=week&start={REPORTED.isoformat()}&scope=county"
    )
    for body in (message.body, html):
        assert "局长，您好" in body
        assert "新增线索" in body
        assert "阶段推进" in body
        assert "到位资金" in body
        assert "逾期线索" in body
        assert "龙虎榜" in body
        assert "查看完整周报" in body
    assert link in message.body
    assert link.replace("&", "&amp;") in html
    assert "https://zhaoshang.hulin.example.cn/leads/?created_after=" in message.body
    row = weekly_rows().get()
    assert row.item_count == len(row.items) >= 6
    assert {item["source"] for item in row.items} == {"weekly_report"}


def test_a_failed_weekly_email_is_retried_by_the_next_daily_run(
    weekly, today, celery_eager, mailoutbox, monkeypatch
):
    def refuse(reminder):
        raise ValueError("bad header")  # no retry can fix it: failed at once

    monkeypatch.setattr(mail, "send_reminder_mail", refuse)
    services.reminders_tick(now=at(MONDAY, 8))
    assert weekly_rows().get().state == "failed"

    monkeypatch.undo()
    services.reminders_run(today=today, force=True)  # the next morning's run
    assert weekly_rows().get().state == "sent"
    assert [m.subject for m in mailoutbox if m.subject.startswith("【招商周报】")] == [
        weekly_rows().get().subject
    ]


def test_a_weekly_report_that_cannot_be_built_does_not_stop_the_daily_reminders(
    bureau, today, celery_eager, mailoutbox, monkeypatch, caplog
):
    ReminderSchedule.objects.filter(pk=1).update(
        weekly_report_enabled=True, send_at=datetime.time(0, 0)
    )
    source = scheduled_mails.get(Reminder.Kind.WEEKLY_REPORT)

    def broken(recipient, day):
        raise RuntimeError("report bug")

    monkeypatch.setattr(
        scheduled_mails, "_mails", {source.kind: dataclasses.replace(source, build=broken)}
    )
    with caplog.at_level(logging.ERROR):
        services.reminders_tick(now=at(today, 12))
    assert "Weekly mail weekly for" in caplog.text
    assert "report bug" in caplog.text
    assert not weekly_rows().exists()
    assert len(mailoutbox) == 5  # the day's reminders went out all the same


def test_the_administrator_edits_the_weekly_fields_in_reminder_settings(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    ReminderSchedule.current()
    client.force_login(admin_user)
    page = client.get("/admin/crm/reminderschedule/1/change/").content.decode()
    for label in ("周报邮件", "周报发送日", "周报发送时间", "启用周报邮件"):
        assert label in page


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_delivers_the_weekly_report_through_redis(
    weekly, bureau_leader, smtp_server, redis_broker, tmp_path
):
    needs_postgresql()
    log = tmp_path / "worker.log"
    worker = start_worker(
        env=celery_env(redis_url=redis_broker, smtp_port=smtp_server.port), log=log
    )
    try:
        result = services.reminders_tick(now=at(MONDAY, 8))
        row = weekly_rows().get()
        assert result.enqueued == [row.pk]
        delivered = wait_for(lambda: len(smtp_server.messages) == 1, timeout=45)
        assert delivered, f"worker did not deliver; its log:\n{log.read_text()[-4000:]}"
        assert wait_for(lambda: weekly_rows().filter(state="sent").exists(), timeout=10)
        services.reminders_tick(now=at(MONDAY, 8, 1))  # the next beat tick: nothing new
    finally:
        stop(worker)
    [message] = smtp_server.messages
    assert message["To"] == bureau_leader.email
    assert message["Subject"].strip().startswith("【招商周报】虎林市招商工作周报")
    plain, html = message_text(message)
    assert f"/reports/?kind=week&start={REPORTED.isoformat()}&scope=county" in plain
    assert "新增线索" in html
    assert weekly_rows().count() == 1
