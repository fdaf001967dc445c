"""The board: columns, counts, totals, the rates, the standing lists and its query budget."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import User
from projects.models import ProgressReport
from projects.selectors import project_board
from tests.factories import UserFactory, industry
from tests.projects.conftest import TODAY, ProjectFactory, TargetFactory, signed_project


def column(board, status):
    return next(c for c in board.columns if c.status == status)


def test_one_column_per_status_with_count_and_total_investment(fixed_today, bureau_leader):
    ProjectFactory(total_investment=Decimal(1000))
    ProjectFactory(total_investment=Decimal("2500.5"))
    signed_project(total_investment=Decimal(40000))
    board = project_board(user=bureau_leader, today=TODAY)
    assert [c.status for c in board.columns] == [
        "negotiating",
        "framework",
        "signed",
        "commenced",
        "producing",
        "stalled",
        "terminated",
    ]
    negotiating = column(board, "negotiating")
    assert (negotiating.count, negotiating.total_investment) == (2, Decimal("3500.50"))
    assert len(negotiating.cards) == 2
    assert column(board, "signed").count == 1
    assert column(board, "producing").count == 0
    assert column(board, "producing").total_investment == 0


def test_the_card_limit_leaves_the_count_whole(fixed_today, bureau_leader):
    for _ in range(5):
        ProjectFactory()
    negotiating = column(
        project_board(user=bureau_leader, today=TODAY, per_column=3), "negotiating"
    )
    assert (negotiating.count, len(negotiating.cards), negotiating.more) == (5, 3, 2)


def test_cards_carry_target_lateness_and_latest_progress(fixed_today, bureau_leader):
    TargetFactory(status="signed", due_on=datetime.date(2026, 11, 1))
    project = signed_project(leader=bureau_leader)
    for day, percent in ((datetime.date(2026, 10, 1), 10), (datetime.date(2026, 11, 20), 35)):
        ProgressReport.objects.create(
            project=project,
            reported_on=day,
            percent=percent,
            done=f"完成{percent}%",
            created_by=bureau_leader,
        )
    card = column(project_board(user=bureau_leader, today=TODAY), "signed").cards[0]
    assert card.is_late and card.days_late == 27
    assert (card.progress_percent, card.progress_done) == (35, "完成35%")


def test_filters_narrow_the_columns(fixed_today, bureau_leader, task_force):
    ProjectFactory(category="livelihood", credit_code="", task_force=task_force)
    ProjectFactory(category="industrial")
    board = project_board(user=bureau_leader, filters={"category": ["livelihood"]}, today=TODAY)
    assert column(board, "negotiating").count == 1
    board = project_board(
        user=bureau_leader, filters={"task_force_id": [task_force.pk]}, today=TODAY
    )
    assert column(board, "negotiating").count == 1


def test_industry_filter_takes_the_industry_code(fixed_today, bureau_leader):
    ProjectFactory(industry=industry("dairy"))
    ProjectFactory(industry=industry("rice"))
    board = project_board(user=bureau_leader, filters={"industry": ["dairy"]}, today=TODAY)
    assert column(board, "negotiating").count == 1


def test_late_only_filter(fixed_today, bureau_leader):
    TargetFactory(status="signed", due_on=datetime.date(2026, 11, 1))
    signed_project()
    ProjectFactory()
    board = project_board(user=bureau_leader, filters={"late": "true"}, today=TODAY)
    assert [c.count for c in board.columns] == [0, 0, 1, 0, 0, 0, 0]


def test_rates_for_the_filtered_set(fixed_today, bureau_leader):
    due = datetime.date(2026, 10, 31)
    TargetFactory(status="signed", goal_status="commenced", due_on=due)
    TargetFactory(status="framework", goal_status="signed", due_on=datetime.date(2026, 12, 31))
    kept = signed_project(
        status="commenced",
        commenced_on=datetime.date(2026, 9, 1),
        signed_amount=Decimal(8000),
        funds_in_place=Decimal(4000),
    )
    broken = signed_project(signed_amount=Decimal(8000))
    signed_project(signed_on=datetime.date(2026, 11, 15), signed_amount=Decimal(4000))  # after due
    signed_project(status="stalled", resume_status="signed", signed_amount=Decimal(0))
    ProjectFactory(status="framework", framework_signed_on=datetime.date(2026, 3, 1))
    rates = project_board(user=bureau_leader, today=TODAY).rates
    # 开工率: 1 commenced of 4 that reached signed (the stalled one had signed)
    assert (rates.commenced, rates.reached_signed) == (1, 4)
    assert rates.commencement_rate == pytest.approx(25.0)
    # 资金到位率: 4,000 in place of 20,000 signed
    assert rates.funds_rate == pytest.approx(20.0)
    # 履约率: of the 3 signed by 2026-10-31, one commenced by then (the framework target is
    # not yet due)
    assert (rates.kept, rates.due) == (1, 3)
    assert kept.pk != broken.pk
    # The rates stay county-wide (within the reader's scope) whatever the board's filters.
    filtered = project_board(user=bureau_leader, filters={"status": ["commenced"]}, today=TODAY)
    assert filtered.filtered
    assert (filtered.rates.kept, filtered.rates.due) == (1, 3)
    assert not project_board(user=bureau_leader, today=TODAY).filtered


def test_the_late_filter_leaves_the_rates_county_wide_and_says_so(
    client, fixed_today, bureau_leader
):
    """逾期 used to leave only the failures, and 开工率 and 履约率 read 0.0 %."""
    TargetFactory(status="signed", goal_status="commenced", due_on=datetime.date(2026, 10, 31))
    signed_project(status="commenced", commenced_on=datetime.date(2026, 9, 1))
    signed_project()  # signed, not commenced by the due date: late
    everything = project_board(user=bureau_leader, today=TODAY).rates
    late = project_board(user=bureau_leader, filters={"late": "true"}, today=TODAY)
    assert sum(c.count for c in late.columns) == 1
    assert late.rates == everything
    assert late.rates.commencement_rate == pytest.approx(50.0)
    assert late.rates.keeping_rate == pytest.approx(50.0)

    client.force_login(bureau_leader)
    page = client.get(reverse("projects:board"), {"late": "true"}).content.decode()
    assert 'data-rates-scope="filtered"' in page
    assert "筛选条件只作用于下方看板，不影响比率" in page
    assert '50.0<small>%</small></div>\n    <div class="muted">开工或投产 1 ÷ 已签约 2' in page
    assert 'data-rates-scope="all"' in client.get(reverse("projects:board")).content.decode()


def test_rates_cover_only_what_the_reader_sees(fixed_today, officer, project):
    """An officer's rates are 全县（您可见范围）: the county as far as they may see it."""
    TargetFactory(status="signed", goal_status="commenced", due_on=datetime.date(2026, 10, 31))
    signed_project(status="commenced", commenced_on=datetime.date(2026, 9, 1))  # not theirs
    rates = project_board(user=officer, today=TODAY).rates
    assert rates.reached_signed == 0


