"""Reminder emails: their content, and delivery through a real SMTP server on loopback."""

import pytest

from crm.models import Reminder
from crm.notifications import mail, selectors, services
from tests.crm.conftest import message_text

pytestmark = pytest.mark.django_db


def planned_row(today, kind: str, username: str) -> Reminder:
    planned, _count = selectors.reminders_plan(today=today)
    plan = next(p for p in planned if p.kind == kind and p.recipient.username == username)
    row = services._new_row(
        kind=plan.kind,
        recipient=plan.recipient,
        day=today,
        items=plan.items,
        item_count=plan.item_count,
    )
    row.save()
    return row


def test_officer_email_is_chinese_text_and_html_with_absolute_links(bureau, today, settings):
    settings.SITE_URL = "https://zhaoshang.hulin.example.cn"
    lead = bureau["leads"]["rice_10"]
    message = mail.build_message(planned_row(today, "officer", "officer"))
    assert message.subject == f"【逾期提醒】您有 2 项逾期未跟进（{today:%Y-%m-%d}）"
    assert message.to == ["officer@example.cn"]
    html = message.alternatives[0][0]
    link = f"https://zhaoshang.hulin.example.cn/leads/{lead.pk}/"
    for body in (message.body, html):
        assert "王招商，您好" in body
        assert "珍宝岛药业有限公司" in body
        assert "逾期 10 天" in body
        assert "阶段：对接" in body
        assert "最近跟进：无" in body
        assert link in body
        assert "https://zhaoshang.hulin.example.cn/reminders/" in body
    assert f'<a href="{link}">珍宝岛药业有限公司</a>' in html


def test_digest_groups_by_officer(bureau, today):
    message = mail.build_message(planned_row(today, "digest", "dairy-leader"))
    assert message.subject.startswith("【专班汇总】专班共有 2 项逾期未跟进")
    assert "负责人：李外班" in message.body
    assert "王招商" not in message.body


def test_long_lists_are_cut_and_counted(bureau, today, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_ITEMS_PER_REMINDER", 1)
    row = planned_row(today, "officer", "officer")
    assert (row.item_count, len(row.items)) == (2, 1)
    assert "另有 1 项未在邮件中列出" in mail.build_message(row).body


@pytest.mark.services
def test_run_delivers_through_smtp_with_recipients_subject_and_links(
    bureau, today, smtp_server, celery_eager
):
    services.reminders_run(today=today)
    assert len(smtp_server.messages) == 5
    officer_mail = next(m for m in smtp_server.messages if m["To"] == "officer@example.cn")
    assert officer_mail["Subject"].strip() == f"【逾期提醒】您有 2 项逾期未跟进（{today:%Y-%m-%d}）"
    plain, html = message_text(officer_mail)
    lead = bureau["leads"]["rice_3"]
    assert f"http://127.0.0.1:8000/leads/{lead.pk}/" in plain
    assert f"http://127.0.0.1:8000/leads/{lead.pk}/" in html
    recipients = sorted(rcpt for _sender, rcpts in smtp_server.envelopes for rcpt in rcpts)
    assert recipients == sorted(
        [
            "officer@example.cn",
            "other@example.cn",
            "leader@example.cn",
            "dairy-leader@example.cn",
            "chief@example.cn",
        ]
    )
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.services
def test_refusing_server_is_retried_and_the_reminder_delivered(
    bureau, today, smtp_server, celery_eager, settings
):
    settings.REMINDER_RETRY_BASE_SECONDS = 0.01
    smtp_server.refuse = 2
    row = planned_row(today, "officer", "officer")
    from crm.notifications.tasks import send_reminder

    send_reminder.delay(row.pk)
    row.refresh_from_db()
    assert row.state == "sent"
    assert row.attempts == 3
    assert len(smtp_server.messages) == 1
    assert smtp_server.attempts == 3


@pytest.mark.services
def test_always_refusing_server_ends_failed_and_next_run_retries(
    bureau, today, smtp_server, celery_eager, settings
):
    settings.REMINDER_RETRY_BASE_SECONDS = 0.01
    smtp_server.always_refuse = True
    first = services.reminders_run(today=today)
    assert first.created == 5
    failed = Reminder.objects.filter(state="failed")
    assert failed.count() == 5
    assert all(r.attempts == settings.REMINDER_MAX_RETRIES + 1 for r in failed)
    assert "451" in failed.first().last_error
    assert smtp_server.messages == []
    smtp_server.always_refuse = False
    second = services.reminders_run(today=today, force=True)
    assert (second.created, second.retried) == (0, 5)
    assert len(smtp_server.messages) == 5
    assert not Reminder.objects.exclude(state="sent").exists()


def test_send_reminders_command_sends_in_process(bureau, today, capsys, mailoutbox):
    from django.core.management import call_command

    call_command("send_reminders", "--date", today.isoformat())
    out = capsys.readouterr().out
    assert "新建提醒 5 封" in out and "本次发送 5 封" in out and "数据库查询" in out
    assert len(mailoutbox) == 5
    call_command("send_reminders", "--date", today.isoformat())
    assert len(mailoutbox) == 5


def test_send_reminders_dry_run_prints_and_writes_nothing(bureau, today, capsys, mailoutbox):
    from django.core.management import call_command

    call_command("send_reminders", "--dry-run")
    out = capsys.readouterr().out
    assert "计划提醒 5 封" in out
    assert "[将发送] 逾期跟进提醒 → 王招商 <officer@example.cn>：2 项" in out
    assert not Reminder.objects.exists() and mailoutbox == []


def test_send_reminders_refuses_a_bad_date(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "2026-13-01")
