"""Bad input on the project and 对上争取 pages and API answers 400 with a field message, never
500 (issue 7): malformed versions, amounts wider than their column (a capital increase whose
sum overflows included), dates out of range, malformed numbers and filters, read-only fields,
deep JSON, and a ``next`` that leads off-site."""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from crm.exceptions import DomainError
from projects.models import CapitalIncrease, Project, SupportApplication, Task
from projects.services import capital_increase_create
from tests.projects.conftest import TODAY, TaskFactory

pytestmark = pytest.mark.django_db

TOO_LARGE = "金额过大，最多 12 位整数。"
VERSION_INVALID = "版本号无效，请刷新页面后重试。"
# The largest amount numeric(14, 2) holds.
LARGEST = Decimal("999999999999.99")


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


def flashes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def unchanged(project: Project) -> tuple:
    row = Project.objects.get(pk=project.pk)
    return (row.version, row.location, row.total_investment, row.signed_amount, row.updated_at)


# --- the project edit form -----------------------------------------------------------------


@pytest.mark.parametrize("version", ["abc", "1e999", "1.5", "0", "-1", "", "99999999999"])
def test_project_edit_with_a_malformed_version_is_a_400_with_the_reason(
    fixed_today, page, project, version
):
    url = reverse("projects:edit", args=[project.pk])
    before = unchanged(project)

    response = page.post(url, form_data(page, url, version=version, location="不应保存"))

    assert response.status_code == 400
    assert VERSION_INVALID in response.content.decode()
    assert unchanged(project) == before


def test_project_edit_with_the_loaded_version_saves(fixed_today, page, project):
    url = reverse("projects:edit", args=[project.pk])

    response = page.post(url, form_data(page, url, location="开发区"))

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.location == "开发区" and project.version == 2


@pytest.mark.parametrize("field", ["total_investment", "signed_amount", "funds_in_place"])
@pytest.mark.parametrize("amount", ["1000000000000", "1e999", "99999999999999999999"])
def test_project_edit_refuses_an_amount_wider_than_its_column(
    fixed_today, page, project, field, amount
):
    url = reverse("projects:edit", args=[project.pk])
    before = unchanged(project)

    response = page.post(url, form_data(page, url, **{field: amount}))

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [TOO_LARGE]
    assert TOO_LARGE in response.content.decode()
    assert unchanged(project) == before


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "-Infinity", "1,000"])
def test_project_edit_refuses_a_malformed_amount(fixed_today, page, project, amount):
    url = reverse("projects:edit", args=[project.pk])

    response = page.post(url, form_data(page, url, total_investment=amount))

    assert response.status_code == 400
    assert "total_investment" in response.context["form"].errors


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2080-01-01", "1970-01-01"])
def test_project_edit_refuses_a_date_out_of_the_sane_range(fixed_today, page, project, day):
    url = reverse("projects:edit", args=[project.pk])

    response = page.post(url, form_data(page, url, target_commence_on=day))

    assert response.status_code == 400
    assert "日期超出合理范围" in response.context["form"].errors["target_commence_on"][0]


def test_project_create_refuses_an_amount_wider_than_its_column(fixed_today, page, task_force):
    url = reverse("projects:create")

    response = page.post(
        url,
        form_data(
            page,
            url,
            name="溢出项目",
            category="livelihood",
            total_investment="1000000000000",
            task_force=task_force.pk,
        ),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["total_investment"] == [TOO_LARGE]
    assert not Project.objects.filter(name="溢出项目").exists()


# --- capital increase (增资) -----------------------------------------------------------------


def increase(page: Client, project: Project, **data: str):
    return page.post(
        reverse("projects:capital_increase", args=[project.pk]),
        {"agreed_on": "2026-11-20", "amount": "100", "signed_amount": "", "note": "", **data},
    )


def test_a_capital_increase_whose_sum_overflows_is_refused(fixed_today, page, project):
    Project.objects.filter(pk=project.pk).update(total_investment=LARGEST)
    before = unchanged(project)

    response = increase(page, project, amount="1")

    assert response.status_code == 302
    assert any("超出" in message for message in flashes(response))
    assert unchanged(project) == before
    assert not CapitalIncrease.objects.exists()


def test_a_capital_increase_whose_signed_sum_overflows_is_refused(fixed_today, page, project):
    Project.objects.filter(pk=project.pk).update(signed_amount=LARGEST)

    increase(page, project, amount="1", signed_amount="1")

    assert not CapitalIncrease.objects.exists()
    assert Project.objects.get(pk=project.pk).signed_amount == LARGEST


def test_the_service_refuses_an_overflowing_sum_on_the_amount_field(fixed_today, officer, project):
    Project.objects.filter(pk=project.pk).update(total_investment=LARGEST)

    with pytest.raises(DomainError) as refused:
        capital_increase_create(
            project=project, actor=officer, agreed_on=TODAY, amount=Decimal("0.01")
        )

    assert set(refused.value.field_errors) == {"amount"}
    assert not CapitalIncrease.objects.exists()


def test_a_capital_increase_up_to_the_column_limit_is_recorded(fixed_today, page, project):
    Project.objects.filter(pk=project.pk).update(total_investment=LARGEST - 1)

    increase(page, project, amount="1")

    assert Project.objects.get(pk=project.pk).total_investment == LARGEST


@pytest.mark.parametrize(
    "amount", ["1000000000000", "1e999", "abc", "NaN", "Infinity", "-1", "0.001"]
)
def test_a_malformed_or_too_wide_increase_is_a_message_not_a_500(
    fixed_today, page, project, amount
):
    before = unchanged(project)

    response = increase(page, project, amount=amount)

    assert response.status_code == 302
    assert flashes(response)
    assert unchanged(project) == before
    assert not CapitalIncrease.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "abc"])
