"""Who may see and change projects, 对上争取, tasks, progress reports and reminders (issue 7).

One rule (``crm.access``) for every way in: the services, the API and the pages. Records
outside a user's scope answer 404; a change the user may not make answers 403 (API) or the
form again with the reason (pages) and saves nothing; an owner who does not belong to the
record's task force is bad input (400). Nothing answers 404 after a committed write.

The bureau of these tests, named after the demo's people::

    蜂业专班 bee    leader bee_leader; members ma_lin, bee_colleague, dual_leader
    米业专班 rice   leader rice_leader; member wang_zs
    乳业专班 dairy  leader dual_leader (who is also a member of 蜂业)
    loner          an officer of no task force; bureau_leader and admin see everything

``bee_project`` / ``bee_application`` belong to ma_lin in 蜂业, ``rice_*`` to wang_zs in 米业.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import ERROR
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm.exceptions import DomainError, PermissionRefused
from crm.models import ChangeLog, Reminder, TaskForce, User
from leads.models import Lead
from projects import services
from projects.models import ProgressReport, Project, SupportApplication, Task
from tests.factories import (
    LeadFactory,
    TaskForceFactory,
    UserFactory,
    industry,
    make_credit_code,
)
from tests.projects.conftest import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

ROLES = (
    "ma_lin",
    "bee_colleague",
    "bee_leader",
    "dual_leader",
    "wang_zs",
    "rice_leader",
    "loner",
    "bureau_leader",
    "admin",
)
# Which of the two records (bee, rice) each role's scope holds.
SEES = {
    "ma_lin": {"bee"},
    "bee_colleague": {"bee"},
    "bee_leader": {"bee"},
    "dual_leader": {"bee"},
    "wang_zs": {"rice"},
    "rice_leader": {"rice"},
    "loner": set(),
    "bureau_leader": {"bee", "rice"},
    "admin": {"bee", "rice"},
}
RECORDS = ("bee", "rice")


@dataclass
class Bureau:
    users: dict[str, User]
    task_forces: dict[str, TaskForce]
    projects: dict[str, Project] = field(default_factory=dict)
    applications: dict[str, SupportApplication] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    reports: dict[str, ProgressReport] = field(default_factory=dict)

    def user(self, role: str) -> User:
        """The user playing ``role``, loaded anew (``crm.access`` caches on the object)."""
        return User.objects.get(pk=self.users[role].pk)


@pytest.fixture
def bureau(db) -> Bureau:
    users = {
        role: UserFactory(username=role, full_name=role, role=User.Role.OFFICER)
        for role in ("ma_lin", "bee_colleague", "wang_zs", "loner")
    }
    for role in ("bee_leader", "dual_leader", "rice_leader"):
        users[role] = UserFactory(username=role, full_name=role, role=User.Role.LEADER)
    users["bureau_leader"] = UserFactory(username="chief", role=User.Role.BUREAU_LEADER)
    users["admin"] = UserFactory(username="sysadmin", role=User.Role.ADMIN, is_staff=True)
    task_forces = {
        "bee": TaskForceFactory(
            code="bee",
            name="蜂业专班",
            leader=users["bee_leader"],
            members=[users["ma_lin"], users["bee_colleague"], users["dual_leader"]],
        ),
        "rice": TaskForceFactory(
            code="rice", name="米业专班", leader=users["rice_leader"], members=[users["wang_zs"]]
        ),
        "dairy": TaskForceFactory(code="dairy", name="乳业专班", leader=users["dual_leader"]),
    }
    world = Bureau(users=users, task_forces=task_forces)
    today = timezone.localdate()
    for key, owner in (("bee", users["ma_lin"]), ("rice", users["wang_zs"])):
        project = ProjectFactory(
            name=f"{task_forces[key].name}扩建项目", owner=owner, task_force=task_forces[key]
        )
        world.projects[key] = project
        world.applications[key] = SupportApplication.objects.create(
            title=f"{task_forces[key].name}省级专项资金",
            fund_source=SupportApplication.FundSource.PROVINCIAL,
            owner=owner,
            task_force=task_forces[key],
            status_changed_on=today,
            created_by=owner,
        )
        world.tasks[key] = TaskFactory(
            project=project, assignee=owner, title=f"{key}报送形象进度", created_by=owner
        )
        world.reports[key] = ProgressReport.objects.create(
            project=project,
            reported_on=today,
            percent=30,
            done="完成主体施工",
            problems="需协调用地指标",
            problem_owner="自然资源局",
            created_by=owner,
        )
    return world


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def page_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def history_count(instance: Model) -> int:
    return ChangeLog.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    ).count()


def project_row(project: Project) -> tuple:
    """What a refused write must leave as it was."""
    row = Project.objects.get(pk=project.pk)
    return (row.owner_id, row.task_force_id, row.version, row.location, row.name, row.updated_at)


def application_row(application: SupportApplication) -> tuple:
    row = SupportApplication.objects.get(pk=application.pk)
    return (row.owner_id, row.task_force_id, row.version, row.note, row.updated_at)


def form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """What the browser posts back for the form the page at ``url`` shows, with ``changes``."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data.update(changes)
    return data


