"""``manage.py seed_demo``: build (or complete) the demo Hulin investment-promotion bureau.

The command runs the seeding steps in ``STEPS``, in order. Each step is a module that exposes::

    seed(*, stdout, options) -> None

- ``stdout`` is the command's output wrapper (``stdout.write(text)`` adds the line ending);
- ``options`` is the dict of the command's parsed options (``options["leads"]``,
  ``options["verbosity"]``, plus any option a step adds itself).

A step must be idempotent: it identifies its rows by stable keys (usernames, codes, credit
codes, names), creates only what is missing, never deletes or overwrites, and says so when
everything already exists. A step may rely on the steps before it (look their rows up by their
keys: ``crm.demo.DEMO_USERS`` / ``DEMO_TASK_FORCES``); it runs its own transactions.

A step module may also expose ``add_arguments(parser)`` to add its own options (for example
``--projects``). A step whose module does not exist yet is skipped with a note, so an app can
ship its step later; an import error inside an existing module is a real error and is raised.

``--leads 100000`` must take minutes, so a step works in bulk (``bulk_create`` in batches,
reference data loaded once, no query per row) wherever its row count grows with ``--leads``.

``leads.demo`` creates serve-stage leads without a project: ``projects.demo`` links a signed
project to each of them (``Lead.objects.filter(stage="serve", project__isnull=True)``).

A benchmark's bureau (``scripts/bench.sh``): ``--users`` and ``--task-forces`` (``crm.demo``)
grow the bureau, and ``--projects N`` signs projects for docking leads, before the projects step,
until there are at least ``N`` (one lead in ten reaches serve and gets its project there, so
``--leads 100000`` already gives about 10,000).
"""

import importlib
import random
import time
import unicodedata
from argparse import ArgumentParser
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from crm.demo import DEMO_PASSWORD, login_rows
from leads.demo import DEFAULT_LEADS
from leads.models import Lead
from projects.demo import SEED as PROJECTS_SEED
from projects.demo import Seeder
from projects.models import Project

STEPS = ("crm.demo", "leads.demo", "projects.demo")


def load_step(name: str) -> ModuleType | None:
    """The step's module, or ``None`` when that module does not exist (yet)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name == name:
            return None
        raise


def top_up_projects(count: int, stdout: Any) -> int:
    """Sign projects for docking leads (oldest first) so that there will be ``count`` projects.

    Runs before the projects step, counting the projects that step will give the serve leads,
    so that step's progress reports and tasks cover these too and a rerun creates nothing. Uses
    that step's bulk path; returns how many were created (fewer when docking leads run out).
    """
    pending = Lead.objects.filter(stage=Lead.Stage.SERVE, project__isnull=True).exclude(
        credit_code=""
    )
    missing = count - Project.objects.count() - pending.count()
    if missing <= 0:
        return 0
    leads = (
        Lead.objects.filter(stage=Lead.Stage.DOCK, project__isnull=True, task_force__isnull=False)
        .exclude(credit_code="")
        .exclude(credit_code__in=Project.objects.exclude(credit_code="").values("credit_code"))
        .select_related("industry", "chain_link", "task_force__leader", "owner")
        .order_by("id")[:missing]
    )
    seeder = Seeder(stdout)
    status = Project.Status
    batch = []
    with transaction.atomic():
        for lead in leads.iterator(chunk_size=2000):
            rng = random.Random(PROJECTS_SEED + lead.pk)
            batch.append((lead, rng.choice([status.SIGNED, status.COMMENCED]), rng))
            if len(batch) == 2000:
                seeder.bulk_create_from_leads(batch)
                batch = []
        if batch:
            seeder.bulk_create_from_leads(batch)
    return seeder.created


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as aligned text columns."""
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(cell, width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return [line.rstrip() for line in lines]


class Command(BaseCommand):
    # argparse needs a plain string here (a lazy translation breaks ``manage.py help``).
    help = "生成演示数据：虎林市招商部门的用户、专班、线索（含跟进和阶段记录）及项目。可重复运行。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--leads",
            type=int,
            default=DEFAULT_LEADS,
            help=_("演示线索总数（默认 %(default)d；性能测试可用 100000）。")
            % {"default": DEFAULT_LEADS},
        )
        parser.add_argument(
            "--projects",
            type=int,
            default=0,
            help=_("项目至少这么多个：不足时为对接阶段的线索补签约项目（性能测试用 10000）。"),
        )
        for name in STEPS:
            module = load_step(name)
            if module is not None and hasattr(module, "add_arguments"):
                module.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["leads"] < 0:
            raise CommandError(_("--leads 不能为负数。"))
        started = time.monotonic()
        for name in STEPS:
            module = load_step(name)
            if module is None:
                self.stdout.write(_("[%(step)s] 跳过：该模块尚未提供。") % {"step": name})
                continue
            if name == "projects.demo" and options["projects"] > 0:
                created = top_up_projects(options["projects"], self.stdout)
                self.stdout.write(
                    _("为对接阶段线索补签约项目 %(created)d 个。") % {"created": created}
                )
            step_started = time.monotonic()
            self.stdout.write(_("[%(step)s] 开始……") % {"step": name})
            module.seed(stdout=self.stdout, options=options)
            self.stdout.write(
                _("[%(step)s] 完成，用时 %(seconds).1f 秒。")
                % {"step": name, "seconds": time.monotonic() - step_started}
            )
        # Bulk loads leave the planner's statistics stale until autovacuum comes round; refresh
        # them now, or the first pages over a large data set get poor query plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        self.stdout.write("")
        self.stdout.write(_("演示账号（密码均为 %(password)s）：") % {"password": DEMO_PASSWORD})
        header = (_("用户名"), _("姓名"), _("角色"), _("专班"), _("密码"))
        for line in table(header, login_rows()):
            self.stdout.write("  " + line)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                _("演示数据就绪，总用时 %(seconds).1f 秒。")
                % {"seconds": time.monotonic() - started}
            )
        )
