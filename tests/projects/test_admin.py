"""The projects admin saves through the services, refuses deleting history, records deletes."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from crm.models import ChangeLog, User
from projects import services
from projects.models import (
    CapitalIncrease,
    ProgressReport,
    Project,
    SupportApplication,
    Target,
    Task,
)
from tests.factories import FollowUpFactory, LeadFactory, UserFactory, make_credit_code
from tests.projects.conftest import ProjectFactory, TargetFactory, TaskFactory


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def history(obj, action: str | None = None):
    rows = ChangeLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )
    return rows.filter(action=action) if action else rows


def wrong_code(serial: int) -> str:
    code = make_credit_code(serial)
    return code[:-1] + ("0" if code[-1] != "0" else "1")


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="root", full_name="超级管理员", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


INLINES_EMPTY = {
    f"{prefix}-{key}": "0"
    for prefix in (
        "transitions",
        "progress_reports",
        "tasks",
        "capital_increases",
        "funds_arrivals",
    )
    for key in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def change_data(admin_client, project: Project, **changes) -> dict:
    """The project's change form as the admin page shows it, with ``changes`` typed in."""
    form = admin_client.get(admin_url(Project, "change", project.pk)).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(INLINES_EMPTY)
    data.update(changes)
    return {key: value for key, value in data.items() if value not in (None, "")}


def project_add_data(task_force, owner, **changes) -> dict:
    data = {
        "name": "后台登记项目",
        "category": Project.Category.INDUSTRIAL,
        "enterprise_name": "后台登记企业有限公司",
        "credit_code": make_credit_code(71),
        "total_investment": "5000",
        "signed_amount": "0",
        "funds_in_place": "0",
        "owner": owner.pk,
        "task_force": task_force.pk,
        **INLINES_EMPTY,
    }
    data.update(changes)
    return data


# Saving through the services ---------------------------------------------------------------


