"""Both boards in a real browser: a card dragged and a card moved from its menu, for a move the
rules allow and one they refuse, checked by what the user then sees."""

import datetime

import pytest
from django.utils import timezone

from leads.models import Lead
from projects.models import Project
from tests.factories import LeadFactory
from tests.leads.conftest import ready_lead
from tests.projects.conftest import ProjectFactory, signed_project

pytestmark = [
    pytest.mark.browser,
    # Each test's live server sees committed rows; the reference data the migrations load
    # (industries, channels) is put back after the flush for the suites that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def drag(page, card, column) -> None:
    """Drag ``card`` by its middle (not its title) onto ``column``, as a hand would."""
    card.scroll_into_view_if_needed()
    start = card.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 12, y + 12, steps=4)
    # Straight across where the target column reaches that height, else near its top.
    end = column.bounding_box()
    target_x = end["x"] + end["width"] / 2
    script = "([x, y]) => document.elementFromPoint(x, y)?.closest('[data-column]')?.dataset.column"
    wanted = column.get_attribute("data-column")
    target_y = y if page.evaluate(script, [target_x, y]) == wanted else end["y"] + 30
    page.mouse.move(target_x, target_y, steps=12)
    # SortableJS's pointer mode looks at what is under the pointer every 50 ms: hover a moment
    # over the column before letting go, as a hand does.
    page.wait_for_timeout(120)
    page.mouse.move(target_x + 2, target_y + 2)
    page.wait_for_timeout(120)
    page.mouse.up()


def column_of(page, card_id: str) -> str:
    script = "card => card.closest('[data-column]').dataset.column"
    return page.locator(f"#{card_id}").evaluate(script)


def count_of(page, status: str) -> str:
    column = page.locator(".kanban-column", has=page.locator(f"[data-column={status}]"))
    return column.locator(".kanban-count").inner_text()


