"""One definition of overdue, one count: the work page, 我的提醒, the badge and the planned
email show the same numbers of overdue leads and tasks for the same person and scope.

The fixture is a small copy of the demo's shape: an officer with overdue leads (past the
planned date, past the stage's limit) and overdue tasks, a colleague in the same task force,
an unowned lead, a lead of no task force, another task force, and a leader and a bureau
leader watching. Before, the leader's work page counted every lead they could see, their
digest only their task forces' leads and tasks, and 我的提醒 only their own items; the bureau
leader's escalation counted what was past the threshold and 我的提醒 nothing.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from crm.models import ReminderSchedule
from crm.notifications.selectors import (
    KIND_SCOPES,
    OverdueScope,
    overdue_counts,
    reminders_plan,
)
from leads.models import Lead
from tests.factories import LeadFactory, UserFactory
from tests.projects.conftest import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def days_ago(today, days):
    return today - datetime.timedelta(days=days)


@pytest.fixture
def county(today, leader, officer, other_officer, task_force, other_task_force, bureau_leader):
    """Overdue work spread over two task forces, its owners and nobody."""
    colleague = UserFactory(username="colleague", full_name="同班同事")
    task_force.members.add(colleague)
    stale_days = settings.LEAD_STALE_DAYS["collect"]

    def lead(owner, force, *, planned=None, stale=None):
        made = LeadFactory(
            owner=owner,
            task_force=force,
            next_follow_up_on=planned,
            created_by=leader,
            updated_by=leader,
        )
        if stale is not None:
            Lead.objects.filter(pk=made.pk).update(
                last_activity_on=days_ago(today, stale_days + stale)
            )
        return made

    # officer: 3 overdue (9 days past the planned date, 89 and 2 days past the stage's limit)
    lead(officer, task_force, planned=days_ago(today, 9))
    lead(officer, task_force, stale=89)
    lead(officer, task_force, stale=2)
    lead(officer, task_force, planned=today)  # due today: not overdue
    lead(colleague, task_force, planned=days_ago(today, 30))
    lead(None, task_force, planned=days_ago(today, 4))  # unowned: the task force's still
    lead(officer, None, planned=days_ago(today, 12))  # no task force: officer's own only
    lead(other_officer, other_task_force, planned=days_ago(today, 40))
    lead(leader, task_force, planned=days_ago(today, 1))

    rice = ProjectFactory(owner=officer, task_force=task_force)
    dairy = ProjectFactory(owner=other_officer, task_force=other_task_force)
    TaskFactory(project=rice, assignee=officer, due_on=days_ago(today, 20))
    TaskFactory(project=rice, assignee=officer, due_on=days_ago(today, 3))
    TaskFactory(project=rice, assignee=officer, due_on=today)  # due today: not overdue
    TaskFactory(project=rice, assignee=colleague, due_on=days_ago(today, 10))
    TaskFactory(project=rice, assignee=leader, due_on=days_ago(today, 2))
    TaskFactory(project=dairy, assignee=other_officer, due_on=days_ago(today, 15))
    # A task whose project has left its assignee's scope: still overdue for the task force.
    TaskFactory(project=rice, assignee=other_officer, due_on=days_ago(today, 8))
    ReminderSchedule.objects.update_or_create(pk=1, defaults={"escalation_days": 14})
    return {"colleague": colleague}


# (who, scope) → (overdue leads, overdue tasks), counted by hand from the fixture.
EXPECTED = {
    ("officer", OverdueScope.MINE): (4, 2),
    ("leader", OverdueScope.MINE): (1, 1),
    ("leader", OverdueScope.TEAM): (6, 5),
    ("chief", OverdueScope.MINE): (0, 0),
    ("chief", OverdueScope.ALL): (8, 6),
}
EMAIL_KIND = {scope: kind for kind, scope in KIND_SCOPES.items()}


def page_counts(html: str, scope: str) -> dict[str, int]:
    """The numbers of the 「…：逾期线索 N 条 · …」 sentence of ``scope`` on a page."""
    sentence = re.search(rf'<p class="overdue-counts" data-scope="{scope}">(.*?)</p>', html)
    assert sentence, f"no counts of scope {scope} on the page"
    return {
        key: int(count)
        for key, count in re.findall(r'data-source="(\w+)" data-count="(\d+)"', sentence.group(1))
    }


def stat_cards(html: str) -> dict[tuple[str, str], int]:
    """The work page's stat cards: (scope, source) → the number shown."""
    cards = re.findall(
        r'data-scope="(\w+)" data-source="(\w+)" href="[^"]*">\s*'
        r'<div class="stat-label">[^<]*</div>\s*<div class="stat-value">(\d+)<small>',
        html,
    )
    return {(scope, source): int(value) for scope, source, value in cards}


