"""Lead services: create, update, follow-ups, duplicates, history, hooks and who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.exceptions import (
    ConflictError,
    DomainError,
    DuplicateError,
    DuplicateWarning,
    PermissionRefused,
)
from crm.models import ChangeLog, User
from leads import services
from leads.models import FollowUp, Lead
from leads.services import (
    can_change_lead,
    follow_up_create,
    lead_create,
    lead_transition,
    lead_update,
    similar_leads,
)
from tests.factories import LeadFactory, UserFactory, channel, industry, make_credit_code
from tests.leads.conftest import ROLE_SEES_LEAD, next_credit_code, ready_lead

pytestmark = pytest.mark.django_db


def lead_data(**overrides) -> dict:
    """What a valid create form's cleaned_data holds."""
    return {
        "company_name": "虎林市绿都米业有限公司",
        "industry": industry("rice"),
        "channel": channel("townsman"),
        "contact_name": "赵经理",
        "planned_investment": Decimal("5000.00"),
        **overrides,
    }


def changelog(lead: Lead) -> list[ChangeLog]:
    return list(
        ChangeLog.objects.filter(object_id=lead.pk, content_type__model="lead").order_by("id")
    )


# lead_create


def test_create_logs_a_collect_lead_owned_by_the_actor(officer, task_force):
    lead = lead_create(actor=officer, data=lead_data(task_force=task_force))
    lead.refresh_from_db()
    assert lead.owner == lead.created_by == lead.updated_by == officer
    assert lead.stage == Lead.Stage.COLLECT
    assert lead.version == 1
    assert lead.company_key == "虎林市绿都米业"
    assert lead.last_activity_on == timezone.localdate()
    assert [entry.action for entry in changelog(lead)] == [ChangeLog.Action.CREATE]


def test_create_with_owner_none_defaults_to_the_actor(officer):
    lead = lead_create(actor=officer, data=lead_data(owner=None))
    assert lead.owner == officer


def test_create_normalises_the_credit_code(officer):
    lead = lead_create(actor=officer, data=lead_data(credit_code=" 91350100m000100y43 "))
    assert Lead.objects.get(pk=lead.pk).credit_code == "91350100M000100Y43"


def test_create_with_invalid_credit_code_is_refused_in_chinese(officer):
    with pytest.raises(DomainError) as refused:
        lead_create(actor=officer, data=lead_data(credit_code="91350100M000100Y44"))
    assert refused.value.field_errors == {
        "credit_code": ["统一社会信用代码校验位不正确，请核对是否抄错。"]
    }
    assert not Lead.objects.exists()


def test_create_with_wrong_length_credit_code_is_refused(officer):
    with pytest.raises(DomainError) as refused:
        lead_create(actor=officer, data=lead_data(credit_code="9135010"))
    assert "18 位" in refused.value.field_errors["credit_code"][0]


def test_officer_files_into_own_task_force(officer, task_force):
    lead = lead_create(actor=officer, data=lead_data(task_force=task_force))
    assert lead.task_force == task_force


def test_officer_may_not_file_into_another_task_force(officer, other_task_force):
    with pytest.raises(PermissionRefused) as refused:
        lead_create(actor=officer, data=lead_data(task_force=other_task_force))
    assert "task_force" in refused.value.field_errors
    assert not Lead.objects.exists()


def test_officer_may_not_assign_a_lead_to_someone_else(officer, colleague, task_force):
    with pytest.raises(PermissionRefused, match="只有专班负责人或局领导可以把线索分配给他人"):
        lead_create(actor=officer, data=lead_data(task_force=task_force, owner=colleague))
    assert not Lead.objects.exists()


def test_leader_assigns_a_lead_of_their_task_force_to_a_member(leader, officer, task_force):
    lead = lead_create(actor=leader, data=lead_data(task_force=task_force, owner=officer))
    assert (lead.owner, lead.created_by) == (officer, leader)


