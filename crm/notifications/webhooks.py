"""Posting to a task force's group robot (企业微信 / 钉钉): the URL rule, signing, the message.

Both robots answer HTTP 200 with ``errcode`` ≠ 0 when they refuse a message, so the answer's
body decides: 0 is sent, a rate limit (``RATE_LIMIT_ERRCODES``) or a server or network error
may pass and is retried, any other code is a permanent failure recorded on the ledger row.

The URL is checked on saving and again before every post (SSRF): https only (http only when
``WEBHOOK_ALLOW_HTTP``, i.e. in development and tests), a host of ``WEBHOOK_ALLOWED_HOSTS``,
no redirects followed, a short timeout.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from crm.models import Reminder, TeamWebhook, WebhookKind
from crm.notifications.mail import absolute_url

# WeCom 45009 "api freq out of limit"; DingTalk 130101 "send too fast", 660026 "over limit".
RATE_LIMIT_ERRCODES = {45009, 130101, 660026}
# What is read of an answer at most: a robot's answer is a few dozen bytes.
MAX_ANSWER_BYTES = 64 * 1024


class WebhookError(Exception):
    """A post that did not deliver; ``retryable`` when trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def webhook_url_problem(url: str) -> str | None:
    """Why ``url`` may not receive messages, or ``None``: its scheme and its host."""
    parts = urllib.parse.urlsplit(url or "")
    allowed_schemes = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed_schemes:
        return _("Webhook 地址必须以 https:// 开头。")
    host = (parts.hostname or "").lower()
    if host not in {allowed.lower() for allowed in settings.WEBHOOK_ALLOWED_HOSTS}:
        return _("只能填写企业微信或钉钉群机器人的地址（%(hosts)s）。") % {
            "hosts": "、".join(settings.WEBHOOK_ALLOWED_HOSTS)
        }
    if parts.username or parts.password:
        return _("Webhook 地址不能包含用户名或密码。")
    return None


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """``url`` with DingTalk's ``timestamp`` and ``sign``: HMAC-SHA256 of "timestamp\\nsecret"
    keyed by the secret, base64, URL-encoded (DingTalk custom robot, 加签)."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    query = urllib.parse.urlencode({"timestamp": timestamp, "sign": base64.b64encode(digest)})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def message_text(reminder: Reminder) -> tuple[str, str]:
    """The title and Markdown of a ledger row for a robot: the event or the team's overdue
    counts, with links made absolute. Only the row's snapshot is used: it names nothing but
    the task force's own records."""
    title = reminder.subject
    lines = [f"### {title}"]
    for item in reminder.items:
        if item.get("url"):
            lines.append(f"[{item['title']}]({absolute_url(item['url'])})")
        elif item.get("title") and item["title"] != title:
            lines.append(str(item["title"]))
        lines.extend(f"> {label}：{value}" for label, value in (item.get("details") or {}).items())
    return title, "\n\n".join(lines)


def payload(webhook: TeamWebhook, *, title: str, text: str) -> dict:
    """The JSON body each robot takes for a Markdown message."""
    if webhook.kind == WebhookKind.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot never redirects; following one could lead the server anywhere."""

    def redirect_request(self, *args, **kwargs) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(webhook: TeamWebhook, *, title: str, text: str) -> None:
    """Post one Markdown message; raises ``WebhookError`` unless the robot took it."""
    problem = webhook_url_problem(webhook.url)
    if problem:
        raise WebhookError(problem, retryable=False)
    url = webhook.url
    if webhook.kind == WebhookKind.DINGTALK and webhook.secret:
        url = dingtalk_signed_url(url, webhook.secret)
    request = urllib.request.Request(
        url,
        data=json.dumps(payload(webhook, title=title, text=text), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            body = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as error:
        retryable = error.code >= 500 or error.code == 429
        raise WebhookError(f"HTTP {error.code}", retryable=retryable) from error
    except (urllib.error.URLError, OSError) as error:  # refused, unreachable, timed out
        raise WebhookError(f"{type(error).__name__}: {error}", retryable=True) from error
    try:
        answer = json.loads(body or b"{}")
        errcode = int(answer.get("errcode", 0))
    except (ValueError, TypeError, AttributeError) as error:
        raise WebhookError(f"unexpected answer: {body[:200]!r}", retryable=True) from error
    if errcode != 0:
        raise WebhookError(
            f"errcode {errcode}: {answer.get('errmsg', '')}",
            retryable=errcode in RATE_LIMIT_ERRCODES,
        )


def send_webhook_message(reminder: Reminder) -> None:
    """Deliver one webhook ledger row (``Reminder.webhook`` set); errors propagate."""
    with translation.override(settings.LANGUAGE_CODE):
        title, text = message_text(reminder)
    post(reminder.webhook, title=title, text=text)


def send_test_message(webhook: TeamWebhook) -> None:
    """The 「发送测试消息」 button: post a short message now, outside the ledger."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("【测试】%(site)s消息推送") % {"site": settings.SITE_NAME}
        text = _(
            "本群已接入「%(team)s」的通知：新线索分派、审批、任务和每日逾期汇总将推送到这里。"
        ) % {"team": webhook.task_force.name}
    text = f"### {title}\n\n{text}"
    post(webhook, title=title, text=text)
