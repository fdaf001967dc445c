"""The lead list's export: the page's scope and filters, numbers as numbers, formulas as text."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from leads.models import Lead
from tests.factories import LeadFactory

TODAY = datetime.date(2026, 5, 1)
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def own_leads(officer, task_force):
    return [
        LeadFactory(
            company_name="虎林金禾米业有限公司",
            owner=officer,
            task_force=task_force,
            planned_investment=Decimal("3000.50"),
        ),
        LeadFactory(
            company_name=HYPERLINK,
            owner=officer,
            task_force=task_force,
            stage=Lead.Stage.SCREEN,
            planned_investment=Decimal("1000"),
        ),
    ]


@pytest.fixture
def foreign_lead(other_officer, other_task_force):
    return LeadFactory(
        company_name="完达山乳业外班企业", owner=other_officer, task_force=other_task_force
    )


def xlsx(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def names(worksheet) -> list[str]:
    """The first column between the header row and the 合计 row."""
    return [row[0] for row in worksheet.iter_rows(min_row=3, values_only=True)][:-1]


def test_an_officer_exports_only_their_scope(client, officer, own_leads, foreign_lead):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("leads:export")))
    assert sorted(names(worksheet)) == sorted(lead.company_name for lead in own_leads)
    csv_names = [row[0] for row in csv_rows(client.get(reverse("leads:export"), {"format": "csv"}))]
    assert foreign_lead.company_name not in csv_names


def test_a_bureau_leader_exports_every_lead(client, bureau_leader, own_leads, foreign_lead):
    client.force_login(bureau_leader)
    assert foreign_lead.company_name in names(xlsx(client.get(reverse("leads:export"))))


def test_filters_apply_and_are_named_in_the_title(client, officer, own_leads, foreign_lead):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("leads:export"), {"stage": "screen"}))
    assert names(worksheet) == [HYPERLINK]
    title = worksheet["A1"].value
    assert title.startswith("线索 · 王招商 可见范围")
    assert "阶段：筛选" in title
    assert title.endswith("截至 2026-05-01")


def test_a_formula_company_name_is_text(client, officer, own_leads):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("leads:export"), {"q": "HYPERLINK"}))
    cell = worksheet["A3"]
    assert (cell.value, cell.data_type) == (HYPERLINK, "s")
    rows = csv_rows(client.get(reverse("leads:export"), {"q": "HYPERLINK", "format": "csv"}))
    assert rows[2][0] == "'" + HYPERLINK


def test_amounts_are_numbers_in_wan_and_summed(client, officer, own_leads):
    client.force_login(officer)
    worksheet = xlsx(client.get(reverse("leads:export"), {"ordering": "company_name"}))
    header = [cell.value for cell in worksheet[2]]
    column = header.index("计划投资（万元）") + 1
    amounts = [worksheet.cell(row=row, column=column) for row in (3, 4)]
    assert sorted(cell.value for cell in amounts) == [1000, 3000.5]
    assert all(cell.data_type == "n" for cell in amounts)
    total_row = worksheet.max_row
    assert worksheet.cell(row=total_row, column=1).value == "合计（2 条）"
    assert worksheet.cell(row=total_row, column=column).value == 4000.5
    assert worksheet.freeze_panes == "A3"


def test_the_export_costs_the_same_queries_for_one_lead_or_many(client, officer, task_force):
    client.force_login(officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            xlsx(client.get(reverse("leads:export"), {"stage": "collect"}))
        return len(captured)

    queries()  # the first request after signing in also renews the session (crm.sessions)
    LeadFactory(owner=officer, task_force=task_force)
    few = queries()
    for _ in range(12):
        LeadFactory(owner=officer, task_force=task_force)
    assert queries() == few


def test_the_file_is_named_after_the_list_and_the_day(client, officer):
    client.force_login(officer)
    response = client.get(reverse("leads:export"), {"format": "csv"})
    # 线索-20260501.csv, encoded for non-ASCII names (RFC 5987)
    assert "filename*=utf-8''%E7%BA%BF%E7%B4%A2-20260501.csv" in response["Content-Disposition"]


def test_an_unknown_format_is_refused(client, officer):
    client.force_login(officer)
    assert client.get(reverse("leads:export"), {"format": "pdf"}).status_code == 400


def test_an_invalid_filter_is_refused_not_exported_empty(client, officer, own_leads):
    client.force_login(officer)
    response = client.get(reverse("leads:export"), {"created_after": "not-a-date"})
    assert response.status_code == 400
    assert response.content.decode()
