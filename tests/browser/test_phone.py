"""The product on an officer's phone (390 × 844): no main page is wider than the screen for any
role, the ☰ menu opens and closes the navigation, the boards show one column at a time with
stage tabs, and the lead page keeps 「记录跟进」 at thumb reach."""

import datetime
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from leads.models import Lead
from projects.models import ProgressReport, Project, SupportApplication
from tests.factories import FollowUpFactory, LeadFactory, TargetEnterpriseFactory, chain_link
from tests.projects.conftest import ProjectFactory, TaskFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
LONG_NAME = "黑龙江省虎林市绿色生态稻米精深加工与冷链物流产业园投资建设有限责任公司"

# Pages that other work may not have built yet: skipped only while their URL does not exist.
OPTIONAL = {"dashboard:team", "dashboard:cockpit", "imports:list", "notices:list", "search"}


@pytest.fixture
def records(task_force, officer):
    """A task force's work with long names, overdue follow-ups, a project with a late target and
    a task, an application for higher-level support and a target enterprise."""
    today = timezone.localdate()
    lead = LeadFactory(
        owner=officer,
        task_force=task_force,
        company_name=LONG_NAME,
        contact_name="张董事长",
        contact_phone="13800138000",
        planned_investment=Decimal(125000),
        next_follow_up_on=today - datetime.timedelta(days=9),
    )
    FollowUpFactory(lead=lead, summary="实地考察园区用地，企业希望了解电价和物流配套政策。" * 3)
    for stage in ["screen", "screen", "dock"]:
        LeadFactory(owner=officer, task_force=task_force, stage=stage, next_follow_up_on=today)
    project = ProjectFactory(
        owner=officer,
        task_force=task_force,
        name=f"{LONG_NAME}项目",
        status=Project.Status.SIGNED,
        signed_on=today - datetime.timedelta(days=200),
        signed_amount=Decimal(98000),
    )
    ProgressReport.objects.create(
        project=project, reported_on=today, percent=40, done="厂房主体完工。", created_by=officer
    )
    TaskFactory(project=project, assignee=officer, title="协调电力增容" * 4)
    support = SupportApplication.objects.create(
        title="虎林市灌区续建配套与现代化改造项目中央预算内投资申请",
        fund_source="central_budget",
        amount_requested=Decimal(12000),
        status_changed_on=today,
        owner=officer,
        task_force=task_force,
        created_by=officer,
    )
    support.projects.add(project)
    target = TargetEnterpriseFactory(owner=officer, task_force=task_force, company_name=LONG_NAME)
    return {
        "lead": lead,
        "project": project,
        "support": support,
        "target": target,
        "link": chain_link(),
    }


def main_pages(records) -> dict[str, str]:
    """Every main page by URL name; the optional ones only once their URL exists."""
    names = [
        ("dashboard:my_work", []),
        ("dashboard:team", []),
        ("dashboard:cockpit", []),
        ("dashboard:reports", []),
        ("dashboard:atlas", []),
        ("dashboard:atlas_link", [records["link"].pk]),
        ("leads:list", []),
        ("leads:detail", [records["lead"].pk]),
        ("leads:create", []),
        ("leads:edit", [records["lead"].pk]),
        ("leads:pipeline", []),
        ("leads:approvals", []),
        ("leads:target_list", []),
        ("leads:target_detail", [records["target"].pk]),
        ("projects:list", []),
        ("projects:board", []),
        ("projects:detail", [records["project"].pk]),
        ("projects:support_list", []),
        ("projects:support_detail", [records["support"].pk]),
        ("reminders:list", []),
        ("profile", []),
        ("imports:list", []),
        ("notices:list", []),
        ("search", []),
    ]
    pages = {}
    for name, args in names:
        try:
            pages[name] = reverse(name, args=args)
        except NoReverseMatch:
            if name not in OPTIONAL:
                raise
    return pages


def on_phone(page, live_server, path: str):
    """Show ``path`` on a 390 px wide screen; the response."""
    page.set_viewport_size(PHONE)
    response = page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    return response


def too_wide(page) -> str:
    """Empty when the page fits the screen, else its width and what sticks out."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth;
          if (document.documentElement.scrollWidth <= width) { return ""; }
          const out = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 1)
            .slice(-3).map((el) => el.tagName.toLowerCase() + "." + [...el.classList].join("."));
          return document.documentElement.scrollWidth + "px: " + out.join(", ");
        }"""
    )


@pytest.mark.parametrize("role", ["officer", "leader", "bureau_leader", "admin_user"])
def test_no_main_page_is_wider_than_a_phone_for_any_role(
    request, open_as, live_server, records, role
):
    user = request.getfixturevalue(role)
    page = open_as(user, "/")
    problems = {}
    for name, path in main_pages(records).items():
        response = on_phone(page, live_server, path)
        if response.status >= 500:
            problems[name] = f"HTTP {response.status}"
        elif wide := too_wide(page):
            problems[name] = wide

    assert problems == {}
    assert page.script_errors == []


