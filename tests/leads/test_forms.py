"""The lead and follow-up forms: validation in Chinese and the choices a user is offered."""

import datetime

import pytest
from django.utils import timezone

from crm.models import ChainLink, TaskForce
from leads.forms import FollowUpForm, LeadEditForm, LeadForm
from tests.factories import LeadFactory, TaskForceFactory, channel, industry, make_credit_code


def data(**overrides):
    values = {
        "company_name": "虎林新禾米业有限公司",
        "industry": industry("rice").pk,
        "channel": channel("townsman").pk,
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91230381MA1", "统一社会信用代码应为 18 位，当前为 11 位。"),
        ("91230381MA1ABCDEFI", "统一社会信用代码含有不允许的字符：I（不使用 I、O、Z、S、V）。"),
    ],
)
def test_bad_credit_code_is_refused_in_chinese(officer, code, message):
    form = LeadForm(data(credit_code=code), user=officer)
    assert not form.is_valid()
    assert form.errors["credit_code"] == [message]


def test_wrong_check_character_is_refused(officer):
    code = make_credit_code(42)
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")
    form = LeadForm(data(credit_code=wrong), user=officer)
    assert not form.is_valid()
    assert form.errors["credit_code"] == ["统一社会信用代码校验位不正确，请核对是否抄错。"]


def test_credit_code_is_normalised_from_full_width_and_lower_case(officer):
    code = make_credit_code(9)
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in code.lower())
    form = LeadForm(data(credit_code=f" {full_width} "), user=officer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["credit_code"] == code


def test_empty_credit_code_is_allowed_at_collect(officer):
    form = LeadForm(data(credit_code=""), user=officer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["credit_code"] == ""


def test_taken_credit_code_is_left_to_the_service(officer, other_officer):
    """The service's message names the holder's task force; the form must not pre-empt it."""
    LeadFactory(owner=other_officer, credit_code=make_credit_code(11))
    form = LeadForm(data(credit_code=make_credit_code(11)), user=officer)
    assert form.is_valid(), form.errors


def test_chain_links_are_grouped_by_chain(officer):
    form = LeadForm(user=officer)
    choices = list(form.fields["chain_link"].choices)
    groups = [label for label, options in choices[1:]]
    link = ChainLink.objects.select_related("chain").first()
    assert link.chain.name in groups
    assert all(isinstance(options, list) for label, options in choices[1:])


def test_officer_is_offered_only_own_task_forces(officer, task_force, other_task_force):
    form = LeadForm(user=officer)
    assert list(form.fields["task_force"].queryset) == [task_force]
    assert list(form.fields["owner"].queryset) == [officer]


def test_leader_may_assign_to_members(leader, officer, other_officer, task_force):
    form = LeadForm(user=leader)
    owners = set(form.fields["owner"].queryset)
    assert {leader, officer} <= owners
    assert other_officer not in owners


def test_bureau_leader_is_offered_every_task_force(bureau_leader, task_force, other_task_force):
    form = LeadForm(user=bureau_leader)
    assert set(form.fields["task_force"].queryset) == set(TaskForce.objects.all())


def test_edit_form_keeps_the_current_task_force_selectable(officer, other_officer, task_force):
    foreign = TaskForceFactory(name="外部专班")
    lead = LeadFactory(owner=officer, task_force=foreign)
    form = LeadEditForm(instance=lead, user=officer)
    assert foreign in form.fields["task_force"].queryset
    assert task_force in form.fields["task_force"].queryset


def test_edit_form_requires_the_version(officer):
    lead = LeadFactory(owner=officer)
    form = LeadEditForm(data(), instance=lead, user=officer)
    assert not form.is_valid()
    assert "version" in form.errors


def test_negative_investment_is_refused(officer):
    form = LeadForm(data(planned_investment="-5"), user=officer)
    assert not form.is_valid()
    assert "planned_investment" in form.errors


def test_follow_up_date_defaults_to_today():
    assert FollowUpForm().initial["occurred_on"] == timezone.localdate()


def test_follow_up_next_date_before_occurred_is_refused_next_to_the_field(db):
    today = timezone.localdate()
    form = FollowUpForm(
        {
            "occurred_on": today.isoformat(),
            "method": "phone",
            "summary": "电话",
            "next_follow_up_on": (today - datetime.timedelta(days=1)).isoformat(),
        }
    )
    assert not form.is_valid()
    assert form.errors["next_follow_up_on"] == ["下次跟进日期不能早于本次跟进日期。"]
    assert not form.non_field_errors()


def test_follow_up_method_must_be_known(db):
    form = FollowUpForm(
        {"occurred_on": timezone.localdate().isoformat(), "method": "fax", "summary": "x"}
    )
    assert not form.is_valid()
    assert "method" in form.errors
