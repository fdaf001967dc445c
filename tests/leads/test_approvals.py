"""Approvals of 筛选 → 对接: the officer asks with a note, the task force's leader approves or
sends back with a comment; both on the timeline and emailed; past the SLA in the digest."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import ConflictError, DomainError, PermissionRefused, TransitionRefused
from crm.models import Reminder, ReminderSchedule
from crm.notifications import mail
from crm.notifications.selectors import reminders_plan
from leads import selectors, services
from leads.models import ApprovalRequest, Lead
from tests.factories import TaskForceFactory
from tests.leads.conftest import ready_lead

pytestmark = pytest.mark.django_db

Status = ApprovalRequest.Status


@pytest.fixture
def screen_lead(officer, task_force) -> Lead:
    """A lead in screen that lacks only the leader's approval to enter dock."""
    return ready_lead(Lead.Stage.SCREEN, owner=officer, task_force=task_force)


def ask(lead: Lead, officer, note: str = "企业已完成尽调，计划下周赴企业考察。") -> ApprovalRequest:
    return services.approval_request(lead=lead, actor=officer, note=note)


def age(approval: ApprovalRequest, days: int) -> None:
    """Move the request ``days`` back in time, as if it had waited that long."""
    ApprovalRequest.objects.filter(pk=approval.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=days)
    )


# --- services -------------------------------------------------------------------------------


def test_the_officer_asks_and_the_leaders_approval_moves_the_lead_to_dock(
    screen_lead, officer, leader
):
    approval = ask(screen_lead, officer)
    assert approval.status == Status.PENDING
    assert approval.requested_by == officer

    decided = services.approval_decide(
        request=approval, actor=leader, approve=True, comment="同意，抓紧对接。"
    )

    screen_lead.refresh_from_db()
    assert screen_lead.stage == Lead.Stage.DOCK
    assert decided.status == Status.APPROVED
    assert decided.decided_by == leader
    assert decided.comment == "同意，抓紧对接。"
    move = screen_lead.transitions.get()
    assert (move.from_stage, move.to_stage, move.actor) == ("screen", "dock", leader)
    # The queue's approval is the one on record: no second, automatic one.
    assert ApprovalRequest.objects.filter(lead=screen_lead).count() == 1


def test_asking_needs_a_note(screen_lead, officer):
    with pytest.raises(DomainError) as refused:
        ask(screen_lead, officer, note="  ")
    assert "note" in refused.value.field_errors
    assert not ApprovalRequest.objects.exists()


def test_asking_is_refused_when_the_lead_lacks_more_than_the_approval(screen_lead, officer):
    Lead.objects.filter(pk=screen_lead.pk).update(rating=Lead.Rating.C)
    with pytest.raises(TransitionRefused, match="A 或 B"):
        ask(screen_lead, officer)


def test_asking_is_refused_outside_screen(officer, task_force):
    lead = ready_lead(Lead.Stage.COLLECT, owner=officer, task_force=task_force)
    with pytest.raises(TransitionRefused, match="筛选"):
        ask(lead, officer)


def test_a_leader_does_not_ask_but_moves_directly(screen_lead, leader):
    with pytest.raises(TransitionRefused, match="直接"):
        ask(screen_lead, leader)


def test_one_pending_request_per_lead(screen_lead, officer, colleague):
    ask(screen_lead, officer)
    with pytest.raises(ConflictError, match="等待"):
        ask(screen_lead, colleague)
    # The database says so too.
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.create(lead=screen_lead, requested_by=officer, note="再次")


def test_sending_back_needs_a_comment_and_leaves_the_lead_in_screen(screen_lead, officer, leader):
    approval = ask(screen_lead, officer)
    with pytest.raises(DomainError) as refused:
        services.approval_decide(request=approval, actor=leader, approve=False, comment=" ")
    assert "comment" in refused.value.field_errors

    returned = services.approval_decide(
        request=approval, actor=leader, approve=False, comment="请补充企业近三年财务数据。"
    )
    screen_lead.refresh_from_db()
    assert returned.status == Status.RETURNED
    assert screen_lead.stage == Lead.Stage.SCREEN
    # Sent back, the officer may ask again.
    assert ask(screen_lead, officer, note="已补充财务数据。").is_pending


def test_only_the_task_forces_leader_or_a_bureau_leader_decides(
    screen_lead, officer, colleague, other_task_force, bureau_leader
):
    approval = ask(screen_lead, officer)
    with pytest.raises(PermissionRefused):
        services.approval_decide(request=approval, actor=colleague, approve=True)
    with pytest.raises(PermissionRefused):
        services.approval_decide(request=approval, actor=other_task_force.leader, approve=True)
    assert ApprovalRequest.objects.get(pk=approval.pk).is_pending

    services.approval_decide(request=approval, actor=bureau_leader, approve=True)
    screen_lead.refresh_from_db()
    assert screen_lead.stage == Lead.Stage.DOCK


