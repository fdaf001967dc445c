"""The Django admin: every model of crm and leads is registered, its pages load and search works."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from crm.models import ChangeLog, TaskForce, User
from leads.models import Lead
from leads.services import lead_transition
from tests.factories import (
    FollowUpFactory,
    LeadFactory,
    TaskForceFactory,
    UserFactory,
    make_credit_code,
)

APP_LABELS = ("crm", "leads")
REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label in APP_LABELS),
    key=lambda model: model._meta.label,
)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="root", full_name="超级管理员", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def populated(officer, task_force):
    """One row of each kind, so changelists render real rows (and their related columns)."""
    lead = LeadFactory(
        company_name="虎林绿源米业有限公司",
        credit_code=make_credit_code(301),
        contact_name="赵经理",
        owner=officer,
        task_force=task_force,
        due_diligence_note="已核实",
    )
    FollowUpFactory(lead=lead)
    lead_transition(lead=lead, to=Lead.Stage.DROPPED, actor=officer, reason="企业暂缓投资")
    ChangeLog.objects.create(
        content_type=ContentType.objects.get_for_model(Lead),
        object_id=lead.pk,
        object_repr=str(lead),
        action="update",
        actor=officer,
        changes=[{"field": "rating", "label": "评级", "old": "", "new": "A"}],
    )
    return lead


def test_every_model_of_crm_and_leads_is_registered():
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model._meta.label


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_loads_and_searches(model, admin_client, populated):
    url = admin_url(model, "changelist")

    assert admin_client.get(url).status_code == 200
    if admin.site._registry[model].search_fields:
        assert admin_client.get(url, {"q": "虎林"}).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_add_page_loads_where_adding_is_allowed(model, admin_client, superuser, rf):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = superuser
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


def test_lead_search_finds_by_company_credit_code_and_contact(admin_client, populated):
    url = admin_url(Lead, "changelist")
    LeadFactory(company_name="完达山乳业有限公司")

    for term in ("绿源", populated.credit_code, "赵经理"):
        response = admin_client.get(url, {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [populated], term


def test_lead_list_filters_by_stage(admin_client, populated):
    LeadFactory(company_name="另一家企业")

    response = admin_client.get(admin_url(Lead, "changelist"), {"stage__exact": "dropped"})

    assert list(response.context["cl"].result_list) == [populated]


def test_lead_change_page_shows_stage_read_only_with_history_inlines(admin_client, populated):
    response = admin_client.get(admin_url(Lead, "change", populated.pk))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "stage" not in form.fields
    assert "企业暂缓投资" in response.content.decode()
    assert "电话沟通投资意向" in response.content.decode()


def test_admin_edit_records_history_and_bumps_version(admin_client, superuser, populated):
    url = admin_url(Lead, "change", populated.pk)
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "company_name": "虎林绿源米业集团",
            "industry": populated.industry.pk,
            "channel": populated.channel.pk,
            "owner": populated.owner.pk,
            "task_force": populated.task_force.pk,
            "stage": "serve",
            "transitions-TOTAL_FORMS": "1",
            "transitions-INITIAL_FORMS": "1",
            "follow_ups-TOTAL_FORMS": "1",
            "follow_ups-INITIAL_FORMS": "1",
        }
    )
    data = {key: value for key, value in data.items() if value != ""}

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    populated.refresh_from_db()
    assert populated.company_name == "虎林绿源米业集团"
    assert populated.company_key == "虎林绿源米业"
    assert populated.stage == Lead.Stage.DROPPED
    assert populated.version == 3
    assert populated.updated_by == superuser
    entry = ChangeLog.objects.filter(object_id=populated.pk, actor=superuser).get()
    assert entry.changes[0]["new"] == "虎林绿源米业集团"


def test_admin_add_lead_fills_what_the_pipeline_keeps(admin_client, superuser, officer, task_force):
    response = admin_client.post(
        admin_url(Lead, "add"),
        {
            "company_name": "后台录入企业有限公司",
            "credit_code": "",
            "industry": LeadFactory.build().industry.pk,
            "channel": LeadFactory.build().channel.pk,
            "owner": officer.pk,
            "task_force": task_force.pk,
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
            "follow_ups-TOTAL_FORMS": "0",
            "follow_ups-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    lead = Lead.objects.get(company_name="后台录入企业有限公司")
    assert lead.stage == Lead.Stage.COLLECT
    assert lead.created_by == superuser
    assert lead.company_key == "后台录入企业"
    assert ChangeLog.objects.filter(object_id=lead.pk, action="create").exists()


def test_admin_refuses_a_wrong_credit_code(admin_client):
    code = make_credit_code(5)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")

    response = admin_client.post(
        admin_url(Lead, "add"),
        {
            "company_name": "错误代码企业",
            "credit_code": wrong,
            "industry": LeadFactory.build().industry.pk,
            "channel": LeadFactory.build().channel.pk,
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
            "follow_ups-TOTAL_FORMS": "0",
            "follow_ups-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["credit_code"] == [
        "统一社会信用代码校验位不正确，请核对是否抄错。"
    ]
    assert not Lead.objects.exists()


def test_task_force_list_counts_members(admin_client, officer, other_officer):
    TaskForceFactory(name="蜂业专班", members=[officer, other_officer])

    response = admin_client.get(admin_url(TaskForce, "changelist"))

    row = response.context["cl"].result_list[0]
    assert row.member_total == 2


def test_user_admin_has_the_bureau_fields_and_no_first_or_last_name(admin_client, officer):
    response = admin_client.get(admin_url(User, "change", officer.pk))

    fields = response.context["adminform"].form.fields
    assert {"full_name", "role", "phone", "department", "receives_digests"} <= set(fields)
    assert not {"first_name", "last_name"} & set(fields)


def test_user_admin_creates_a_user_with_role(admin_client):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "username": "newofficer",
            "full_name": "新专员",
            "role": "officer",
            "usable_password": "true",
            "password1": "Hulin-2026-strong",
            "password2": "Hulin-2026-strong",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="newofficer")
    assert (user.full_name, user.role) == ("新专员", "officer")
    assert user.check_password("Hulin-2026-strong")


def test_change_log_is_read_only(admin_client, populated):
    entry = ChangeLog.objects.filter(changes__isnull=False).exclude(changes=[]).first()

    response = admin_client.get(admin_url(ChangeLog, "change", entry.pk))

    assert response.status_code == 200
    assert "评级" in response.content.decode()
    assert admin_client.post(admin_url(ChangeLog, "delete", entry.pk)).status_code == 403
