"""The pipeline at scale (issue 11): each column's cards are those sorting every lead would give,
the page costs a bounded number of queries whatever the data size, a card's menu comes when it
is opened, and on PostgreSQL the queries read the indexes of
leads/migrations/0009_pipeline_indexes.py instead of sorting the table."""

import datetime
import random

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.notifications.selectors import OverdueScope
from leads import views
from leads.models import Lead
from leads.selectors import leads_overdue, pipeline_columns
from tests.budgets import select_plans
from tests.factories import LeadFactory, make_credit_code

TODAY = datetime.date(2026, 11, 28)


def spread_leads(count: int, *, owner, task_force, seed: int = 7) -> list[Lead]:
    """``count`` leads over every stage, about a third overdue by their planned date or by
    staleness, changed at scattered times (ties of due dates included)."""
    chance = random.Random(seed)
    stages = list(Lead.Stage.values)
    leads = []
    for number in range(count):
        lead = LeadFactory(
            owner=owner,
            task_force=task_force,
            stage=stages[number % len(stages)],
            credit_code=make_credit_code(number + 300),
            next_follow_up_on=(
                TODAY + datetime.timedelta(days=chance.randint(-20, 20))
                if chance.random() < 0.8
                else None
            ),
        )
        leads.append(lead)
    for lead in leads:
        Lead.objects.filter(pk=lead.pk).update(
            last_activity_on=TODAY - datetime.timedelta(days=chance.randint(0, 60)),
            updated_at=timezone.now() - datetime.timedelta(hours=chance.randint(0, 500)),
        )
    return list(Lead.objects.order_by("id"))


def expected_cards(leads: list[Lead], stage: str, per_column: int) -> list[int]:
    """The column as the product rule says: overdue first, most days overdue first, then the
    most recently changed (ties: the most recently changed, then the newest)."""
    in_stage = [lead for lead in leads if lead.stage == stage]
    overdue = sorted(
        (lead for lead in in_stage if lead.is_overdue(TODAY)),
        key=lambda lead: (lead.follow_up_due_on(), -lead.updated_at.timestamp(), -lead.pk),
    )
    others = sorted(
        (lead for lead in in_stage if not lead.is_overdue(TODAY)),
        key=lambda lead: (-lead.updated_at.timestamp(), -lead.pk),
    )
    return [lead.pk for lead in [*overdue, *others][:per_column]]


@pytest.mark.django_db
@pytest.mark.parametrize("per_column", [1, 4, 15, 100])
def test_each_column_holds_the_cards_a_sort_of_every_lead_gives(officer, task_force, per_column):
    leads = spread_leads(60, owner=officer, task_force=task_force)

    columns = pipeline_columns(user=officer, per_column=per_column, today=TODAY)

    for column in columns:
        assert [lead.pk for lead in column.leads] == expected_cards(
            leads, column.stage, per_column
        ), column.stage
        in_stage = [lead for lead in leads if lead.stage == column.stage]
        assert column.count == len(in_stage)
        assert column.overdue == sum(lead.is_overdue(TODAY) for lead in in_stage)


