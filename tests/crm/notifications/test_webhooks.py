"""Task forces' group robots (企业微信 / 钉钉) against a local fake robot server: DingTalk's
signature, WeCom's payload, errcode failures retried or recorded, exactly once on repeated
runs, the morning summary counted like the digest and naming only the team's records, the
URL rule (SSRF), the leaders' page with its test button, and the real Celery worker path."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import Reminder, TeamWebhook
from crm.notifications import selectors, services, webhooks
from crm.notifications.selectors import OverdueScope, overdue_counts
from leads.models import Lead
from leads.services import approval_request, lead_update
from tests.crm.notifications.test_celery_e2e import (
    celery_env,
    needs_postgresql,
    start_worker,
    stop,
    wait_for,
)
from tests.factories import LeadFactory
from tests.leads.conftest import ready_lead

SECRET = "SECtest0123456789"


@dataclass
class FakeRobot:
    """What the fake robot received, and what it answers next (``answers``, then errcode 0)."""

    port: int
    requests: list[dict] = field(default_factory=list)
    answers: list[tuple[int, dict]] = field(default_factory=list)

    def url(self, path: str = "/cgi-bin/webhook/send?key=k1") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self) -> list[dict]:
        return [request["json"] for request in self.requests]


@pytest.fixture
def robot(settings) -> Iterator[FakeRobot]:
    """A WeCom/DingTalk look-alike on loopback that checks DingTalk's signature when asked."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    state = FakeRobot(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            record = {
                "path": parts.path,
                "query": query,
                "json": json.loads(self.rfile.read(length)),
            }
            if parts.path.startswith("/robot/send"):
                expected = base64.b64encode(
                    hmac.new(
                        SECRET.encode(),
                        f"{query.get('timestamp')}\n{SECRET}".encode(),
                        hashlib.sha256,
                    ).digest()
                ).decode()
                record["signed"] = query.get("sign") == expected
            state.requests.append(record)
            status, answer = state.answers.pop(0) if state.answers else (200, {"errcode": 0})
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def wecom(robot, task_force, leader) -> TeamWebhook:
    return TeamWebhook.objects.create(
        task_force=task_force, kind="wecom", name="米业工作群", url=robot.url(), created_by=leader
    )


@pytest.fixture
def dingtalk(robot, task_force, leader) -> TeamWebhook:
    return TeamWebhook.objects.create(
        task_force=task_force,
        kind="dingtalk",
        name="米业钉钉群",
        url=robot.url("/robot/send?access_token=t1"),
        secret=SECRET,
        created_by=leader,
    )


def send_all() -> list[int]:
    """Send every pending row in this process, each once (what a worker does)."""
    return services.reminders_dispatch(deliver_now=True).sent


# --- the messages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_approval_asked_reaches_the_wecom_group_as_markdown(robot, wecom, officer, task_force):
    lead = ready_lead(
        Lead.Stage.SCREEN, owner=officer, task_force=task_force, company_name="虎林绿都米业有限公司"
    )
    approval_request(lead=lead, actor=officer, note="企业已完成尽调，计划下周考察。")
    assert len(send_all()) == 1
    body = robot.requests[0]["json"]
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert "提请审批" in content and "虎林绿都米业有限公司" in content
    assert "/leads/approvals/#approval-" in content
    assert "计划下周考察" in content
    row = Reminder.objects.get(webhook=wecom)
    assert (row.kind, row.state, row.attempts) == ("approval_ask", "sent", 1)


@pytest.mark.django_db
def test_dingtalk_requests_are_signed_with_the_secret(robot, dingtalk, officer, leader, task_force):
    lead = LeadFactory(owner=leader, task_force=task_force, company_name="完达山米业")
    lead_update(lead=lead, actor=leader, data={"owner": officer})
    send_all()  # the new owner's email and the robot's message
    (request,) = robot.requests
    assert request["signed"] is True
    assert request["json"]["msgtype"] == "markdown"
    assert "完达山米业" in request["json"]["markdown"]["text"]
    assert request["json"]["markdown"]["title"]


