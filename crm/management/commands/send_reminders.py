"""``manage.py send_reminders [--date YYYY-MM-DD] [--dry-run]``: the daily run, synchronously.

For operators, cron users and the demo. Sends in this process (no worker needed); what was
already sent that day is not sent again. ``--dry-run`` prints what would be sent and writes
nothing. A row that fails is marked failed and the others are still sent; the command then
names the failed rows and exits with status 1, so cron or a monitor can alert.
"""

import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from crm.models import Reminder
from crm.notifications import selectors, services


class Command(BaseCommand):
    help = "发送当天的逾期提醒邮件（与定时任务相同，同步执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按此日期（YYYY-MM-DD）计算逾期，默认今天")
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的提醒")

    def handle(self, *args, date: str | None, dry_run: bool, **options) -> None:
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date 应为 YYYY-MM-DD：{date}") from None
        started = time.monotonic()
        with (
            translation.override(settings.LANGUAGE_CODE),
            CaptureQueriesContext(connection) as queries,
        ):
            failed = self._dry_run(today) if dry_run else self._run(today)
        self.stdout.write(
            f"用时 {time.monotonic() - started:.2f} 秒，数据库查询 {len(queries)} 次。"
        )
        if failed:
            ids = "、".join(f"#{pk}" for pk in failed)
            raise CommandError(
                f"{len(failed)} 封提醒发送失败（{ids}），已标记为发送失败，"
                "下次运行时重试；详见管理后台“提醒记录”。"
            )

    def _dry_run(self, today: datetime.date) -> list[int]:
        """Print what a run would send; nothing fails, since nothing is sent."""
        planned, item_count = selectors.reminders_plan(today=today)
        done = set(Reminder.objects.filter(day=today, ref="").values_list("kind", "recipient_id"))
        kinds = dict(Reminder.Kind.choices)
        self.stdout.write(f"{today}：逾期事项 {item_count} 项，计划提醒 {len(planned)} 封。")
        for plan in planned:
            status = "已有记录，不再发送" if (plan.kind, plan.recipient.pk) in done else "将发送"
            self.stdout.write(
                f"  [{status}] {kinds[plan.kind]} → {plan.recipient} <{plan.recipient.email}>"
                f"：{plan.item_count} 项"
            )
        return []

    def _run(self, today: datetime.date) -> list[int]:
        """Run the day in this process; the ids of the reminders that failed."""
        result = services.reminders_run(today=today, force=True, deliver_now=True)
        dispatch = result.dispatch or services.DispatchResult()
        self.stdout.write(
            f"{today}：逾期事项 {result.item_count} 项，新建提醒 {result.created} 封，"
            f"重试失败提醒 {result.retried} 封；本次发送 {len(dispatch.sent)} 封，"
            f"失败 {len(dispatch.failed)} 封。"
        )
        failed = Reminder.objects.filter(pk__in=dispatch.failed).select_related("recipient")
        for reminder in failed.order_by("id"):
            self.stderr.write(f"  发送失败 #{reminder.pk}：{reminder} — {reminder.last_error}")
        return sorted(dispatch.failed)
