"""The 我的工作台 page: my overdue leads, this week's follow-ups, recent changes, team view."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import my_work
from tests.factories import LeadFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.mark.parametrize(
    "role", ["officer", "other_officer", "leader", "bureau_leader", "admin_user"]
)
def test_my_work_renders_for_each_role(client, request, role, task_force):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("dashboard:my_work"))
    assert response.status_code == 200
    assert "我的逾期线索" in response.content.decode()


def test_my_work_needs_login(client, db):
    response = client.get(reverse("dashboard:my_work"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_my_overdue_leads_show_days_overdue(client, officer, task_force, today):
    LeadFactory(
        company_name="逾期的企业",
        owner=officer,
        task_force=task_force,
        next_follow_up_on=today - datetime.timedelta(days=4),
    )
    LeadFactory(company_name="按期的企业", owner=officer, task_force=task_force)
    client.force_login(officer)

    response = client.get(reverse("dashboard:my_work"))

    work = response.context["work"]
    assert work.overdue.lead_count == 1
    assert [lead.company_name for lead in work.overdue.leads] == ["逾期的企业"]
    assert "4 天" in response.content.decode()


def test_follow_ups_due_this_week(officer, task_force, today):
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    due = LeadFactory(owner=officer, task_force=task_force, next_follow_up_on=week_end)
    LeadFactory(
        owner=officer, task_force=task_force, next_follow_up_on=week_end + datetime.timedelta(1)
    )
    work = my_work(user=officer, today=today)
    assert work.week_end == week_end
    assert work.due_this_week == [due]
    assert work.due_this_week_count == 1


def test_other_peoples_overdue_leads_are_not_mine(officer, other_officer, task_force, today):
    LeadFactory(owner=other_officer, next_follow_up_on=today - datetime.timedelta(days=2))
    work = my_work(user=officer, today=today)
    assert work.overdue.lead_count == 0
    assert work.wider == []


def test_leader_sees_the_task_forces_overdue_leads(leader, officer, task_force, today):
    LeadFactory(
        company_name="专班逾期",
        owner=officer,
        task_force=task_force,
        next_follow_up_on=today - datetime.timedelta(days=1),
    )
    work = my_work(user=leader, today=today)
    assert work.overdue.lead_count == 0
    [team] = work.wider
    assert team.counts.scope == "team"
    assert team.lead_count == 1
    assert team.by_task_force == [
        {"task_force__id": task_force.pk, "task_force__name": "米业专班", "total": 1}
    ]
    assert [lead.company_name for lead in team.leads] == ["专班逾期"]


def test_bureau_leader_sees_every_overdue_lead(
    client, bureau_leader, officer, other_officer, task_force, other_task_force, today
):
    for owner, force in ((officer, task_force), (other_officer, other_task_force)):
        LeadFactory(owner=owner, task_force=force, next_follow_up_on=today - datetime.timedelta(3))
    client.force_login(bureau_leader)
    response = client.get(reverse("dashboard:my_work"))
    [county] = response.context["work"].wider
    assert (county.counts.scope, county.lead_count) == ("all", 2)
    assert "全县逾期线索" in response.content.decode()


def test_recently_changed_leads_are_in_my_scope(officer, other_officer, task_force, today):
    mine = LeadFactory(owner=officer, task_force=task_force)
    LeadFactory(owner=other_officer)
    assert my_work(user=officer, today=today).recent == [mine]