def test_a_capital_increase_dated_out_of_range_is_refused(fixed_today, page, project, day):
    response = increase(page, project, agreed_on=day)

    assert flashes(response)
    assert not CapitalIncrease.objects.exists()


# --- progress, tasks and moves on the project page ------------------------------------------


@pytest.mark.parametrize("percent", ["abc", "1e999", "NaN", "Infinity", "101", "-1", "50.5"])
def test_a_malformed_progress_percent_is_refused(fixed_today, page, project, percent):
    response = page.post(
        reverse("projects:progress_create", args=[project.pk]),
        {"reported_on": "2026-11-27", "percent": percent, "done": "主体施工"},
    )

    assert response.status_code == 302
    assert flashes(response)
    assert not project.progress_reports.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_task_due_out_of_range_is_refused(fixed_today, page, project, officer, day):
    page.post(
        reverse("projects:task_create", args=[project.pk]),
        {"title": "协调用地", "assignee": officer.pk, "due_on": day},
    )

    assert not Task.objects.exists()


@pytest.mark.parametrize("assignee", ["abc", "1e999", "99999999999999999999999"])
def test_a_malformed_assignee_id_is_refused(fixed_today, page, project, assignee):
    response = page.post(
        reverse("projects:task_create", args=[project.pk]),
        {"title": "协调用地", "assignee": assignee, "due_on": "2026-12-01"},
    )

    assert response.status_code == 302
    assert not Task.objects.exists()


@pytest.mark.parametrize("version", ["abc", "0", "1e999"])
def test_a_move_with_a_malformed_version_says_so(fixed_today, page, project, version):
    response = page.post(
        reverse("projects:transition", args=[project.pk]),
        {"to": "stalled", "reason": "资金未到位", "version": version},
    )

    assert response.status_code == 302
    assert VERSION_INVALID in flashes(response)
    assert Project.objects.get(pk=project.pk).status == Project.Status.NEGOTIATING


def test_a_move_with_an_overflowing_signed_amount_says_so(fixed_today, page, project):
    Project.objects.filter(pk=project.pk).update(status=Project.Status.FRAMEWORK)

    response = page.post(
        reverse("projects:transition", args=[project.pk]),
        {"to": "signed", "date": "2026-11-20", "signed_amount": "1e20"},
    )

    assert TOO_LARGE in flashes(response)
    assert Project.objects.get(pk=project.pk).status == Project.Status.FRAMEWORK


# --- task done: next ------------------------------------------------------------------------


@pytest.fixture
def task(project, officer) -> Task:
    return TaskFactory(project=project, assignee=officer, created_by=officer)


@pytest.mark.parametrize(
    "target", ["https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)"]
)
def test_task_done_does_not_follow_next_off_site(fixed_today, page, task, target):
    response = page.post(reverse("projects:task_done", args=[task.pk]), {"next": target})

    assert response.status_code == 302
    assert response["Location"] == task.project.get_absolute_url()
    task.refresh_from_db()
    assert task.done