def test_rates_with_nothing_to_count_are_none(fixed_today, bureau_leader):
    rates = project_board(user=bureau_leader, today=TODAY).rates
    assert rates.commencement_rate is None and rates.funds_rate is None
    assert rates.keeping_rate is None


def test_standing_lists_show_days_in_status_longest_first(fixed_today, bureau_leader):
    ProjectFactory(name="新洽谈", status_changed_on=datetime.date(2026, 11, 20))
    ProjectFactory(name="老洽谈", status_changed_on=datetime.date(2026, 5, 1))
    signed_project(name="签约未开工", status_changed_on=datetime.date(2026, 6, 1))
    signed_project(name="已开工", status="commenced", commenced_on=datetime.date(2026, 9, 1))
    board = project_board(user=bureau_leader, today=TODAY)
    assert [(r.project.name, r.days_in_status) for r in board.negotiating_unsigned] == [
        ("老洽谈", 211),
        ("新洽谈", 8),
    ]
    assert [r.project.name for r in board.signed_not_commenced] == ["签约未开工"]
    assert board.signed_not_commenced[0].days_in_status == 180


def make_projects(count: int, leader: User) -> None:
    for index in range(count):
        project = signed_project(leader=leader) if index % 2 else ProjectFactory(leader=leader)
        ProgressReport.objects.create(
            project=project, reported_on=TODAY, percent=10, done="x", created_by=leader
        )


