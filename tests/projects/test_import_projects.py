"""Importing the project 台账 and the 对上争取 台账: the same engine, the projects' own rules."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from crm.imports import Action, Severity, import_file
from crm.models import ChangeLog, ImportLog
from projects.models import FundsArrival, Project, SupportApplication
from tests.crm.test_imports import workbook_bytes
from tests.factories import make_credit_code
from tests.leads.test_import_leads import upload
from tests.projects.conftest import ProjectFactory

pytestmark = pytest.mark.django_db

CODE_MILL, CODE_DAIRY, CODE_HELD = (make_credit_code(n) for n in (81, 82, 83))
BAD_CODE = "91230381ABCDEFGHIJ"
HEADERS = [
    "序号",
    "项目名称",
    "投资主体",
    "统一社会信用代码",
    "项目类别",
    "所属产业",
    "总投资（亿元）",
    "签约金额",
    "包保领导",
    "专班",
    "建设地点",
    "计划开工时间",
    "状态",
]


def ledger(*, fixed: bool = False, task_force: str = "米业专班", total: object = 1.5) -> bytes:
    """The bureau's project 台账: totals in 亿元 by the header, statuses the import leaves out."""
    rows = [
        [1, "绿都米业稻米深加工项目", "虎林市绿都米业有限公司", CODE_MILL, "产业项目", "米业",
         total, "8000万元", "局长", task_force, "虎林经济开发区", "2026/5/1", "正式签约"],
        [2, "完达山乳品扩能改造", "完达山乳品（虎林）有限公司", CODE_DAIRY if fixed else BAD_CODE,
         "裂变升级", "乳业", 0.8, None, None, task_force, "东方红镇", "2026年6月1日", "洽谈"],
        [3, "虎头镇村屯道路硬化", "虎林市交通运输局", None, "民生基础项目", None, 0.3, None,
         "局长", task_force, "虎头镇", "2026.4.15", "开工"],
        [4, "珍宝岛药业提取车间", "黑龙江珍宝岛药业有限公司", None if not fixed else CODE_HELD,
         "产业项目", "药业", 2, None, None, task_force, None, "2026-07-01", "洽谈"],
    ]  # fmt: skip
    return workbook_bytes(["2026年重点项目台账"], HEADERS, *rows)


def run(actor, data, kind="projects", **options):
    return import_file(actor=actor, kind=kind, file=data, file_name="项目台账.xlsx", **options)


@pytest.fixture
def held_project(other_officer, other_task_force) -> Project:
    return ProjectFactory(
        owner=other_officer,
        task_force=other_task_force,
        credit_code=CODE_HELD,
        name="另一专班的保密项目",
    )


def test_the_project_ledger_previews_with_every_problem_and_imports_nothing(
    officer, bureau_leader, task_force
):
    result = run(officer, ledger(), dry_run=True)

    problems = {(p.row, p.column): (p.severity, p.message) for p in result.problems}
    assert problems[(4, "统一社会信用代码")] == ("error", "统一社会信用代码无效，请核对。")
    assert problems[(6, "统一社会信用代码")] == (
        "error",
        "产业项目和裂变升级项目需要填写投资企业的统一社会信用代码。",
    )
    assert len(problems) == 2
    assert not Project.objects.exists()
    status = next(column for column in result.columns if column.header == "状态")
    assert status.field is None and "洽谈" in status.note