def assert_toast_beside(page, card_id: str, text: str) -> None:
    """The message is on screen, below the sticky top bar, touching the card's neighbourhood."""
    toast = page.locator("[data-toast].is-placed")
    toast.wait_for()
    assert text in toast.inner_text()
    box = toast.bounding_box()
    card = page.locator(f"#{card_id}").bounding_box()
    viewport = page.viewport_size
    topbar = page.locator(".topbar").bounding_box()
    assert box["y"] >= topbar["y"] + topbar["height"]
    assert box["y"] + box["height"] <= viewport["height"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert 0 <= card["y"] < viewport["height"], "the card is in view"
    right, bottom = card["x"] + card["width"], card["y"] + card["height"]
    horizontal_gap = max(box["x"] - right, card["x"] - (box["x"] + box["width"]))
    vertical_gap = max(box["y"] - bottom, card["y"] - (box["y"] + box["height"]))
    assert horizontal_gap <= 24 and vertical_gap <= 24


def stalled_project() -> Project:
    """A project that stalled after signing: it may only resume to signed."""
    return signed_project(name="停滞项目", status="stalled", resume_status="signed")


# --- 挂图作战 ----------------------------------------------------------------------------------


@pytest.fixture
def projects_board(bureau_leader):
    """Two negotiating projects, one signed and not commenced, one commenced."""
    for index in range(2):
        ProjectFactory(name=f"洽谈项目{index}")
    signed = signed_project(name="米业深加工项目", signed_on=datetime.date(2026, 6, 1))
    signed_project(name="已开工项目", status="commenced", commenced_on=datetime.date(2026, 9, 1))
    return signed


def test_dragging_a_signed_project_to_commenced_refreshes_columns_rates_and_lists(
    open_as, bureau_leader, projects_board
):
    page = open_as(bureau_leader, "/projects/board/")
    card_id = f"project-{projects_board.pk}"
    assert page.locator("[data-rate=commencement] .stat-value").inner_text() == "50.0%"
    assert "米业深加工项目" in page.locator("[data-standing=signed]").inner_text()

    drag(page, page.locator(f"#{card_id}"), page.locator("[data-column=commenced]"))
    page.locator("#dialog[open] #move-date").wait_for()  # the move asks for its date
    page.click("#dialog button[type=submit]")

    assert_toast_beside(page, card_id, "开工")
    assert column_of(page, card_id) == "commenced"
    assert (count_of(page, "signed"), count_of(page, "commenced")) == ("0", "2")
    assert page.locator("[data-rate=commencement] .stat-value").inner_text() == "100.0%"
    assert "米业深加工项目" not in page.locator("[data-standing=signed]").inner_text()
    assert not page.locator("#dialog[open]").count()
    assert page.script_errors == []
    assert Project.objects.get(pk=projects_board.pk).commenced_on == timezone.localdate()


def test_a_refused_drag_puts_the_project_back_and_says_why_beside_it(
    open_as, bureau_leader, projects_board
):
    project = Project.objects.get(name="洽谈项目0")
    card_id = f"project-{project.pk}"
    page = open_as(bureau_leader, "/projects/board/")

    drag(page, page.locator(f"#{card_id}"), page.locator("[data-column=commenced]"))

    assert_toast_beside(page, card_id, "不能跳过")
    assert column_of(page, card_id) == "negotiating"
    assert (count_of(page, "negotiating"), count_of(page, "commenced")) == ("2", "1")
    assert Project.objects.get(pk=project.pk).status == "negotiating"


def test_the_project_menu_by_keyboard_moves_and_shows_closed_moves_with_their_reason(
    open_as, bureau_leader, projects_board
):
    stalled = stalled_project()
    page = open_as(bureau_leader, "/projects/board/")
    card = page.locator(f"#project-{stalled.pk}")
    card.locator("summary").focus()
    page.keyboard.press("Enter")
    closed = card.locator(".card-menu-item.is-closed", has_text="恢复到「洽谈」")
    assert closed.locator("button").is_disabled()
    assert "只能恢复到停滞前的「正式签约」" in closed.inner_text()
    assert "只能恢复到停滞前的「正式签约」" in closed.get_attribute("title")

    open_move = card.locator("button", has_text="恢复到「正式签约」")
    open_move.focus()
    page.keyboard.press("Enter")

    assert_toast_beside(page, f"project-{stalled.pk}", "正式签约")
    assert column_of(page, f"project-{stalled.pk}") == "signed"
    assert page.locator("[data-standing=signed]").inner_text().count("停滞项目") == 1


def test_a_menu_move_refused_by_the_server_leaves_the_card_and_says_why_beside_it(
    open_as, bureau_leader, projects_board
):
    stalled = stalled_project()
    page = open_as(bureau_leader, "/projects/board/")
    # Someone else changes the project while the board is open: the card's version is stale.
    Project.objects.filter(pk=stalled.pk).update(version=stalled.version + 1)
    card = page.locator(f"#project-{stalled.pk}")
    card.locator("summary").click()
    card.locator("button", has_text="恢复到「正式签约」").click()

    assert_toast_beside(page, f"project-{stalled.pk}", "")
    assert "board-toast-error" in page.locator("[data-toast]").get_attribute("class")
    assert column_of(page, f"project-{stalled.pk}") == "stalled"
    assert Project.objects.get(pk=stalled.pk).status == "stalled"


# --- 线索看板 ----------------------------------------------------------------------------------


@pytest.fixture
def pipeline(bureau_leader):
    """Twelve collected leads (the last one far down its column) and one screened."""
    leads = [ready_lead("collect", company_name=f"看板企业{index}") for index in range(12)]
    ready_lead("screen", company_name="已筛选企业")
    return leads


def test_dragging_a_lead_to_the_next_stage_moves_it_and_recounts(open_as, bureau_leader, pipeline):
    lead = pipeline[5]
    page = open_as(bureau_leader, "/leads/pipeline/")
    drag(page, page.locator(f"#lead-{lead.pk}"), page.locator("[data-column=screen]"))

    assert_toast_beside(page, f"lead-{lead.pk}", "筛选")
    assert column_of(page, f"lead-{lead.pk}") == "screen"
    assert (count_of(page, "collect"), count_of(page, "screen")) == ("11", "2")
    assert page.script_errors == []


def test_a_refused_drag_low_in_a_column_says_why_beside_the_card(open_as, bureau_leader, pipeline):
    lowest = pipeline[0]  # the least recently changed: last in its column
    page = open_as(bureau_leader, "/leads/pipeline/")
    card = page.locator(f"#lead-{lowest.pk}")
    assert card.bounding_box()["y"] > 900  # below the first screen

    drag(page, card, page.locator("[data-column=serve]"))

    assert_toast_beside(page, f"lead-{lowest.pk}", "不能跳过")
    assert column_of(page, f"lead-{lowest.pk}") == "collect"
    assert count_of(page, "serve") == "0"


def test_the_lead_menu_offers_open_moves_and_greys_the_others_with_the_reason(
    open_as, bureau_leader, pipeline
):
    unverified = LeadFactory(company_name="未核实企业", credit_code="")
    page = open_as(bureau_leader, "/leads/pipeline/")
    card = page.locator(f"#lead-{unverified.pk}")
    card.locator("summary").click()
    closed = card.locator(".card-menu-item.is-closed", has_text="推进到「筛选」")
    assert closed.locator("button").is_disabled()
    assert "统一社会信用代码" in closed.inner_text()

    lead = pipeline[0]
    card = page.locator(f"#lead-{lead.pk}")
    card.locator("summary").click()
    card.locator("button", has_text="推进到「筛选」").click()

    assert_toast_beside(page, f"lead-{lead.pk}", "筛选")
    assert column_of(page, f"lead-{lead.pk}") == "screen"


def test_a_lead_menu_move_refused_by_the_server_says_why_beside_the_card(
    open_as, bureau_leader, pipeline
):
    lead = pipeline[3]
    page = open_as(bureau_leader, "/leads/pipeline/")
    Lead.objects.filter(pk=lead.pk).update(version=lead.version + 1)  # changed meanwhile
    card = page.locator(f"#lead-{lead.pk}")
    card.locator("summary").click()
    card.locator("button", has_text="推进到「筛选」").click()

    toast = page.locator("[data-toast].is-placed")
    toast.wait_for()
    assert "board-toast-error" in toast.get_attribute("class")
    assert_toast_beside(page, f"lead-{lead.pk}", "")
    assert column_of(page, f"lead-{lead.pk}") == "collect"