# A page refusing a form shows it again: 200, or 400/403 with the reason by the field.
REFUSED_PAGE = (200, 400, 403)


def page_errors(response) -> list[str]:
    """The form's error messages, each checked to be on the rendered page."""
    errors = [
        message for messages in response.context["form"].errors.values() for message in messages
    ]
    content = response.content.decode()
    for message in errors:
        assert message in content, message
    return errors


# --- who sees: API and pages ---------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_api_answers_a_project_in_scope_and_404_outside(bureau, role, record):
    project = bureau.projects[record]
    response = api_for(bureau.user(role)).get(f"/api/v1/projects/{project.pk}/")
    assert response.status_code == (200 if record in SEES[role] else 404)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_api_answers_an_application_in_scope_and_404_outside(bureau, role, record):
    application = bureau.applications[record]
    response = api_for(bureau.user(role)).get(f"/api/v1/support-applications/{application.pk}/")
    assert response.status_code == (200 if record in SEES[role] else 404)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_api_lists_exactly_the_records_in_scope(bureau, role, record):
    client = api_for(bureau.user(role))
    projects = {row["id"] for row in client.get("/api/v1/projects/").json()["results"]}
    applications = {
        row["id"] for row in client.get("/api/v1/support-applications/").json()["results"]
    }
    assert (bureau.projects[record].pk in projects) == (record in SEES[role])
    assert (bureau.applications[record].pk in applications) == (record in SEES[role])


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_project_and_application_pages_answer_in_scope_and_404_outside(bureau, role, record):
    client = page_for(bureau.user(role))
    expected = 200 if record in SEES[role] else 404
    project, application = bureau.projects[record], bureau.applications[record]
    urls = [
        reverse("projects:detail", args=[project.pk]),
        reverse("projects:edit", args=[project.pk]),
        reverse("projects:support_detail", args=[application.pk]),
        reverse("projects:support_edit", args=[application.pk]),
    ]
    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, expected)


# --- who changes a plain field: services, API, pages ---------------------------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_api_patch_of_a_plain_field_saves_in_scope_and_is_404_outside(bureau, role, record):
    project = bureau.projects[record]
    before = project_row(project)
    response = api_for(bureau.user(role)).patch(
        f"/api/v1/projects/{project.pk}/", {"location": "虎林经济开发区"}, format="json"
    )
    if record in SEES[role]:
        assert response.status_code == 200, response.json()
        assert response.json()["location"] == "虎林经济开发区"
        assert Project.objects.get(pk=project.pk).version == project.version + 1
    else:
        assert response.status_code == 404
        assert project_row(project) == before


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", [*ROLES, "inactive"])
def test_project_update_service_follows_the_scope(bureau, role, record):
    project = bureau.projects[record]
    if role == "inactive":
        actor = UserFactory(username="inactive", is_active=False)
        bureau.task_forces[record].members.add(actor)
    else:
        actor = bureau.user(role)
    before = project_row(project)
    if record in SEES.get(role, set()):
        services.project_update(project=project, actor=actor, data={"location": "虎头镇"})
        assert Project.objects.get(pk=project.pk).location == "虎头镇"
    else:
        with pytest.raises(DomainError):
            services.project_update(project=project, actor=actor, data={"location": "虎头镇"})
        assert project_row(project) == before


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_application_update_service_follows_the_scope(bureau, role, record):
    application = bureau.applications[record]
    before = application_row(application)
    actor = bureau.user(role)
    if record in SEES[role]:
        services.support_application_update(
            application=application, actor=actor, data={"note": "已对接省发改委"}
        )
        assert SupportApplication.objects.get(pk=application.pk).note == "已对接省发改委"
    else:
        with pytest.raises(DomainError):
            services.support_application_update(
                application=application, actor=actor, data={"note": "已对接省发改委"}
            )
        assert application_row(application) == before


