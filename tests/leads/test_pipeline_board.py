"""The pipeline board's columns: overdue cards pinned on top (worst first), how many are
hidden, and the column's 计划投资 total."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from leads import views
from leads.models import Lead
from leads.selectors import pipeline_columns
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def column(columns, stage):
    return next(each for each in columns if each.stage == stage)


def test_overdue_cards_are_pinned_on_top_worst_first_before_recent_ones(officer, task_force):
    """The officer's worst lead changed long ago: it used to fall past the card limit."""
    today = timezone.localdate()
    worst = LeadFactory(owner=officer, task_force=task_force, next_follow_up_on=None)
    Lead.objects.filter(pk=worst.pk).update(
        last_activity_on=today - datetime.timedelta(days=settings.LEAD_STALE_DAYS["collect"] + 89)
    )
    late = LeadFactory(
        owner=officer, task_force=task_force, next_follow_up_on=today - datetime.timedelta(9)
    )
    recent = [
        LeadFactory(owner=officer, task_force=task_force, next_follow_up_on=today) for _ in range(4)
    ]
    # the overdue ones are the least recently changed
    Lead.objects.filter(pk__in=[worst.pk, late.pk]).update(
        updated_at=timezone.now() - datetime.timedelta(days=100)
    )

    collect = column(pipeline_columns(user=officer, per_column=3, today=today), "collect")

    assert collect.leads[:2] == [worst, late]
    assert collect.leads[2] == recent[-1]  # then the most recently changed
    assert (collect.count, collect.overdue, collect.hidden) == (6, 2, 3)


def test_each_column_totals_its_planned_investment_over_all_its_leads(officer, task_force):
    for amount in ("1200", "800.5", None):
        LeadFactory(
            owner=officer,
            task_force=task_force,
            stage="screen",
            planned_investment=Decimal(amount) if amount else None,
        )
    LeadFactory(owner=officer, task_force=task_force, planned_investment=Decimal("50000"))
    LeadFactory(stage="screen", planned_investment=Decimal("99999"))  # not the officer's

    columns = pipeline_columns(user=officer, per_column=1)

    assert column(columns, "screen").investment == Decimal("2000.5")
    assert column(columns, "collect").investment == Decimal("50000")
    assert column(columns, "dock").investment is None


def test_the_board_shows_the_total_the_overdue_count_and_what_is_hidden(
    client, monkeypatch, officer, task_force
):
    monkeypatch.setattr(views, "PIPELINE_CARDS_PER_COLUMN", 1)
    today = timezone.localdate()
    for number in range(3):
        LeadFactory(
            owner=officer,
            task_force=task_force,
            planned_investment=Decimal(10000),
            next_follow_up_on=today - datetime.timedelta(days=number),
        )
    client.force_login(officer)

    page = client.get(reverse("leads:pipeline")).content.decode()

    assert 'data-investment="30000' in page
    assert "计划投资 3 亿元" in page  # a leader's total: 亿元 from 1 亿 up
    assert 'data-overdue="2"' in page  # due yesterday and the day before; today is not late
    assert 'data-hidden="2"' in page
    assert "另有 2 条未显示（共 3 条）· 查看全部" in page
    assert "stage=collect&amp;ordering=-days_overdue" in page
