"""The demo's approvals: each leader finds requests waiting (one past the SLA) and decided ones,
made through the services, and a second seeding adds none."""

from io import StringIO

import pytest
from django.core.management.base import OutputWrapper
from django.utils import timezone

from crm import demo as crm_demo
from crm.models import ReminderSchedule
from leads import demo as leads_demo
from leads.models import ApprovalRequest, Lead, LeadTransition

pytestmark = pytest.mark.django_db

Status = ApprovalRequest.Status


def seed_leads() -> str:
    out = StringIO()
    stdout = OutputWrapper(out)
    crm_demo.seed(stdout=stdout, options={})
    leads_demo.seed(stdout=stdout, options={"leads": leads_demo.DEFAULT_LEADS})
    return out.getvalue()


def test_every_leader_finds_requests_waiting_some_past_the_sla_and_some_decided():
    seed_leads()
    today = timezone.localdate()
    sla = ReminderSchedule.current().approval_sla_days
    approvals = list(ApprovalRequest.objects.select_related("lead__task_force", "decided_by"))

    pending = [a for a in approvals if a.is_pending]
    assert pending and any(a.days_waiting(today) > sla for a in pending)
    assert any(a.days_waiting(today) <= sla for a in pending)
    for approval in approvals:
        assert approval.requested_by == approval.lead.owner
        if approval.status != Status.APPROVED:
            # asked while the lead was in 筛选, on a working morning
            assert approval.requested_at >= approval.lead.stage_entered_at
            assert timezone.localtime(approval.requested_at).hour == 9
        if not approval.is_pending:
            assert approval.decided_by == approval.lead.task_force.leader
    approved = [a for a in approvals if a.status == Status.APPROVED]
    assert approved and {a.lead.stage for a in approved} == {Lead.Stage.DOCK}
    for approval in approved:
        assert LeadTransition.objects.filter(
            lead=approval.lead, from_stage=Lead.Stage.SCREEN, to_stage=Lead.Stage.DOCK
        ).exists()
    assert any(a.status == Status.RETURNED and a.comment for a in approvals)


def test_seeding_again_adds_no_approvals():
    seed_leads()
    before = ApprovalRequest.objects.count()

    output = seed_leads()

    assert ApprovalRequest.objects.count() == before
    assert "演示审批已存在" in output
