"""Bad input on the lead pages and API answers 400 with a field message, never 500 (issue 7):
malformed versions, amounts wider than their column, dates out of range, malformed numbers and
filters, read-only fields and deep JSON."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from leads.models import FollowUp, Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

TOO_LARGE = "金额过大，最多 12 位整数。"
VERSION_INVALID = "版本号无效，请刷新页面后重试。"


@pytest.fixture
def lead(officer, task_force) -> Lead:
    return LeadFactory(company_name="虎林金禾米业有限公司", owner=officer, task_force=task_force)


@pytest.fixture
def page(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def api(officer) -> APIClient:
    client = APIClient()
    client.force_login(officer)
    return client


def form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """What the browser posts back for the form the page at ``url`` shows, with ``changes``."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def unchanged(lead: Lead) -> tuple:
    row = Lead.objects.get(pk=lead.pk)
    return (row.version, row.stage, row.intent, row.planned_investment, row.updated_at)


# --- the edit form --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["abc", "1e999", "1.5", "0", "-1", "", "99999999999"])
def test_lead_edit_with_a_malformed_version_is_a_400_with_the_reason(page, lead, version):
    url = reverse("leads:edit", args=[lead.pk])
    before = unchanged(lead)

    response = page.post(url, form_data(page, url, version=version, intent="不应保存"))

    assert response.status_code == 400
    assert VERSION_INVALID in response.content.decode()
    assert unchanged(lead) == before


@pytest.mark.parametrize("amount", ["1000000000000", "1e999", "99999999999999999999"])
def test_lead_edit_refuses_an_amount_wider_than_its_column(page, lead, amount):
    url = reverse("leads:edit", args=[lead.pk])
    before = unchanged(lead)

    response = page.post(url, form_data(page, url, planned_investment=amount))

    assert response.status_code == 400
    assert response.context["form"].errors["planned_investment"] == [TOO_LARGE]
    assert TOO_LARGE in response.content.decode()
    assert unchanged(lead) == before


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "-Infinity", "1.234"])
def test_lead_edit_refuses_a_malformed_amount(page, lead, amount):
    url = reverse("leads:edit", args=[lead.pk])

    response = page.post(url, form_data(page, url, planned_investment=amount))

    assert response.status_code == 400
    assert "planned_investment" in response.context["form"].errors


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2099-01-01"])
def test_lead_create_refuses_a_follow_up_date_out_of_range(page, day):
    url = reverse("leads:create")

    response = page.post(
        url, form_data(page, url, company_name="日期溢出企业", next_follow_up_on=day)
    )

    assert response.status_code == 400
    assert "日期超出合理范围" in response.context["form"].errors["next_follow_up_on"][0]
    assert not Lead.objects.filter(company_name="日期溢出企业").exists()


@pytest.mark.parametrize("owner", ["abc", "1e999", "99999999999999999999999"])
def test_lead_create_refuses_a_malformed_owner_id(page, owner):
    url = reverse("leads:create")

    response = page.post(url, form_data(page, url, company_name="负责人溢出企业", owner=owner))

    assert response.status_code == 400
    assert "owner" in response.context["form"].errors


# --- moves and follow-ups -------------------------------------------------------------------


@pytest.mark.parametrize("version", ["abc", "0", "1e999"])
def test_a_move_with_a_malformed_version_says_so(page, lead, version):
    response = page.post(
        reverse("leads:transition", args=[lead.pk]),
        {"to": "dropped", "reason": "企业无意向", "version": version},
        follow=True,
    )

    assert VERSION_INVALID in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == Lead.Stage.COLLECT


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_follow_up_dated_out_of_range_is_refused(page, lead, day):
    response = page.post(
        reverse("leads:follow_up_create", args=[lead.pk]),
        {"occurred_on": day, "method": "phone", "summary": "电话沟通"},
    )

    assert response.status_code == 400
    assert "日期超出合理范围" in response.content.decode()
    assert not FollowUp.objects.exists()


# --- list pages: malformed query values -----------------------------------------------------


@pytest.mark.parametrize("name", ["leads:list", "leads:pipeline", "leads:export"])
@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=99999999999999999999",
        "ordering=nonexistent",
        "investment_min=abc",
        "investment_min=1e999",
        "investment_max=NaN",
        "investment_max=Infinity",
        "owner_id=abc",
        "owner_id=99999999999999999999999",
        "task_force_id=1e999",
        "created_after=9999-99-99",
        "created_before=0001-01-01",
        "overdue=maybe",
        "q=%00",
        "stage=",
    ],
)
def test_lead_pages_never_500_on_malformed_query_values(page, lead, name, query):
    response = page.get(f"{reverse(name)}?{query}")

    # The pages show a filter's error above an empty list; the export refuses with a 400.
    assert response.status_code in ((200, 400) if name == "leads:export" else (200,))


