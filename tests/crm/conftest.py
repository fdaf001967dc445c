"""Fixtures of the reminder tests: overdue leads, eager Celery, a real SMTP server on loopback."""

import datetime
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from config.celery import app as celery_app
from crm.models import ReminderSchedule, User
from leads.models import Lead
from tests.factories import LeadFactory, TaskForceFactory, UserFactory

# Stage "dock" allows LEAD_STALE_DAYS["dock"] days without a follow-up (7 by default).
DOCK_DAYS = 7


def make_overdue_lead(*, owner: User, days: int, task_force=None, today=None, **kwargs) -> Lead:
    """A lead in the dock stage that is exactly ``days`` days overdue on ``today``."""
    today = today or timezone.localdate()
    return LeadFactory(
        owner=owner,
        task_force=task_force,
        stage=Lead.Stage.DOCK,
        last_activity_on=today - datetime.timedelta(days=DOCK_DAYS + days),
        **kwargs,
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # Every fixture user gets a password; the production hasher would dominate the runtime.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def bureau(db, officer, other_officer, leader, bureau_leader, task_force):
    """Two task forces with overdue leads: rice (officer, leader) and dairy (other_officer).

    The weekly report to bureau leaders is switched off: these tests count the daily emails
    (``test_weekly_report.py`` switches it on).
    """
    ReminderSchedule.objects.update_or_create(pk=1, defaults={"weekly_report_enabled": False})
    dairy_leader = UserFactory(username="dairy-leader", full_name="乳业负责人", role="leader")
    dairy = TaskForceFactory(
        code="milk-tf", name="乳品专班", leader=dairy_leader, members=[other_officer]
    )
    leads = {
        "rice_3": make_overdue_lead(
            owner=officer, task_force=task_force, days=3, company_name="虎林米业有限公司"
        ),
        "rice_10": make_overdue_lead(
            owner=officer, task_force=task_force, days=10, company_name="珍宝岛药业有限公司"
        ),
        "dairy_2": make_overdue_lead(
            owner=other_officer, task_force=dairy, days=2, company_name="完达山乳业有限公司"
        ),
        "dairy_20": make_overdue_lead(
            owner=other_officer, task_force=dairy, days=20, company_name="东方红蜂业有限公司"
        ),
        "fresh": LeadFactory(owner=officer, task_force=task_force, company_name="按时跟进公司"),
    }
    return {"dairy": dairy, "dairy_leader": dairy_leader, "leads": leads}


@pytest.fixture
def celery_eager() -> Iterator[None]:
    """Run tasks in-process, as a worker would (retries included).

    Errors are not propagated: in eager mode a propagated ``Retry`` would end the task instead
    of running the retry; tests assert on the ledger rows' states instead.
    """
    # The app reads Django settings under the CELERY_ namespace, so the keys carry it too.
    conf = celery_app.conf
    old = (conf.CELERY_TASK_ALWAYS_EAGER, conf.get("CELERY_TASK_EAGER_PROPAGATES", False))
    conf.CELERY_TASK_ALWAYS_EAGER = True
    conf.CELERY_TASK_EAGER_PROPAGATES = False
    yield
    conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_TASK_EAGER_PROPAGATES = old


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpRecorder:
    """aiosmtpd handler: refuses the first ``refuse`` messages (or all), records the rest."""

    refuse: int = 0
    always_refuse: bool = False
    attempts: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.attempts += 1
        if self.always_refuse or self.attempts <= self.refuse:
            return "451 4.3.0 Temporary failure, try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpRecorder]:
    """A real SMTP server on loopback, with Django's SMTP backend pointed at it."""
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    recorder.port = port
    yield recorder
    controller.stop()


def message_text(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML parts of a received message."""
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain, html