def test_leader_may_not_assign_outside_their_task_force(leader, officer):
    with pytest.raises(PermissionRefused):
        lead_create(actor=leader, data=lead_data(owner=officer))


def test_leader_may_not_file_into_another_task_force(leader, other_task_force, other_officer):
    with pytest.raises(PermissionRefused):
        lead_create(actor=leader, data=lead_data(task_force=other_task_force, owner=other_officer))


def test_bureau_leader_files_and_assigns_anywhere(bureau_leader, other_officer, other_task_force):
    lead = lead_create(
        actor=bureau_leader, data=lead_data(task_force=other_task_force, owner=other_officer)
    )
    assert (lead.task_force, lead.owner) == (other_task_force, other_officer)


# duplicates


def test_duplicate_credit_code_is_refused_naming_only_the_task_force(officer, other_task_force):
    code = next_credit_code()
    LeadFactory(company_name="乳业秘密客户有限公司", credit_code=code, task_force=other_task_force)
    with pytest.raises(DuplicateError) as refused:
        lead_create(actor=officer, data=lead_data(credit_code=code))
    message = refused.value.message
    assert "乳业专班" in message
    assert "乳业秘密客户" not in message
    assert refused.value.field_errors == {"credit_code": [message]}
    assert Lead.objects.count() == 1


def test_duplicate_credit_code_without_task_force_names_nobody(officer):
    code = next_credit_code()
    LeadFactory(company_name="秘密客户有限公司", credit_code=code, task_force=None)
    with pytest.raises(DuplicateError) as refused:
        lead_create(actor=officer, data=lead_data(credit_code=code))
    assert "一位招商专员" in refused.value.message
    assert "秘密客户" not in refused.value.message


def test_duplicate_credit_code_is_found_whatever_its_spelling(officer):
    LeadFactory(credit_code="91350100M000100Y43")
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in "91350100m000100y43")
    with pytest.raises(DuplicateError):
        lead_create(actor=officer, data=lead_data(credit_code=full_width))


def test_database_refuses_a_duplicate_credit_code():
    code = next_credit_code()
    LeadFactory(credit_code=code)
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadFactory(credit_code=code)


def test_database_allows_many_leads_without_credit_code():
    LeadFactory(credit_code="")
    LeadFactory(credit_code="")
    assert Lead.objects.filter(credit_code="").count() == 2


@pytest.fixture
def skip_credit_code_precheck(monkeypatch):
    """Let the first credit-code check pass, as when another request inserts right after it."""
    real = services._check_credit_code
    calls = []

    def check(code, *, exclude_pk):
        calls.append(code)
        if len(calls) > 1:
            real(code, exclude_pk=exclude_pk)

    monkeypatch.setattr(services, "_check_credit_code", check)
    return calls


def test_credit_code_taken_after_the_precheck_is_a_duplicate_not_a_crash(
    officer, task_force, skip_credit_code_precheck
):
    code = next_credit_code()
    LeadFactory(credit_code=code, task_force=task_force)
    with pytest.raises(DuplicateError, match="米业专班"):
        lead_create(actor=officer, data=lead_data(credit_code=code))
    assert Lead.objects.count() == 1


def test_unique_constraint_turns_a_lost_race_into_a_duplicate_error(
    officer, task_force, skip_credit_code_precheck, monkeypatch
):
    # Skip model validation of the constraint too, so only the database stands in the way.
    monkeypatch.setattr(Lead, "validate_constraints", lambda self, exclude=None: None)
    code = next_credit_code()
    LeadFactory(credit_code=code, task_force=task_force)
    with pytest.raises(DuplicateError, match="米业专班"):
        lead_create(actor=officer, data=lead_data(credit_code=code))
    assert len(skip_credit_code_precheck) == 2
    assert Lead.objects.count() == 1