def count_queries(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


@pytest.mark.parametrize("surface", ["selector", "page", "api"])
def test_the_board_query_count_does_not_grow_with_the_cards(
    fixed_today, client, bureau_leader, surface
):
    client.force_login(bureau_leader)
    leaders = [UserFactory(role="leader") for _ in range(3)]

    def render() -> None:
        if surface == "selector":
            board = project_board(user=bureau_leader, today=TODAY)
            for c in board.columns:
                for card in c.cards:
                    str(card.leader), str(card.industry), card.progress_percent
        elif surface == "page":
            assert client.get(reverse("projects:board")).status_code == 200
        else:
            assert client.get("/api/v1/projects/board/").status_code == 200

    TargetFactory(status="signed", due_on=datetime.date(2026, 11, 1))
    make_projects(4, leaders[0])
    render()  # the session's renewal (crm.sessions) comes with the first page only
    small = count_queries(render)
    make_projects(40, leaders[1])
    large = count_queries(render)
    assert small == large


# --- the page: one htmx idiom ------------------------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def move(client, project, **data):
    """A move sent from the board the way its menu or a drop sends it (htmx)."""
    data = {"from": "board", "filters": "", "version": project.version, **data}
    return client.post(reverse("projects:transition", args=[project.pk]), data, **HTMX)


@pytest.fixture
def board_client(client, bureau_leader):
    client.force_login(bureau_leader)
    return client


def test_the_board_answers_htmx_with_the_fragment_and_varies_on_it(fixed_today, board_client):
    ProjectFactory(name="洽谈中的项目")
    page = board_client.get(reverse("projects:board"))
    fragment = board_client.get(reverse("projects:board"), **HTMX)
    assert "<html" in page.content.decode() and "<html" not in fragment.content.decode()
    assert 'id="project-board"' in fragment.content.decode()
    assert "洽谈中的项目" in fragment.content.decode()
    for response in (page, fragment):
        assert "HX-Request" in response["Vary"]


def test_a_board_move_answers_the_whole_board_recounted(fixed_today, board_client):
    project = signed_project(name="待开工项目")
    response = move(board_client, project, to="commenced", date="2026-11-20")
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    board = response.context["board"]
    assert [card.pk for card in column(board, "commenced").cards] == [project.pk]
    assert board.rates.commenced == 1 and board.signed_not_commenced == []
    html = response.content.decode()
    assert f'data-anchor="project-{project.pk}"' in html and "board-toast-success" in html


def test_a_refused_board_move_answers_the_board_with_the_card_in_place_and_why(
    fixed_today, board_client
):
    project = ProjectFactory()
    response = move(board_client, project, to="commenced")
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert [card.pk for card in column(response.context["board"], "negotiating").cards] == [
        project.pk
    ]
    html = response.content.decode()
    assert "board-toast-error" in html and "不能跳过" in html
    project.refresh_from_db()
    assert project.status == "negotiating"


def test_a_stale_board_move_is_refused_beside_the_card(fixed_today, board_client):
    project = signed_project()
    response = move(
        board_client, project, to="commenced", date="2026-11-20", version=project.version + 1
    )
    assert "board-toast-error" in response.content.decode()
    project.refresh_from_db()
    assert project.status == "signed"


def test_the_dialog_asks_for_what_the_move_needs(fixed_today, board_client):
    project = ProjectFactory(name="框架项目")
    url = reverse("projects:transition", args=[project.pk])
    html = board_client.get(url, {"to": "signed", "from": "board"}, **HTMX).content.decode()
    assert 'name="date"' in html and 'name="signed_amount"' in html
    assert 'name="reason"' not in html
    html = board_client.get(url, {"to": "stalled", "from": "board"}, **HTMX).content.decode()
    assert 'name="reason"' in html and 'name="date"' not in html
    # Without JavaScript the project page's own form asks the same.
    assert board_client.get(url, {"to": "signed"}).url == project.get_absolute_url()


def test_a_refusal_inside_the_dialog_answers_the_dialog_with_what_was_typed(
    fixed_today, board_client
):
    project = ProjectFactory()
    response = move(
        board_client, project, to="signed", date="2026-12-31", signed_amount="500", dialog="1"
    )
    assert response["HX-Retarget"] == "#dialog-content"
    html = response.content.decode()
    assert "日期不能晚于今天" in html and 'value="500"' in html and 'id="project-board"' not in html


def test_without_javascript_a_board_move_redirects_to_the_board_with_its_filters(
    fixed_today, board_client
):
    project = ProjectFactory()
    response = board_client.post(
        reverse("projects:transition", args=[project.pk]),
        {"to": "stalled", "reason": "资金", "from": "board", "filters": "category=industrial"},
    )
    assert response.url == reverse("projects:board") + "?category=industrial"
    project.refresh_from_db()
    assert project.status == "stalled"


def test_the_card_menu_greys_the_closed_moves_with_their_reason(fixed_today, board_client):
    stalled = signed_project(name="停滞项目", status="stalled", resume_status="signed")
    response = board_client.get(reverse("projects:board"))
    card = next(c for c in column(response.context["board"], "stalled").cards)
    moves = {move.to: move for move in card.moves}
    assert moves["signed"].problem is None and not moves["signed"].needs_dialog
    assert "只能恢复到停滞前的「正式签约」" in moves["negotiating"].problem
    assert moves["terminated"].problem is None and moves["terminated"].needs_dialog
    html = response.content.decode()
    assert f'id="project-{stalled.pk}"' in html
    assert 'data-dialog-moves="terminated "' in html
    # the menu's entries come when it first opens
    menu = board_client.get(reverse("projects:card_menu"), {"pk": stalled.pk}).content.decode()
    assert "card-menu-item is-closed" in menu


# Session and user; the board: counts, totals and targets by column, every column's first
# cards (their ids, then the cards), targets, the rates (one, plus one per target past its
# date), the two standing lists; the navigation's badges (reminders, approvals waiting, the
# bell's unread notices) and the filter bar's choices (read again: the test's transaction has
# written their rows, crm.versions). The card menus cost none (they come when opened). The
# session was renewed by the first page (crm.sessions).
BOARD_PAGE_QUERIES = 18
# The move: the project, then locked, updated, its transition and change-log rows (in a
# savepoint), and the board fragment without the page's navigation and filter bar.
BOARD_MOVE_QUERIES = 18


@pytest.mark.parametrize("size", [2, 20])
def test_the_board_page_and_a_move_cost_a_fixed_number_of_queries(
    fixed_today, board_client, django_assert_num_queries, size
):
    TargetFactory(status="signed", due_on=datetime.date(2026, 11, 1))
    make_projects(size, UserFactory(role="leader"))
    ProjectFactory(status="stalled", resume_status="negotiating")
    board_client.get(reverse("projects:board"))
    with django_assert_num_queries(BOARD_PAGE_QUERIES):
        board_client.get(reverse("projects:board"))
    move(board_client, signed_project(), to="commenced", date="2026-11-20")  # content types
    project = signed_project()
    with django_assert_num_queries(BOARD_MOVE_QUERIES):
        response = move(board_client, project, to="commenced", date="2026-11-20")
    assert "board-toast-success" in response.content.decode()
