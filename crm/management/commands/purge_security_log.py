"""``manage.py purge_security_log [--dry-run]``: delete security-log entries past retention.

The same purge as the daily Celery task, for operators and cron users. The retention is
``SECURITY_LOG_RETENTION_DAYS``, never less than 180 days. ``--dry-run`` counts what would be
deleted and deletes nothing.
"""

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from crm.security import (
    retention_cutoff,
    retention_days,
    security_log_expired,
    security_log_purge,
)


class Command(BaseCommand):
    help = "删除超过保存期限的安全日志（至少保存 180 天）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计将要删除的条数")

    def handle(self, *args, dry_run: bool, **options) -> None:
        days = retention_days()
        now = timezone.now()
        cutoff = timezone.localtime(retention_cutoff(now=now))
        if dry_run:
            count = security_log_expired(now=now).count()
            verb = "将删除"
        else:
            count = security_log_purge(now=now)
            verb = "已删除"
        self.stdout.write(
            f"保存 {days} 天：{verb} {cutoff:%Y-%m-%d %H:%M} 之前的安全日志 {count} 条。"
        )
