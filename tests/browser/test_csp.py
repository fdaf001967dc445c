"""The Content-Security-Policy in a real browser: the main pages, as an officer, a bureau leader
and an administrator, load and work (htmx swaps, the flash message's close button) with zero
policy violations.

Chromium reports each blocked script, handler, style or request as a ``securitypolicyviolation``
event and a console error; both are collected from before the first byte of each page.
"""

import datetime

import pytest
from django.utils import timezone

from crm.models import User
from projects.models import ProgressReport
from tests.factories import LeadFactory, UserFactory
from tests.projects.conftest import ProjectFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Runs in every document before its own scripts (Playwright's init scripts are not subject to
# the page's policy), so no violation can happen before the listener is there.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def watch(page) -> list[str]:
    """Collect the page's policy violations and CSP console errors from now on."""
    page.context.add_init_script(LISTEN)
    console: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            console.append(message.text)

    page.on("console", on_console)
    return console


def visit(page, live_server, paths: list[str], console: list[str]) -> dict[str, list[str]]:
    """Open each path; what the policy blocked on each (empty lists when nothing)."""
    found = {}
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        found[path] = page.evaluate("window.__cspViolations") + console[:]
        console.clear()
    return {path: blocked for path, blocked in found.items() if blocked}


@pytest.fixture
def records(task_force, officer):
    lead = LeadFactory(owner=officer, task_force=task_force, company_name="绿都米业有限公司")
    project = ProjectFactory(owner=officer, task_force=task_force, name="米业扩建项目")
    ProgressReport.objects.create(
        project=project,
        reported_on=timezone.localdate() - datetime.timedelta(days=1),
        percent=40,
        done="厂房主体完工。",
        created_by=officer,
    )
    return lead, project


def main_pages(lead, project) -> list[str]:
    return [
        "/",
        "/leads/",
        "/leads/pipeline/",
        "/leads/new/",
        f"/leads/{lead.pk}/",
        f"/leads/{lead.pk}/edit/",
        "/projects/board/",
        "/projects/",
        f"/projects/{project.pk}/",
        "/projects/support/",
        "/reminders/",
        "/profile/",
        "/no-such-page/",
    ]


def test_an_officer_sees_the_main_pages_without_a_policy_violation(
    open_as, live_server, officer, records
):
    lead, project = records
    page = open_as(officer, "/")
    console = watch(page)

    assert visit(page, live_server, main_pages(lead, project), console) == {}
    assert page.script_errors == []


def test_a_bureau_leader_sees_the_main_pages_without_a_policy_violation(
    open_as, live_server, bureau_leader, records
):
    lead, project = records
    page = open_as(bureau_leader, "/")
    console = watch(page)

    assert visit(page, live_server, main_pages(lead, project), console) == {}
    assert page.script_errors == []


def test_the_admin_and_the_api_docs_work_under_the_policy(open_as, live_server, records):
    lead, _project = records
    superuser = UserFactory(username="root", role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    page = open_as(superuser, "/")
    console = watch(page)
    paths = [
        "/admin/",
        "/admin/leads/lead/",
        f"/admin/leads/lead/{lead.pk}/change/",
        "/api/v1/docs/",
    ]

    assert visit(page, live_server, paths, console) == {}


def test_htmx_swaps_and_the_message_close_button_work_under_the_policy(
    open_as, live_server, officer, records
):
    page = open_as(officer, "/")
    console = watch(page)

    # A filter bar: htmx swaps the results in (no eval needed for its trigger).
    page.goto(live_server.url + "/leads/")
    with page.expect_response(lambda response: "q=" in response.url):
        page.fill(".filter-bar input[name=q]", "绿都")
    page.locator("#content", has_text="绿都米业有限公司").wait_for()

    # A flash message and its close button (formerly an inline onclick).
    page.goto(live_server.url + "/profile/")
    page.click("form[action='/profile/'] button[type=submit]")
    message = page.locator("#messages .alert")
    message.wait_for()
    page.click("#messages [data-dismiss-alert]")
    assert message.count() == 0

    assert page.evaluate("window.__cspViolations") == []
    assert console == []
    assert page.script_errors == []


def test_the_login_page_has_no_violation_for_a_visitor(chromium, live_server, db):
    page = chromium.new_page()
    console = watch(page)
    try:
        assert visit(page, live_server, ["/login/"], console) == {}
    finally:
        page.close()