# Session, user, the reader's task forces (led, member); the column counts; at most two card
# queries per active stage (its overdue cards, the others) and one for 搁置; the navigation's
# badges and the filter bar's choices; the session's renewal. The card menus cost none.
PIPELINE_MAX_QUERIES = 2 + 2 + 1 + (4 * 2 + 1) + 4 + 3 + 3


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 60])
def test_the_pipeline_costs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, leader, officer, task_force, size
):
    spread_leads(size, owner=officer, task_force=task_force)
    client.force_login(leader)
    client.get(reverse("leads:pipeline"))
    with django_assert_max_num_queries(PIPELINE_MAX_QUERIES):
        response = client.get(reverse("leads:pipeline"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_page_shows_at_most_the_columns_first_cards_and_no_menu_entries(
    client, leader, officer, task_force
):
    spread_leads(120, owner=officer, task_force=task_force)
    client.force_login(leader)
    html = client.get(reverse("leads:pipeline")).content.decode()
    assert html.count("<article") <= len(Lead.Stage.values) * views.PIPELINE_CARDS_PER_COLUMN
    assert '<li class="card-menu-item' not in html  # a menu's entries come when it opens
    assert "查看全部" in html


@pytest.mark.django_db
def test_a_card_menu_answers_its_moves_with_the_boards_version(client, officer, task_force):
    lead = LeadFactory(owner=officer, task_force=task_force, credit_code="")
    client.force_login(officer)
    url = reverse("leads:card_menu")

    response = client.get(url, {"pk": lead.pk, "version": lead.version - 1, "filters": "q=米"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "统一社会信用代码" in html  # collect → screen closed, with the reason
    assert f'name="version" value="{lead.version - 1}"' in html  # stale: the move is refused
    assert 'name="filters" value="q=米"' in html
    assert reverse("leads:transition", args=[lead.pk]) in html


@pytest.mark.django_db
def test_a_card_menu_of_a_lead_out_of_scope_is_not_found(client, officer, other_officer):
    hidden = LeadFactory(owner=other_officer, task_force=None)
    client.force_login(officer)
    assert client.get(reverse("leads:card_menu"), {"pk": hidden.pk}).status_code == 404
    assert client.get(reverse("leads:card_menu"), {"pk": "x"}).status_code == 404


# --- the plans on PostgreSQL ------------------------------------------------------------------


LEADS = 6000


@pytest.fixture
def many_leads(officer, task_force) -> None:
    """``LEADS`` leads over the active stages, a fifth of them overdue (as in the benchmark's
    100,000), with the demo's kind of wide text; then what autovacuum does after a bulk insert
    (statistics, the visibility map)."""
    template = LeadFactory(
        owner=officer,
        task_force=task_force,
        intent="拟流转5万亩耕地建设绿色水稻种植基地，订单收购本地优质稻。" * 3,
        due_diligence_note="经国家企业信用信息公示系统核实：企业存续，无经营异常记录。" * 3,
    )
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Lead._meta.concrete_fields
        if not field.primary_key
    }
    stages = list(Lead.ACTIVE_STAGES)
    Lead.objects.bulk_create(
        Lead(
            **{
                **fields,
                "company_name": f"企业{n}",
                "company_key": f"企业{n}",
                "credit_code": "",
                "stage": stages[n % len(stages)],
                "next_follow_up_on": TODAY + datetime.timedelta(days=(n % 50) - 10),
                "last_activity_on": TODAY,
            }
        )
        for n in range(LEADS)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_lead")


def postgres_plan(function):
    """A test of the plans PostgreSQL makes over ``many_leads`` (VACUUM needs no transaction:
    ``transaction=True``; ``serialized_rollback`` keeps the migrations' reference data)."""
    function = pytest.mark.usefixtures("many_leads")(function)
    function = pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the plans of PostgreSQL"
    )(function)
    return pytest.mark.django_db(transaction=True, serialized_rollback=True)(function)


@postgres_plan
def test_the_column_counts_read_the_covering_index_alone(bureau_leader):
    found = select_plans(lambda: pipeline_columns(user=bureau_leader, per_column=15, today=TODAY))
    (totals,) = [plan for sql, plan in found if "GROUP BY" in sql]
    assert "Index Only Scan using leads_lead_pipeline_totals_idx" in totals
    assert "Seq Scan on leads_lead" not in totals


@postgres_plan
def test_a_columns_overdue_cards_are_read_in_the_due_index_order(bureau_leader):
    found = select_plans(lambda: pipeline_columns(user=bureau_leader, per_column=15, today=TODAY))
    cards = [plan for sql, plan in found if 'FROM "leads_lead"' in sql and "LIMIT" in sql]
    overdue = [plan for plan in cards if "leads_lead_due_idx" in plan]
    assert len(overdue) == len(Lead.ACTIVE_STAGES)  # one per active stage
    assert all("Seq Scan on leads_lead" not in plan for plan in cards)


@postgres_plan
def test_the_countys_worst_overdue_leads_are_read_in_the_due_index_order(bureau_leader):
    found = select_plans(
        lambda: list(leads_overdue(user=bureau_leader, today=TODAY, scope=OverdueScope.ALL)[:20])
    )
    (worst,) = [plan for sql, plan in found if "LIMIT 20" in sql]
    assert "Index Scan using leads_lead_due_idx" in worst
    assert "Seq Scan on leads_lead" not in worst