# --- who changes owner and task force: the assignment rule ----------------------------------

# PATCH bodies for bee_project (ma_lin's, in 蜂业) and what each role gets.
MOVE_TO_RICE = "move_to_rice"  # {"task_force": 米业, "owner": wang_zs}
REASSIGN = "reassign"  # {"owner": bee_colleague}
MOVE_TO_DAIRY = "move_to_dairy"  # {"task_force": 乳业, "owner": dual_leader}
OUT = {"wang_zs": 404, "rice_leader": 404, "loner": 404}
ASSIGNMENT_MATRIX = {
    MOVE_TO_RICE: {
        "ma_lin": 403,
        "bee_colleague": 403,
        "bee_leader": 403,
        "dual_leader": 403,
        **OUT,
        "bureau_leader": 200,
        "admin": 200,
    },
    REASSIGN: {
        "ma_lin": 403,
        "bee_colleague": 403,
        "bee_leader": 200,
        "dual_leader": 403,
        **OUT,
        "bureau_leader": 200,
        "admin": 200,
    },
    MOVE_TO_DAIRY: {
        "ma_lin": 403,
        "bee_colleague": 403,
        "bee_leader": 403,
        "dual_leader": 200,
        **OUT,
        "bureau_leader": 200,
        "admin": 200,
    },
}


def change_for(bureau: Bureau, change: str) -> dict[str, User | TaskForce]:
    users, task_forces = bureau.users, bureau.task_forces
    return {
        MOVE_TO_RICE: {"task_force": task_forces["rice"], "owner": users["wang_zs"]},
        REASSIGN: {"owner": users["bee_colleague"]},
        MOVE_TO_DAIRY: {"task_force": task_forces["dairy"], "owner": users["dual_leader"]},
    }[change]