def test_similar_name_warns_and_names_the_visible_match(officer, task_force):
    LeadFactory(company_name="虎林市绿都米业（集团）有限公司", task_force=task_force)
    with pytest.raises(DuplicateWarning) as warned:
        lead_create(actor=officer, data=lead_data(company_name="虎林市 绿都米业集团"))
    assert warned.value.matches == ["虎林市绿都米业（集团）有限公司"]
    assert Lead.objects.count() == 1


def test_similar_name_out_of_scope_is_described_by_task_force_only(officer, other_task_force):
    LeadFactory(company_name="虎林市绿都米业股份有限公司", task_force=other_task_force)
    with pytest.raises(DuplicateWarning) as warned:
        lead_create(actor=officer, data=lead_data())
    assert warned.value.matches == ["（乳业专班 的一条线索）"]
    assert "绿都" not in warned.value.message


def test_confirmed_similar_name_is_saved(officer):
    LeadFactory(company_name="虎林市绿都米业集团")
    lead = lead_create(actor=officer, data=lead_data(), confirm_duplicate_name=True)
    assert lead.company_key == "虎林市绿都米业"
    assert Lead.objects.filter(company_key="虎林市绿都米业").count() == 2


def test_distinct_company_is_not_a_similar_name(officer):
    LeadFactory(company_name="虎林市绿都药业有限公司")
    lead_create(actor=officer, data=lead_data())
    assert similar_leads(company_name="虎林市绿都米业") != []
    assert [m.company_name for m in similar_leads(company_name="绿都药业")] == []


# lead_update


@pytest.fixture
def lead(officer, task_force) -> Lead:
    return lead_create(actor=officer, data=lead_data(task_force=task_force))


def test_update_records_each_changed_field_old_and_new(lead, officer):
    updated = lead_update(
        lead=lead,
        actor=officer,
        data={
            **lead_data(task_force=lead.task_force),
            "industry": industry("pharma"),
            "rating": Lead.Rating.B,
            "planned_investment": Decimal("8000"),
        },
    )
    assert updated.version == 2
    entry = changelog(lead)[-1]
    assert (entry.action, entry.actor) == (ChangeLog.Action.UPDATE, officer)
    assert entry.changes == [
        {"field": "industry", "label": "产业", "old": "米业", "new": "药业"},
        {
            "field": "planned_investment",
            "label": "计划投资（万元）",
            "old": "5000.00",
            "new": "8000",
        },
        {"field": "rating", "label": "评级", "old": "", "new": "B 级（跟进）"},
    ]
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.industry.code, stored.rating, stored.updated_by) == ("pharma", "B", officer)


def test_update_that_changes_nothing_writes_nothing(lead, officer):
    before = Lead.objects.get(pk=lead.pk)
    result = lead_update(lead=lead, actor=officer, data=lead_data(task_force=lead.task_force))
    after = Lead.objects.get(pk=lead.pk)
    assert result.version == after.version == 1
    assert after.updated_at == before.updated_at
    assert [entry.action for entry in changelog(lead)] == [ChangeLog.Action.CREATE]


def test_update_with_stale_version_is_a_conflict_and_writes_nothing(lead, officer, leader):
    lead_update(lead=lead, actor=leader, data={"contact_name": "钱经理"})
    with pytest.raises(ConflictError, match="米业专班负责人"):
        lead_update(lead=lead, actor=officer, data={"contact_name": "孙经理"}, expected_version=1)
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.contact_name, stored.version) == ("钱经理", 2)
    assert len(changelog(lead)) == 2


def test_update_with_current_version_succeeds(lead, officer):
    updated = lead_update(
        lead=lead, actor=officer, data={"contact_name": "孙经理"}, expected_version=1
    )
    assert updated.version == 2


