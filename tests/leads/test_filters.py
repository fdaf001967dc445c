"""LeadFilterSet: one test per filter, fed from a URL query string as the page and API do."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from crm.models import ChainLink
from leads.models import Lead
from leads.selectors import lead_list
from tests.factories import LeadFactory, channel, industry

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(bureau_leader):
    return bureau_leader


def found(user, query: str) -> list[Lead]:
    filterset = lead_list(user=user, filters=QueryDict(query))
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def test_q_searches_company_name(reader):
    lead = LeadFactory(company_name="虎林市绿都米业有限公司")
    LeadFactory(company_name="密山市兴农乳业有限公司")
    assert found(reader, "q=绿都") == [lead]


def test_q_searches_contact_name(reader):
    lead = LeadFactory(contact_name="赵经理")
    LeadFactory(contact_name="钱经理")
    assert found(reader, "q=赵经理") == [lead]


def test_q_searches_intent_and_due_diligence_notes(reader):
    by_intent = LeadFactory(intent="拟投资建设有机大米深加工生产线")
    by_note = LeadFactory(due_diligence_note="经核实，企业在深加工领域有十年经验")
    LeadFactory(intent="蜂产品收购")
    assert set(found(reader, "q=深加工")) == {by_intent, by_note}


def test_q_needs_every_word_and_ignores_case(reader):
    both = LeadFactory(company_name="Hulin Green Rice Co., Ltd.", intent="有机")
    LeadFactory(company_name="Hulin Green Rice Trading", intent="贸易")
    assert found(reader, "q=green+RICE+有机") == [both]


def test_stage_filter_takes_several_stages(reader):
    screen = LeadFactory(stage="screen")
    dock = LeadFactory(stage="dock")
    LeadFactory(stage="collect")
    assert set(found(reader, "stage=screen&stage=dock")) == {screen, dock}


def test_owner_id_filter(reader, officer, other_officer):
    mine = LeadFactory(owner=officer)
    LeadFactory(owner=other_officer)
    assert found(reader, f"owner_id={officer.pk}") == [mine]


def test_owner_id_filter_finds_the_leads_of_a_user_who_left(reader, officer):
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    left_behind = LeadFactory(owner=officer)
    LeadFactory()
    assert found(reader, f"owner_id={officer.pk}") == [left_behind]


def test_task_force_id_filter(reader, task_force, other_task_force):
    ours = LeadFactory(task_force=task_force)
    theirs = LeadFactory(task_force=other_task_force)
    LeadFactory(task_force=None)
    assert found(reader, f"task_force_id={task_force.pk}") == [ours]
    both = f"task_force_id={task_force.pk}&task_force_id={other_task_force.pk}"
    assert set(found(reader, both)) == {ours, theirs}


def test_industry_filter_by_code(reader):
    rice = LeadFactory(industry=industry("rice"))
    bee = LeadFactory(industry=industry("bee"))
    LeadFactory(industry=industry("dairy"))
    assert set(found(reader, "industry=rice&industry=bee")) == {rice, bee}


def test_channel_filter_by_code(reader):
    expo = LeadFactory(channel=channel("expo"))
    LeadFactory(channel=channel("townsman"))
    assert found(reader, "channel=expo") == [expo]


def test_unknown_code_is_a_filter_error(reader):
    filterset = lead_list(user=reader, filters=QueryDict("industry=steel"))
    assert not filterset.is_valid()
    assert "industry" in filterset.errors


def test_chain_role_filter(reader):
    link = ChainLink.objects.get(code="rice-deep")
    fill = LeadFactory(chain_role="fill", chain_link=link)
    LeadFactory(chain_role="extend")
    LeadFactory(chain_role="")
    assert found(reader, "chain_role=fill") == [fill]


def test_rating_filter(reader):
    top = LeadFactory(rating="A")
    good = LeadFactory(rating="B")
    LeadFactory(rating="C")
    LeadFactory(rating="")
    assert set(found(reader, "rating=A&rating=B")) == {top, good}


@pytest.fixture
def overdue_and_not():
    today = timezone.localdate()
    overdue = LeadFactory(stage="dock", last_activity_on=today - datetime.timedelta(days=8))
    planned_overdue = LeadFactory(next_follow_up_on=today - datetime.timedelta(days=1))
    fine = LeadFactory(stage="dock", last_activity_on=today - datetime.timedelta(days=7))
    dropped = LeadFactory(stage="dropped", last_activity_on=today - datetime.timedelta(days=99))
    return {overdue, planned_overdue}, {fine, dropped}


def test_overdue_true_filter(reader, overdue_and_not):
    overdue, _ = overdue_and_not
    assert set(found(reader, "overdue=true")) == overdue


def test_overdue_false_filter(reader, overdue_and_not):
    _, not_overdue = overdue_and_not
    assert set(found(reader, "overdue=false")) == not_overdue


def test_overdue_left_empty_filters_nothing(reader, overdue_and_not):
    overdue, not_overdue = overdue_and_not
    assert set(found(reader, "overdue=")) == overdue | not_overdue


def test_investment_range_filter_is_inclusive(reader):
    low = LeadFactory(planned_investment=Decimal("999.99"))
    lower_edge = LeadFactory(planned_investment=Decimal("1000"))
    upper_edge = LeadFactory(planned_investment=Decimal("5000"))
    high = LeadFactory(planned_investment=Decimal("5000.01"))
    LeadFactory(planned_investment=None)
    assert set(found(reader, "investment_min=1000&investment_max=5000")) == {
        lower_edge,
        upper_edge,
    }
    assert set(found(reader, "investment_min=5000")) == {upper_edge, high}
    assert set(found(reader, "investment_max=999.99")) == {low}


def test_created_range_filter_uses_local_dates(reader):
    leads = {day: LeadFactory() for day in (1, 2, 3)}
    for day, lead in leads.items():
        # 00:30 in Shanghai is the previous day in UTC: the filter must use the local date.
        local = datetime.datetime(2026, 3, day, 0, 30, tzinfo=timezone.get_current_timezone())
        Lead.objects.filter(pk=lead.pk).update(created_at=local)
    assert found(reader, "created_after=2026-03-02&created_before=2026-03-02") == [leads[2]]
    assert set(found(reader, "created_after=2026-03-02")) == {leads[2], leads[3]}
    assert set(found(reader, "created_before=2026-03-02")) == {leads[1], leads[2]}


def test_ordering_filter(reader):
    small = LeadFactory(company_name="乙企业", planned_investment=Decimal("10"))
    large = LeadFactory(company_name="甲企业", planned_investment=Decimal("900"))
    middle = LeadFactory(company_name="丙企业", planned_investment=Decimal("50"))
    assert found(reader, "ordering=-planned_investment") == [large, middle, small]
    assert found(reader, "ordering=planned_investment") == [small, middle, large]
    assert found(reader, "ordering=company_name") == sorted(
        [small, large, middle], key=lambda lead: lead.company_name
    )


def test_filters_combine(reader, task_force):
    hit = LeadFactory(task_force=task_force, stage="screen", rating="A", industry=industry("rice"))
    LeadFactory(task_force=task_force, stage="screen", rating="C", industry=industry("rice"))
    LeadFactory(task_force=task_force, stage="collect", rating="A", industry=industry("rice"))
    query = f"task_force_id={task_force.pk}&stage=screen&rating=A&industry=rice"
    assert found(reader, query) == [hit]


def test_ordering_by_days_overdue_puts_the_worst_first(reader):
    """``-days_overdue``: 89 days past the stage's limit before 9 days past the planned date
    (ordering by the planned date put them the other way round); not overdue, then inactive,
    last."""
    today = timezone.localdate()
    planned = LeadFactory(next_follow_up_on=today - datetime.timedelta(days=9))
    stale = LeadFactory(next_follow_up_on=today + datetime.timedelta(days=3))
    Lead.objects.filter(pk=stale.pk).update(
        last_activity_on=today - datetime.timedelta(days=settings.LEAD_STALE_DAYS["collect"] + 89)
    )
    upcoming = LeadFactory(next_follow_up_on=today + datetime.timedelta(days=2))
    dropped = LeadFactory(stage="dropped", next_follow_up_on=today - datetime.timedelta(days=50))
    assert found(reader, "ordering=-days_overdue") == [stale, planned, upcoming, dropped]
    assert found(reader, "overdue=true&ordering=-days_overdue") == [stale, planned]
    assert found(reader, "ordering=days_overdue") == [upcoming, planned, stale, dropped]
