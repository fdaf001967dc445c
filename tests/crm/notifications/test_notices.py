"""The inbox (我的消息): who is told of which event, through which channel, never of a record
they may not see (each role), never twice; the bell, the page, the profile's preferences, the
API, and their query budgets."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from crm import comments
from crm.models import Notice, NotificationPreference, Reminder, User
from crm.notifications import notices
from leads import services as lead_services
from leads.models import Lead
from projects import services as project_services
from tests.factories import LeadFactory, UserFactory
from tests.leads.conftest import ready_lead
from tests.projects.conftest import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(leader, task_force) -> Lead:
    return LeadFactory(owner=leader, task_force=task_force, company_name="虎林绿都米业有限公司")


def inbox(user: User) -> list[tuple[str, str]]:
    return [(n.kind, n.title) for n in Notice.objects.filter(recipient=user).order_by("id")]


def emails(user: User) -> list[str]:
    return list(Reminder.objects.filter(recipient=user).values_list("kind", flat=True))


def prefer(user: User, kind: str, channel: str) -> None:
    notices.preferences_save(user=user, channels={kind: channel})


# --- the events --------------------------------------------------------------------------------


def test_a_new_owner_finds_the_lead_in_the_inbox_and_gets_the_email(lead, leader, officer):
    lead_services.lead_update(lead=lead, actor=leader, data={"owner": officer})
    ((kind, title),) = inbox(officer)
    assert kind == "assignment"
    assert "虎林绿都米业有限公司" in title and "米业专班负责人" in title
    notice = Notice.objects.get(recipient=officer)
    assert notice.url == reverse("leads:detail", args=[lead.pk]) and notice.actor == leader
    # The email is the ledger's one assignment email, as before.
    assert emails(officer) == ["assignment"]
    assert not inbox(leader)


def test_taking_a_lead_oneself_tells_nobody(lead, leader):
    officer_lead = LeadFactory(
        owner=None, created_by=leader, updated_by=leader, task_force=lead.task_force
    )
    lead_services.lead_update(lead=officer_lead, actor=leader, data={"owner": leader})
    assert not Notice.objects.exists() and not Reminder.objects.exists()


def test_the_leader_is_asked_to_approve_and_the_officer_hears_the_decision(
    officer, leader, task_force, other_task_force
):
    lead = ready_lead(Lead.Stage.SCREEN, owner=officer, task_force=task_force)
    approval = lead_services.approval_request(lead=lead, actor=officer, note="尽调完成，可以对接。")
    ((kind, title),) = inbox(leader)
    assert kind == "approval_ask" and "王招商提请审批" in title
    assert Notice.objects.get(recipient=leader).body == "尽调完成，可以对接。"
    assert not inbox(other_task_force.leader)
    lead_services.approval_decide(
        request=approval, actor=leader, approve=False, comment="请补充投资计划。"
    )
    ((kind, title),) = inbox(officer)
    assert kind == "approval" and "退回" in title
    assert emails(officer) == ["approval"]


def test_an_owner_is_told_when_someone_else_sends_their_lead_back(officer, leader, task_force):
    lead = ready_lead(Lead.Stage.SCREEN, owner=officer, task_force=task_force)
    lead_services.lead_transition(lead=lead, to=Lead.Stage.COLLECT, actor=leader, reason="信息不实")
    ((kind, title),) = inbox(officer)
    assert kind == "sent_back" and "「筛选」改为「搜集」" in title
    assert Notice.objects.get(recipient=officer).body == "信息不实"
    # Moving one's own lead back, or forward, tells nobody.
    other = ready_lead(Lead.Stage.SCREEN, owner=officer, task_force=task_force)
    lead_services.lead_transition(lead=other, to=Lead.Stage.COLLECT, actor=officer, reason="重查")
    assert len(inbox(officer)) == 1


def test_a_mention_reaches_the_person_mentioned(officer, leader, task_force, lead):
    comments.comment_add(record=lead, actor=leader, body="@王招商 请本周内回访。")
    ((kind, title),) = inbox(officer)
    assert kind == "mention" and "米业专班负责人在线索「虎林绿都米业有限公司」" in title
    notice = Notice.objects.get(recipient=officer)
    assert notice.body == "@王招商 请本周内回访。" and notice.url.endswith("#comments")


def test_an_assignee_is_told_of_a_new_task(officer, leader, task_force):
    project = ProjectFactory(owner=leader, task_force=task_force, name="米业扩建项目")
    project_services.task_create(
        project=project,
        actor=leader,
        title="落实用地指标",
        assignee=officer,
        due_on=datetime.date.today() + datetime.timedelta(days=7),
    )
    ((kind, title),) = inbox(officer)
    assert kind == "task" and "落实用地指标" in title
    assert Notice.objects.get(recipient=officer).url == project.get_absolute_url()
    assert emails(officer) == []  # tasks are in-app by default


# --- preferences -------------------------------------------------------------------------------


def test_each_kind_follows_the_persons_choice(lead, leader, officer):
    prefer(officer, "assignment", "in_app")
    lead_services.lead_update(lead=lead, actor=leader, data={"owner": officer})
    assert [kind for kind, _title in inbox(officer)] == ["assignment"]
    assert emails(officer) == []
    prefer(officer, "assignment", "none")
    second = LeadFactory(owner=leader, task_force=lead.task_force)
    lead_services.lead_update(lead=second, actor=leader, data={"owner": officer})
    assert len(inbox(officer)) == 1 and emails(officer) == []
    prefer(officer, "task", "email")
    assert NotificationPreference.objects.filter(user=officer).count() == 2
    prefer(officer, "assignment", "email")  # back to the default: no row kept
    assert not NotificationPreference.objects.filter(user=officer, kind="assignment").exists()


def test_the_profile_page_shows_and_saves_the_preferences(client, officer):
    client.force_login(officer)
    page = client.get(reverse("profile")).content.decode()
    assert "通知设置" in page and "仅站内消息" in page and "站内消息和邮件" in page
    choices = {kind.value: "in_app" for kind in Reminder.SINGLE_KINDS}
    choices["mention"] = "email"
    response = client.post(reverse("profile"), {"preferences": "1", **choices})
    assert response.status_code == 302
    assert dict(
        NotificationPreference.objects.filter(user=officer).values_list("kind", "channel")
    ) == {"assignment": "in_app", "approval": "in_app", "mention": "email"}
    bad = client.post(reverse("profile"), {"preferences": "1", **choices, "task": "sms"})
    assert bad.status_code == 400


# --- visibility, per role ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "told"),
    [
        ("officer", True),  # the lead's owner
        ("member", True),  # a member of its task force
        ("leader", True),  # its task force's leader
        ("other_officer", False),  # an officer of another task force
        ("other_leader", False),  # another task force's leader
        ("bureau_leader", True),  # sees everything
        ("admin_user", True),
        ("inactive", False),
    ],
)
def test_nobody_is_told_of_a_record_they_may_not_see(
    request, who, told, officer, leader, task_force, other_task_force, admin_user
):
    people = {
        "member": UserFactory(username="member"),
        "inactive": UserFactory(username="gone", is_active=False),
        "other_leader": other_task_force.leader,
    }
    task_force.members.add(people["member"])
    user = people.get(who) or request.getfixturevalue(who)
    record = LeadFactory(owner=officer, task_force=task_force)
    notices.notify(
        kind="mention",
        recipients=[user],
        actor=UserFactory(username="actor"),
        record=record,
        title="有人提到了您",
        url=record.get_absolute_url(),
        ref=f"comments:{record.pk}",
    )
    assert Notice.objects.filter(recipient=user).exists() is told


def test_nobody_is_told_of_their_own_doing_nor_twice(officer, lead):
    for _attempt in range(2):  # a retried service call
        notices.notify(
            kind="task",
            recipients=[officer, lead.owner],
            actor=lead.owner,
            record=lead,
            title="任务",
            url="/",
            ref="tasks:1",
        )
    assert inbox(officer) == [("task", "任务")]
    assert not inbox(lead.owner)


# --- the page, the bell, the API --------------------------------------------------------------


def make_notices(user: User, count: int, *, read: int = 0) -> list[Notice]:
    made = [
        Notice.objects.create(
            recipient=user, kind="task", title=f"任务 {n}", url="/projects/", ref=f"tasks:{n}"
        )
        for n in range(count)
    ]
    Notice.objects.filter(pk__in=[n.pk for n in made[:read]]).update(read_at="2026-01-01T00:00Z")
    return made


def test_the_bell_shows_the_unread_count(client, officer):
    make_notices(officer, 3, read=1)
    client.force_login(officer)
    page = client.get(reverse("dashboard:my_work")).content.decode()
    assert 'class="notice-bell-count" aria-hidden="true">2<' in page
    assert "我的消息（2 条未读）" in page


def test_the_inbox_lists_unread_first_and_marks_read_with_htmx(client, officer, other_officer):
    *_rest, third = make_notices(officer, 3, read=1)
    make_notices(other_officer, 1)
    client.force_login(officer)
    page = client.get(reverse("notices:list")).content.decode()
    assert page.index("任务 2") < page.index("任务 1") < page.index("任务 0")
    fragment = client.post(reverse("notices:read", args=[third.pk]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert Notice.objects.filter(recipient=officer, read_at__isnull=True).count() == 1
    unread = client.get(reverse("notices:list"), {"unread": "1"}).content.decode()
    assert "任务 1" in unread and "任务 2" not in unread
    client.post(reverse("notices:read_all"))
    assert not Notice.objects.filter(recipient=officer, read_at__isnull=True).exists()
    assert Notice.objects.filter(recipient=other_officer, read_at__isnull=True).exists()


def test_opening_a_notice_marks_it_read_and_goes_to_its_record(client, officer, other_officer):
    (mine,) = make_notices(officer, 1)
    (theirs,) = make_notices(other_officer, 1)
    client.force_login(officer)
    response = client.get(reverse("notices:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/projects/"
    mine.refresh_from_db()
    assert mine.is_read
    assert client.get(reverse("notices:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notices:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_a_notice_link_off_the_site_is_not_followed(client, officer):
    notice = Notice.objects.create(
        recipient=officer, kind="task", title="x", url="//evil.example/", ref="tasks:9"
    )
    client.force_login(officer)
    response = client.get(reverse("notices:open", args=[notice.pk]))
    assert response["Location"] == reverse("notices:list")


@pytest.mark.parametrize("count", [2, 20])
def test_the_inbox_page_costs_the_same_queries_for_few_or_many_notices(
    client, officer, count, django_assert_num_queries
):
    make_notices(officer, count, read=1)
    client.force_login(officer)
    client.get(reverse("notices:list"))  # renew the session, warm the content types
    # Session, user, the navigation's badges and the bell, the page's notices and counts.
    with django_assert_num_queries(8):
        assert client.get(reverse("notices:list")).status_code == 200


def test_the_api_lists_my_notices_and_marks_them_read(officer, other_officer):
    first, second = make_notices(officer, 2)
    (theirs,) = make_notices(other_officer, 1)
    api = APIClient()
    api.force_authenticate(officer)
    listed = api.get("/api/v1/notices/", {"unread": "true"}).json()
    assert {row["id"] for row in listed["results"]} == {first.pk, second.pk}
    assert listed["results"][0]["kind_display"] == "新任务"
    read = api.post(f"/api/v1/notices/{first.pk}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert api.post(f"/api/v1/notices/{theirs.pk}/read/").status_code == 404
    assert api.post("/api/v1/notices/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notices/", {"unread": "true"}).json()["count"] == 0
    for query in ({"kind": "sms"}, {"unread": "maybe"}):
        bad = api.get("/api/v1/notices/", query)
        assert bad.status_code == 400 and set(query) <= set(bad.json()["errors"])


@pytest.mark.parametrize("count", [2, 20])
def test_the_api_list_costs_the_same_queries_for_few_or_many(
    officer, count, django_assert_num_queries
):
    make_notices(officer, count)
    api = APIClient()
    api.force_authenticate(officer)
    with django_assert_num_queries(2):
        assert api.get("/api/v1/notices/").status_code == 200
