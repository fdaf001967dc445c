"""Lead reads: scoped before anything else, 404 outside the scope, timeline and work lists."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from crm import audit
from crm.exceptions import NotFound
from crm.models import ChangeLog
from leads.models import Lead
from leads.selectors import (
    lead_get,
    lead_list,
    lead_queryset,
    lead_timeline,
    leads_due_between,
    leads_overdue,
    leads_recently_changed,
    pipeline_columns,
)
from leads.services import follow_up_create, lead_transition, lead_update
from tests.factories import LeadFactory
from tests.leads.conftest import ROLE_SEES_LEAD, ready_lead

pytestmark = pytest.mark.django_db


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


# the visibility matrix for reads: list and detail


@pytest.mark.parametrize("role_user", list(ROLE_SEES_LEAD), indirect=True)
def test_list_follows_the_visibility_matrix(request, role_user, matrix_lead):
    LeadFactory(task_force=None)  # nobody's business but its owner's and the bureau's
    listed = set(lead_list(user=role_user).qs.values_list("pk", flat=True))
    assert (matrix_lead.pk in listed) is ROLE_SEES_LEAD[request.node.callspec.id]


@pytest.mark.parametrize("role_user", list(ROLE_SEES_LEAD), indirect=True)
def test_detail_follows_the_visibility_matrix_with_404_outside(request, role_user, matrix_lead):
    if ROLE_SEES_LEAD[request.node.callspec.id]:
        assert lead_get(user=role_user, pk=matrix_lead.pk) == matrix_lead
    else:
        with pytest.raises(NotFound):
            lead_get(user=role_user, pk=matrix_lead.pk)


def test_unowned_lead_outside_task_forces_is_seen_only_by_its_owner_and_the_bureau(
    officer, leader, bureau_leader, admin_user
):
    lead = LeadFactory(owner=officer, task_force=None)
    assert lead_get(user=officer, pk=lead.pk) == lead
    assert lead_get(user=bureau_leader, pk=lead.pk) == lead
    assert lead_get(user=admin_user, pk=lead.pk) == lead
    with pytest.raises(NotFound):
        lead_get(user=leader, pk=lead.pk)


@pytest.mark.parametrize("pk", [999_999, "abc", None])
def test_missing_or_malformed_id_is_404(bureau_leader, pk):
    with pytest.raises(NotFound):
        lead_get(user=bureau_leader, pk=pk)


def test_list_of_everything_for_the_bureau(bureau_leader, task_force, other_task_force):
    leads = {
        LeadFactory(task_force=task_force).pk,
        LeadFactory(task_force=other_task_force).pk,
        LeadFactory().pk,
    }
    assert set(lead_list(user=bureau_leader).qs.values_list("pk", flat=True)) == leads


def test_list_costs_one_query_whatever_the_number_of_rows(
    bureau_leader, task_force, django_assert_num_queries
):
    for size in (3, 30):
        LeadFactory.create_batch(size - Lead.objects.count(), task_force=task_force)
        with django_assert_num_queries(1):
            rows = [
                (lead.industry.name, lead.channel.name, lead.owner, lead.task_force)
                for lead in lead_list(user=bureau_leader).qs
            ]
        assert len(rows) == size


def test_queryset_scopes_before_filtering(officer, other_task_force):
    LeadFactory(task_force=other_task_force, stage="screen")
    filtered = lead_list(user=officer, filters={"stage": ["screen"]}).qs
    assert list(filtered) == []
    assert list(lead_queryset(user=officer)) == []


# timeline


def test_timeline_holds_moves_follow_ups_and_changes_newest_first(officer, task_force):
    lead = ready_lead(owner=officer, task_force=task_force)
    lead = lead_update(lead=lead, actor=officer, data={"contact_name": "赵经理"})
    follow_up_create(
        lead=lead,
        actor=officer,
        occurred_on=timezone.localdate(),
        method="phone",
        summary="电话沟通",
    )
    lead_transition(lead=lead, to="screen", actor=officer)
    entries = lead_timeline(lead=lead)
    assert [entry.kind for entry in entries] == ["transition", "follow_up", "change"]
    assert all(entry.actor == officer for entry in entries)
    assert entries[2].item.changes[0]["new"] == "赵经理"


def test_timeline_is_only_about_its_lead(officer):
    lead, other = ready_lead(owner=officer), ready_lead(owner=officer)
    audit.change_record(instance=other, actor=officer, action=ChangeLog.Action.UPDATE)
    lead_transition(lead=other, to="dropped", actor=officer, reason="重复")
    assert lead_timeline(lead=lead) == []


# work lists


def test_overdue_lists_the_users_own_overdue_leads_most_urgent_first(
    officer, colleague, task_force
):
    today = timezone.localdate()
    later = LeadFactory(owner=officer, next_follow_up_on=today - datetime.timedelta(days=1))
    sooner = LeadFactory(owner=officer, next_follow_up_on=today - datetime.timedelta(days=5))
    LeadFactory(owner=officer, next_follow_up_on=today)  # due today: not overdue
    LeadFactory(owner=officer, stage="dropped", next_follow_up_on=today - datetime.timedelta(9))
    colleagues = LeadFactory(
        owner=colleague, task_force=task_force, next_follow_up_on=today - datetime.timedelta(2)
    )
    assert list(leads_overdue(user=officer, today=today)) == [sooner, later]
    assert set(leads_overdue(user=officer, today=today, scope="all")) == {
        sooner,
        later,
        colleagues,
    }


def test_overdue_puts_the_most_days_overdue_first_whatever_the_planned_date(officer):
    """A lead 89 days past its stage's limit comes before one 9 days past its planned date,
    although its planned date (none) sorts later."""
    today = timezone.localdate()
    stale_days = settings.LEAD_STALE_DAYS["collect"]
    planned = LeadFactory(owner=officer, next_follow_up_on=today - datetime.timedelta(days=9))
    stale = LeadFactory(owner=officer, next_follow_up_on=None)
    Lead.objects.filter(pk=stale.pk).update(
        last_activity_on=today - datetime.timedelta(days=stale_days + 89)
    )
    leads = list(leads_overdue(user=officer, today=today))
    assert leads == [stale, planned]
    assert [lead.days_overdue(today) for lead in leads] == [89, 9]


def test_due_between_lists_own_active_leads_in_the_window(officer, colleague, task_force):
    inside = LeadFactory(owner=officer, next_follow_up_on=days_from_today(3))
    edge = LeadFactory(owner=officer, next_follow_up_on=days_from_today(7))
    LeadFactory(owner=officer, next_follow_up_on=days_from_today(8))
    LeadFactory(owner=officer, stage="dropped", next_follow_up_on=days_from_today(3))
    LeadFactory(owner=colleague, task_force=task_force, next_follow_up_on=days_from_today(3))
    due = leads_due_between(user=officer, start=timezone.localdate(), end=days_from_today(7))
    assert list(due) == [inside, edge]


def test_recently_changed_is_newest_first_and_limited(officer):
    leads = [LeadFactory(owner=officer) for _ in range(4)]
    lead_update(lead=leads[1], actor=officer, data={"intent": "扩产"})
    recent = list(leads_recently_changed(user=officer, limit=2))
    assert recent == [leads[1], leads[3]]


def test_pipeline_columns_count_every_stage_within_scope(officer, task_force, other_task_force):
    for stage, count in (("collect", 3), ("screen", 2), ("dropped", 1)):
        LeadFactory.create_batch(count, owner=officer, stage=stage)
    LeadFactory(task_force=other_task_force, stage="dock")
    columns = pipeline_columns(user=officer, per_column=2)
    assert [(c.stage, c.count, len(c.leads)) for c in columns] == [
        ("collect", 3, 2),
        ("screen", 2, 2),
        ("dock", 0, 0),
        ("serve", 0, 0),
        ("dropped", 1, 1),
    ]
    assert columns[0].label == "搜集"


def test_pipeline_columns_take_the_list_filters(officer):
    LeadFactory(owner=officer, stage="collect", rating="A")
    LeadFactory(owner=officer, stage="collect", rating="C")
    columns = pipeline_columns(user=officer, filters={"rating": ["A"]})
    assert columns[0].count == 1
