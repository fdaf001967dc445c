"""Field-level change history: display values, diffs and the ChangeLog rows services write."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from crm import audit
from crm.models import ChangeLog
from leads.models import Lead
from tests.factories import LeadFactory, industry

pytestmark = pytest.mark.django_db


def test_snapshot_reads_choice_labels_related_names_and_blanks(officer):
    lead = LeadFactory(owner=officer, rating=Lead.Rating.A, planned_investment=Decimal("1200.50"))
    values = audit.snapshot(
        lead, ["rating", "industry", "owner", "planned_investment", "region", "contact_name"]
    )
    assert values == {
        "rating": "A 级（优先）",
        "industry": "米业",
        "owner": "王招商",
        "planned_investment": "1200.50",
        "region": "",
        "contact_name": "",
    }


def test_snapshot_reads_booleans_in_chinese(officer):
    assert audit.snapshot(officer, ["receives_digests"]) == {"receives_digests": "是"}
    officer.receives_digests = False
    assert audit.snapshot(officer, ["receives_digests"]) == {"receives_digests": "否"}


def test_diff_lists_only_changed_fields_with_their_labels(officer):
    lead = LeadFactory(owner=officer, stage=Lead.Stage.COLLECT)
    before = audit.snapshot(lead, ["company_name", "industry", "next_follow_up_on"])
    lead.industry = industry("pharma")
    lead.next_follow_up_on = datetime.date(2026, 3, 1)
    changes = audit.changes_since(lead, before)
    assert changes == [
        {"field": "industry", "label": "产业", "old": "米业", "new": "药业"},
        {"field": "next_follow_up_on", "label": "下次跟进日期", "old": "", "new": "2026-03-01"},
    ]


def test_diff_of_an_unchanged_object_is_empty(officer):
    lead = LeadFactory(owner=officer)
    before = audit.snapshot(lead, ["company_name", "rating"])
    assert audit.changes_since(lead, before) == []


def test_change_record_writes_one_row_for_the_object(officer):
    lead = LeadFactory(owner=officer, company_name="虎林市绿都米业有限公司")
    changes = [{"field": "rating", "label": "评级", "old": "", "new": "A 级（优先）"}]
    record = audit.change_record(
        instance=lead, actor=officer, action=ChangeLog.Action.UPDATE, changes=changes
    )
    record.refresh_from_db()
    assert record.object_id == lead.pk
    assert record.object_repr == "虎林市绿都米业有限公司"
    assert record.actor == officer
    assert record.changes == changes


def test_change_history_is_newest_first_and_only_for_the_object(officer):
    lead, other = LeadFactory(owner=officer), LeadFactory(owner=officer)
    first = audit.change_record(instance=lead, actor=officer, action=ChangeLog.Action.CREATE)
    audit.change_record(instance=other, actor=officer, action=ChangeLog.Action.CREATE)
    second = audit.change_record(instance=lead, actor=None, action=ChangeLog.Action.UPDATE)
    assert list(audit.change_history(lead)) == [second, first]


def test_field_changes_are_labelled_in_the_readers_language(officer):
    lead = LeadFactory(owner=officer)
    audit.change_record(
        instance=lead,
        actor=officer,
        action=ChangeLog.Action.UPDATE,
        changes=[{"field": "company_name", "label": "企业名称", "old": "甲", "new": "乙"}],
    )
    change = audit.change_history(lead)[0]
    with translation.override("en"):
        assert change.field_changes()[0]["label"] == "Company name"
    with translation.override("zh-hans"):
        assert change.field_changes()[0]["label"] == "企业名称"