def test_the_fixed_project_ledger_imports_once_in_negotiating(
    officer, bureau_leader, task_force, held_project
):
    result = run(officer, ledger(fixed=True))

    assert result.written, [p.message for p in result.problems]
    assert (result.counts["create"], result.counts["skip"]) == (3, 1)
    mill = Project.objects.get(credit_code=CODE_MILL)
    assert mill.total_investment == Decimal("15000.00")
    assert mill.signed_amount == Decimal("8000.00")
    assert mill.status == Project.Status.NEGOTIATING
    assert (mill.leader, mill.owner, mill.task_force) == (bureau_leader, officer, task_force)
    assert mill.target_commence_on == datetime.date(2026, 5, 1)
    road = Project.objects.get(name="虎头镇村屯道路硬化")
    assert (road.category, road.credit_code) == (Project.Category.LIVELIHOOD, "")
    assert road.total_investment == Decimal("3000.00")
    entry = ChangeLog.objects.get(
        content_type=ContentType.objects.get_for_model(Project), object_id=mill.pk
    )
    assert entry.source == ChangeLog.Source.IMPORT

    again = run(officer, ledger(fixed=True))

    assert again.counts["create"] == 0 and again.counts["skip"] == 4
    assert Project.objects.count() == 4


def test_a_held_project_is_named_by_its_task_force_only(officer, task_force, held_project):
    result = run(officer, ledger(fixed=True), dry_run=True)

    [message] = [p.message for p in result.problems if p.row == 6]
    assert "「乳业专班」" in message and held_project.name not in message


def test_update_mode_goes_through_project_update_with_its_funds_ledger(officer, task_force):
    data = workbook_bytes(
        ["项目名称", "投资主体", "统一社会信用代码", "项目类别", "到位资金（万元）", "专班"],
        ["绿都米业深加工", "绿都米业", CODE_MILL, "产业项目", 100, "米业专班"],
    )
    run(officer, data)
    more = workbook_bytes(
        ["项目名称", "投资主体", "统一社会信用代码", "项目类别", "到位资金（万元）", "专班"],
        ["绿都米业深加工", "绿都米业", CODE_MILL, "产业项目", "0.03亿元", "米业专班"],
    )

    result = run(officer, more, on_match="update")

    assert result.counts["update"] == 1
    project = Project.objects.get(credit_code=CODE_MILL)
    assert project.funds_in_place == Decimal("300.00")
    assert FundsArrival.objects.get(project=project).amount == Decimal("200.00")


def test_an_officer_cannot_import_projects_into_another_task_force(
    officer, bureau_leader, task_force, other_task_force
):
    result = run(officer, ledger(fixed=True, task_force="乳业专班"))

    assert not result.written
    assert {p.column for p in result.problems if p.severity == "error"} == {"专班"}
    assert not Project.objects.exists()


def test_a_livelihood_project_of_the_same_name_is_skipped_unless_asked(officer, task_force):
    ProjectFactory(
        owner=officer,
        task_force=task_force,
        name="虎头镇村屯道路硬化",
        category="livelihood",
        credit_code="",
    )
    data = workbook_bytes(
        ["项目名称", "投资主体", "项目类别"], ["虎头镇村屯道路硬化", "交通局", "民生基础项目"]
    )

    assert run(officer, data).counts["skip"] == 1
    assert run(officer, data, on_similar="import").counts["create"] == 1


# --- 对上争取 ------------------------------------------------------------------------------

SUPPORT_HEADERS = ["申报事项", "资金来源", "申请金额", "申报截止日期", "关联项目", "专班", "状态"]
CANAL = [
    "灌区续建配套",
    "中央预算内投资",
    "1.2亿元",
    "2026-09-30",
    "绿都米业深加工项目",
    "米业专班",
]