@pytest.mark.parametrize(("username", "scope"), list(EXPECTED))
def test_every_page_and_the_email_show_the_same_counts(client, county, today, username, scope):
    user = {u.username: u for u in UserFactory._meta.model.objects.all()}[username]
    leads, tasks = EXPECTED[(username, scope)]

    # the one function
    counts = overdue_counts(user=user, today=today, scope=scope)
    assert (counts.of("leads"), counts.of("tasks")) == (leads, tasks)

    client.force_login(user)
    # the work page: its stat cards and its labelled sentence
    work_page = client.get(reverse("dashboard:my_work")).content.decode()
    assert stat_cards(work_page)[(scope, "leads")] == leads
    assert stat_cards(work_page)[(scope, "tasks")] == tasks
    assert page_counts(work_page, scope)["leads"] == leads
    assert page_counts(work_page, scope)["tasks"] == tasks

    # 我的提醒, in that scope: the sentence and the items it lists
    response = client.get(reverse("reminders:list"), {"scope": scope})
    assert page_counts(response.content.decode(), scope) == counts.as_dict()
    listed = {source.key: len(items) for source, items, _count in response.context["sections"]}
    assert (listed["leads"], listed["tasks"]) == (leads, tasks)

    # the badge counts what is mine
    mine = overdue_counts(user=user, today=today, scope=OverdueScope.MINE)
    assert response.context["reminder_count"]() == mine.total

    # the morning email of that scope
    planned = {(p.kind, p.recipient.username): p for p in reminders_plan(today=today)[0]}
    email = planned.get((EMAIL_KIND[scope], username))
    if leads or tasks:
        assert email.counts.as_dict() == counts.as_dict()
        assert str(email.counts) == str(counts)
    else:
        assert email is None


def test_the_counts_are_labelled_with_their_scope(county, today, leader, bureau_leader):
    assert str(overdue_counts(user=leader, today=today, scope=OverdueScope.TEAM)).startswith(
        "本专班：逾期线索 6 条"
    )
    assert "逾期项目任务 5 项" in str(
        overdue_counts(user=leader, today=today, scope=OverdueScope.TEAM)
    )
    assert str(overdue_counts(user=bureau_leader, today=today, scope=OverdueScope.ALL)).startswith(
        "全县：逾期线索 8 条"
    )
    assert str(overdue_counts(user=leader, today=today, scope=OverdueScope.MINE)).startswith(
        "我负责的：逾期线索 1 条"
    )


def test_the_escalation_lists_the_long_overdue_but_counts_them_all(county, today, bureau_leader):
    planned = {(p.kind, p.recipient.pk): p for p in reminders_plan(today=today)[0]}
    escalation = planned[("escalation", bureau_leader.pk)]
    assert all(item["days_overdue"] > 14 for item in escalation.items)
    assert escalation.item_count < escalation.counts.total
    assert (
        escalation.counts.as_dict()
        == overdue_counts(user=bureau_leader, today=today, scope=OverdueScope.ALL).as_dict()
    )


def test_an_unowned_lead_and_an_unseen_task_are_in_the_digest_not_in_anyones_own_list(
    county, today, leader, other_officer
):
    planned = {(p.kind, p.recipient.pk): p for p in reminders_plan(today=today)[0]}
    digest = planned[("digest", leader.pk)]
    assert "" in {item["owner_name"] for item in digest.items if item["source"] == "leads"}
    others = planned[("officer", other_officer.pk)]
    # their own dairy lead and task; not the rice task they can no longer see
    assert others.counts.as_dict()["tasks"] == 1
    assert len(others.items) == 2


def test_the_work_page_lists_the_most_days_overdue_first_with_a_link_to_all(
    client, county, today, officer
):
    client.force_login(officer)
    work = client.get(reverse("dashboard:my_work")).context["work"]
    days = [lead.days_overdue(today) for lead in work.overdue.leads]
    assert days == sorted(days, reverse=True)
    assert days[0] == 89
    assert work.overdue.list_query == f"overdue=true&owner_id={officer.pk}&ordering=-days_overdue"
    listed = client.get(f"{reverse('leads:list')}?{work.overdue.list_query}").context["leads"]
    assert [lead.pk for lead in listed] == [lead.pk for lead in work.overdue.leads]