def test_update_of_the_name_refreshes_the_key_and_warns_of_similar_names(lead, officer):
    LeadFactory(company_name="密山市兴农乳业有限公司")
    with pytest.raises(DuplicateWarning):
        lead_update(lead=lead, actor=officer, data={"company_name": "密山市兴农乳业集团"})
    assert Lead.objects.get(pk=lead.pk).company_key == "虎林市绿都米业"
    lead_update(
        lead=lead,
        actor=officer,
        data={"company_name": "密山市兴农乳业集团"},
        confirm_duplicate_name=True,
    )
    assert Lead.objects.get(pk=lead.pk).company_key == "密山市兴农乳业"


def test_renaming_to_a_variant_of_its_own_name_does_not_warn(lead, officer):
    lead_update(lead=lead, actor=officer, data={"company_name": "虎林市绿都米业集团"})
    assert Lead.objects.get(pk=lead.pk).company_name == "虎林市绿都米业集团"


def test_update_to_a_taken_credit_code_is_refused(lead, officer):
    code = next_credit_code()
    LeadFactory(credit_code=code)
    with pytest.raises(DuplicateError):
        lead_update(lead=lead, actor=officer, data={"credit_code": code})
    assert Lead.objects.get(pk=lead.pk).credit_code == ""


def test_update_to_an_invalid_credit_code_is_refused(lead, officer):
    with pytest.raises(DomainError) as refused:
        lead_update(lead=lead, actor=officer, data={"credit_code": "91310000775785552S"})
    assert "不允许的字符" in refused.value.field_errors["credit_code"][0]
    assert Lead.objects.get(pk=lead.pk).version == 1


def test_keeping_the_own_credit_code_is_not_a_duplicate(officer):
    lead = lead_create(actor=officer, data=lead_data(credit_code=make_credit_code(5)))
    lead_update(
        lead=lead, actor=officer, data={"credit_code": make_credit_code(5), "intent": "建厂"}
    )
    assert Lead.objects.get(pk=lead.pk).intent == "建厂"


def test_officer_may_not_take_a_lead_out_of_the_task_force(lead, officer):
    with pytest.raises(PermissionRefused, match="只有专班负责人可以把线索调出"):
        lead_update(lead=lead, actor=officer, data={"task_force": None})
    assert Lead.objects.get(pk=lead.pk).task_force_id is not None


def test_officer_may_not_hand_a_lead_to_a_colleague(lead, officer, colleague):
    with pytest.raises(PermissionRefused):
        lead_update(lead=lead, actor=officer, data={"owner": colleague})


def test_leader_reassigns_a_lead_of_their_task_force(lead, leader, colleague):
    lead_update(lead=lead, actor=leader, data={"owner": colleague})
    assert Lead.objects.get(pk=lead.pk).owner == colleague
    assert changelog(lead)[-1].changes == [
        {"field": "owner", "label": "负责人", "old": "王招商", "new": "张同事"}
    ]


# owner change hooks


@pytest.fixture
def hook_calls(monkeypatch):
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(
        services, "owner_change_hooks", [lambda lead, actor: calls.append((lead.pk, actor.pk))]
    )
    return calls


def test_owner_hooks_run_inside_the_transaction_of_a_create(officer, hook_calls):
    # Inside: what a hook writes (the new owner's reminder) commits or rolls back with the lead.
    lead = lead_create(actor=officer, data=lead_data())
    assert hook_calls == [(lead.pk, officer.pk)]


def test_owner_hooks_run_inside_the_transaction_of_a_reassignment(
    lead, leader, colleague, hook_calls
):
    lead_update(lead=lead, actor=leader, data={"owner": colleague})
    assert hook_calls == [(lead.pk, leader.pk)]