def test_the_signature_is_dingtalks_hmac_of_timestamp_and_secret():
    url = webhooks.dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", timestamp_ms=1700000000000
    )
    query = parse_qs(urlsplit(url).query)
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    assert query["timestamp"] == ["1700000000000"]
    assert query["sign"] == [base64.b64encode(digest).decode()]
    assert query["access_token"] == ["x"]


@pytest.mark.django_db
def test_a_refusing_errcode_fails_the_row_with_the_error_recorded(
    robot, wecom, officer, leader, task_force
):
    robot.answers.append((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    lead = LeadFactory(owner=leader, task_force=task_force)
    lead_update(lead=lead, actor=leader, data={"owner": officer})
    ids = services._claim_pending(datetime.datetime.now(datetime.UTC))
    (row_id,) = [pk for pk in ids if Reminder.objects.get(pk=pk).webhook_id]
    outcome = services.reminder_send(reminder_id=row_id, last_try=False)
    row = Reminder.objects.get(pk=row_id)
    assert outcome == services.Delivery.FAILED  # no retry can fix a wrong key
    assert row.state == "failed" and "93000" in row.last_error and row.attempts == 1


@pytest.mark.django_db
def test_a_rate_limit_or_a_server_error_is_retried_then_sent_once(
    robot, wecom, officer, leader, task_force
):
    robot.answers += [(200, {"errcode": 45009, "errmsg": "api freq out of limit"}), (502, {})]
    lead = LeadFactory(owner=leader, task_force=task_force)
    lead_update(lead=lead, actor=leader, data={"owner": officer})
    row = Reminder.objects.get(webhook=wecom)
    assert services.reminder_send(reminder_id=row.pk, last_try=False) == services.Delivery.RETRY
    assert services.reminder_send(reminder_id=row.pk, last_try=False) == services.Delivery.RETRY
    assert services.reminder_send(reminder_id=row.pk, last_try=False) == services.Delivery.SENT
    # A duplicated task finds it sent.
    assert services.reminder_send(reminder_id=row.pk, last_try=False) == services.Delivery.SKIPPED
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(robot.requests) == 3


@pytest.mark.django_db
def test_an_unreachable_robot_is_retried_and_the_last_try_marks_the_row_failed(
    robot, wecom, officer, leader, task_force, settings
):
    wecom.url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=gone"  # nothing listens there
    wecom.save()
    lead = LeadFactory(owner=leader, task_force=task_force)
    lead_update(lead=lead, actor=leader, data={"owner": officer})
    row = Reminder.objects.get(webhook=wecom)
    assert services.reminder_send(reminder_id=row.pk, last_try=False) == services.Delivery.RETRY
    assert services.reminder_send(reminder_id=row.pk, last_try=True) == services.Delivery.FAILED
    row.refresh_from_db()
    assert row.state == "failed" and row.attempts == 2 and row.last_error


# --- the morning summary ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_morning_summary_counts_like_the_digest_and_names_only_the_teams_records(
    robot, wecom, bureau, today, leader
):
    result = services.reminders_run(today=today, deliver_now=True)
    summary = Reminder.objects.get(webhook=wecom)
    assert summary.kind == "digest" and summary.state == "sent"
    team_total = overdue_counts(user=leader, today=today, scope=OverdueScope.TEAM).total
    assert summary.item_count == team_total == 2
    (request,) = robot.requests
    content = request["json"]["markdown"]["content"]
    assert f"共有 {team_total} 项逾期" in content
    assert "虎林米业有限公司" in content and "珍宝岛药业有限公司" in content
    # The other task force's leads are not named, and the on-time lead is not listed.
    assert "完达山乳业有限公司" not in content and "东方红蜂业有限公司" not in content
    assert "按时跟进公司" not in content
    # A forced second run the same day sends nothing more.
    services.reminders_run(today=today, force=True, deliver_now=True)
    assert len(robot.requests) == 1
    assert result.dispatch.sent


@pytest.mark.django_db
def test_a_robot_without_the_summary_kind_or_disabled_gets_no_summary(robot, wecom, bureau, today):
    wecom.kinds = ["assignment"]
    wecom.save()
    services.reminders_run(today=today, deliver_now=True)
    assert not Reminder.objects.filter(webhook=wecom).exists()
    wecom.kinds, wecom.is_enabled = ["digest"], False
    wecom.save()
    services.reminders_run(today=today, force=True, deliver_now=True)
    assert not robot.requests


@pytest.mark.django_db
def test_the_morning_summary_costs_the_same_queries_for_one_robot_or_five(
    robot, bureau, today, task_force, leader
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run_with(count: int) -> int:
        TeamWebhook.objects.all().delete()
        Reminder.objects.all().delete()
        services.ReminderRun.objects.all().delete()
        for number in range(count):
            TeamWebhook.objects.create(
                task_force=task_force, kind="wecom", name=f"群{number}", url=robot.url()
            )
        with CaptureQueriesContext(connection) as queries:
            services.reminders_run(today=today)
        return len(queries)

    assert run_with(1) == run_with(5)


# --- the URL rule (SSRF) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", True),
        ("https://oapi.dingtalk.com/robot/send?access_token=abc", True),
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", False),
        ("https://169.254.169.254/latest/meta-data/", False),
        ("https://qyapi.weixin.qq.com.evil.example/send", False),
        ("https://user:pw@oapi.dingtalk.com/robot/send", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_https_urls_of_the_allowed_hosts_may_receive_messages(settings, url, allowed):
    settings.WEBHOOK_ALLOWED_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
    settings.WEBHOOK_ALLOW_HTTP = False
    assert (webhooks.webhook_url_problem(url) is None) is allowed


@pytest.mark.django_db
def test_a_robot_url_off_the_allowlist_cannot_be_saved(settings, task_force):
    settings.WEBHOOK_ALLOW_HTTP = False
    hook = TeamWebhook(task_force=task_force, kind="wecom", name="x", url="https://10.0.0.5/hook")
    with pytest.raises(ValidationError) as error:
        hook.full_clean()
    assert "url" in error.value.message_dict
    hook = TeamWebhook(
        task_force=task_force, kind="dingtalk", name="x", url="https://oapi.dingtalk.com/robot/send"
    )
    with pytest.raises(ValidationError) as error:
        hook.full_clean()
    assert "secret" in error.value.message_dict


@pytest.mark.django_db
def test_a_redirect_is_not_followed(robot, wecom):
    robot.answers.append((302, {}))
    with pytest.raises(webhooks.WebhookError):
        webhooks.post(wecom, title="t", text="t")
    assert len(robot.requests) == 1


# --- the leaders' page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_leader_adds_a_robot_whose_secret_is_never_shown_again(robot, client, leader, task_force):
    client.force_login(leader)
    response = client.post(
        reverse("notices:webhooks"),
        {
            "task_force": task_force.pk,
            "kind": "dingtalk",
            "name": "米业钉钉群",
            "url": robot.url("/robot/send?access_token=t1"),
            "secret": SECRET,
            "kinds": ["approval_ask", "digest"],
            "is_enabled": "on",
        },
    )
    assert response.status_code == 302
    hook = TeamWebhook.objects.get()
    assert (hook.secret, hook.kinds, hook.created_by) == (
        SECRET,
        ["approval_ask", "digest"],
        leader,
    )
    page = client.get(reverse("notices:webhooks")).content.decode()
    edit = client.get(reverse("notices:webhook_edit", args=[hook.pk])).content.decode()
    assert SECRET not in page and SECRET not in edit
    # Saving again without a secret keeps it.
    client.post(
        reverse("notices:webhook_edit", args=[hook.pk]),
        {
            "kind": "dingtalk",
            "name": "米业群",
            "url": hook.url,
            "secret": "",
            "kinds": ["digest"],
            "is_enabled": "on",
        },
    )
    hook.refresh_from_db()
    assert (hook.name, hook.secret) == ("米业群", SECRET)


@pytest.mark.django_db
def test_the_test_button_posts_to_the_robot_and_says_how_it_went(robot, client, leader, dingtalk):
    client.force_login(leader)
    response = client.post(reverse("notices:webhook_test", args=[dingtalk.pk]), follow=True)
    assert "测试消息已发送" in response.content.decode()
    assert robot.requests[0]["signed"] is True
    robot.answers.append((200, {"errcode": 310000, "errmsg": "sign not match"}))
    response = client.post(reverse("notices:webhook_test", args=[dingtalk.pk]), follow=True)
    assert "测试消息发送失败" in response.content.decode()


@pytest.mark.django_db
def test_only_the_teams_leader_or_a_bureau_leader_manages_its_robots(
    robot, client, wecom, officer, other_officer, other_task_force, bureau_leader
):
    client.force_login(officer)
    assert client.get(reverse("notices:webhooks")).status_code == 403
    other_leader = other_task_force.leader
    client.force_login(other_leader)
    assert client.get(reverse("notices:webhook_edit", args=[wecom.pk])).status_code == 404
    assert client.post(reverse("notices:webhook_test", args=[wecom.pk])).status_code == 404
    assert client.post(reverse("notices:webhook_delete", args=[wecom.pk])).status_code == 404
    page = client.get(reverse("notices:webhooks")).content.decode()
    assert "米业工作群" not in page
    client.force_login(bureau_leader)
    assert "米业工作群" in client.get(reverse("notices:webhooks")).content.decode()
    assert not robot.requests


@pytest.mark.django_db
def test_the_robots_page_costs_the_same_queries_for_one_robot_or_four(
    robot, client, leader, task_force
):
    client.force_login(leader)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("notices:webhooks")).status_code == 200
        return len(queries)

    TeamWebhook.objects.create(task_force=task_force, kind="wecom", name="a", url=robot.url())
    count()  # the session's renewal (crm.sessions) comes with the first page only
    one = count()
    for name in "bcd":
        TeamWebhook.objects.create(task_force=task_force, kind="wecom", name=name, url=robot.url())
    # One query for each robot's latest messages: a leader has a handful of robots at most.
    assert count() == one + 3


# --- the real worker ----------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_celery_worker_delivers_the_robots_message_once_after_a_rate_limit(
    robot, dingtalk, officer, leader, task_force, smtp_server, redis_broker, tmp_path
):
    needs_postgresql()
    robot.answers.append((200, {"errcode": 130101, "errmsg": "send too fast"}))
    log = tmp_path / "worker.log"
    env = celery_env(
        redis_url=redis_broker,
        smtp_port=smtp_server.port,
        WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        WEBHOOK_ALLOW_HTTP="1",
    )
    worker = start_worker(env=env, log=log)
    try:
        lead = LeadFactory(owner=leader, task_force=task_force, company_name="虎林珍宝米业")
        lead_update(lead=lead, actor=leader, data={"owner": officer})
        sent = wait_for(
            lambda: Reminder.objects.filter(webhook=dingtalk, state="sent").exists(), timeout=45
        )
        assert sent, f"worker did not deliver; its log:\n{log.read_text()[-4000:]}"
    finally:
        stop(worker)
    assert len(robot.requests) == 2  # the rate-limited try, then the one that went through
    assert all(request["signed"] for request in robot.requests)
    assert Reminder.objects.get(webhook=dingtalk).attempts == 2
    assert selectors.webhook_deliveries(webhook=dingtalk)[0].state == "sent"
