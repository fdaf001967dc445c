"""The REST API: same services, filters and visibility; errors as the leads API answers them."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from projects.models import Project, SupportApplication
from tests.factories import make_credit_code
from tests.projects.conftest import ProjectFactory, TargetFactory, signed_project


@pytest.fixture
def api(leader) -> APIClient:
    client = APIClient()
    client.force_authenticate(leader)
    return client


def test_list_is_scoped_and_filtered(fixed_today, api, task_force):
    ProjectFactory(name="本班产业", task_force=task_force)
    ProjectFactory(name="本班民生", task_force=task_force, category="livelihood", credit_code="")
    ProjectFactory(name="外班项目")
    names = {row["name"] for row in api.get("/api/v1/projects/").json()["results"]}
    assert names == {"本班产业", "本班民生"}
    rows = api.get("/api/v1/projects/", {"category": "livelihood"}).json()["results"]
    assert [row["name"] for row in rows] == ["本班民生"]


def test_a_bad_filter_is_a_400(fixed_today, api):
    response = api.get("/api/v1/projects/", {"category": "nonsense"})
    assert response.status_code == 400
    assert "category" in response.json()["errors"]


def test_create_and_patch(fixed_today, api, task_force):
    response = api.post(
        "/api/v1/projects/",
        {
            "name": "绿都扩能",
            "category": "upgrade",
            "enterprise_name": "绿都米业",
            "credit_code": make_credit_code(9001),
            "industry": "rice",
            "task_force": task_force.pk,
            "total_investment": "98000",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "negotiating" and body["total_investment"] == "98000.00"
    response = api.patch(
        f"/api/v1/projects/{body['id']}/", {"location": "开发区", "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["location"] == "开发区"
    stale = api.patch(
        f"/api/v1/projects/{body['id']}/", {"location": "虎头", "version": 1}, format="json"
    )
    assert stale.status_code == 409


def test_create_refuses_a_second_project_for_one_enterprise(fixed_today, api, task_force):
    existing = ProjectFactory(task_force=task_force)
    response = api.post(
        "/api/v1/projects/",
        {
            "name": "重复",
            "category": "industrial",
            "enterprise_name": "x",
            "credit_code": existing.credit_code,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "credit_code" in response.json()["errors"]


def test_create_refuses_negative_amounts_per_field(fixed_today, api):
    response = api.post(
        "/api/v1/projects/",
        {"name": "x", "category": "livelihood", "enterprise_name": "y", "total_investment": "-1"},
        format="json",
    )
    assert response.status_code == 400
    assert "total_investment" in response.json()["errors"]


def test_transition_endpoint(fixed_today, api, task_force):
    project = ProjectFactory(task_force=task_force)
    refused = api.post(
        f"/api/v1/projects/{project.pk}/transition/", {"to": "commenced"}, format="json"
    )
    assert refused.status_code == 400 and "不能跳过" in refused.json()["detail"]
    needs = api.post(
        f"/api/v1/projects/{project.pk}/transition/",
        {"to": "signed", "date": "2026-11-20"},
        format="json",
    )
    assert needs.status_code == 400 and "签约金额" in needs.json()["detail"]
    moved = api.post(
        f"/api/v1/projects/{project.pk}/transition/",
        {"to": "signed", "date": "2026-11-20", "signed_amount": "52000", "version": 1},
        format="json",
    )
    assert moved.status_code == 200
    assert moved.json()["status"] == "signed" and moved.json()["reached_signed"] is True
    conflict = api.post(
        f"/api/v1/projects/{project.pk}/transition/",
        {"to": "commenced", "date": "2026-11-21", "version": 1},
        format="json",
    )
    assert conflict.status_code == 409


def test_out_of_scope_is_404(fixed_today, api):
    project = ProjectFactory()
    assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    response = api.post(
        f"/api/v1/projects/{project.pk}/transition/", {"to": "framework"}, format="json"
    )
    assert response.status_code == 404


def test_board_endpoint(fixed_today, api, task_force):
    TargetFactory(status="signed", due_on=datetime.date(2026, 11, 1))
    signed_project(task_force=task_force, total_investment=Decimal(1000), name="逾期项目")
    ProjectFactory(task_force=task_force, total_investment=Decimal(500))
    body = api.get("/api/v1/projects/board/").json()
    columns = {column["status"]: column for column in body["columns"]}
    assert len(columns) == 7
    assert columns["signed"]["count"] == 1
    assert columns["signed"]["total_investment"] == "1000.00"
    card = columns["signed"]["cards"][0]
    assert card["name"] == "逾期项目" and card["target"]["late"] is True
    assert body["rates"]["reached_signed"] == 1
    assert [row["name"] for row in body["signed_not_commenced"]] == ["逾期项目"]
    late = api.get("/api/v1/projects/board/", {"late": "true"}).json()
    assert [c["count"] for c in late["columns"]] == [0, 0, 1, 0, 0, 0, 0]


def test_support_applications_endpoints(fixed_today, api, leader, task_force):
    project = ProjectFactory(task_force=task_force)
    outside = ProjectFactory()
    response = api.post(
        "/api/v1/support-applications/",
        {
            "title": "高标准农田专项债",
            "fund_source": "special_bonds",
            "amount_requested": "15000",
            "task_force": task_force.pk,
            "projects": [project.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "planned"
    assert SupportApplication.objects.get().owner == leader
    refused = api.post(
        "/api/v1/support-applications/",
        {"title": "x", "fund_source": "other", "projects": [outside.pk]},
        format="json",
    )
    assert refused.status_code == 400 and "projects" in refused.json()["errors"]
    bad = api.post("/api/v1/support-applications/", {"title": "x", "fund_source": "bogus"})
    assert bad.status_code == 400 and "fund_source" in bad.json()["errors"]
    rows = api.get("/api/v1/support-applications/", {"fund_source": "special_bonds"}).json()
    assert [row["title"] for row in rows["results"]] == ["高标准农田专项债"]
    assert Project.objects.count() == 2