def test_owner_hooks_do_not_run_when_the_owner_stays(
    lead, officer, hook_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lead_update(lead=lead, actor=officer, data={"contact_name": "周经理"})
    assert callbacks == []
    assert hook_calls == []


def test_a_rolled_back_reassignment_leaves_no_reminder_and_enqueues_nothing(
    lead, leader, colleague, django_capture_on_commit_callbacks
):
    from crm.models import Reminder

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        lead_update(lead=lead, actor=leader, data={"owner": colleague})
        assert Reminder.objects.filter(kind="assignment", recipient=colleague).exists()
        raise RuntimeError("the caller's transaction fails later")
    assert callbacks == []
    assert not Reminder.objects.exists()
    assert Lead.objects.get(pk=lead.pk).owner != colleague


# follow_up_create


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def test_follow_up_updates_last_and_next_follow_up_and_activity(officer, task_force):
    lead = ready_lead(owner=officer, task_force=task_force, last_activity_on=days_ago(10))
    next_on = timezone.localdate() + datetime.timedelta(days=5)
    follow_up = follow_up_create(
        lead=lead,
        actor=officer,
        occurred_on=days_ago(1),
        method=FollowUp.Method.VISIT,
        summary="走访企业总部，了解扩产计划",
        participants="王招商、赵经理",
        next_follow_up_on=next_on,
    )
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.last_follow_up_on, stored.next_follow_up_on) == (days_ago(1), next_on)
    assert stored.last_activity_on == days_ago(1)
    assert stored.version == lead.version + 1
    assert follow_up.created_by == officer
    assert FollowUp.objects.get(lead=lead).summary == "走访企业总部，了解扩产计划"


def test_back_dated_follow_up_does_not_move_the_next_date(officer):
    next_on = timezone.localdate() + datetime.timedelta(days=3)
    lead = ready_lead(
        owner=officer,
        last_follow_up_on=days_ago(2),
        next_follow_up_on=next_on,
        last_activity_on=days_ago(2),
    )
    follow_up_create(
        lead=lead,
        actor=officer,
        occurred_on=days_ago(20),
        method=FollowUp.Method.PHONE,
        summary="补录上月电话",
        next_follow_up_on=days_ago(15),
    )
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.last_follow_up_on, stored.next_follow_up_on) == (days_ago(2), next_on)
    assert stored.last_activity_on == days_ago(2)
    assert FollowUp.objects.filter(lead=lead).count() == 1


def test_next_date_before_the_follow_up_date_is_refused(officer):
    lead = ready_lead(owner=officer)
    with pytest.raises(DomainError) as refused:
        follow_up_create(
            lead=lead,
            actor=officer,
            occurred_on=days_ago(1),
            method=FollowUp.Method.PHONE,
            summary="电话",
            next_follow_up_on=days_ago(2),
        )
    assert refused.value.field_errors == {
        "next_follow_up_on": ["下次跟进日期不能早于本次跟进日期。"]
    }
    assert not FollowUp.objects.exists()
    assert Lead.objects.get(pk=lead.pk).version == lead.version


def test_follow_up_dated_in_the_future_is_refused(officer):
    lead = ready_lead(owner=officer)
    with pytest.raises(DomainError) as refused:
        follow_up_create(
            lead=lead,
            actor=officer,
            occurred_on=timezone.localdate() + datetime.timedelta(days=1),
            method=FollowUp.Method.PHONE,
            summary="电话",
        )
    assert "occurred_on" in refused.value.field_errors
    assert not FollowUp.objects.exists()


def test_follow_up_next_date_on_the_same_day_is_allowed(officer):
    lead = ready_lead(owner=officer)
    today = timezone.localdate()
    follow_up_create(
        lead=lead,
        actor=officer,
        occurred_on=today,
        method=FollowUp.Method.MEETING,
        summary="会谈",
        next_follow_up_on=today,
    )
    assert Lead.objects.get(pk=lead.pk).next_follow_up_on == today


# the visibility matrix for writes: edit, move, follow-up


@pytest.mark.parametrize("role_user", list(ROLE_SEES_LEAD), indirect=True)
def test_can_change_lead_matches_the_visibility_matrix(request, role_user, matrix_lead):
    assert can_change_lead(role_user, matrix_lead) is ROLE_SEES_LEAD[request.node.callspec.id]


