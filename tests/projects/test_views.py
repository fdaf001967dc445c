"""Pages: the board, the transition endpoint behind the drag, the table and its export,
the lead conversion, progress, tasks and the panels other pages include."""

import datetime
import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from crm.audit import change_history
from leads.models import Lead
from projects.models import ProgressReport, Project, SupportApplication, Task
from projects.services import support_application_create
from tests.factories import LeadFactory, make_credit_code
from tests.projects.conftest import (
    TODAY,
    ProjectFactory,
    TargetFactory,
    TaskFactory,
    signed_project,
)


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


def test_the_board_shows_columns_cards_and_late_marks(fixed_today, leader_client, task_force):
    TargetFactory(status="signed", due_on=datetime.date(2026, 11, 1), description="入冬前开工")
    signed_project(name="灌区排水治理", task_force=task_force, total_investment=Decimal(28000))
    ProjectFactory(name="米糠油项目", task_force=task_force)
    response = leader_client.get(reverse("projects:board"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "灌区排水治理" in html and "米糠油项目" in html
    assert "逾期 27 天" in html
    assert "28,000 万元" in html
    signed = response.context["board"].columns[2].cards[0]
    menu = leader_client.get(reverse("projects:card_menu"), {"pk": signed.pk})
    assert "推进到「开工」…" in menu.content.decode()  # the signed card's menu, when opened
    assert [c.count for c in response.context["board"].columns][:3] == [1, 0, 1]


def test_the_board_keeps_its_filters_in_the_url(fixed_today, leader_client, task_force):
    ProjectFactory(name="民生项目甲", category="livelihood", credit_code="", task_force=task_force)
    ProjectFactory(name="产业项目乙", task_force=task_force)
    response = leader_client.get(reverse("projects:board"), {"category": "livelihood"})
    html = response.content.decode()
    assert "民生项目甲" in html and "产业项目乙" not in html
    assert "category=livelihood" in html  # the table and export links keep the filters


def test_the_project_page_form_moves_and_redirects(fixed_today, leader_client, task_force):
    project = ProjectFactory(task_force=task_force)
    response = leader_client.post(
        reverse("projects:transition", args=[project.pk]),
        {"to": "stalled", "reason": "企业资金未到位"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "stalled"


def test_out_of_scope_pages_are_404(fixed_today, client, other_officer, task_force):
    project = ProjectFactory(task_force=task_force)
    client.force_login(other_officer)
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404
    response = client.post(reverse("projects:transition", args=[project.pk]), {"to": "framework"})
    assert response.status_code == 404


def test_the_project_page_shows_progress_tasks_and_history(
    fixed_today, leader_client, leader, task_force
):
    project = signed_project(task_force=task_force)
    leader_client.post(
        reverse("projects:progress_create", args=[project.pk]),
        {
            "reported_on": "2026-11-27",
            "percent": 30,
            "done": "主体施工",
            "problems": "用地指标未落实",
            "problem_owner": "市自然资源局",
        },
    )
    report = ProgressReport.objects.get()
    leader_client.post(
        reverse("projects:task_create", args=[project.pk]),
        {"title": "协调用地指标", "assignee": leader.pk, "due_on": "2026-11-20"},
    )
    html = leader_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "用地指标未落实" in html and "市自然资源局" in html
    assert "协调用地指标" in html and "逾期 8 天" in html
    leader_client.post(reverse("projects:progress_solve", args=[report.pk]))
    report.refresh_from_db()
    assert report.solved and report.solved_on == TODAY
    task = Task.objects.get()
    leader_client.post(reverse("projects:task_done", args=[task.pk]), {"done": "1"})
    task.refresh_from_db()
    assert task.done and task.done_on == TODAY


def test_a_problem_must_name_who_solves_it(fixed_today, leader_client, task_force):
    project = ProjectFactory(task_force=task_force)
    leader_client.post(
        reverse("projects:progress_create", args=[project.pk]),
        {"reported_on": "2026-11-27", "percent": 30, "done": "x", "problems": "缺电"},
    )
    assert not ProgressReport.objects.exists()


def test_the_table_sorts_and_exports_what_it_shows(fixed_today, leader_client, task_force):
    TargetFactory(status="signed", due_on=datetime.date(2026, 11, 1), description="入冬前开工")
    signed_project(name="乙项目", task_force=task_force, total_investment=Decimal(500))
    signed_project(name="甲项目", task_force=task_force, total_investment=Decimal(900))
    ProjectFactory(name="丙项目", task_force=task_force, category="livelihood", credit_code="")
    ProjectFactory(name="外班项目")
    params = {"status": "signed", "ordering": "-total_investment"}
    page = leader_client.get(reverse("projects:list"), params)
    names = [p.name for p in page.context["page"].object_list]
    assert names == ["甲项目", "乙项目"]
    response = leader_client.get(reverse("projects:export"), params)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("项目名称", "投资主体")  # under the title row
    assert [row[0] for row in rows[2:-1]] == ["甲项目", "乙项目"]  # above the 合计 row
    first = dict(zip(rows[1], rows[2], strict=True))
    assert first["状态"] == "正式签约"
    assert first["总投资（万元）"] == 900
    assert first["推进目标"] == "入冬前开工"
    assert first["是否逾期"] == "是"


def test_an_officer_converts_a_docking_lead(fixed_today, client, officer, task_force):
    lead = LeadFactory(
        stage=Lead.Stage.DOCK,
        owner=officer,
        task_force=task_force,
        credit_code=make_credit_code(8101),
        company_name="绿都米业有限公司",
    )
    client.force_login(officer)
    assert client.get(reverse("projects:from_lead", args=[lead.pk])).status_code == 200
    response = client.post(
        reverse("projects:from_lead", args=[lead.pk]),
        {"name": "绿都米业扩能项目", "category": "upgrade"},
    )
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert (project.lead, project.category) == (lead, "upgrade")


def test_creating_a_livelihood_project_from_the_form(fixed_today, leader_client, task_force):
    response = leader_client.post(
        reverse("projects:create"),
        {
            "name": "实验小学易地新建",
            "category": "livelihood",
            "enterprise_name": "虎林市教育局",
            "total_investment": "18000",
            "signed_amount": "0",
            "funds_in_place": "0",
            "task_force": task_force.pk,
        },
    )
    assert response.status_code == 302
    assert Project.objects.get().name == "实验小学易地新建"


def render(template: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load projects_tags %}" + template).render(
        Context({"request": request, **context})
    )


def test_my_open_tasks_panel_lists_my_open_tasks_only(fixed_today, officer, leader):
    TaskFactory(assignee=officer, title="我的逾期任务", due_on=datetime.date(2026, 11, 1))
    TaskFactory(assignee=officer, title="我的已完成任务", done=True, done_on=TODAY)
    TaskFactory(assignee=leader, title="别人的任务")
    html = render("{% my_open_tasks %}", officer)
    assert "我的逾期任务" in html and "逾期 27 天" in html
    assert "我的已完成任务" not in html and "别人的任务" not in html


def test_the_lead_panel_offers_conversion_for_a_docking_lead(
    fixed_today, client, officer, task_force
):
    """The lead page shows the panel the projects app registers (``crm.registry``)."""
    lead = LeadFactory(stage=Lead.Stage.DOCK, owner=officer, task_force=task_force)
    client.force_login(officer)
    html = client.get(lead.get_absolute_url()).content.decode()
    assert reverse("projects:from_lead", args=[lead.pk]) in html
    project = ProjectFactory(lead=lead, name="已关联项目", owner=officer, task_force=task_force)
    html = client.get(lead.get_absolute_url()).content.decode()
    assert "已关联项目" in html and project.get_absolute_url() in html


def test_the_lead_panel_does_not_name_a_project_the_reader_cannot_see(
    fixed_today, client, officer, task_force
):
    """A lead's project that moved to another task force is only said to exist."""
    lead = LeadFactory(stage=Lead.Stage.DOCK, owner=officer, task_force=task_force)
    project = ProjectFactory(lead=lead, name="别的专班的项目")
    client.force_login(officer)
    html = client.get(lead.get_absolute_url()).content.decode()
    assert "别的专班的项目" not in html and project.get_absolute_url() not in html
    assert "不在您的可见范围内" in html


def test_the_support_pages(fixed_today, leader_client, leader, task_force):
    project = ProjectFactory(task_force=task_force, category="livelihood", credit_code="")
    response = leader_client.post(
        reverse("projects:support_create"),
        {
            "title": "灌区中央预算内资金",
            "fund_source": "central_budget",
            "amount_requested": "2000",
            "owner": leader.pk,
            "task_force": task_force.pk,
            "projects": [project.pk],
        },
    )
    assert response.status_code == 302
    page = leader_client.get(reverse("projects:support_list"), {"fund_source": "central_budget"})
    assert "灌区中央预算内资金" in page.content.decode()
    assert page.context["by_source"][0]["requested"] == Decimal(2000)
    application = page.context["applications"][0]
    leader_client.post(
        reverse("projects:support_detail", args=[application.pk]), {"to": "prepared"}
    )
    application.refresh_from_db()
    assert application.status == "prepared"


def test_editing_a_support_application_records_history_and_keeps_hidden_links(
    fixed_today, leader, other_officer, task_force, other_task_force
):
    mine = ProjectFactory(task_force=task_force, category="livelihood", credit_code="")
    hidden = ProjectFactory(task_force=other_task_force, category="livelihood", credit_code="")
    application = support_application_create(
        actor=leader,
        data={
            "title": "灌区专项债",
            "fund_source": "special_bonds",
            "amount_requested": Decimal(1000),
            "owner": leader,
            "task_force": task_force,
        },
    )
    application.projects.add(hidden)  # linked by someone who could see it
    client = Client()
    client.force_login(leader)
    url = reverse("projects:support_edit", args=[application.pk])
    assert client.get(url).status_code == 200
    form = {
        "title": "灌区专项债（二期）",
        "fund_source": "special_bonds",
        "amount_requested": "1500",
        "owner": leader.pk,
        "task_force": task_force.pk,
        "projects": [mine.pk],
        "version": application.version,
    }
    assert client.post(url, form).status_code == 302
    application.refresh_from_db()
    assert application.title == "灌区专项债（二期）"
    assert application.amount_requested == Decimal(1500)
    assert set(application.projects.all()) == {mine, hidden}
    assert application.status == SupportApplication.Status.PLANNED
    fields = {change["field"] for change in change_history(application)[0].changes}
    assert {"title", "amount_requested", "projects"} <= fields

    stale = client.post(url, {**form, "title": "过期的修改", "version": 1})
    assert stale.status_code == 400
    assert "刚刚被修改过" in stale.content.decode()
    application.refresh_from_db()
    assert application.title == "灌区专项债（二期）"

    client.force_login(other_officer)
    assert client.get(url).status_code == 404