def test_a_decided_request_is_not_decided_twice(screen_lead, officer, leader):
    approval = ask(screen_lead, officer)
    services.approval_decide(request=approval, actor=leader, approve=False, comment="再看看")
    with pytest.raises(ConflictError, match="已处理"):
        services.approval_decide(request=approval, actor=leader, approve=True)


def test_the_leaders_direct_move_records_an_approval(screen_lead, leader):
    services.lead_transition(lead=screen_lead, to=Lead.Stage.DOCK, actor=leader)

    approval = ApprovalRequest.objects.get(lead=screen_lead)
    assert approval.status == Status.APPROVED
    assert approval.is_direct
    assert (approval.requested_by, approval.decided_by) == (leader, leader)
    assert approval.comment == "看板直接审批"


def test_the_leaders_direct_move_approves_the_pending_request_and_tells_the_officer(
    screen_lead, officer, leader
):
    approval = ask(screen_lead, officer)
    services.lead_transition(lead=screen_lead, to=Lead.Stage.DOCK, actor=leader)

    approval.refresh_from_db()
    assert approval.status == Status.APPROVED
    assert approval.decided_by == leader
    assert ApprovalRequest.objects.filter(lead=screen_lead).count() == 1
    assert Reminder.objects.filter(kind="approval", recipient=officer).exists()


def test_leaving_screen_another_way_withdraws_the_pending_request(screen_lead, officer):
    approval = ask(screen_lead, officer)
    services.lead_transition(
        lead=screen_lead, to=Lead.Stage.DROPPED, actor=officer, reason="企业暂停投资计划"
    )
    approval.refresh_from_db()
    assert approval.status == Status.WITHDRAWN
    assert approval.comment == "企业暂停投资计划"


def test_an_approval_the_pipeline_now_refuses_is_refused_with_its_reason(
    screen_lead, officer, leader
):
    approval = ask(screen_lead, officer)
    Lead.objects.filter(pk=screen_lead.pk).update(rating=Lead.Rating.C)
    with pytest.raises(TransitionRefused, match="A 或 B"):
        services.approval_decide(request=approval, actor=leader, approve=True)
    assert ApprovalRequest.objects.get(pk=approval.pk).is_pending


@pytest.mark.parametrize(
    ("approve", "comment", "outcome"), [(True, "", "已批准"), (False, "补充材料", "已退回")]
)
def test_the_decision_is_emailed_to_the_officer(
    screen_lead, officer, leader, approve, comment, outcome
):
    approval = ask(screen_lead, officer)
    services.approval_decide(request=approval, actor=leader, approve=approve, comment=comment)

    row = Reminder.objects.get(kind="approval", recipient=officer)
    assert row.ref == f"approvals:{approval.pk}"
    assert row.subject == f"【审批结果】「{screen_lead.company_name}」进入「对接」：{outcome}"
    message = mail.build_message(row)
    assert message.to == [officer.email]
    assert "审批结果" in message.body
    assert outcome in message.body
    if comment:
        assert comment in message.body


def test_the_timeline_shows_the_request_and_the_decision(screen_lead, officer, leader):
    approval = ask(screen_lead, officer)
    services.approval_decide(request=approval, actor=leader, approve=False, comment="补充材料")

    kinds = [(entry.kind, entry.actor) for entry in selectors.lead_timeline(lead=screen_lead)]
    assert ("approval_request", officer) in kinds
    assert ("approval_decision", leader) in kinds


# --- the SLA and the leader's digest --------------------------------------------------------


def _digest_items(leader) -> list[dict]:
    planned, _count = reminders_plan(today=timezone.localdate())
    return [
        item
        for reminder in planned
        if reminder.kind == Reminder.Kind.DIGEST and reminder.recipient == leader
        for item in reminder.items
        if item["source"] == "approvals"
    ]


def test_a_request_waiting_past_the_sla_is_in_the_leaders_digest_only(screen_lead, officer, leader):
    approval = ask(screen_lead, officer)
    age(approval, days=5)  # the default SLA is 3 days

    items = _digest_items(leader)
    assert [(item["object_id"], item["days_overdue"]) for item in items] == [(approval.pk, 2)]
    planned, _count = reminders_plan(today=timezone.localdate())
    officers_own = [p for p in planned if p.kind == Reminder.Kind.OFFICER]
    assert not any(item["source"] == "approvals" for p in officers_own for item in p.items)