def test_an_invalid_filter_shows_why_and_lists_nothing(page, lead):
    response = page.get(reverse("leads:list"), {"investment_min": "abc"})

    assert response.context["filter_form"].errors
    assert list(response.context["leads"]) == []


def test_an_unknown_owner_lists_nothing_instead_of_everything(page, lead):
    response = page.get(reverse("leads:list"), {"owner_id": "999999"})

    assert "没有编号为 999999 的记录" in response.content.decode()
    assert list(response.context["leads"]) == []


# --- the API --------------------------------------------------------------------------------


def test_api_patch_refuses_the_stage_naming_it(api, lead):
    before = unchanged(lead)

    response = api.patch(f"/api/v1/leads/{lead.pk}/", {"stage": "serve"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "以下字段不能通过此接口修改：stage"
    assert set(body["errors"]) == {"stage"}
    assert unchanged(lead) == before


def test_api_patch_names_every_read_only_field(api, lead):
    response = api.patch(
        f"/api/v1/leads/{lead.pk}/",
        {"id": 1, "created_by": 1, "last_follow_up_on": "2026-01-01", "version": lead.version},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"id", "created_by", "last_follow_up_on"}


@pytest.mark.parametrize("version", ["abc", 0, -1, 1.5, "1e999", 10**30, None])
def test_api_patch_with_a_malformed_version_is_a_field_error(api, lead, version):
    response = api.patch(
        f"/api/v1/leads/{lead.pk}/", {"intent": "x", "version": version}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["version"] == [VERSION_INVALID]


@pytest.mark.parametrize("amount", ["1000000000000", 10**20, "1e999"])
def test_api_refuses_an_amount_wider_than_its_column(api, lead, amount):
    response = api.patch(f"/api/v1/leads/{lead.pk}/", {"planned_investment": amount}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["planned_investment"] == [TOO_LARGE]


@pytest.mark.parametrize(
    "body",
    [
        '{"planned_investment": 1e999}',
        '{"owner": 1e999}',
        '{"owner": 99999999999999999999999}',
        '{"task_force": 1e999}',
        '{"planned_investment": NaN}',
    ],
)
def test_api_refuses_malformed_numbers_without_a_500(api, lead, body):
    response = api.patch(f"/api/v1/leads/{lead.pk}/", body, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_api_refuses_a_date_out_of_the_sane_range(api, lead, day):
    response = api.patch(f"/api/v1/leads/{lead.pk}/", {"next_follow_up_on": day}, format="json")

    assert response.status_code == 400
    assert "next_follow_up_on" in response.json()["errors"]


def test_api_move_refuses_a_malformed_version_and_unknown_fields(api, lead):
    response = api.post(
        f"/api/v1/leads/{lead.pk}/transition/",
        {"to": "dropped", "reason": "无意向", "version": "abc"},
        format="json",
    )
    assert response.json()["errors"]["version"] == [VERSION_INVALID]

    response = api.post(
        f"/api/v1/leads/{lead.pk}/transition/",
        {"to": "dropped", "reason": "无意向", "stage": "serve"},
        format="json",
    )
    assert set(response.json()["errors"]) == {"stage"}
    assert Lead.objects.get(pk=lead.pk).stage == Lead.Stage.COLLECT


def test_api_follow_up_refuses_a_date_out_of_range_and_read_only_fields(api, lead):
    url = f"/api/v1/leads/{lead.pk}/follow-ups/"
    response = api.post(
        url, {"occurred_on": "0001-01-01", "method": "phone", "summary": "x"}, format="json"
    )
    assert "occurred_on" in response.json()["errors"]

    response = api.post(
        url,
        {"occurred_on": "2026-01-01", "method": "phone", "summary": "x", "lead": 1},
        format="json",
    )
    assert set(response.json()["errors"]) == {"lead"}
    assert not FollowUp.objects.exists()


def test_api_answers_json_400_to_deeply_nested_json(api, lead):
    response = api.patch(
        f"/api/v1/leads/{lead.pk}/", "[" * 100_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "query",
    [
        "ordering=nonexistent",
        "investment_min=abc",
        "investment_min=1e999",
        "owner_id=abc",
        "owner_id=99999999999999999999999",
        "owner_id=999999",
        "task_force_id=1e999",
    ],
)
def test_api_list_answers_400_to_bad_filters(api, lead, query):
    response = api.get(f"/api/v1/leads/?{query}")

    assert response.status_code == 400
    assert response.json()["errors"]


def test_api_list_answers_a_malformed_page_without_a_500(api, lead):
    response = api.get("/api/v1/leads/?page=abc")

    assert response.status_code == 404
    assert response.json()["detail"]
