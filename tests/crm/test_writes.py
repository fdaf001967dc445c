"""The one write path (``crm.writes``): lock, rights on the locked row, version, history."""

import pytest
from django.db import IntegrityError, connection, transaction

from crm import writes
from crm.access import check_assignment, check_reassignment
from crm.audit import change_history
from crm.exceptions import ConflictError, DomainError, NotFound, PermissionRefused
from crm.models import ChangeLog
from leads.models import Lead
from tests.factories import LeadFactory, UserFactory, make_credit_code


@pytest.fixture
def colleague_in_task_force(task_force):
    colleague = UserFactory(username="colleague", full_name="同事")
    task_force.members.add(colleague)
    return colleague


@pytest.fixture
def lead(officer, task_force):
    return LeadFactory(owner=officer, task_force=task_force, company_name="虎林米业")


def test_update_applies_bumps_the_version_and_writes_one_history_row(lead, officer):
    locked = writes.record_lock(Lead, lead.pk, actor=officer, refusal="no")
    _, changed = writes.record_update(
        locked, actor=officer, data={"intent": "扩建", "region": None}, editable=["intent"]
    )
    assert changed == ["intent"]
    lead.refresh_from_db()
    assert (lead.intent, lead.version, lead.updated_by) == ("扩建", 2, officer)
    [entry] = change_history(lead)
    assert entry.action == ChangeLog.Action.UPDATE
    assert entry.changes[0]["field"] == "intent" and entry.changes[0]["new"] == "扩建"


def test_an_update_that_changes_nothing_saves_and_records_nothing(lead, officer):
    locked = writes.record_lock(Lead, lead.pk, actor=officer, refusal="no")
    _, changed = writes.record_update(
        locked, actor=officer, data={"company_name": "虎林米业"}, editable=["company_name"]
    )
    assert changed == []
    lead.refresh_from_db()
    assert lead.version == 1
    assert not change_history(lead).exists()


def test_rights_are_checked_on_the_locked_row(lead, other_officer):
    with pytest.raises(PermissionRefused, match="不行"):
        writes.record_lock(Lead, lead.pk, actor=other_officer, refusal="不行")


def test_a_stale_version_is_a_conflict_naming_who_changed_it(lead, officer):
    Lead.objects.filter(pk=lead.pk).update(version=5)
    with pytest.raises(ConflictError, match="王招商") as error:
        writes.record_lock(
            Lead, lead.pk, actor=officer, refusal="no", expected_version=4, conflict="被%(who)s改过"
        )
    assert error.value.status_code == 409


@pytest.mark.parametrize("value", ["第一行\n第二行", "制表\t符", "回车\r", "段落\u2029分隔"])
def test_control_characters_in_a_single_line_field_are_refused(lead, officer, value):
    locked = writes.record_lock(Lead, lead.pk, actor=officer, refusal="no")
    with pytest.raises(DomainError) as error:
        writes.record_update(
            locked, actor=officer, data={"company_name": value}, editable=["company_name"]
        )
    assert "company_name" in error.value.field_errors
    lead.refresh_from_db()
    assert lead.company_name == "虎林米业"


def test_multi_line_text_fields_keep_their_newlines(lead, officer):
    locked = writes.record_lock(Lead, lead.pk, actor=officer, refusal="no")
    writes.record_update(locked, actor=officer, data={"intent": "一期\n二期"}, editable=["intent"])
    lead.refresh_from_db()
    assert lead.intent == "一期\n二期"


def test_invalid_values_become_field_messages(lead, officer):
    locked = writes.record_lock(Lead, lead.pk, actor=officer, refusal="no")
    with pytest.raises(DomainError) as error:
        writes.record_update(
            locked, actor=officer, data={"company_name": ""}, editable=["company_name"]
        )
    assert "company_name" in error.value.field_errors


def test_a_unique_violation_is_recognised_by_the_constraint_name(officer, task_force):
    code = make_credit_code(77)
    LeadFactory(owner=officer, task_force=task_force, credit_code=code)
    duplicate = LeadFactory.build(owner=officer, task_force=task_force, credit_code=code)
    duplicate.created_by = duplicate.updated_by = officer
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        duplicate.save()
    expected = writes.constraint_name(Lead, "credit_code_unique")
    assert expected == "leads_lead_credit_code_unique"
    assert writes.violated_constraint(error.value, Lead) == expected


def test_save_guarded_hands_a_lost_race_to_its_handler(officer, task_force):
    code = make_credit_code(78)
    LeadFactory(owner=officer, task_force=task_force, credit_code=code)
    duplicate = LeadFactory.build(owner=officer, task_force=task_force, credit_code=code)
    duplicate.created_by = duplicate.updated_by = officer

    def handler(record):
        raise DomainError.for_field("credit_code", "已被登记")

    handlers = {writes.constraint_name(Lead, "credit_code_unique"): handler}
    with pytest.raises(DomainError, match="已被登记"):
        writes.save_guarded(duplicate, unique_handlers=handlers)
    assert Lead.objects.filter(credit_code=code).count() == 1


def test_an_unrelated_integrity_error_is_not_mistaken_for_a_duplicate(lead):
    error = IntegrityError("NOT NULL constraint failed: leads_lead.owner_id")
    assert writes.violated_constraint(error, Lead) is None
    assert connection.vendor in ("sqlite", "postgresql")


def test_an_officer_may_not_clear_a_colleagues_ownership(lead, colleague_in_task_force):
    """Emptying the owner is a reassignment: the leader's call (review finding)."""
    locked = writes.record_lock(Lead, lead.pk, actor=colleague_in_task_force, refusal="no")
    with pytest.raises(PermissionRefused):
        writes.record_update(
            locked,
            actor=colleague_in_task_force,
            data={"owner": None},
            editable=["owner"],
            validate=lambda record, changed, old: check_reassignment(
                actor=colleague_in_task_force, record=record, changed=changed, old=old, noun="线索"
            ),
        )
    lead.refresh_from_db()
    assert lead.owner_id is not None and lead.version == 1


def test_a_write_after_which_the_actor_would_not_see_the_record_is_refused(officer):
    """Nothing answers 404 after a committed write: the write is refused instead."""
    own = LeadFactory(owner=officer, task_force=None)
    locked = writes.record_lock(Lead, own.pk, actor=officer, refusal="no")
    with pytest.raises(PermissionRefused, match="无法再看到"):
        writes.record_update(locked, actor=officer, data={"owner": None}, editable=["owner"])
    own.refresh_from_db()
    assert own.owner == officer


def test_a_record_deleted_meanwhile_is_not_found_not_a_crash(lead, officer):
    pk = lead.pk
    Lead.objects.filter(pk=pk).delete()
    with pytest.raises(NotFound):
        writes.record_lock(Lead, pk, actor=officer, refusal="no")


def test_nothing_is_filed_into_a_closed_task_force(officer, task_force):
    task_force.is_active = False
    task_force.save(update_fields=["is_active"])
    with pytest.raises(DomainError, match="已撤销"):
        check_assignment(actor=officer, owner=officer, task_force=task_force, creating=True)
