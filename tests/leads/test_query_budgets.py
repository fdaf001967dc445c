"""Query budgets: the list, detail and my-work pages cost the same whatever the data size.

Each budget is asserted at two data sizes; a page that starts issuing a query per row fails.
The counts include the session and user look-ups of the logged-in request.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.attachments import attachment_add
from crm.comments import comment_add
from leads import services
from leads.models import Lead
from tests.conftest import commit_kept_versions
from tests.factories import FollowUpFactory, LeadFactory, make_credit_code

# Every page: session, user, the reminder badge in the navigation (overdue leads and tasks),
# the bell's unread notices. The session is renewed at most once a minute (crm.sessions): each
# test's first request after signing in renews it, the measured one does not.
LAYOUT = 4 + 1
# The user's task forces (led and member, one query: crm.access), looked up once per request.
SCOPE = 1
# count, page of rows; the filter bar's choices were read by the first request and are kept
# (crm.filters.filter_choices).
LIST_QUERIES = LAYOUT + SCOPE + 2
# the lead with its related rows; timeline: moves, follow-ups, field changes (the content
# type is cached after a first page), approvals (the pending one among them); the side
# panel's project. The timeline's comments, the people they mention and the attachments
# (which the files panel lists without asking again) add three, whatever their number.
DETAIL_QUERIES = LAYOUT + SCOPE + 1 + 4 + 1 + 3
# the active task forces I lead (which overdue scopes I get); my overdue counts (leads, tasks:
# the approvals source has none of mine) and worst rows (their ids, then the rows: none when
# there are no ids); due this week (rows, count), recently changed, my active count; and my
# open project tasks.
MY_WORK_QUERIES = LAYOUT + SCOPE + 1 + 4 + 4 + 1
# a leader (who owns no lead here: their own worst rows cost one query less) also gets their
# task forces' overdue counts (leads; approvals: the SLA setting and the count; tasks), worst
# rows (ids, rows) and counts by task force; and the 待审批 queue (its count in the navigation,
# its rows).
MY_WORK_LEADER_QUERIES = MY_WORK_QUERIES - 1 + 7 + 2


def make_leads(count, *, owner, task_force):
    today = timezone.localdate()
    for number in range(count):
        lead = LeadFactory(
            owner=owner,
            task_force=task_force,
            chain_link=None,
            rating="AB"[number % 2],
            planned_investment=number * 100,
            next_follow_up_on=today + datetime.timedelta(days=(number % 9) - 4),
            credit_code=make_credit_code(number + 100),
        )
        FollowUpFactory(lead=lead)


@pytest.mark.parametrize("size", [3, 30])
def test_lead_list_query_budget(client, django_assert_num_queries, officer, task_force, size):
    make_leads(size, owner=officer, task_force=task_force)
    commit_kept_versions()
    client.force_login(officer)
    client.get(reverse("leads:list"))  # warm the content-type cache like a running server
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("leads:list"), {"ordering": "-planned_investment"})
    assert len(response.context["leads"]) == min(size, 25)


@pytest.mark.parametrize("events", [1, 25])
def test_lead_detail_query_budget(
    client, django_assert_num_queries, officer, leader, task_force, events, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    lead = LeadFactory(owner=officer, task_force=task_force)
    for number in range(events):
        comment_add(record=lead, actor=officer, body=f"@{leader.full_name} 第 {number} 次汇报")
        attachment_add(
            record=lead,
            actor=officer,
            upload=SimpleUploadedFile(f"纪要{number}.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
        lead = services.lead_update(
            lead=lead, actor=officer, data={"intent": f"意向 {number}", "contact_name": "张总"}
        )
        services.follow_up_create(
            lead=lead,
            actor=officer,
            occurred_on=timezone.localdate(),
            method="phone",
            summary=f"第 {number} 次电话",
        )
        lead.refresh_from_db()
        services.lead_transition(
            lead=lead,
            to="dropped" if lead.stage == "collect" else "collect",
            actor=officer,
            reason="测试",
        )
        lead.refresh_from_db()
    client.force_login(officer)
    client.get(lead.get_absolute_url())
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(lead.get_absolute_url())
    assert len(response.context["timeline"]) >= 5 * events
    assert len(response.context["attachment_panel"].live) == events


@pytest.mark.parametrize("size", [3, 30])
def test_my_work_query_budget(client, django_assert_num_queries, officer, task_force, size):
    make_leads(size, owner=officer, task_force=task_force)
    client.force_login(officer)
    client.get(reverse("dashboard:my_work"))
    with django_assert_num_queries(MY_WORK_QUERIES):
        response = client.get(reverse("dashboard:my_work"))
    assert response.context["work"].overdue.lead_count > 0


@pytest.mark.parametrize("size", [3, 30])
def test_my_work_query_budget_for_a_leader(
    client, django_assert_num_queries, leader, officer, task_force, size
):
    make_leads(size, owner=officer, task_force=task_force)
    client.force_login(leader)
    client.get(reverse("dashboard:my_work"))
    with django_assert_num_queries(MY_WORK_LEADER_QUERIES):
        response = client.get(reverse("dashboard:my_work"))
    assert response.context["work"].wider[0].lead_count > 0


# The pipeline: the columns' counts and totals in one query, then per stage at most two of
# cards (its overdue ones, then the others; leads.selectors.pipeline_columns skips one the
# counts show would find nothing), each card with its linked project for dock → serve. The
# filter bar's choices are kept; the cards' move menus are fetched when opened.
PIPELINE_QUERIES_AT_MOST = LAYOUT + SCOPE + 1 + 2 * len(Lead.Stage)


@pytest.mark.parametrize("size", [3, 30])
def test_pipeline_query_budget(
    client, django_assert_max_num_queries, leader, officer, task_force, link_project, size
):
    make_leads(size, owner=officer, task_force=task_force)
    docking = list(Lead.objects.order_by("id")[: max(2, size // 3)])
    for index, lead in enumerate(docking):
        Lead.objects.filter(pk=lead.pk).update(stage=Lead.Stage.DOCK)
        link_project(lead, reached_signed=index % 2 == 0)
    screened = Lead.objects.filter(stage=Lead.Stage.COLLECT).first()
    Lead.objects.filter(pk=screened.pk).update(stage=Lead.Stage.SCREEN)
    commit_kept_versions()
    client.force_login(leader)
    client.get(reverse("leads:pipeline"))
    with django_assert_max_num_queries(PIPELINE_QUERIES_AT_MOST):
        response = client.get(reverse("leads:pipeline"))
    dock = next(column for column in response.context["columns"] if column.stage == "dock")
    assert len(dock.leads) == len(docking)
    assert {bool(option.problem) for lead in dock.leads for option in lead.moves} == {True, False}
