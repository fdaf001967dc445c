"""``crm.admin_services``: admin forms that save through services, deletes refused or recorded."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.urls import reverse

from crm import audit
from crm.admin_services import add_domain_error, history_summary
from crm.exceptions import DomainError, PermissionRefused
from crm.models import ChangeLog, Industry, TaskForce, User
from leads.models import FollowUp, Lead
from leads.services import lead_create, lead_update
from tests.factories import (
    FollowUpFactory,
    LeadFactory,
    TaskForceFactory,
    UserFactory,
    industry,
    make_credit_code,
)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="root", full_name="超级管理员", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def lead(officer, task_force) -> Lead:
    return lead_create(
        actor=officer,
        data={
            "company_name": "虎林绿源米业有限公司",
            "credit_code": make_credit_code(811),
            "industry": industry(),
            "channel": LeadFactory.build().channel,
            "task_force": task_force,
        },
    )


INLINES_EMPTY = {
    "transitions-TOTAL_FORMS": "0",
    "transitions-INITIAL_FORMS": "0",
    "follow_ups-TOTAL_FORMS": "0",
    "follow_ups-INITIAL_FORMS": "0",
}


def lead_change_data(admin_client, lead: Lead, **changes) -> dict:
    form = admin_client.get(admin_url(Lead, "change", lead.pk)).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(INLINES_EMPTY)
    data.update(changes)
    return {key: value for key, value in data.items() if value not in (None, "")}


# Forms -----------------------------------------------------------------------------------


class _Form(forms.Form):
    owner = forms.CharField(required=False)

    class _meta:
        model = Lead


def test_a_refusal_is_shown_next_to_its_field_and_its_general_message_above():
    form = _Form(data={})
    form.is_valid()

    add_domain_error(
        form,
        PermissionRefused(
            "只有专班负责人可以分配。", field_errors={"owner": ["只能由负责人分配。"]}
        ),
    )

    assert form.errors["owner"] == ["只能由负责人分配。"]
    assert form.non_field_errors() == ["只有专班负责人可以分配。"]


def test_a_field_the_form_lacks_is_named_above_the_form_and_not_repeated():
    form = _Form(data={})
    form.is_valid()

    add_domain_error(form, DomainError.for_field("company_key", "名称重复。"))

    assert form.non_field_errors() == ["名称比对键：名称重复。"]


def test_a_stale_lead_form_gets_the_conflict_and_saves_nothing(admin_client, officer, lead):
    data = lead_change_data(admin_client, lead, contact_name="管理员改的联系人")
    lead_update(lead=lead, actor=officer, data={"intent": "同事刚补充的意向"})

    response = admin_client.post(admin_url(Lead, "change", lead.pk), data)

    assert response.status_code == 200
    assert "刚刚被" in " ".join(response.context["adminform"].form.non_field_errors())
    lead.refresh_from_db()
    assert (lead.contact_name, lead.version) == ("", 2)


def test_an_invalid_inline_after_the_service_ran_rolls_the_save_back(admin_client, lead):
    data = lead_change_data(admin_client, lead, contact_name="赵经理")
    del data["follow_ups-TOTAL_FORMS"]  # a broken management form: the page is refused

    response = admin_client.post(admin_url(Lead, "change", lead.pk), data)

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.contact_name, lead.version) == ("", 1)
    assert not ChangeLog.objects.filter(action=ChangeLog.Action.UPDATE).exists()


def test_a_follow_up_added_in_the_admin_moves_the_lead_dates(admin_client, superuser, lead):
    response = admin_client.post(
        admin_url(FollowUp, "add"),
        {
            "lead": lead.pk,
            "occurred_on": lead.created_at.date(),
            "method": FollowUp.Method.PHONE,
            "summary": "电话确认考察时间",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    lead.refresh_from_db()
    assert lead.last_follow_up_on == lead.created_at.date()
    assert FollowUp.objects.get().created_by == superuser


# History and deletes -----------------------------------------------------------------------


def test_the_creation_row_alone_is_no_history(lead):
    assert history_summary(lead) == []


def test_history_counts_each_kind_of_row_that_refers_to_the_record(officer, lead):
    FollowUpFactory(lead=lead)
    FollowUpFactory(lead=lead)
    lead_update(lead=lead, actor=officer, data={"intent": "扩大产能"})

    assert history_summary(lead) == ["变更记录 1 条", "跟进记录 2 条"]


def test_a_record_discussed_in_comments_has_history(officer, lead):
    from crm.comments import comment_add

    comment_add(record=lead, actor=officer, body="企业下周来考察，请准备材料。")

    assert history_summary(lead) == ["评论 1 条"]


def test_record_delete_keeps_every_field_but_a_password(superuser, officer, task_force):
    entry = audit.record_delete(instance=officer, actor=superuser)

    recorded = {change["field"]: change["old"] for change in entry.changes}
    assert entry.action == ChangeLog.Action.DELETE
    assert "password" not in recorded
    assert recorded["username"] == "officer"
    assert recorded["full_name"] == "王招商"
    assert set(recorded) >= {"role", "is_active", "groups"}


def test_deleting_a_fresh_lead_records_a_snapshot(admin_client, superuser, lead):
    lead_id = lead.pk

    response = admin_client.post(admin_url(Lead, "delete", lead_id), {"post": "yes"})

    assert response.status_code == 302
    assert not Lead.objects.filter(pk=lead_id).exists()
    entry = ChangeLog.objects.get(action=ChangeLog.Action.DELETE)
    assert (entry.object_id, entry.actor) == (lead_id, superuser)
    recorded = {change["field"]: change["old"] for change in entry.changes}
    assert recorded["company_name"] == "虎林绿源米业有限公司"
    assert recorded["stage"] == "搜集"


def test_a_lead_with_follow_ups_is_not_deleted(admin_client, lead):
    FollowUpFactory(lead=lead)

    response = admin_client.post(admin_url(Lead, "delete", lead.pk), {"post": "yes"})

    assert response.status_code == 302
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert "跟进记录 1 条" in messages_of(response)[0]
    assert not ChangeLog.objects.filter(action=ChangeLog.Action.DELETE).exists()


def test_deleting_a_user_who_owns_records_is_refused_with_a_message(admin_client, officer, lead):
    response = admin_client.post(
        admin_url(User, "delete", officer.pk), {"post": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert User.objects.filter(pk=officer.pk).exists()
    [message] = messages_of(response)
    assert "线索" in message
    assert "停用" in message


def test_deactivating_a_user_stays_possible(admin_client, officer, lead):
    joined = officer.date_joined
    data = {
        "username": officer.username,
        "full_name": officer.full_name,
        "role": officer.role,
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
    }

    response = admin_client.post(admin_url(User, "change", officer.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert not officer.is_active


def test_a_new_user_without_records_is_deleted_with_a_record(admin_client):
    mistaken = UserFactory(username="typo", full_name="录错的账号")

    admin_client.post(admin_url(User, "delete", mistaken.pk), {"post": "yes"})

    assert not User.objects.filter(pk=mistaken.pk).exists()
    assert ChangeLog.objects.get(action="delete").object_repr == "录错的账号"


def test_the_bulk_delete_of_users_deletes_only_those_without_records(admin_client, officer, lead):
    mistaken = UserFactory(username="typo")
    url = admin_url(User, "changelist")
    selected = {"action": "delete_selected", "_selected_action": [officer.pk, mistaken.pk]}

    confirm = admin_client.post(url, selected)
    admin_client.post(url, {**selected, "post": "yes"})

    assert confirm.status_code == 200
    assert any("王招商" in message for message in messages_of(confirm))
    assert User.objects.filter(pk=officer.pk).exists()
    assert not User.objects.filter(pk=mistaken.pk).exists()


def test_reference_data_in_use_is_not_deleted(admin_client, lead):
    rice = Industry.objects.get(code="rice")

    admin_client.post(admin_url(Industry, "delete", rice.pk), {"post": "yes"})

    assert Industry.objects.filter(pk=rice.pk).exists()


def test_a_task_force_with_leads_is_not_deleted_and_an_empty_one_is(
    admin_client, task_force, lead, officer
):
    empty = TaskForceFactory(code="bee-tf", name="蜂业专班", members=[officer])

    admin_client.post(admin_url(TaskForce, "delete", task_force.pk), {"post": "yes"})
    admin_client.post(admin_url(TaskForce, "delete", empty.pk), {"post": "yes"})

    assert list(TaskForce.objects.all()) == [task_force]
    entry = ChangeLog.objects.get(action="delete")
    assert {change["field"]: change["old"] for change in entry.changes}["members"] == "王招商"