def test_the_work_page_and_the_lists_show_cards_not_squeezed_tables(
    open_as, live_server, officer, records
):
    page = open_as(officer, "/")
    for path in [reverse("dashboard:my_work"), reverse("leads:list"), reverse("projects:list")]:
        on_phone(page, live_server, path)
        cell = page.locator("table.table-cards tbody td:first-child").first
        assert cell.bounding_box()["width"] > 300, path
        assert not page.locator("table.table-cards thead").first.is_visible()
    label = page.locator("table.table-cards td[data-label]").first
    assert label.evaluate("td => getComputedStyle(td, '::before').content") != "none"


def test_the_menu_button_opens_and_closes_the_navigation(open_as, live_server, officer, records):
    page = open_as(officer, "/")
    on_phone(page, live_server, reverse("leads:list"))
    toggle = page.get_by_role("button", name="打开菜单")
    sidebar = page.locator("#sidebar")
    link = sidebar.get_by_role("link", name="线索看板")
    assert toggle.get_attribute("aria-controls") == "sidebar"
    assert not link.is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    link.wait_for(state="visible")
    # Slid in whole, once its transition ends (a function: the policy forbids eval of a string).
    slid_in = "() => document.querySelector('#sidebar').getBoundingClientRect().x === 0"
    page.wait_for_function(slid_in)
    page.keyboard.press("Escape")
    link.wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"

    toggle.click()
    link.wait_for(state="visible")
    page.mouse.click(370, 500)  # a tap on the dimmed page beside the menu
    link.wait_for(state="hidden")

    toggle.click()
    sidebar.get_by_role("button", name="关闭菜单").click()
    link.wait_for(state="hidden")

    toggle.click()
    link.click()
    page.wait_for_url("**" + reverse("leads:pipeline"))

    page.set_viewport_size({"width": 1440, "height": 900})
    assert not toggle.is_visible()
    assert page.locator("#sidebar").get_by_role("link", name="线索列表").is_visible()


def visible_columns(page) -> list[str]:
    return page.locator(".kanban-column:visible [data-column]").evaluate_all(
        "lists => lists.map((list) => list.dataset.column)"
    )


def test_the_pipeline_shows_one_stage_at_a_time_with_tabs(open_as, live_server, officer, records):
    Lead.objects.filter(stage=Lead.Stage.COLLECT).update(stage=Lead.Stage.SCREEN)
    page = open_as(officer, "/")
    on_phone(page, live_server, reverse("leads:pipeline"))
    tabs = page.get_by_role("tab")
    assert tabs.all_text_contents() == ["搜集0", "筛选3", "对接1", "服务0", "搁置0"]
    # The first column with leads in it, not the empty 搜集.
    assert visible_columns(page) == ["screen"]
    assert page.get_by_role("tab", name="筛选").get_attribute("aria-selected") == "true"

    page.get_by_role("tab", name="对接").click()
    assert visible_columns(page) == ["dock"]
    assert page.get_by_role("tab", name="筛选").get_attribute("aria-selected") == "false"

    # The card's 移动 menu is reachable and inside the screen.
    card = page.locator(".kanban-column:visible [data-card]").first
    card.locator("summary").click()
    menu = card.locator(".card-menu-items")
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert too_wide(page) == ""
    assert page.script_errors == []


def test_the_project_board_tabs_switch_columns(open_as, live_server, officer, records):
    page = open_as(officer, "/")
    on_phone(page, live_server, reverse("projects:board"))
    assert visible_columns(page) == ["signed"]

    page.get_by_role("tab", name="洽谈").click()
    assert visible_columns(page) == ["negotiating"]
    assert too_wide(page) == ""


def test_the_lead_page_keeps_record_follow_up_at_thumb_reach(
    open_as, live_server, officer, records
):
    page = open_as(officer, "/")
    on_phone(page, live_server, reverse("leads:detail", args=[records["lead"].pk]))
    bar = page.locator(".sticky-action")
    button = bar.get_by_role("link", name="记录跟进")
    assert button.is_visible()
    box = button.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] and box["y"] > PHONE["height"] / 2
    assert box["height"] >= 44

    button.click()
    summary = page.locator("#follow-up-form textarea").first
    page.wait_for_function("() => document.activeElement?.tagName === 'TEXTAREA'")
    assert summary.evaluate("el => el === document.activeElement")
    page.wait_for_function("() => document.querySelector('.sticky-action.is-covered')")
    assert not button.is_visible()
    assert page.locator("#follow-up-form input[type=date]").first.is_visible()
    submit = page.get_by_role("button", name="保存跟进记录")
    assert submit.bounding_box()["width"] > 300
