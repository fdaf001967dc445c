"""Each index of ``leads/migrations/0008_cockpit_indexes.py`` is read by the cockpit's queries
on PostgreSQL (issue 11: every index justified by the plan that uses it).

Realistic rather than forced (``enable_seqscan=off`` would only show that an index *can* be
used): two years of leads, each moved to 筛选 the day after its registration, then what
autovacuum does after a bulk insert (``VACUUM ANALYZE``: fresh statistics and the visibility
map an index-only scan relies on). VACUUM cannot run in a transaction, hence
``transaction=True`` (``serialized_rollback`` keeps the migrations' reference data). The plans
are those of the very queries the cockpit runs, captured.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import User
from dashboard.cockpit import Period, lead_block
from dashboard.ranking import task_force_ranking
from leads.models import Lead, LeadTransition
from tests.factories import LeadFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans of PostgreSQL"),
]

TODAY = datetime.date(2026, 11, 28)
MONTH = Period(kind="month", start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30))
LEADS = 4000


@pytest.fixture
def two_years(officer, task_force) -> None:
    """``LEADS`` leads registered evenly over two years up to TODAY, each moved to 筛选 the day
    after; with the demo's kind of text, which makes the table's rows wide."""
    template = LeadFactory(
        owner=officer,
        task_force=task_force,
        intent="拟流转5万亩耕地建设绿色水稻种植基地，订单收购本地优质稻。",
        due_diligence_note=(
            "经国家企业信用信息公示系统核实：企业成立于2014年，注册资本14600万元，登记状态存续，"
            "无经营异常和严重失信记录。实地走访企业生产基地，产能和设备情况属实。"
        ),
    )
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Lead._meta.concrete_fields
        if not field.primary_key
    }
    first = timezone.make_aware(datetime.datetime(2024, 11, 29, 12))
    step = datetime.timedelta(days=730) / LEADS
    leads = Lead.objects.bulk_create(
        Lead(**{**fields, "company_name": f"企业{n}", "credit_code": ""}) for n in range(LEADS)
    )
    for n, lead in enumerate(leads):
        lead.created_at = first + n * step
    Lead.objects.bulk_update(leads, ["created_at"], batch_size=1000)
    LeadTransition.objects.bulk_create(
        LeadTransition(
            lead=lead,
            from_stage=Lead.Stage.COLLECT,
            to_stage=Lead.Stage.SCREEN,
            actor=officer,
        )
        for lead in leads
    )
    with connection.cursor() as cursor:
        # auto_now_add wrote now: each move takes the day after its lead's registration
        cursor.execute(
            "UPDATE leads_leadtransition t SET moved_at = l.created_at + interval '1 day' "
            "FROM leads_lead l WHERE l.id = t.lead_id"
        )
        cursor.execute("VACUUM ANALYZE leads_lead")
        cursor.execute("VACUUM ANALYZE leads_leadtransition")


def plans(run) -> list[str]:
    """The plans of the SELECTs ``run()`` makes (their SQL as sent, parameters inlined)."""
    with CaptureQueriesContext(connection) as queries:
        run()
    found = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if not query["sql"].startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN {query['sql']}")
            found.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
    return found


def plan_of(found: list[tuple[str, str]], *needles: str) -> str:
    (plan,) = [plan for sql, plan in found if all(needle in sql for needle in needles)]
    return plan


def test_the_periods_new_leads_and_moves_read_the_cockpit_indexes(two_years, bureau_leader):
    reader = User.objects.get(pk=bureau_leader.pk)

    found = plans(
        lambda: task_force_ranking(user=reader, start=MONTH.start, end=MONTH.end, today=TODAY)
    )

    new_leads = plan_of(found, 'FROM "leads_lead"', '"created_at" >=')
    assert "Index Only Scan using leads_lead_cockpit_idx" in new_leads
    moves = plan_of(found, 'FROM "leads_leadtransition"')
    assert "leads_transition_moved_idx" in moves
    assert "Seq Scan on leads_leadtransition" not in moves


def test_the_pass_over_every_lead_reads_the_index_not_the_table(two_years, bureau_leader):
    reader = User.objects.get(pk=bureau_leader.pk)

    found = plans(lambda: lead_block(user=reader, period=MONTH, today=TODAY, overdue_over=7))

    tally = plan_of(found, 'FROM "leads_lead"', '"channel_id"')
    assert "Index Only Scan using leads_lead_cockpit_idx" in tally
    assert "Seq Scan on leads_lead" not in tally
    entered = plan_of(found, 'FROM "leads_leadtransition"')
    assert "Index Only Scan using leads_transition_moved_idx" in entered
