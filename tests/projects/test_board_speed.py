"""The board at scale (issue 11): each column's cards are those the target order gives, the page
and the API cost a fixed number of queries whatever the number of cards (the API's chain links
no longer one query per card), a card's menu comes when it is opened, and on PostgreSQL the
board reads the indexes of projects/migrations/0006_board_indexes.py."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Project
from projects.selectors import project_board, project_list
from tests.budgets import select_plans
from tests.factories import chain_link, make_credit_code
from tests.projects.conftest import TODAY, ProjectFactory, TargetFactory, signed_project

CATEGORIES = Project.Category.values


def targets() -> None:
    """Targets by status, some for one category: equal due dates across categories (ties), a
    category-wide one beside a category's own, and statuses under no target."""
    TargetFactory(status="signed", due_on=datetime.date(2027, 3, 31))
    TargetFactory(status="signed", category="livelihood", due_on=datetime.date(2026, 10, 31))
    TargetFactory(status="negotiating", category="industrial", due_on=datetime.date(2026, 12, 31))
    TargetFactory(status="negotiating", category="upgrade", due_on=datetime.date(2026, 12, 31))
    TargetFactory(status="framework", category="upgrade", due_on=datetime.date(2026, 9, 30))
    TargetFactory(status="framework", due_on=datetime.date(2026, 12, 31))


def spread_projects(count: int, *, seed: int = 3, **fields) -> None:
    chance = random.Random(seed)
    statuses = ["negotiating", "framework", "signed", "commenced", "stalled"]
    for number in range(count):
        status = statuses[number % len(statuses)]
        maker = signed_project if status in ("signed", "commenced", "stalled") else ProjectFactory
        project = maker(status=status, category=chance.choice(CATEGORIES), **fields)
        Project.objects.filter(pk=project.pk).update(
            updated_at=timezone.now() - datetime.timedelta(hours=chance.randint(0, 300))
        )


@pytest.mark.parametrize("per_column", [1, 3, 30])
def test_each_column_holds_the_cards_the_target_order_gives(fixed_today, bureau_leader, per_column):
    targets()
    spread_projects(45)

    board = project_board(user=bureau_leader, today=TODAY, per_column=per_column)

    # The order written with every project's own target (``with_target``), as it was.
    reference = project_list(user=bureau_leader).qs.order_by(
        F("target_due_on").asc(nulls_last=True), "-updated_at", "-id"
    )
    for column in board.columns:
        expected = list(reference.filter(status=column.status)[:per_column])
        assert [card.pk for card in column.cards] == [p.pk for p in expected], column.status
        assert column.count == Project.objects.filter(status=column.status).count()
        assert all(
            card.target_id == p.target_id for card, p in zip(column.cards, expected, strict=True)
        )


def count_queries(request) -> int:
    with CaptureQueriesContext(connection) as context:
        assert request().status_code == 200
    return len(context.captured_queries)


# Session and user; counts, totals and targets by column; the columns' first cards (ids, then
# the cards); targets; the rates (one, the active targets, one per target past its date: two
# here); the standing lists; the cards' chain links (one query for all).
API_BOARD_QUERIES = 2 + 1 + 2 + 1 + (1 + 1 + 2) + 2 + 1


@pytest.mark.parametrize("surface", ["page", "api"])
def test_the_board_costs_the_same_queries_for_few_cards_or_many(
    fixed_today, client, bureau_leader, django_assert_max_num_queries, surface
):
    """The API's cards name their chain link: once a query per card (69 at 10,000 projects)."""
    client.force_login(bureau_leader)
    url = reverse("projects:board") if surface == "page" else "/api/v1/projects/board/"
    targets()
    link = chain_link()
    spread_projects(3, chain_link=link)
    client.get(url)  # the session's renewal, the content types
    small = count_queries(lambda: client.get(url))
    # one owner, no new user: a new user would refresh the filter bar's cached choices
    spread_projects(60, seed=5, chain_link=link, owner=bureau_leader)
    large = count_queries(lambda: client.get(url))
    assert small == large
    if surface == "api":
        with django_assert_max_num_queries(API_BOARD_QUERIES):
            data = client.get(url).json()
        codes = {card["chain_link"] for column in data["columns"] for card in column["cards"]}
        assert codes == {link.code}


def test_a_card_menu_answers_its_moves_with_the_boards_version(fixed_today, client, bureau_leader):
    stalled = signed_project(status="stalled", resume_status="signed")
    client.force_login(bureau_leader)

    response = client.get(
        reverse("projects:card_menu"),
        {"pk": stalled.pk, "version": stalled.version - 1, "filters": "category=industrial"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "只能恢复到停滞前的「正式签约」" in html
    assert f'name="version" value="{stalled.version - 1}"' in html
    assert 'name="filters" value="category=industrial"' in html
    assert reverse("projects:transition", args=[stalled.pk]) in html


def test_a_card_menu_of_a_project_out_of_scope_is_not_found(client, officer, other_officer):
    hidden = ProjectFactory(owner=other_officer)
    client.force_login(officer)
    assert client.get(reverse("projects:card_menu"), {"pk": hidden.pk}).status_code == 404


def test_a_board_page_carries_no_menu_entries(fixed_today, client, bureau_leader):
    spread_projects(10)
    client.force_login(bureau_leader)
    html = client.get(reverse("projects:board")).content.decode()
    assert html.count("<article") == 10
    assert '<li class="card-menu-item' not in html


# --- the plans on PostgreSQL ------------------------------------------------------------------

PROJECTS = 4000


@pytest.fixture
def many_projects(bureau_leader) -> None:
    """``PROJECTS`` projects over the statuses, then what autovacuum does after a bulk insert."""
    targets()
    template = ProjectFactory(description="项目概况：" + "建设年产10万吨精米加工生产线。" * 8)
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Project._meta.concrete_fields
        if not field.primary_key
    }
    statuses = Project.Status.values
    Project.objects.bulk_create(
        Project(
            **{
                **fields,
                "name": f"项目{n}",
                "credit_code": make_credit_code(900_000 + n),
                "status": statuses[n % len(statuses)],
                "category": CATEGORIES[n % len(CATEGORIES)],
                "total_investment": Decimal(n),
                "status_changed_on": TODAY - datetime.timedelta(days=n % 400),
            }
        )
        for n in range(PROJECTS)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE projects_project")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans of PostgreSQL")
def test_the_board_reads_its_indexes(many_projects, bureau_leader):
    found = select_plans(lambda: project_board(user=bureau_leader, today=TODAY, per_column=20))

    (totals,) = [plan for sql, plan in found if "GROUP BY" in sql]
    assert "Index Only Scan using projects_project_board_idx" in totals
    (first_cards,) = [plan for sql, plan in found if "ROW_NUMBER()" in sql]
    assert "Index Only Scan using projects_project_board_idx" in first_cards
    standing = [plan for sql, plan in found if '"status_changed_on" ASC' in sql]
    assert len(standing) == 2
    assert all("Index Scan using projects_project_standing_idx" in plan for plan in standing)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans of PostgreSQL")
def test_the_project_list_reads_its_page_in_order(many_projects, bureau_leader):
    def first_page() -> None:
        list(project_list(user=bureau_leader).qs[:25])

    (page,) = [plan for sql, plan in select_plans(first_page) if "LIMIT" in sql]
    assert "Index Scan using projects_project_recent_idx" in page
    assert "Sort" not in page.split("Index Scan")[0]  # no sort of every project above it