@pytest.mark.parametrize("change", list(ASSIGNMENT_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_api_assignment_matrix_for_projects(bureau, role, change):
    project = bureau.projects["bee"]
    expected = ASSIGNMENT_MATRIX[change][role]
    values = change_for(bureau, change)
    before, logged = project_row(project), history_count(project)
    client = api_for(bureau.user(role))

    response = client.patch(
        f"/api/v1/projects/{project.pk}/",
        {name: value.pk for name, value in values.items()},
        format="json",
    )

    assert response.status_code == expected, response.content.decode()
    if expected == 200:
        body = response.json()
        for name, value in values.items():
            assert body[name] == value.pk
        saved = Project.objects.get(pk=project.pk)
        assert {name: getattr(saved, f"{name}_id") for name in values} == {
            name: value.pk for name, value in values.items()
        }
        # The actor still sees what they just saved.
        assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    else:
        if expected == 403:
            assert response.json()["detail"]
        assert project_row(project) == before
        assert history_count(project) == logged


@pytest.mark.parametrize("change", list(ASSIGNMENT_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_service_assignment_matrix_for_applications(bureau, role, change):
    application = bureau.applications["bee"]
    expected = ASSIGNMENT_MATRIX[change][role]
    before = application_row(application)

    def update() -> None:
        services.support_application_update(
            application=application, actor=bureau.user(role), data=change_for(bureau, change)
        )

    if expected == 200:
        update()
        saved = SupportApplication.objects.get(pk=application.pk)
        for name, value in change_for(bureau, change).items():
            assert getattr(saved, f"{name}_id") == value.pk
        return
    with pytest.raises(PermissionRefused if expected == 403 else DomainError):
        update()
    assert application_row(application) == before


def test_moving_a_project_without_an_owner_who_belongs_there_is_a_400(bureau):
    """A bureau leader may move anything, but ma_lin does not belong to 米业."""
    project = bureau.projects["bee"]
    before = project_row(project)
    response = api_for(bureau.user("bureau_leader")).patch(
        f"/api/v1/projects/{project.pk}/",
        {"task_force": bureau.task_forces["rice"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
    assert project_row(project) == before


# --- the reproductions of issue 7 ------------------------------------------------------------


def test_officer_moving_her_project_to_another_task_force_is_403_and_saves_nothing(bureau):
    project = bureau.projects["bee"]
    before, logged = project_row(project), history_count(project)
    response = api_for(bureau.user("ma_lin")).patch(
        f"/api/v1/projects/{project.pk}/",
        {"task_force": bureau.task_forces["rice"].pk},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert "task_force" in response.json()["errors"]
    assert project_row(project) == before
    assert history_count(project) == logged


def test_officer_giving_her_project_to_another_user_is_403_and_saves_nothing(bureau):
    project = bureau.projects["bee"]
    before, logged = project_row(project), history_count(project)
    client = api_for(bureau.user("ma_lin"))
    response = client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"owner": bureau.users["wang_zs"].pk, "location": "不应保存"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert project_row(project) == before
    assert history_count(project) == logged
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200


def test_leader_moving_a_project_into_the_task_force_they_lead_gets_the_saved_project(bureau):
    """dual_leader (member of 蜂业, leader of 乳业) moves it to 乳业: 200 with the new values."""
    project = bureau.projects["bee"]
    response = api_for(bureau.user("dual_leader")).patch(
        f"/api/v1/projects/{project.pk}/",
        {"task_force": bureau.task_forces["dairy"].pk, "owner": bureau.users["dual_leader"].pk},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["task_force"] == bureau.task_forces["dairy"].pk
    assert Project.objects.get(pk=project.pk).task_force == bureau.task_forces["dairy"]


def project_payload(serial: int, **fields: Any) -> dict[str, Any]:
    return {
        "name": "蜂产品深加工",
        "category": "upgrade",
        "enterprise_name": "虎林蜂业有限公司",
        "credit_code": make_credit_code(30_000_000 + serial),
        "industry": "rice",
        "total_investment": "5000",
        **fields,
    }


def test_api_create_of_a_project_owned_by_another_user_is_403(bureau):
    response = api_for(bureau.user("ma_lin")).post(
        "/api/v1/projects/",
        project_payload(
            1,
            task_force=bureau.task_forces["bee"].pk,
            owner=bureau.users["bee_colleague"].pk,
        ),
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Project.objects.filter(name="蜂产品深加工").exists()


def test_api_create_of_a_project_in_a_task_force_she_is_not_in_is_403(bureau):
    response = api_for(bureau.user("ma_lin")).post(
        "/api/v1/projects/",
        project_payload(2, task_force=bureau.task_forces["rice"].pk),
        format="json",
    )
    assert response.status_code == 403
    assert not Project.objects.filter(name="蜂产品深加工").exists()


def test_api_create_in_own_task_force_owned_by_herself_is_201(bureau):
    response = api_for(bureau.user("ma_lin")).post(
        "/api/v1/projects/",
        project_payload(3, task_force=bureau.task_forces["bee"].pk),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == bureau.users["ma_lin"].pk


def test_leader_creates_a_project_for_a_member_of_the_task_force_they_lead(bureau):
    response = api_for(bureau.user("bee_leader")).post(
        "/api/v1/projects/",
        project_payload(
            4, task_force=bureau.task_forces["bee"].pk, owner=bureau.users["ma_lin"].pk
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()


def application_payload(**fields: Any) -> dict[str, Any]:
    return {"title": "蜂产业园省级专项资金", "fund_source": "provincial", **fields}


def test_api_create_of_an_application_in_a_task_force_she_is_not_in_is_403(bureau):
    response = api_for(bureau.user("ma_lin")).post(
        "/api/v1/support-applications/",
        application_payload(task_force=bureau.task_forces["rice"].pk),
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not SupportApplication.objects.filter(title="蜂产业园省级专项资金").exists()


def test_api_create_of_an_application_owned_by_another_user_is_403(bureau):
    response = api_for(bureau.user("ma_lin")).post(
        "/api/v1/support-applications/",
        application_payload(
            task_force=bureau.task_forces["bee"].pk, owner=bureau.users["wang_zs"].pk
        ),
        format="json",
    )
    assert response.status_code == 403
    assert not SupportApplication.objects.filter(title="蜂产业园省级专项资金").exists()


def test_api_create_of_an_application_in_own_task_force_is_201(bureau):
    response = api_for(bureau.user("ma_lin")).post(
        "/api/v1/support-applications/",
        application_payload(task_force=bureau.task_forces["bee"].pk),
        format="json",
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    "change", ["task_force", "owner"], ids=["to_another_task_force", "to_another_owner"]
)
def test_project_edit_form_refuses_with_the_reason_and_saves_nothing(bureau, change):
    project = bureau.projects["bee"]
    value = {"task_force": bureau.task_forces["rice"], "owner": bureau.users["wang_zs"]}[change]
    before, logged = project_row(project), history_count(project)
    client, url = page_for(bureau.user("ma_lin")), reverse("projects:edit", args=[project.pk])
    data = form_data(
        client, url, **{change: value.pk}, version=project.version, location="不应保存"
    )

    response = client.post(url, data)

    assert response.status_code in REFUSED_PAGE
    assert page_errors(response)
    assert project_row(project) == before
    assert history_count(project) == logged


@pytest.mark.parametrize(
    "change", ["task_force", "owner"], ids=["to_another_task_force", "to_another_owner"]
)
def test_application_edit_form_refuses_with_the_reason_and_saves_nothing(bureau, change):
    application = bureau.applications["bee"]
    value = {"task_force": bureau.task_forces["rice"], "owner": bureau.users["wang_zs"]}[change]
    before, logged = application_row(application), history_count(application)
    client = page_for(bureau.user("ma_lin"))
    url = reverse("projects:support_edit", args=[application.pk])
    data = form_data(
        client, url, **{change: value.pk}, version=application.version, note="不应保存"
    )

    response = client.post(url, data)

    assert response.status_code in REFUSED_PAGE
    assert page_errors(response)
    assert application_row(application) == before
    assert history_count(application) == logged


def test_application_create_form_refuses_another_task_force_with_the_reason(bureau):
    client, url = page_for(bureau.user("ma_lin")), reverse("projects:support_create")
    data = form_data(
        client,
        url,
        title="蜂产业园省级专项资金",
        fund_source="provincial",
        amount_requested="100",
        task_force=bureau.task_forces["rice"].pk,
    )
    response = client.post(url, data)
    assert response.status_code in REFUSED_PAGE
    assert page_errors(response)
    assert not SupportApplication.objects.filter(title="蜂产业园省级专项资金").exists()


def test_project_create_form_refuses_another_owner_with_the_reason(bureau):
    client, url = page_for(bureau.user("ma_lin")), reverse("projects:create")
    data = form_data(
        client,
        url,
        **{**project_payload(5), "industry": industry("rice").pk},
        task_force=bureau.task_forces["bee"].pk,
        owner=bureau.users["bee_colleague"].pk,
    )
    response = client.post(url, data)
    assert response.status_code in REFUSED_PAGE
    assert page_errors(response)
    assert not Project.objects.filter(name="蜂产品深加工").exists()


# Leads: the same rule through the leads API.


@pytest.fixture
def rice_lead(bureau) -> Lead:
    return LeadFactory(
        company_name="虎林稻香米业有限公司",
        owner=bureau.users["wang_zs"],
        task_force=bureau.task_forces["rice"],
    )


def lead_row(lead: Lead) -> tuple:
    row = Lead.objects.get(pk=lead.pk)
    return (row.owner_id, row.task_force_id, row.version, row.updated_at)


def test_leader_giving_a_lead_to_someone_outside_the_task_force_is_400(bureau, rice_lead):
    before, logged = lead_row(rice_lead), history_count(rice_lead)
    response = api_for(bureau.user("rice_leader")).patch(
        f"/api/v1/leads/{rice_lead.pk}/", {"owner": bureau.users["ma_lin"].pk}, format="json"
    )
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
    assert lead_row(rice_lead) == before
    assert history_count(rice_lead) == logged
    # …and so ma_lin has not been let into the lead.
    assert api_for(bureau.user("ma_lin")).get(f"/api/v1/leads/{rice_lead.pk}/").status_code == 404


def test_leader_gives_a_lead_to_a_member_of_the_task_force(bureau, rice_lead):
    colleague = UserFactory(username="rice_colleague")
    bureau.task_forces["rice"].members.add(colleague)
    response = api_for(bureau.user("rice_leader")).patch(
        f"/api/v1/leads/{rice_lead.pk}/", {"owner": colleague.pk}, format="json"
    )
    assert response.status_code == 200
    assert Lead.objects.get(pk=rice_lead.pk).owner == colleague


# --- tasks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "assignee",
    ["ma_lin", "bee_colleague", "dual_leader", "bee_leader", "bureau_leader"],
)
def test_task_assigned_within_the_projects_scope_is_created(bureau, assignee):
    task = services.task_create(
        project=bureau.projects["bee"],
        actor=bureau.user("bee_leader"),
        title="准备省级项目库材料",
        assignee=bureau.user(assignee),
        due_on=timezone.localdate(),
    )
    assert task.assignee == bureau.users[assignee]


@pytest.mark.parametrize("assignee", ["wang_zs", "rice_leader", "loner", "inactive"])
def test_task_assigned_outside_the_projects_scope_is_refused(bureau, assignee):
    if assignee == "inactive":
        person = UserFactory(username="inactive_bee", is_active=False)
        bureau.task_forces["bee"].members.add(person)
    else:
        person = bureau.user(assignee)
    with pytest.raises(DomainError) as refused:
        services.task_create(
            project=bureau.projects["bee"],
            actor=bureau.user("bee_leader"),
            title="准备省级项目库材料",
            assignee=person,
            due_on=timezone.localdate(),
        )
    assert refused.value.message
    assert not Task.objects.filter(title="准备省级项目库材料").exists()


def test_task_page_refuses_an_assignee_outside_the_scope_with_the_message(bureau):
    project = bureau.projects["bee"]
    client = page_for(bureau.user("bee_leader"))
    response = client.post(
        reverse("projects:task_create", args=[project.pk]),
        {
            "title": "准备省级项目库材料",
            "assignee": bureau.users["wang_zs"].pk,
            "due_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert not Task.objects.filter(title="准备省级项目库材料").exists()
    page = client.get(response["Location"])
    errors = [m.message for m in page.context["messages"] if m.level == ERROR]
    assert errors
    assert all(message in page.content.decode() for message in errors)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_task_done_by_whoever_sees_the_project_records_who(bureau, role, record):
    task = bureau.tasks[record]
    actor = bureau.user(role)
    response = page_for(actor).post(reverse("projects:task_done", args=[task.pk]), {"done": "1"})
    task.refresh_from_db()
    if record in SEES[role]:
        assert response.status_code == 302
        assert task.done and task.done_by == actor
    else:
        assert response.status_code in (403, 404)
        assert not task.done and task.done_by is None


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_task_set_done_service_follows_the_scope(bureau, role, record):
    task = bureau.tasks[record]
    actor = bureau.user(role)
    if record in SEES[role]:
        services.task_set_done(task=task, actor=actor)
        task.refresh_from_db()
        assert task.done and task.done_by == actor
    else:
        with pytest.raises(DomainError):
            services.task_set_done(task=task, actor=actor)
        task.refresh_from_db()
        assert not task.done


@pytest.fixture
def stray_task(bureau) -> Task:
    """An overdue task on the 蜂业 project assigned, before the rule, to wang_zs (米业)."""
    return TaskFactory(
        project=bureau.projects["bee"],
        assignee=bureau.users["wang_zs"],
        title="越权任务：核实蜂场用地",
        due_on=timezone.localdate() - datetime.timedelta(days=3),
        created_by=bureau.users["bee_leader"],
    )


@pytest.fixture
def overdue_bee_task(bureau) -> Task:
    """The same kind of task assigned within the scope, to ma_lin."""
    return TaskFactory(
        project=bureau.projects["bee"],
        assignee=bureau.users["ma_lin"],
        title="本班任务：核实蜂场用地",
        due_on=timezone.localdate() - datetime.timedelta(days=3),
        created_by=bureau.users["bee_leader"],
    )


def test_assignee_outside_the_scope_cannot_mark_the_task_done(bureau, stray_task):
    response = page_for(bureau.user("wang_zs")).post(
        reverse("projects:task_done", args=[stray_task.pk]), {"done": "1"}
    )
    assert response.status_code in (403, 404)
    stray_task.refresh_from_db()
    assert not stray_task.done and stray_task.done_by is None


def test_assignee_outside_the_scope_sees_the_task_nowhere(bureau, stray_task):
    client = page_for(bureau.user("wang_zs"))
    for url in (reverse("dashboard:my_work"), reverse("reminders:list")):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert stray_task.title not in page, url
        assert bureau.projects["bee"].name not in page, url


def test_assignee_in_the_scope_sees_the_task_on_the_work_and_reminders_pages(
    bureau, overdue_bee_task
):
    client = page_for(bureau.user("ma_lin"))
    for url in (reverse("dashboard:my_work"), reverse("reminders:list")):
        response = client.get(url)
        assert response.status_code == 200
        assert overdue_bee_task.title in response.content.decode(), url


def test_assignee_in_the_scope_marks_the_task_done_from_the_work_page(bureau, overdue_bee_task):
    actor = bureau.user("ma_lin")
    work_page = reverse("dashboard:my_work")
    response = page_for(actor).post(
        reverse("projects:task_done", args=[overdue_bee_task.pk]),
        {"done": "1", "next": work_page},
    )
    assert response.status_code == 302
    assert response["Location"] == work_page
    overdue_bee_task.refresh_from_db()
    assert overdue_bee_task.done and overdue_bee_task.done_by == actor
    assert overdue_bee_task.done_on == timezone.localdate()


# --- progress reports ---------------------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_progress_report_is_added_in_scope_and_404_outside(bureau, role, record):
    project = bureau.projects[record]
    response = page_for(bureau.user(role)).post(
        reverse("projects:progress_create", args=[project.pk]),
        {
            "reported_on": timezone.localdate().isoformat(),
            "percent": "45",
            "done": f"{role}报告：完成钢结构吊装",
        },
    )
    added = ProgressReport.objects.filter(project=project, done=f"{role}报告：完成钢结构吊装")
    if record in SEES[role]:
        assert response.status_code == 302
        assert added.get().created_by == bureau.users[role]
    else:
        assert response.status_code == 404
        assert not added.exists()


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_progress_problem_is_solved_in_scope_and_404_outside(bureau, role, record):
    report = bureau.reports[record]
    response = page_for(bureau.user(role)).post(
        reverse("projects:progress_solve", args=[report.pk])
    )
    report.refresh_from_db()
    if record in SEES[role]:
        assert response.status_code == 302
        assert report.solved
    else:
        assert response.status_code == 404
        assert not report.solved


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_progress_report_service_follows_the_scope(bureau, role, record):
    project = bureau.projects[record]

    def report() -> ProgressReport:
        return services.progress_report_create(
            project=project,
            actor=bureau.user(role),
            reported_on=timezone.localdate(),
            percent=50,
            done="完成设备安装",
        )

    if record in SEES[role]:
        assert report().project == project
    else:
        with pytest.raises(DomainError):
            report()
        assert not ProgressReport.objects.filter(done="完成设备安装").exists()


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("role", ROLES)
def test_progress_reports_show_only_on_pages_in_scope(bureau, role, record):
    project = bureau.projects[record]
    response = page_for(bureau.user(role)).get(reverse("projects:detail", args=[project.pk]))
    if record in SEES[role]:
        assert "需协调用地指标" in response.content.decode()
    else:
        assert response.status_code == 404


# --- reminders history ----------------------------------------------------------------------


@pytest.fixture
def reminders_sent(bureau) -> dict[str, Reminder]:
    """One sent reminder for each role, its subject naming its recipient."""
    today = timezone.localdate()
    return {
        role: Reminder.objects.create(
            kind=Reminder.Kind.OFFICER,
            recipient=bureau.users[role],
            day=today,
            state=Reminder.State.SENT,
            email=bureau.users[role].email,
            subject=f"逾期提醒（{role}）",
            item_count=1,
            items=[],
            sent_at=timezone.now(),
        )
        for role in ROLES
    }


@pytest.mark.parametrize("role", ROLES)
def test_reminders_history_lists_only_my_own_reminders(bureau, reminders_sent, role):
    response = page_for(bureau.user(role)).get(reverse("reminders:list"))
    assert response.status_code == 200
    page = response.content.decode()
    shown = {other for other, reminder in reminders_sent.items() if reminder.subject in page}
    assert shown == {role}


@pytest.mark.parametrize("role", ROLES)
def test_reminder_detail_answers_mine_and_404_for_anyone_elses(bureau, reminders_sent, role):
    client = page_for(bureau.user(role))
    answers = {
        other: client.get(reverse("reminders:detail", args=[reminder.pk])).status_code
        for other, reminder in reminders_sent.items()
    }
    assert answers == {other: 200 if other == role else 404 for other in ROLES}
