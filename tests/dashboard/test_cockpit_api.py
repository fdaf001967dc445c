"""``GET /api/v1/cockpit/``: the page's figures as JSON, with the same visibility and the same
refusals of a bad period; documented in the OpenAPI schema."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.dashboard.test_cockpit import YEAR, board_of, county, fixed_today  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "/api/v1/cockpit/"


def test_the_cockpit_as_json_has_the_pages_figures(county, client, bureau_leader):  # noqa: F811
    client.force_login(bureau_leader)
    response = client.get(URL)
    assert response.status_code == 200
    data = response.json()
    board = board_of(bureau_leader)
    assert data["today"] == "2026-11-28"
    assert data["period"] == {
        "kind": "year",
        "label": "2026年",
        "start": "2026-01-01",
        "end": "2026-12-31",
    }
    assert (data["scope"], data["county"]) == ("全县", True)
    assert data["leads"]["week"]["count"] == board.leads.week.count == 2
    stages = {row["stage"]: row for row in data["leads"]["stages"]}
    assert stages["screen"]["entered"]["count"] == 4
    assert stages["screen"]["entered"]["url"].startswith(reverse("leads:list") + "?moved_to=screen")
    assert stages["collect"]["conversion"] == pytest.approx(4 / 7 * 100)
    goals = data["goals"]
    assert Decimal(goals["signed"]["reached"]) == Decimal(33000)
    assert Decimal(goals["signed"]["goal"]) == Decimal(40000)
    assert goals["signed"]["ahead"] is False
    assert data["rates"]["kept"] == 2
    assert data["big_projects"]["count"] == 3
    assert Decimal(data["big_projects"]["amount"]) == Decimal(92000)
    assert len(data["trends"]) == 12
    assert {row["key"] for row in data["sources"]["region"]} >= {"null", "yangtze-delta"}
    ranking = data["ranking"]
    assert ranking["rule_text"].startswith("新线索 1 分/条")
    assert [row["name"] for row in ranking["rows"]] == ["乳业专班", "米业专班"]
    assert Decimal(ranking["rows"][0]["score"]) == Decimal("102.0")
    warnings = data["warnings"]
    assert warnings["overdue_over"]["count"] == 1
    assert warnings["overdue_over_leads"][0]["days_overdue"] == 10
    assert warnings["late"]["count"] == 2
    assert warnings["approvals"]["count"] == 2
    assert [row["days_waiting"] for row in warnings["approvals_waiting"]] == [8, 4]
    counts = {entry["key"]: entry["count"] for entry in warnings["overdue"]["counts"]}
    assert counts["leads"] == 2
    assert data["support"]["total"]["figure"]["count"] == 3


def test_the_api_counts_within_the_callers_scope(county, client, leader):  # noqa: F811
    client.force_login(leader)
    data = client.get(URL, {"period": "month"}).json()
    assert data["scope"] == "米业专班"
    assert data["period"]["kind"] == "month"
    assert Decimal(data["goals"]["signed"]["reached"]) == Decimal(13000)
    assert (data["goals"]["compared"], data["goals"]["signed"]["ahead"]) == (False, None)
    assert [row["name"] for row in data["ranking"]["rows"]] == ["米业专班"]


def test_an_officer_gets_their_scope_and_no_approvals(county, client, other_officer):  # noqa: F811
    client.force_login(other_officer)
    data = client.get(URL).json()
    assert data["scope"] == "乳业专班"
    assert data["warnings"]["approvals"] is None
    assert data["warnings"]["overdue_tasks"]["url"] == ""


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "decade"}, "period"),
        ({"period": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"period": "custom", "start": "2026-05-01", "end": "2026-04-01"}, "__all__"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(
    fixed_today,  # noqa: F811
    client,
    bureau_leader,
    params,
    field,
):
    client.force_login(bureau_leader)
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "DomainError"
    assert body["detail"].startswith("时间范围有误：")
    assert field in body["errors"]


def test_a_custom_period_over_the_api(county, client, bureau_leader):  # noqa: F811
    client.force_login(bureau_leader)
    data = client.get(URL, {"period": "custom", "start": "2026-11-01", "end": "2026-11-28"})
    assert data.status_code == 200
    assert data.json()["period"]["label"] == "2026-11-01 至 2026-11-28"


def test_the_api_needs_a_signed_in_caller(client):
    response = client.get(URL)
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_the_schema_documents_the_cockpit(client, bureau_leader):
    client.force_login(bureau_leader)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/cockpit/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "period",
        "start",
        "end",
    }
    assert set(operation["responses"]) >= {"200", "400", "401"}
    assert "Cockpit" in schema["components"]["schemas"]
