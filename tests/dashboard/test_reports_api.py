"""The 周报 / 月报 under ``/api/v1/``: the page's figures as JSON and its xlsx, the same
visibility, JSON errors, and both operations in the OpenAPI schema."""

import io

import pytest
import yaml
from django.core.management import call_command
from openpyxl import load_workbook
from rest_framework.test import APIClient

from crm.export import XLSX_CONTENT_TYPE
from crm.models import SecurityEvent
from crm.tokens import token_create
from tests.dashboard.test_reports import TODAY, fixed_today, make_week  # noqa: F401

REPORTS = "/api/v1/reports/"
EXPORT = "/api/v1/reports/export/"


@pytest.fixture
def week(officer, other_officer, leader, task_force, other_task_force):
    return make_week(
        officer=officer,
        other_officer=other_officer,
        leader=leader,
        task_force=task_force,
        other_task_force=other_task_force,
    )


def api(user) -> APIClient:
    client = APIClient()
    _token, key = token_create(user=user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_json_is_the_pages_report(client, week, bureau_leader):
    body = api(bureau_leader).get(REPORTS, {"kind": "week", "start": "2026-11-25"}).json()
    client.force_login(bureau_leader)
    page = client.get("/reports/", {"kind": "week", "start": "2026-11-25"}).context["report"]

    assert body["title"] == page.title == "虎林市招商工作周报（2026年第48周，11月23日—11月29日）"
    assert (body["kind"], body["start"], body["end"], body["as_of"]) == (
        "week",
        "2026-11-23",
        "2026-11-29",
        TODAY.isoformat(),
    )
    assert body["scope"] == {
        "key": "county",
        "kind": "county",
        "label": "全县",
        "task_force_id": None,
        "officer_id": None,
    }
    assert body["new_leads"]["count"] == page.new_leads.count == 4
    assert body["new_leads"]["investment"] == "35500.00"
    assert [row["label"] for row in body["new_leads"]["by_task_force"]] == [
        "米业专班",
        "乳业专班",
        "未分专班",
    ]
    assert body["new_leads"]["by_task_force"][2]["url"] == ""
    assert body["stage_moves"]["forward"] == page.stage_moves.forward == 2
    assert body["follow_ups"]["count"] == 3
    assert body["approvals"]["over_sla"] == 1
    assert body["projects"]["signed_amount"] == "8000.00"
    assert body["projects"]["funds_arrived"] == "300.00"
    assert body["projects"]["signed"][0]["url"].startswith("/projects/")
    assert (body["overdue"]["leads"], body["overdue"]["tasks"]) == (2, 1)
    assert body["overdue"]["leads_url"] == page.overdue.leads_url
    assert [row["name"] for row in body["ranking"]["rows"]] == [
        entry.row.name for entry in page.ranking.rows
    ]
    assert body["ranking"]["rule"].startswith("得分 = 新增线索")


def test_an_officer_gets_their_own_report_by_default(week, officer):
    body = api(officer).get(REPORTS).json()
    assert body["scope"]["key"] == f"officer-{officer.pk}"
    assert body["title"] == "王招商个人招商工作周报（2026年第48周，11月23日—11月29日）"
    assert body["ranking"] is None
    assert body["approvals"]["over_sla"] is None
    assert body["new_leads"]["count"] == 3


def test_the_same_visibility_as_the_page(week, officer, other_task_force, task_force):
    client = api(officer)
    refused = client.get(REPORTS, {"scope": "county"})
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "只有局领导和系统管理员可以查看全县的报告。",
        "code": "PermissionRefused",
    }
    assert client.get(REPORTS, {"scope": f"tf-{other_task_force.pk}"}).status_code == 403
    assert client.get(REPORTS, {"scope": "tf-999999"}).json()["code"] == "NotFound"
    assert client.get(REPORTS, {"scope": f"tf-{task_force.pk}"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "quarter"}, "kind"),
        ({"start": "11/25/2026"}, "start"),
        ({"scope": "all"}, "scope"),
    ],
)
def test_bad_input_answers_json_400_naming_the_field(bureau_leader, params, field):
    response = api(bureau_leader).get(REPORTS, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert response.json()["code"] == "DomainError"


def test_the_reports_need_credentials(db):
    assert APIClient().get(REPORTS).status_code == 401
    assert APIClient().get(EXPORT).status_code == 401


def test_the_export_is_the_xlsx_of_the_page_and_is_logged(week, bureau_leader):
    response = api(bureau_leader).get(EXPORT, {"kind": "month", "start": "2026-11-01"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value == "虎林市招商工作月报（2026年11月）"
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert (event.actor, event.details["format"]) == (bureau_leader, "xlsx")
    assert event.details["filters"] == "统计范围：全县 · 统计时间：2026-11-01 至 2026-11-30"


def test_a_refused_export_answers_json(officer):
    response = api(officer).get(EXPORT, {"scope": "county"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "PermissionRefused"


def test_both_operations_are_documented_with_their_parameters(tmp_path):
    output = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(output))
    paths = yaml.safe_load(output.read_text(encoding="utf-8"))["paths"]
    for path in (REPORTS, EXPORT):
        operation = paths[path]["get"]
        assert {p["name"] for p in operation["parameters"]} == {"kind", "start", "scope"}
        assert {"200", "400", "401", "403", "404", "429"} <= set(map(str, operation["responses"]))
    assert XLSX_CONTENT_TYPE in paths[EXPORT]["get"]["responses"]["200"]["content"]