def test_task_done_follows_next_on_this_site(fixed_today, page, task):
    response = page.post(reverse("projects:task_done", args=[task.pk]), {"next": "/work/"})

    assert response["Location"] == "/work/"


# --- 对上争取 forms ----------------------------------------------------------------------------


@pytest.fixture
def application(officer, task_force) -> SupportApplication:
    return SupportApplication.objects.create(
        title="灌区专项债",
        fund_source="special_bonds",
        amount_requested=Decimal(1000),
        owner=officer,
        task_force=task_force,
        status_changed_on=TODAY,
        created_by=officer,
    )


@pytest.mark.parametrize("version", ["abc", "0", "1e999"])
def test_support_edit_with_a_malformed_version_is_a_400_with_the_reason(
    fixed_today, page, application, version
):
    url = reverse("projects:support_edit", args=[application.pk])

    response = page.post(url, form_data(page, url, version=version, title="不应保存"))

    assert response.status_code == 400
    assert VERSION_INVALID in response.content.decode()
    assert SupportApplication.objects.get(pk=application.pk).title == "灌区专项债"


def test_support_edit_refuses_an_amount_wider_than_its_column(fixed_today, page, application):
    url = reverse("projects:support_edit", args=[application.pk])

    response = page.post(url, form_data(page, url, amount_requested="1e15"))

    assert response.status_code == 400
    assert response.context["form"].errors["amount_requested"] == [TOO_LARGE]


@pytest.mark.parametrize("projects", ["abc", "99999999999999999999999", "1e999"])
def test_support_edit_refuses_malformed_project_ids(fixed_today, page, application, projects):
    url = reverse("projects:support_edit", args=[application.pk])

    response = page.post(url, form_data(page, url, projects=[projects]))

    assert response.status_code == 400
    assert "projects" in response.context["form"].errors


def test_support_move_with_an_overflowing_amount_is_refused(fixed_today, page, application):
    url = reverse("projects:support_detail", args=[application.pk])

    response = page.post(url, {"to": "prepared", "amount": "1e13", "version": "abc"})

    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert errors["amount"] == [TOO_LARGE] and VERSION_INVALID in errors["__all__"]
    assert SupportApplication.objects.get(pk=application.pk).status == "planned"


# --- list pages: malformed query values -----------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "projects:list",
        "projects:board",
        "projects:support_list",
        "projects:export",
        "projects:support_export",
    ],
)
@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=99999999999999999999",
        "ordering=nonexistent",
        "leader_id=abc",
        "owner_id=99999999999999999999999",
        "task_force_id=1e999",
        "industry=%00",
        "late=maybe",
        "project_id=1e999",
        "deadline_after=9999-99-99",
        "q=%00",
        "status=",
    ],
)
def test_list_pages_never_500_on_malformed_query_values(fixed_today, page, project, name, query):
    response = page.get(f"{reverse(name)}?{query}")

    # The pages show a filter's error above an empty list; the exports refuse with a 400.
    assert response.status_code in ((200, 400) if name.endswith("export") else (200,))


def test_an_unknown_leader_on_the_project_list_shows_why_and_lists_nothing(
    fixed_today, page, project
):
    response = page.get(reverse("projects:list"), {"leader_id": "999999"})

    html = response.content.decode()
    assert "没有编号为 999999 的记录" in html
    assert project.name not in html


def test_an_unknown_owner_on_the_board_shows_why_and_lists_nothing(fixed_today, page, project):
    response = page.get(reverse("projects:board"), {"owner_id": "999999"})

    html = response.content.decode()
    assert "没有编号为 999999 的记录" in html
    assert project.name not in html


def test_an_unknown_owner_on_the_support_list_shows_why(fixed_today, page, application):
    response = page.get(reverse("projects:support_list"), {"owner_id": "999999"})

    html = response.content.decode()
    assert "没有编号为 999999 的记录" in html
    assert application.title not in html


# --- the API --------------------------------------------------------------------------------


def test_api_patch_names_the_read_only_fields_it_refuses(fixed_today, api, project):
    before = unchanged(project)

    response = api.patch(
        f"/api/v1/projects/{project.pk}/",
        {"status": "signed", "version": 3, "id": 9, "created_by": 1},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"status", "id", "created_by"}
    assert body["detail"].startswith("以下字段不能通过此接口修改：")
    assert "version" not in body["detail"]
    assert unchanged(project) == before


