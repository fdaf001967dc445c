"""Importing a 10,000-row lead 台账: check and import times (not a timed unit test).

Run explicitly (prints the figures; the target is under 10 s on PostgreSQL)::

    .venv/bin/pytest tests/leads/bench_import.py -m benchmark -s
    DATABASE_URL=postgres://… .venv/bin/pytest tests/leads/bench_import.py -m benchmark -s

The files are what Excel saves (shared strings), what a write-only writer saves (inline
strings, as the export does) and a GBK CSV; wall and CPU time of this process are printed
(on a busy machine the difference is time spent waiting for a core, or for the database).
"""

import csv
import io
import time

import pytest
from openpyxl import Workbook

from crm.imports import import_file
from crm.models import User
from leads.models import Lead
from tests.factories import TaskForceFactory, UserFactory, make_credit_code

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

ROWS = 10_000
HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "产业",
    "招商渠道",
    "来源地区",
    "计划投资（万元）",
    "联系人",
    "联系电话",
    "下次跟进日期",
    "负责人",
    "专班",
    "投资意向",
]


def ledger_rows(offset: int) -> list[list]:
    return [
        [
            f"基准导入企业{offset + n}有限公司",
            make_credit_code(900_000 + offset + n),
            "米业",
            "老乡招商",
            "长三角",
            "1.2亿元" if n % 2 else 3500,
            "张经理",
            "13845671234",
            "2027/3/1" if n % 3 else "2027年3月1日",
            "bench",
            "基准专班",
            "年产 10 万吨大米加工项目",
        ]
        for n in range(ROWS)
    ]


def xlsx(rows: list[list], *, write_only: bool) -> bytes:
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("线索") if write_only else workbook.active
    sheet.append(["线索台账"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def gbk_csv(rows: list[list]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode("gb18030")


@pytest.mark.parametrize(
    ("name", "offset", "build"),
    [
        ("xlsx（共享字符串，Excel 保存）", 0, lambda rows: xlsx(rows, write_only=False)),
        ("xlsx（内联字符串，导出文件）", ROWS, lambda rows: xlsx(rows, write_only=True)),
        ("CSV（GBK）", 2 * ROWS, gbk_csv),
    ],
)
def test_import_10000_leads(name, offset, build):
    officer = UserFactory(username="bench", full_name="基准专员")
    TaskForceFactory(code="bench-tf", name="基准专班", leader=officer)
    data = build(ledger_rows(offset))
    for dry_run in (True, False):
        actor = User.objects.get(pk=officer.pk)
        wall, cpu = time.perf_counter(), time.process_time()
        result = import_file(actor=actor, kind="leads", file=data, dry_run=dry_run)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"\n{name} {'检查' if dry_run else '导入'} {ROWS:,} 行："
            f"{wall:.2f} s（本进程 CPU {cpu:.2f} s）"
        )
        assert result.counts["create"] == ROWS and result.written is not dry_run
    assert Lead.objects.filter(created_by=officer).count() == ROWS