@pytest.mark.parametrize("role_user", list(ROLE_SEES_LEAD), indirect=True)
def test_edit_follows_the_visibility_matrix(request, role_user, matrix_lead):
    allowed = ROLE_SEES_LEAD[request.node.callspec.id]
    if allowed:
        lead_update(lead=matrix_lead, actor=role_user, data={"contact_name": "新联系人"})
        assert Lead.objects.get(pk=matrix_lead.pk).contact_name == "新联系人"
    else:
        with pytest.raises(PermissionRefused):
            lead_update(lead=matrix_lead, actor=role_user, data={"contact_name": "新联系人"})
        assert Lead.objects.get(pk=matrix_lead.pk).version == matrix_lead.version


@pytest.mark.parametrize("role_user", list(ROLE_SEES_LEAD), indirect=True)
def test_move_follows_the_visibility_matrix(request, role_user, matrix_lead):
    allowed = ROLE_SEES_LEAD[request.node.callspec.id]
    if allowed:
        lead_transition(lead=matrix_lead, to=Lead.Stage.DROPPED, actor=role_user, reason="暂缓")
        assert Lead.objects.get(pk=matrix_lead.pk).stage == Lead.Stage.DROPPED
    else:
        with pytest.raises(PermissionRefused):
            lead_transition(lead=matrix_lead, to=Lead.Stage.DROPPED, actor=role_user, reason="暂缓")
        assert Lead.objects.get(pk=matrix_lead.pk).stage == Lead.Stage.COLLECT


@pytest.mark.parametrize("role_user", list(ROLE_SEES_LEAD), indirect=True)
def test_follow_up_follows_the_visibility_matrix(request, role_user, matrix_lead):
    allowed = ROLE_SEES_LEAD[request.node.callspec.id]
    arguments = {
        "lead": matrix_lead,
        "actor": role_user,
        "occurred_on": timezone.localdate(),
        "method": FollowUp.Method.PHONE,
        "summary": "电话回访",
    }
    if allowed:
        follow_up_create(**arguments)
        assert FollowUp.objects.filter(lead=matrix_lead).count() == 1
    else:
        with pytest.raises(PermissionRefused):
            follow_up_create(**arguments)
        assert not FollowUp.objects.exists()


def test_owner_outside_any_task_force_may_change_their_lead(officer):
    lead = ready_lead(owner=officer, task_force=None)
    assert can_change_lead(officer, lead)
    assert not can_change_lead(UserFactory(role=User.Role.LEADER), lead)


@pytest.fixture
def stale_copy(officer, other_officer, task_force, other_task_force) -> Lead:
    """A lead as the officer read it, since moved by a leader to a task force they are not in."""
    lead = ready_lead(owner=other_officer, task_force=task_force)
    Lead.objects.filter(pk=lead.pk).update(task_force=other_task_force)
    return lead


def test_edit_of_a_lead_reassigned_out_of_scope_meanwhile_is_refused(stale_copy, officer):
    with pytest.raises(PermissionRefused):
        lead_update(lead=stale_copy, actor=officer, data={"contact_name": "改名"})
    assert Lead.objects.get(pk=stale_copy.pk).contact_name == ""


def test_move_of_a_lead_reassigned_out_of_scope_meanwhile_is_refused(stale_copy, officer):
    with pytest.raises(PermissionRefused):
        lead_transition(lead=stale_copy, to=Lead.Stage.SCREEN, actor=officer)
    assert Lead.objects.get(pk=stale_copy.pk).stage == Lead.Stage.COLLECT


def test_follow_up_of_a_lead_reassigned_out_of_scope_meanwhile_is_refused(stale_copy, officer):
    with pytest.raises(PermissionRefused):
        follow_up_create(
            lead=stale_copy,
            actor=officer,
            occurred_on=timezone.localdate(),
            method=FollowUp.Method.PHONE,
            summary="电话",
        )
    assert not FollowUp.objects.exists()