def test_adding_a_project_with_an_invalid_credit_code_shows_the_error_and_saves_nothing(
    admin_client, officer, task_force
):
    response = admin_client.post(
        admin_url(Project, "add"),
        project_add_data(task_force, officer, credit_code=wrong_code(71)),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["credit_code"] == [
        "统一社会信用代码无效，请核对。"
    ]
    assert not Project.objects.exists()
    assert not ChangeLog.objects.exists()


def test_adding_a_project_goes_through_the_service(admin_client, superuser, officer, task_force):
    response = admin_client.post(admin_url(Project, "add"), project_add_data(task_force, officer))

    assert response.status_code == 302
    project = Project.objects.get()
    assert (project.status, project.version, project.created_by) == (
        Project.Status.NEGOTIATING,
        1,
        superuser,
    )
    assert history(project, "create").get().actor == superuser


def test_changing_a_project_with_an_invalid_credit_code_saves_nothing(admin_client, project):
    data = change_data(admin_client, project, name="改名后的项目", credit_code=wrong_code(9))

    response = admin_client.post(admin_url(Project, "change", project.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["credit_code"]
    project.refresh_from_db()
    assert (project.name, project.version) == ("米业扩建项目", 1)
    assert not history(project).exists()


def test_a_valid_change_bumps_the_version_and_writes_one_history_row(
    admin_client, superuser, project
):
    data = change_data(admin_client, project, name="米业扩建二期项目", location="虎林经开区")

    response = admin_client.post(admin_url(Project, "change", project.pk), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.version, project.updated_by) == (
        "米业扩建二期项目",
        2,
        superuser,
    )
    entry = history(project).get()
    assert (entry.action, entry.actor) == (ChangeLog.Action.UPDATE, superuser)
    assert {change["field"] for change in entry.changes} == {"name", "location"}


def test_a_stale_admin_form_gets_a_conflict_message_not_an_overwrite(
    admin_client, officer, project
):
    data = change_data(admin_client, project, name="管理员的改名")
    services.project_update(project=project, actor=officer, data={"location": "同事刚改的地点"})

    response = admin_client.post(admin_url(Project, "change", project.pk), data)

    assert response.status_code == 200
    assert "刚刚被王招商修改过" in " ".join(response.context["adminform"].form.non_field_errors())
    project.refresh_from_db()
    assert (project.name, project.location, project.version) == (
        "米业扩建项目",
        "同事刚改的地点",
        2,
    )


def test_a_malformed_version_is_a_form_error_not_a_500(admin_client, project):
    data = change_data(admin_client, project, name="新名称", expected_version="abc")

    response = admin_client.post(admin_url(Project, "change", project.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    project.refresh_from_db()
    assert project.name == "米业扩建项目"


def test_status_and_move_dates_are_read_only_with_a_link_to_the_project_page(admin_client, project):
    response = admin_client.get(admin_url(Project, "change", project.pk))

    fields = response.context["adminform"].form.fields
    assert not {"status", "signed_on", "version", "created_by", "lead"} & set(fields)
    assert project.get_absolute_url() in response.content.decode()


def test_posting_a_status_changes_nothing(admin_client, project):
    data = change_data(admin_client, project, status=Project.Status.PRODUCING)

    admin_client.post(admin_url(Project, "change", project.pk), data)

    project.refresh_from_db()
    assert (project.status, project.version) == (Project.Status.NEGOTIATING, 1)


def test_an_application_is_saved_through_the_service_with_its_projects(
    admin_client, superuser, officer, task_force, project
):
    response = admin_client.post(
        admin_url(SupportApplication, "add"),
        {
            "title": "米业深加工中央预算内投资",
            "fund_source": SupportApplication.FundSource.CENTRAL_BUDGET,
            "amount_requested": "800",
            "owner": officer.pk,
            "task_force": task_force.pk,
            "projects": [project.pk],
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    application = SupportApplication.objects.get()
    assert application.status == SupportApplication.Status.PLANNED
    assert list(application.projects.all()) == [project]
    assert history(application, "create").get().actor == superuser


def test_a_task_is_assigned_and_completed_through_the_services(
    admin_client, superuser, officer, project
):
    due = timezone.localdate() + datetime.timedelta(days=7)
    response = admin_client.post(
        admin_url(Task, "add"),
        {"project": project.pk, "title": "  办理用地预审  ", "assignee": officer.pk, "due_on": due},
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.title, task.created_by) == ("办理用地预审", superuser)

    response = admin_client.post(admin_url(Task, "change", task.pk), {"done": "on"})

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done and task.done_on == timezone.localdate()
    assert task.done_by == superuser


def test_a_progress_report_refused_by_the_service_saves_nothing(admin_client, project):
    response = admin_client.post(
        admin_url(ProgressReport, "add"),
        {
            "project": project.pk,
            "reported_on": timezone.localdate(),
            "percent": "30",
            "done": "完成土地平整",
            "problems": "电力接入待协调",
            "problem_owner": "",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["problem_owner"]
    assert not ProgressReport.objects.exists()


def test_a_capital_increase_goes_through_the_service_and_is_then_read_only(admin_client, project):
    response = admin_client.post(
        admin_url(CapitalIncrease, "add"),
        {
            "project": project.pk,
            "agreed_on": timezone.localdate(),
            "amount": "2000",
            "signed_amount": "0",
            "note": "二期增资",
        },
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.total_investment, project.version) == (Decimal("12000"), 2)
    increase = CapitalIncrease.objects.get()
    assert (
        admin_client.post(admin_url(CapitalIncrease, "change", increase.pk), {}).status_code == 403
    )


# Deletes ---------------------------------------------------------------------------------


def test_deleting_a_project_with_history_is_refused_with_the_reason(admin_client, project, officer):
    TaskFactory(project=project, assignee=officer)

    page = admin_client.get(admin_url(Project, "change", project.pk))
    response = admin_client.post(admin_url(Project, "delete", project.pk), {"post": "yes"})

    assert not page.context["has_delete_permission"]
    assert "任务 1 条" in page.content.decode()
    assert response.status_code == 302
    assert Project.objects.filter(pk=project.pk).exists()
    assert Task.objects.filter(project=project).exists()
    [message] = [str(message) for message in get_messages(response.wsgi_request)]
    assert "任务 1 条" in message
    assert not history(project, "delete").exists()


def test_a_project_changed_since_its_creation_is_not_deleted(admin_client, officer, project):
    services.project_update(project=project, actor=officer, data={"location": "虎林"})

    admin_client.post(admin_url(Project, "delete", project.pk), {"post": "yes"})

    assert Project.objects.filter(pk=project.pk).exists()


def test_deleting_a_fresh_project_writes_a_delete_row_with_a_snapshot(
    admin_client, superuser, project
):
    project_id = project.pk

    response = admin_client.post(admin_url(Project, "delete", project_id), {"post": "yes"})

    assert response.status_code == 302
    assert not Project.objects.filter(pk=project_id).exists()
    entry = ChangeLog.objects.get(action=ChangeLog.Action.DELETE, object_id=project_id)
    assert entry.actor == superuser
    assert entry.object_repr == "米业扩建项目"
    recorded = {change["field"]: change["old"] for change in entry.changes}
    assert set(recorded) == {field.name for field in Project._meta.concrete_fields}
    assert recorded["name"] == "米业扩建项目"
    assert recorded["credit_code"] == project.credit_code
    assert recorded["task_force"] == "米业专班"


def test_the_bulk_delete_skips_records_with_history(admin_client, project, officer):
    fresh = ProjectFactory(owner=officer, name="误录项目")
    TaskFactory(project=project, assignee=officer)
    url = admin_url(Project, "changelist")
    selected = {"action": "delete_selected", "_selected_action": [project.pk, fresh.pk]}

    confirm = admin_client.post(url, selected)
    done = admin_client.post(url, {**selected, "post": "yes"})

    assert confirm.status_code == 200
    assert [obj.pk for obj in confirm.context["queryset"]] == [fresh.pk]
    assert done.status_code == 302
    assert list(Project.objects.all()) == [project]
    assert ChangeLog.objects.filter(action="delete", object_id=fresh.pk).count() == 1


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (CapitalIncrease, "capital_increase"),
        (ProgressReport, "progress_report"),
    ],
)
def test_progress_and_capital_increases_are_history_and_never_deleted(
    model, make, admin_client, superuser, project
):
    today = timezone.localdate()
    if make == "capital_increase":
        obj = services.capital_increase_create(
            project=project, actor=superuser, agreed_on=today, amount=Decimal("100")
        )
    else:
        obj = services.progress_report_create(
            project=project, actor=superuser, reported_on=today, percent=10, done="开工准备"
        )

    admin_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})

    assert model.objects.filter(pk=obj.pk).exists()


def test_a_done_task_is_kept_and_an_open_one_deleted_with_a_record(admin_client, officer, project):
    done = TaskFactory(project=project, assignee=officer, done=True, done_on=timezone.localdate())
    open_task = TaskFactory(project=project, assignee=officer, title="误派任务")

    admin_client.post(admin_url(Task, "delete", done.pk), {"post": "yes"})
    admin_client.post(admin_url(Task, "delete", open_task.pk), {"post": "yes"})

    assert list(Task.objects.all()) == [done]
    entry = ChangeLog.objects.get(action="delete")
    assert entry.object_repr == "误派任务"


def test_a_target_is_reference_data_whose_delete_is_recorded(admin_client):
    target = TargetFactory()

    admin_client.post(admin_url(Target, "delete", target.pk), {"post": "yes"})

    assert not Target.objects.exists()
    assert ChangeLog.objects.get(action="delete").object_repr == str(target)


# Every registered model's pages --------------------------------------------------------------


@pytest.fixture
def populated(superuser, officer, task_force, project):
    """A row of every kind the admin shows, written through the services where there is one."""
    today = timezone.localdate()
    lead = LeadFactory(owner=officer, task_force=task_force, credit_code=make_credit_code(401))
    FollowUpFactory(lead=lead)
    services.project_update(project=project, actor=superuser, data={"location": "虎林"})
    services.project_transition(
        project=project,
        to=Project.Status.FRAMEWORK,
        actor=superuser,
        date=today,
    )
    services.progress_report_create(
        project=project,
        actor=superuser,
        reported_on=today,
        percent=20,
        done="完成设计",
        problems="用地待协调",
        problem_owner="自然资源局",
    )
    services.capital_increase_create(
        project=project, actor=superuser, agreed_on=today, amount=Decimal("500")
    )
    services.task_create(
        project=project,
        actor=superuser,
        title="办理施工许可",
        assignee=officer,
        due_on=today,
    )
    application = services.support_application_create(
        actor=superuser,
        data={
            "title": "专项债券申报",
            "fund_source": SupportApplication.FundSource.SPECIAL_BONDS,
            "amount_requested": Decimal("300"),
            "owner": officer,
            "task_force": task_force,
        },
        projects=[project],
    )
    services.support_transition(
        application=application, to=SupportApplication.Status.PREPARED, actor=superuser
    )
    TargetFactory()
    return project


REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_admin_page_answers_a_superuser(model, admin_client, superuser, populated, rf):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = superuser

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    add = admin_client.get(admin_url(model, "add"))
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)
    obj = model._default_manager.first()
    if obj is not None:
        assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200
