"""``manage.py import_ledger <kind> <file> --user U [--dry-run] [--update] [--import-similar]``.

Imports a 台账 (xlsx or CSV) as the given user, through the same engine, rules and log as the
导入台账 page (``crm.imports.import_file``): all rows or none. ``--dry-run`` checks and writes
nothing; ``--update`` updates records a row matches (same credit code) instead of skipping
them; ``--import-similar`` imports rows whose name matches a record's instead of skipping them.
Prints the counts and the problems; exits with status 1 when anything stopped the import.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.exceptions import DomainError
from crm.imports import Severity, import_file, specs
from crm.models import ImportLog, User

PROBLEMS_PRINTED = 50


class Command(BaseCommand):
    help = "导入线索、项目或对上争取台账（xlsx 或 CSV），全部写入或一条不写。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[spec.kind for spec in specs()], help="导入为")
        parser.add_argument("file", type=Path, help="台账文件（.xlsx 或 .csv）")
        parser.add_argument("--user", required=True, help="以哪个用户的身份导入（用户名）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument(
            "--update", action="store_true", help="与已有记录相同的行用表中内容更新（默认跳过）"
        )
        parser.add_argument(
            "--import-similar", action="store_true", help="名称相近的行仍然导入（默认跳过）"
        )

    def handle(
        self,
        *args,
        kind: str,
        file: Path,
        user: str,
        dry_run: bool,
        update: bool,
        import_similar: bool,
        **options,
    ) -> None:
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"没有启用中的用户「{user}」。")
        if not file.is_file():
            raise CommandError(f"找不到文件 {file}。")
        try:
            result = import_file(
                actor=actor,
                kind=kind,
                file=file,
                on_match=ImportLog.OnMatch.UPDATE if update else ImportLog.OnMatch.SKIP,
                on_similar=(
                    ImportLog.OnSimilar.IMPORT if import_similar else ImportLog.OnSimilar.SKIP
                ),
                dry_run=dry_run,
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        counts = result.counts
        verb = "检查" if dry_run else ("已导入" if result.written else "未导入")
        self.stdout.write(
            f"{verb} {file.name}（导入记录 #{result.log.pk}）：数据 {counts['rows']} 行，"
            f"新建 {counts['create']}，更新 {counts['update']}，"
            f"跳过 {counts['skip'] + counts['unchanged']}，"
            f"错误 {counts['errors']}，提示 {counts['warnings']}。"
        )
        problems = result.problems
        for problem in problems[:PROBLEMS_PRINTED]:
            level = "错误" if problem.severity == Severity.ERROR else "提示"
            where = f"第 {problem.row} 行" if problem.row else "表头"
            column = f" {problem.letter}「{problem.column}」" if problem.column else ""
            self.stdout.write(f"  [{level}] {where}{column}：{problem.message}")
        if len(problems) > PROBLEMS_PRINTED:
            self.stdout.write(f"  …… 另有 {len(problems) - PROBLEMS_PRINTED} 条，见导入记录。")
        if result.has_errors:
            raise CommandError("有错误，没有写入任何记录。" if not dry_run else "有错误。")
