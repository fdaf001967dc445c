"""The 领导驾驶舱 in a real browser: every chart is drawn (ECharts from our static files, under
the Content-Security-Policy), a click on a bar opens the list behind it, and the meeting-room
screen draws the same charts without the navigation; no script error anywhere."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from leads.models import Lead, LeadTransition
from projects.models import FundsArrival, Project, SupportApplication
from tests.browser.test_csp import watch
from tests.factories import LeadFactory, TaskForceFactory, channel, region
from tests.projects.conftest import ProjectFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHARTS = [
    "stages",
    "trends",
    "source_channel",
    "source_industry",
    "source_region",
    "ranking",
    "support_source",
    "support_status",
]


@pytest.fixture
def bureau(leader, officer, bureau_leader):
    """A few leads, moves, projects, arrivals of funds and applications of this month."""
    today = timezone.localdate()
    force = TaskForceFactory(code="rice-tf", name="米业专班", leader=leader, members=[officer])
    for n, code in enumerate(["townsman", "business", "expo"]):
        lead = LeadFactory(owner=officer, task_force=force, channel=channel(code), region=region())
        if n:
            LeadTransition.objects.create(
                lead=lead, from_stage=Lead.Stage.COLLECT, to_stage=Lead.Stage.SCREEN, actor=officer
            )
            Lead.objects.filter(pk=lead.pk).update(stage=Lead.Stage.SCREEN)
    signed = ProjectFactory(
        owner=officer,
        task_force=force,
        status=Project.Status.SIGNED,
        signed_on=today,
        signed_amount=Decimal(15000),
    )
    FundsArrival.objects.create(
        project=signed, arrived_on=today, amount=Decimal(2000), created_by=officer
    )
    SupportApplication.objects.create(
        title="灌区专项债",
        fund_source="special_bonds",
        amount_requested=Decimal(1000),
        owner=officer,
        task_force=force,
        status_changed_on=today - datetime.timedelta(days=3),
        created_by=officer,
    )
    return force


def drawn(page) -> dict[str, bool]:
    """Whether each chart's container holds ECharts' canvas."""
    page.wait_for_selector("[data-chart] canvas")
    return {chart: page.locator(f"[data-chart='{chart}'] canvas").count() > 0 for chart in CHARTS}


def test_every_chart_is_drawn_with_no_error(bureau, open_as, live_server, bureau_leader):
    page = open_as(bureau_leader, "/")
    console = watch(page)
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.goto(live_server.url + "/cockpit/")
    assert drawn(page) == dict.fromkeys(CHARTS, True)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == []
    assert console == []
    assert errors == []
    assert page.script_errors == []


def test_a_click_on_a_bar_opens_its_list(bureau, open_as, bureau_leader):
    page = open_as(bureau_leader, "/cockpit/?period=month")
    drawn(page)
    # The bars grow in for about a second; a click before then can miss the bar.
    page.wait_for_timeout(1500)
    # The first bar of 「期间进入」: the leads registered this month.
    point = page.evaluate(
        """() => {
          const element = document.querySelector("[data-chart='stages']");
          element.scrollIntoView({block: "center"});
          const chart = window.echarts.getInstanceByDom(element);
          const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
          const box = element.getBoundingClientRect();
          return [box.left + bar.x + bar.width / 2, box.top + bar.y + bar.height / 2];
        }"""
    )
    with page.expect_navigation():
        page.mouse.click(*point)
    assert "/leads/?created_after=" in page.url
    assert page.locator("table tbody tr").count() == 3


def test_the_meeting_room_screen_draws_the_charts_without_navigation(
    bureau, open_as, bureau_leader
):
    page = open_as(bureau_leader, "/cockpit/?screen=1")
    assert drawn(page) == dict.fromkeys(CHARTS, True)
    assert page.locator("body.cockpit-screen").count() == 1
    assert not page.locator(".sidebar").is_visible()
    assert page.locator("[data-fullscreen]").is_visible()
    assert page.script_errors == []