def test_support_applications_import_with_their_projects(officer, task_force, other_officer):
    mill = ProjectFactory(owner=officer, task_force=task_force, name="绿都米业深加工项目")
    hidden = ProjectFactory(owner=other_officer, name="别人的项目")
    data = workbook_bytes(
        SUPPORT_HEADERS,
        CANAL,
        ["高标准农田", "地方政府专项债券", 6000, "2026/10/15", None, "米业专班", None],
        ["冷链物流中心", "超长期特别国债", 3000, None, "别人的项目", "米业专班", None],
    )  # fmt: skip

    refused = run(officer, data, kind="support")

    [problem] = refused.problems
    assert (problem.row, problem.column) == (4, "关联项目")
    assert "没有您可见的项目「别人的项目」" in problem.message
    assert not SupportApplication.objects.exists()

    fixed = workbook_bytes(
        SUPPORT_HEADERS,
        CANAL,
        ["高标准农田", "地方政府专项债券", 6000, "2026/10/15", None, "米业专班", None],
    )  # fmt: skip
    result = run(officer, fixed, kind="support")

    assert result.written and result.counts["create"] == 2
    canal = SupportApplication.objects.get(title="灌区续建配套")
    assert canal.status == SupportApplication.Status.PLANNED
    assert canal.amount_requested == Decimal("12000.00")
    assert canal.deadline == datetime.date(2026, 9, 30)
    assert list(canal.projects.all()) == [mill]
    assert hidden not in canal.projects.all()
    assert (
        ChangeLog.objects.get(object_id=canal.pk, content_type__model="supportapplication").source
        == "import"
    )

    again = run(officer, fixed, kind="support")
    assert again.counts["skip"] == 2 and SupportApplication.objects.count() == 2

    bigger = workbook_bytes(SUPPORT_HEADERS, ["灌区续建配套", "中央预算内投资", "1.5亿元"])
    updated = run(officer, bigger, kind="support", on_match="update")
    assert updated.counts["update"] == 1
    canal.refresh_from_db()
    assert canal.amount_requested == Decimal("15000.00")
    assert list(canal.projects.all()) == [mill]


def test_the_same_application_twice_in_a_file_is_an_error(officer, task_force):
    data = workbook_bytes(
        ["申报事项", "资金来源"],
        ["灌区续建配套", "中央预算内投资"],
        ["灌区续建配套", "中央预算内投资"],
    )

    result = run(officer, data, kind="support", dry_run=True)

    [problem] = result.problems
    assert problem.row == 3 and "与第 2 行是同一事项" in problem.message
    assert [row.action for row in result.rows] == [Action.CREATE, Action.CREATE]


def test_support_import_through_the_api(officer, task_force):
    data = workbook_bytes(
        ["申报事项", "资金来源", "申请金额"], ["灌区续建配套", "中央预算内投资", "8000万"]
    )
    client = APIClient()
    client.force_authenticate(officer)

    preview = client.post(
        "/api/v1/imports/support/?dry_run=true", {"file": upload(data)}, format="multipart"
    )
    done = client.post("/api/v1/imports/support/", {"file": upload(data)}, format="multipart")

    assert preview.status_code == 200 and preview.json()["rows"][0]["action"] == "create"
    assert done.status_code == 201
    assert SupportApplication.objects.get().amount_requested == Decimal("8000.00")
    assert ImportLog.objects.filter(kind="support").count() == 2


@pytest.mark.parametrize("kind", ["projects", "support"])
def test_the_templates_import_with_their_example_row_ignored(client, officer, task_force, kind):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    client.force_login(officer)
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("imports:template", args=[kind])).content)
    )
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[2]]
    row = {
        "projects": {
            "*项目名称": "虎头镇村屯道路硬化",
            "*投资主体": "交通局",
            "*项目类别": "民生基础项目",
        },
        "support": {"*申报事项": "高标准农田建设", "*资金来源": "地方政府专项债券"},
    }[kind]
    sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = run(officer, buffer.getvalue(), kind=kind)

    assert result.written, [p.message for p in result.problems]
    assert result.counts["rows"] == 1 and result.counts["create"] == 1


def test_an_exported_project_table_imports_again_finding_every_project(
    client, officer, task_force, fixed_today
):
    for number in range(3):
        ProjectFactory(
            owner=officer, task_force=task_force, credit_code=make_credit_code(90 + number)
        )
    client.force_login(officer)
    exported = b"".join(client.get("/projects/export/", {"format": "xlsx"}).streaming_content)

    result = run(officer, exported, dry_run=True)

    # Each row found by its credit code and skipped, with that said; nothing refused.
    assert {problem.severity for problem in result.problems} == {Severity.WARNING}
    assert result.counts["skip"] == 3 and result.counts["create"] == 0