def test_api_create_refuses_a_read_only_status(fixed_today, api, task_force):
    response = api.post(
        "/api/v1/projects/",
        {
            "name": "想直接签约",
            "category": "livelihood",
            "task_force": task_force.pk,
            "status": "signed",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status"}
    assert not Project.objects.filter(name="想直接签约").exists()


@pytest.mark.parametrize("version", ["abc", 0, -1, 1.5, "1e999", 10**30, None])
def test_api_patch_with_a_malformed_version_is_a_field_error(fixed_today, api, project, version):
    response = api.patch(
        f"/api/v1/projects/{project.pk}/", {"location": "x", "version": version}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["version"] == [VERSION_INVALID]


@pytest.mark.parametrize("amount", ["1000000000000", 10**20, "1e999"])
def test_api_refuses_an_amount_wider_than_its_column(fixed_today, api, project, amount):
    response = api.patch(
        f"/api/v1/projects/{project.pk}/", {"total_investment": amount}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["total_investment"] == [TOO_LARGE]


def test_api_refuses_a_json_number_that_overflows_a_float(fixed_today, api, project):
    response = api.patch(
        f"/api/v1/projects/{project.pk}/",
        '{"total_investment": 1e999, "owner": 1e999}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"total_investment", "owner"}


@pytest.mark.parametrize("body", ['{"total_investment": NaN}', '{"owner": Infinity}'])
def test_api_refuses_nan_and_infinity(fixed_today, api, project, body):
    response = api.patch(f"/api/v1/projects/{project.pk}/", body, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_api_refuses_a_date_out_of_the_sane_range(fixed_today, api, project, day):
    response = api.patch(
        f"/api/v1/projects/{project.pk}/", {"target_commence_on": day}, format="json"
    )

    assert response.status_code == 400
    assert "target_commence_on" in response.json()["errors"]


def test_api_move_with_a_malformed_version_or_amount_is_a_field_error(fixed_today, api, project):
    response = api.post(
        f"/api/v1/projects/{project.pk}/transition/",
        {"to": "framework", "version": "abc", "signed_amount": "1e20", "date": "0001-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"version", "signed_amount", "date"}


def test_api_answers_json_400_to_deeply_nested_json(fixed_today, api, project):
    response = api.patch(
        f"/api/v1/projects/{project.pk}/", "[" * 100_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_api_support_create_refuses_read_only_fields_and_wide_amounts(fixed_today, api):
    response = api.post(
        "/api/v1/support-applications/",
        {
            "title": "专项债",
            "fund_source": "special_bonds",
            "amount_requested": "1e13",
            "amount_approved": "5",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"amount_approved"}
    response = api.post(
        "/api/v1/support-applications/",
        {"title": "专项债", "fund_source": "special_bonds", "amount_requested": "1e13"},
        format="json",
    )
    assert response.json()["errors"]["amount_requested"] == [TOO_LARGE]


@pytest.mark.parametrize(
    "path", ["/api/v1/projects/", "/api/v1/projects/board/", "/api/v1/support-applications/"]
)
@pytest.mark.parametrize(
    "query",
    [
        "ordering=nonexistent",
        "leader_id=abc",
        "owner_id=99999999999999999999999",
        "task_force_id=1e999",
        "project_id=1e999",
        "owner_id=999999",
    ],
)
def test_api_lists_answer_400_to_bad_filters(fixed_today, api, project, path, query):
    response = api.get(f"{path}?{query}")

    assert response.status_code in (200, 400)
    if response.status_code == 200:  # a filter this list does not have
        return
    assert response.json()["errors"]


@pytest.mark.parametrize("path", ["/api/v1/projects/", "/api/v1/support-applications/"])
def test_api_lists_answer_a_malformed_page_without_a_500(fixed_today, api, path):
    response = api.get(f"{path}?page=abc")

    assert response.status_code == 404
    assert response.json()["detail"]


HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/projects/{HUGE}/",
        f"/projects/{HUGE}/edit/",
        f"/projects/support/{HUGE}/",
        f"/leads/{HUGE}/",
        f"/api/v1/projects/{HUGE}/",
        f"/api/v1/leads/{HUGE}/",
        f"/api/v1/support-applications/{HUGE}/",
    ],
)
def test_an_id_beyond_the_integer_range_in_the_path_is_a_404(fixed_today, page, path):
    assert page.get(path).status_code == 404


def test_task_done_with_an_id_beyond_the_integer_range_is_a_404(fixed_today, page):
    assert page.post(f"/projects/tasks/{HUGE}/done/").status_code == 404
