"""The overdue rule (``overdue_q`` and ``Lead.days_overdue`` agree) and the model's constraints."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from leads.models import FollowUp, Lead, LeadTransition, overdue_q
from tests.factories import FollowUpFactory, LeadFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
LIMITS = {"collect": 14, "screen": 7, "dock": 7, "serve": 30}


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def overdue_in_db() -> set[int]:
    return set(Lead.objects.filter(overdue_q(TODAY)).values_list("pk", flat=True))


def overdue_in_python() -> set[int]:
    return {lead.pk for lead in Lead.objects.all() if lead.is_overdue(TODAY)}


def assert_rules_agree(expected: set[int]) -> None:
    assert overdue_in_db() == overdue_in_python() == expected


@pytest.mark.parametrize(("stage", "limit"), LIMITS.items())
def test_stage_limit_exceeded_is_overdue_and_exactly_on_the_day_is_not(stage, limit):
    on_the_day = LeadFactory(stage=stage, last_activity_on=ago(limit))
    one_day_late = LeadFactory(stage=stage, last_activity_on=ago(limit + 1))
    ten_days_late = LeadFactory(stage=stage, last_activity_on=ago(limit + 10))
    assert_rules_agree({one_day_late.pk, ten_days_late.pk})
    assert on_the_day.days_overdue(TODAY) == 0
    assert one_day_late.days_overdue(TODAY) == 1
    assert ten_days_late.days_overdue(TODAY) == 10


def test_default_stage_limits_are_the_documented_ones(settings):
    assert settings.LEAD_STALE_DAYS == LIMITS


def test_passed_next_follow_up_date_is_overdue_and_today_is_not():
    due_today = LeadFactory(last_activity_on=TODAY, next_follow_up_on=TODAY)
    due_yesterday = LeadFactory(last_activity_on=TODAY, next_follow_up_on=ago(1))
    due_tomorrow = LeadFactory(last_activity_on=TODAY, next_follow_up_on=ago(-1))
    assert_rules_agree({due_yesterday.pk})
    assert due_today.days_overdue(TODAY) == 0
    assert due_yesterday.days_overdue(TODAY) == 1
    assert due_tomorrow.days_overdue(TODAY) == 0


def test_a_future_next_date_does_not_excuse_a_stale_lead():
    stale = LeadFactory(stage="screen", last_activity_on=ago(9), next_follow_up_on=ago(-5))
    assert_rules_agree({stale.pk})
    assert stale.days_overdue(TODAY) == 2


def test_days_overdue_counts_from_the_earlier_of_the_two_due_dates():
    lead = LeadFactory(stage="collect", last_activity_on=ago(20), next_follow_up_on=ago(3))
    assert lead.follow_up_due_on() == ago(6)
    assert lead.days_overdue(TODAY) == 6
    planned_first = LeadFactory(stage="collect", last_activity_on=ago(2), next_follow_up_on=ago(4))
    assert planned_first.follow_up_due_on() == ago(4)
    assert planned_first.days_overdue(TODAY) == 4


def test_dropped_lead_is_never_overdue():
    dropped = LeadFactory(stage="dropped", last_activity_on=ago(400), next_follow_up_on=ago(300))
    assert_rules_agree(set())
    assert dropped.follow_up_due_on() is None
    assert dropped.days_overdue(TODAY) == 0
    assert not dropped.is_overdue(TODAY)


def test_stage_limits_are_configurable(settings):
    settings.LEAD_STALE_DAYS = {"collect": 3, "screen": 2, "dock": 1, "serve": 60}
    collect_late = LeadFactory(stage="collect", last_activity_on=ago(4))
    collect_on_day = LeadFactory(stage="collect", last_activity_on=ago(3))
    dock_late = LeadFactory(stage="dock", last_activity_on=ago(2))
    serve_fine = LeadFactory(stage="serve", last_activity_on=ago(45))
    assert_rules_agree({collect_late.pk, dock_late.pk})
    assert not collect_on_day.is_overdue(TODAY)
    assert not serve_fine.is_overdue(TODAY)


def test_rules_agree_over_a_grid_of_leads():
    expected = set()
    for stage in Lead.Stage.values:
        for activity in (0, 6, 7, 8, 13, 14, 15, 29, 30, 31, 60):
            for next_on in (None, -3, 0, 1, 10):
                lead = LeadFactory(
                    stage=stage,
                    last_activity_on=ago(activity),
                    next_follow_up_on=None if next_on is None else ago(next_on),
                )
                if stage != "dropped" and (
                    activity > LIMITS[stage] or (next_on is not None and next_on > 0)
                ):
                    expected.add(lead.pk)
    assert_rules_agree(expected)


def test_queryset_overdue_uses_the_same_rule():
    late = LeadFactory(stage="dock", last_activity_on=ago(8))
    LeadFactory(stage="dock", last_activity_on=ago(7))
    assert list(Lead.objects.overdue(TODAY)) == [late]


# constraints


def assert_refused_by_database(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadFactory(**fields)


def test_database_refuses_an_unknown_stage():
    assert_refused_by_database(stage="signed")


def test_database_refuses_an_unknown_rating():
    assert_refused_by_database(rating="D")


def test_database_refuses_an_unknown_chain_role():
    assert_refused_by_database(chain_role="break")


def test_database_refuses_a_negative_investment():
    assert_refused_by_database(planned_investment=-1)


def test_database_refuses_a_transition_to_the_same_stage():
    lead = LeadFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadTransition.objects.create(
            lead=lead, from_stage="collect", to_stage="collect", actor=lead.owner
        )


def test_database_refuses_a_next_follow_up_before_the_follow_up():
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpFactory(occurred_on=TODAY, next_follow_up_on=ago(1))


def test_database_refuses_an_unknown_follow_up_method():
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpFactory(method="telepathy")


def test_string_forms_read_naturally():
    lead = LeadFactory(company_name="虎林市绿都米业有限公司")
    move = LeadTransition(lead=lead, from_stage="collect", to_stage="screen", actor=lead.owner)
    follow_up = FollowUp(lead=lead, occurred_on=TODAY, method="visit")
    assert str(lead) == "虎林市绿都米业有限公司"
    assert str(move) == "虎林市绿都米业有限公司: 搜集 → 筛选"
    assert str(follow_up) == "虎林市绿都米业有限公司 · 2026-06-15 走访"


def test_active_stages_exclude_dropped():
    assert set(Lead.ACTIVE_STAGES) == {"collect", "screen", "dock", "serve"}
    assert LeadFactory.build(stage="dropped").is_active is False


@pytest.mark.django_db
def test_the_search_bigrams_are_of_exactly_the_search_fields_on_postgresql():
    """A searched field missing from the column would hide its matches from two-character
    words; one the list does not search would only cost space."""
    from django.db import connection

    from leads.filters import LeadFilterSet

    if connection.vendor != "postgresql":
        pytest.skip("the bigram column exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns "
            "WHERE table_name = 'leads_lead' AND column_name = %s",
            [LeadFilterSet.search_bigrams],
        )
        (expression,) = cursor.fetchone()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'leads_lead'")
        indexes = [row[0] for row in cursor.fetchall()]
    # crm_search_bigrams(VARIADIC ARRAY[(company_name)::text, …, intent, …])
    listed = expression[expression.index("ARRAY[") + len("ARRAY[") : expression.rindex("]")]
    sources = [source.removesuffix("::text").strip("()") for source in listed.split(", ")]
    assert sources == list(LeadFilterSet.search_fields)
    assert any("USING gin (search_bigrams)" in index for index in indexes)
    assert not any("gin_trgm_ops" in index for index in indexes)