def test_the_sla_is_what_the_administrator_set(screen_lead, officer, leader):
    approval = ask(screen_lead, officer)
    age(approval, days=5)
    ReminderSchedule.objects.update_or_create(pk=1, defaults={"approval_sla_days": 10})
    assert _digest_items(leader) == []


def test_a_request_within_the_sla_is_not_in_the_digest(screen_lead, officer, leader):
    approval = ask(screen_lead, officer)
    age(approval, days=2)
    assert _digest_items(leader) == []


# --- pages ----------------------------------------------------------------------------------


def test_the_officer_sees_ask_on_the_lead_page_and_then_who_it_waits_for(
    client, screen_lead, officer, leader
):
    client.force_login(officer)
    page = client.get(screen_lead.get_absolute_url()).content.decode()
    assert reverse("leads:approval_request", args=[screen_lead.pk]) in page
    assert "提请审批" in page

    response = client.post(
        reverse("leads:approval_request", args=[screen_lead.pk]),
        {"note": "已完成尽调。", "from": "detail"},
    )
    assert response.status_code == 302
    page = client.get(screen_lead.get_absolute_url()).content.decode()
    assert f"已提请审批，等待{leader}审批" in page
    assert "已完成尽调。" in page  # on the timeline


def test_an_ask_without_a_note_answers_the_dialog_with_the_error(client, screen_lead, officer):
    client.force_login(officer)
    response = client.post(
        reverse("leads:approval_request", args=[screen_lead.pk]),
        {"note": "", "from": "detail"},
        headers={"HX-Request": "true"},
    )
    # htmx swaps only 2xx answers: the refusal is in the dialog it answers.
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#dialog-content"
    assert "请写明" in response.content.decode() or "必填" in response.content.decode()
    assert not ApprovalRequest.objects.exists()


def test_the_pipeline_offers_the_officer_to_ask_and_the_drop_opens_the_dialog(
    client, screen_lead, officer
):
    client.force_login(officer)
    board = client.get(reverse("leads:pipeline")).content.decode()
    assert f'id="lead-{screen_lead.pk}"' in board
    # the card's menu, when it opens
    menu = {"path": reverse("leads:card_menu"), "data": {"pk": screen_lead.pk}}
    assert "提请审批…" in client.get(**menu).content.decode()
    dialog = client.get(
        reverse("leads:transition", args=[screen_lead.pk]),
        {"to": "dock", "from": "pipeline"},
        headers={"HX-Request": "true"},
    )
    assert 'name="note"' in dialog.content.decode()

    ask(screen_lead, officer)
    assert "已提请审批，等待" in client.get(**menu).content.decode()


@pytest.mark.parametrize(
    ("role", "sees"),
    [("leader", True), ("bureau_leader", True), ("officer", False), ("other_leader", False)],
)
def test_the_queue_shows_each_role_what_it_decides(
    client, request, screen_lead, officer, other_task_force, role, sees
):
    approval = ask(screen_lead, officer)
    user = other_task_force.leader if role == "other_leader" else request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(reverse("leads:approvals")).content.decode()
    assert (f'id="approval-{approval.pk}"' in page) is sees
    assert (reverse("leads:approval_decide", args=[approval.pk]) in page) is sees
    if role == "officer":
        assert "我提请的审批" in page and screen_lead.company_name in page


def test_the_queue_of_one_task_force_keeps_it_in_its_tabs_and_pages(
    client, screen_lead, officer, leader, task_force, monkeypatch
):
    from leads import views

    monkeypatch.setattr(views, "APPROVALS_PAGE_SIZE", 1)
    age(ask(screen_lead, officer), 3)
    age(ask(ready_lead(Lead.Stage.SCREEN, owner=officer, task_force=task_force), officer), 3)
    client.force_login(leader)
    query = f"task_force_id={task_force.pk}&waited_over=1"
    page = client.get(f"{reverse('leads:approvals')}?{query}").content.decode()
    assert f"只显示{task_force.name}的审批" in page
    assert f'href="?task_force_id={task_force.pk}&amp;waited_over=1&amp;page=2"' in page
    assert f'href="?status=approved&amp;task_force_id={task_force.pk}"' in page


def test_the_work_page_and_the_navigation_show_the_leader_what_waits(
    client, screen_lead, officer, leader
):
    ask(screen_lead, officer)
    client.force_login(leader)
    page = client.get(reverse("dashboard:my_work")).content.decode()
    assert 'id="approvals-waiting"' in page
    assert screen_lead.company_name in page
    assert 'id="nav-approval-count"' in page
    assert page.count(reverse("leads:approvals")) >= 2

    client.force_login(officer)
    page = client.get(reverse("dashboard:my_work")).content.decode()
    assert 'id="approvals-waiting"' not in page


