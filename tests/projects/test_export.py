"""The exports of the project table and the 对上争取 list: scope, filters, numbers, text."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import SupportApplication
from tests.projects.conftest import TODAY, ProjectFactory, TargetFactory, signed_project

HYPERLINK = '=HYPERLINK("http://x","y")'


def xlsx(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def body(worksheet) -> list[tuple]:
    """The rows between the header row and the 合计 row."""
    return list(worksheet.iter_rows(min_row=3, values_only=True))[:-1]


def column(worksheet, header: str) -> int:
    return [cell.value for cell in worksheet[2]].index(header)


# --- projects ---------------------------------------------------------------------------------


@pytest.fixture
def projects(fixed_today, officer, task_force, other_officer, other_task_force):
    return {
        "own": signed_project(
            name="米业扩建项目",
            enterprise_name=HYPERLINK,
            owner=officer,
            task_force=task_force,
            total_investment=Decimal("12000.50"),
        ),
        "livelihood": ProjectFactory(
            name="灌区改造项目", owner=officer, task_force=task_force, category="livelihood"
        ),
        "foreign": ProjectFactory(
            name="外班项目", owner=other_officer, task_force=other_task_force
        ),
    }


def test_an_officers_project_export_holds_only_their_scope(client, officer, projects):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("projects:export")))
    assert sorted(row[0] for row in body(worksheet)) == ["灌区改造项目", "米业扩建项目"]
    rows = csv_rows(client.get(reverse("projects:export"), {"format": "csv"}))
    assert "外班项目" not in [row[0] for row in rows]


def test_project_filters_apply_and_are_named_in_the_title(client, officer, projects):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("projects:export"), {"category": "livelihood"}))
    assert [row[0] for row in body(worksheet)] == ["灌区改造项目"]
    title = worksheet["A1"].value
    assert "王招商 可见范围" in title and "项目类别：民生基础项目" in title
    assert title.endswith(f"截至 {TODAY:%Y-%m-%d}")


def test_a_formula_enterprise_name_is_text(client, officer, projects):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("projects:export"), {"status": "signed"}))
    cell = worksheet.cell(row=3, column=column(worksheet, "投资主体") + 1)
    assert (cell.value, cell.data_type) == (HYPERLINK, "s")
    rows = csv_rows(client.get(reverse("projects:export"), {"status": "signed", "format": "csv"}))
    assert rows[2][1] == "'" + HYPERLINK


def test_project_amounts_stay_numbers_and_are_summed(client, officer, projects):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("projects:export")))
    total = column(worksheet, "总投资（万元）") + 1
    cell = worksheet.cell(row=3, column=total)
    assert cell.data_type == "n" and cell.number_format == "#,##0.00"
    last = worksheet.max_row
    assert worksheet.cell(row=last, column=1).value == "合计（2 条）"
    assert worksheet.cell(row=last, column=total).value == pytest.approx(22000.5)
    signed = worksheet.cell(row=last, column=column(worksheet, "签约金额（万元）") + 1)
    assert signed.value == 8000


def test_a_late_project_reads_yes(client, leader, task_force, fixed_today):
    TargetFactory(status="signed", due_on=TODAY.replace(month=11, day=1), description="入冬前开工")
    signed_project(name="迟开工项目", task_force=task_force)
    client.force_login(leader)
    worksheet = xlsx(client.get(reverse("projects:export")))
    row = body(worksheet)[0]
    assert row[column(worksheet, "推进目标")] == "入冬前开工"
    assert row[column(worksheet, "是否逾期")] == "是"


def export_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        csv_rows(client.get(reverse(url), {"format": "csv"}))
    return len(queries)


@pytest.mark.parametrize("url", ["projects:export", "projects:support_export"])
def test_an_export_costs_the_same_queries_for_one_row_or_many(
    client, leader, task_force, fixed_today, url
):
    client.force_login(leader)

    def add_rows(count: int) -> None:
        for _ in range(count):
            project = ProjectFactory(task_force=task_force)
            application(title="申报事项", owner=leader, task_force=task_force).projects.add(project)

    add_rows(1)
    export_queries(client, url)  # the session's renewal (crm.sessions) comes with the first
    few = export_queries(client, url)
    add_rows(12)
    assert export_queries(client, url) == few


# --- 对上争取 ---------------------------------------------------------------------------------


def application(*, title: str, owner, task_force, **fields) -> SupportApplication:
    return SupportApplication.objects.create(
        title=title,
        fund_source=fields.pop("fund_source", SupportApplication.FundSource.CENTRAL_BUDGET),
        owner=owner,
        task_force=task_force,
        status_changed_on=TODAY,
        created_by=owner,
        **fields,
    )


@pytest.fixture
def applications(fixed_today, officer, task_force, other_officer, other_task_force):
    own = application(
        title=HYPERLINK,
        owner=officer,
        task_force=task_force,
        amount_requested=Decimal("20000"),
        amount_approved=Decimal("16000.25"),
        deadline=TODAY,
    )
    own.projects.add(ProjectFactory(name="灌区改造项目", owner=officer, task_force=task_force))
    bonds = application(
        title="专项债券申报",
        owner=officer,
        task_force=task_force,
        fund_source=SupportApplication.FundSource.SPECIAL_BONDS,
        amount_requested=Decimal("500"),
    )
    foreign = application(title="外班事项", owner=other_officer, task_force=other_task_force)
    return {"own": own, "bonds": bonds, "foreign": foreign}


def test_the_support_list_offers_both_exports_with_its_filters(client, officer, applications):
    client.force_login(officer)
    html = client.get(reverse("projects:support_list"), {"status": "planned"}).content.decode()
    url = reverse("projects:support_export")
    assert f'href="{url}?status=planned"' in html
    assert f'href="{url}?status=planned&amp;format=csv"' in html


def test_an_officers_support_export_holds_only_their_scope(client, officer, applications):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("projects:support_export")))
    assert sorted(row[0] for row in body(worksheet)) == sorted([HYPERLINK, "专项债券申报"])
    assert worksheet["A1"].value.startswith("对上争取 · 王招商 可见范围")


def test_support_filters_apply(client, officer, applications):
    client.force_login(officer)
    rows = csv_rows(
        client.get(
            reverse("projects:support_export"), {"fund_source": "special_bonds", "format": "csv"}
        )
    )
    assert [row[0] for row in rows[2:-1]] == ["专项债券申报"]
    assert "资金来源：地方政府专项债券" in rows[0][0]


def test_a_formula_application_title_is_text_and_amounts_are_numbers(client, officer, applications):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("projects:support_export"), {"q": "HYPERLINK"}))
    row = body(worksheet)[0]
    cell = worksheet["A3"]
    assert (cell.value, cell.data_type) == (HYPERLINK, "s")
    assert row[column(worksheet, "批复金额（万元）")] == 16000.25
    assert row[column(worksheet, "关联项目")] == "灌区改造项目"
    assert row[column(worksheet, "申报截止日期")].date() == TODAY
    total = [cell.value for cell in worksheet[worksheet.max_row]]
    assert total[0] == "合计（1 条）"
    assert total[column(worksheet, "申请金额（万元）")] == 20000


def test_an_outsider_exports_no_foreign_application(client, other_officer, applications):
    client.force_login(other_officer)
    worksheet = xlsx(client.get(reverse("projects:support_export")))
    assert [row[0] for row in body(worksheet)] == ["外班事项"]