def test_htmx_approve_answers_the_decided_item_and_the_new_count(
    client, screen_lead, officer, leader
):
    approval = ask(screen_lead, officer)
    client.force_login(leader)
    response = client.post(
        reverse("leads:approval_decide", args=[approval.pk]),
        {"approve": "1", "comment": "同意"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="approval-{approval.pk}"' in html
    assert "已批准" in html
    assert 'hx-swap-oob="true"' in html
    screen_lead.refresh_from_db()
    assert screen_lead.stage == Lead.Stage.DOCK


def test_htmx_send_back_without_a_comment_shows_the_refusal(client, screen_lead, officer, leader):
    approval = ask(screen_lead, officer)
    client.force_login(leader)
    response = client.post(
        reverse("leads:approval_decide", args=[approval.pk]),
        {"approve": "0", "comment": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "退回需要填写意见" in response.content.decode()
    assert ApprovalRequest.objects.get(pk=approval.pk).is_pending


def test_an_officer_cannot_decide_through_the_page(client, screen_lead, officer):
    approval = ask(screen_lead, officer)
    client.force_login(officer)
    response = client.post(reverse("leads:approval_decide", args=[approval.pk]), {"approve": "1"})
    assert response.status_code == 404
    assert ApprovalRequest.objects.get(pk=approval.pk).is_pending


# Session and user (renewed by the first request only, crm.sessions); the user's task forces
# (led and member, one query); the navigation's badges (overdue leads and tasks, approvals
# waiting, the bell's unread notices); the queue's count and page (one query: lead, owner,
# industry, task force, leader and people joined); the schedule's SLA; the user's own requests.
QUEUE_QUERIES = 2 + 1 + 4 + 2 + 1 + 1


@pytest.mark.parametrize("size", [2, 15])
def test_the_queue_page_costs_the_same_whatever_its_length(
    client, django_assert_num_queries, officer, leader, task_force, size
):
    for _number in range(size):
        ask(ready_lead(Lead.Stage.SCREEN, owner=officer, task_force=task_force), officer)
    ReminderSchedule.current()
    client.force_login(leader)
    client.get(reverse("leads:approvals"))  # warm the caches like a running server
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("leads:approvals"))
    assert len(response.context["page"].object_list) == size


# --- API ------------------------------------------------------------------------------------


def test_api_ask_list_and_decide(client, screen_lead, officer, leader):
    client.force_login(officer)
    url = f"/api/v1/leads/{screen_lead.pk}/approval/"
    response = client.post(url, {"note": "请审批"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    approval_id = response.json()["id"]
    assert response.json()["status"] == "pending"
    again = client.post(url, {"note": "再次"}, content_type="application/json")
    assert again.status_code == 409
    # The officer decides nothing: an empty queue, and a decision answers 404.
    assert client.get("/api/v1/approvals/").json()["results"] == []
    refused = client.post(
        f"/api/v1/approvals/{approval_id}/decide/",
        {"approve": True},
        content_type="application/json",
    )
    assert refused.status_code == 404

    client.force_login(leader)
    queue = client.get("/api/v1/approvals/").json()["results"]
    assert [row["id"] for row in queue] == [approval_id]
    returned = client.post(
        f"/api/v1/approvals/{approval_id}/decide/",
        {"approve": False},
        content_type="application/json",
    )
    assert returned.status_code == 400
    assert "comment" in returned.json()["errors"]
    approved = client.post(
        f"/api/v1/approvals/{approval_id}/decide/",
        {"approve": True, "comment": "同意"},
        content_type="application/json",
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert client.get("/api/v1/approvals/").json()["results"] == []
    decided = client.get("/api/v1/approvals/", {"status": "approved"}).json()["results"]
    assert [row["id"] for row in decided] == [approval_id]


def test_api_queue_of_a_leader_of_another_task_force_is_empty(
    client, screen_lead, officer, other_task_force
):
    ask(screen_lead, officer)
    client.force_login(other_task_force.leader)
    assert client.get("/api/v1/approvals/").json()["results"] == []


def test_a_bureau_leader_sees_every_task_forces_requests(
    client, screen_lead, officer, bureau_leader
):
    elsewhere = TaskForceFactory(members=[officer])
    other = ready_lead(Lead.Stage.SCREEN, owner=officer, task_force=elsewhere)
    ask(screen_lead, officer)
    ask(other, officer)
    client.force_login(bureau_leader)
    assert len(client.get("/api/v1/approvals/").json()["results"]) == 2
