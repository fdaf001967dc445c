"""The security log beyond sign-ins: exports, admin changes, who reads it, how long it is kept."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections
from django.forms import MultiWidget
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from config.celery import app as celery_app
from crm import security_tasks
from crm.admin_log import SecurityLogMixin
from crm.models import (
    Channel,
    Industry,
    Region,
    Reminder,
    ReminderSchedule,
    SecurityEvent,
    TaskForce,
    User,
)
from crm.security import security_event_record, security_log_purge
from leads.models import Lead
from leads.views import lead_export
from projects import services as project_services
from projects.models import Project, SupportApplication
from tests.factories import FollowUpFactory, LeadFactory, UserFactory, make_credit_code
from tests.projects.conftest import ProjectFactory, TargetFactory

TODAY = datetime.date(2026, 5, 1)
Kind = SecurityEvent.Kind


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


def the_event(kind: str) -> SecurityEvent:
    found = events(kind)
    assert len(found) == 1, [event.details for event in found]
    return found[0]


def body(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="root", full_name="超级管理员", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


# --- exports ----------------------------------------------------------------------------------


def test_a_lead_export_is_logged_with_who_the_filters_and_the_rows_written(
    client, officer, task_force, fixed_today
):
    for _ in range(3):
        LeadFactory(owner=officer, task_force=task_force)
    LeadFactory(owner=officer, task_force=task_force, stage=Lead.Stage.SCREEN)
    client.force_login(officer)

    workbook = load_workbook(
        io.BytesIO(
            body(client.get(reverse("leads:export"), {"stage": "collect"}, REMOTE_ADDR="10.8.0.7"))
        )
    )

    event = the_event(Kind.EXPORT)
    assert (event.actor, event.ip_address, event.target) == (officer, "10.8.0.7", "线索")
    assert event.details["rows"] == 3 and event.details["complete"] is True
    assert event.details["format"] == "xlsx" and event.details["list"] == "线索"
    assert event.details["query"] == {"stage": ["collect"]}
    assert event.details["filters"] == "阶段：搜集"
    assert event.details["filters"] in workbook.active["A1"].value


def test_a_project_export_is_logged_with_its_filters_and_row_count(
    client, officer, task_force, fixed_today
):
    ProjectFactory(name="灌区改造项目", owner=officer, task_force=task_force, category="livelihood")
    ProjectFactory(name="米业扩建项目", owner=officer, task_force=task_force)
    client.force_login(officer)

    body(client.get(reverse("projects:export"), {"category": "livelihood", "format": "csv"}))

    event = the_event(Kind.EXPORT)
    assert (event.actor, event.target) == (officer, "项目")
    assert event.details["rows"] == 1 and event.details["format"] == "csv"
    assert event.details["filters"] == "项目类别：民生基础项目"
    assert event.details["query"] == {"category": ["livelihood"], "format": ["csv"]}


def test_a_support_export_is_logged_with_its_filters_and_row_count(
    client, officer, task_force, fixed_today
):
    for title, source in (("专项债券申报", "special_bonds"), ("中央预算内申报", "central_budget")):
        SupportApplication.objects.create(
            title=title,
            fund_source=source,
            owner=officer,
            task_force=task_force,
            status_changed_on=TODAY,
            created_by=officer,
        )
    client.force_login(officer)

    body(client.get(reverse("projects:support_export"), {"fund_source": "special_bonds"}))

    event = the_event(Kind.EXPORT)
    assert (event.actor, event.target) == (officer, "对上争取")
    assert event.details["rows"] == 1
    assert event.details["filters"] == "资金来源：地方政府专项债券"


def test_a_csv_download_cut_short_is_logged_as_incomplete(rf, officer, task_force):
    for _ in range(3):
        LeadFactory(owner=officer, task_force=task_force)
    request = rf.get(reverse("leads:export"), {"format": "csv"})
    request.user = officer
    response = lead_export(request)
    stream = response.streaming_content
    for _ in range(4):  # byte-order mark, title, header, first row
        next(stream)
    assert not events(Kind.EXPORT)  # nothing is logged while the file is still going out

    # What the server does when the client goes away. Its ``request_finished`` would close
    # the test's database connection: Django's test client holds that back the same way.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    event = the_event(Kind.EXPORT)
    assert (event.details["rows"], event.details["complete"]) == (1, False)


def test_a_refused_export_is_not_logged(client, officer):
    client.force_login(officer)
    assert client.get(reverse("leads:export"), {"format": "pdf"}).status_code == 400
    assert not events(Kind.EXPORT)


# --- admin changes ----------------------------------------------------------------------------


def test_every_registered_admin_writes_its_changes_to_the_security_log():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SecurityLogMixin), model._meta.label


@pytest.fixture
def populated(superuser, officer, task_force):
    """A row of every kind the admin edits, written through the services where there is one."""
    today = timezone.localdate()
    lead = LeadFactory(owner=officer, task_force=task_force, credit_code=make_credit_code(701))
    FollowUpFactory(lead=lead)
    project = ProjectFactory(owner=officer, task_force=task_force)
    project_services.project_transition(
        project=project, to=Project.Status.FRAMEWORK, actor=superuser, date=today
    )
    project_services.progress_report_create(
        project=project, actor=superuser, reported_on=today, percent=20, done="完成设计"
    )
    project_services.capital_increase_create(
        project=project, actor=superuser, agreed_on=today, amount=Decimal("500")
    )
    project_services.task_create(
        project=project, actor=superuser, title="办理施工许可", assignee=officer, due_on=today
    )
    project_services.support_application_create(
        actor=superuser,
        data={
            "title": "专项债券申报",
            "fund_source": SupportApplication.FundSource.SPECIAL_BONDS,
            "amount_requested": Decimal("300"),
            "owner": officer,
            "task_force": task_force,
        },
        projects=[project],
    )
    TargetFactory()
    ReminderSchedule.objects.create()
    Reminder.objects.create(kind=Reminder.Kind.OFFICER, recipient=officer, day=today)
    Group.objects.create(name="信息科")


def form_data(response) -> dict:
    """What the browser would send back for the change page unchanged."""
    data: dict = {}

    def add(form) -> None:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            keys = [form.add_prefix(name)]
            if field.show_hidden_initial:  # fields with a callable default, e.g. date_joined
                keys.append(form.add_initial_prefix(name))
            for key in keys:
                if isinstance(field.widget, MultiWidget):
                    parts = value if isinstance(value, list) else field.widget.decompress(value)
                    for index, part in enumerate(parts):
                        if part is not None:
                            data[f"{key}_{index}"] = part
                elif isinstance(value, bool):
                    if value:
                        data[key] = "on"
                elif value is not None:
                    data[key] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_saving_a_record_of_any_admin_is_logged(admin_client, superuser, populated, rf):
    """Every admin that lets a record be changed logs the change (the read-only ones, and
    models without a row in the fixture, are left out and counted)."""
    request = rf.get("/")
    request.user = superuser
    exercised = []
    for model, model_admin in sorted(
        admin.site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        obj = model._default_manager.first()
        if obj is None or not model_admin.has_change_permission(request, obj):
            continue
        SecurityEvent.objects.all().delete()
        url = admin_url(model, "change", obj.pk)

        response = admin_client.post(url, form_data(admin_client.get(url)))

        assert response.status_code == 302, (model, response.context["adminform"].form.errors)
        event = the_event(Kind.ADMIN_CHANGE)
        assert event.actor == superuser
        assert event.details["action"] == "change"
        assert (event.details["model"], event.details["object_id"]) == (
            model._meta.label_lower,
            str(obj.pk),
        )
        exercised.append(model._meta.label)
    # Users, task forces, reference data, leads, projects, applications, tasks, targets …
    assert len(exercised) >= 10, exercised


def test_an_admin_addition_is_logged_with_the_new_record(admin_client, superuser):
    response = admin_client.post(
        admin_url(Industry, "add"), {"code": "forest", "name": "林业", "sort_order": "5"}
    )

    assert response.status_code == 302
    industry = Industry.objects.get(code="forest")
    event = the_event(Kind.ADMIN_CHANGE)
    assert event.actor == superuser and event.ip_address == "127.0.0.1"
    assert event.target == f"产业 #{industry.pk} 林业"
    assert event.details["action"] == "add"
    assert (event.details["model"], event.details["object_id"]) == (
        "crm.industry",
        str(industry.pk),
    )


def test_an_admin_change_names_the_changed_fields(admin_client, task_force):
    url = admin_url(TaskForce, "change", task_force.pk)
    data = form_data(admin_client.get(url))
    data.update(name="米业产业链专班", is_active="")

    assert admin_client.post(url, data).status_code == 302

    event = the_event(Kind.ADMIN_CHANGE)
    assert event.details["fields"] == ["名称", "启用"]
    assert event.details["object_repr"] == "米业产业链专班"
    assert "名称" in event.details["summary"]


def test_an_admin_user_change_is_logged(admin_client, officer):
    url = admin_url(User, "change", officer.pk)
    data = form_data(admin_client.get(url))
    data["role"] = User.Role.LEADER

    assert admin_client.post(url, data).status_code == 302

    event = the_event(Kind.ADMIN_CHANGE)
    assert (event.details["model"], event.details["fields"]) == ("crm.user", ["角色"])


def test_an_admin_deletion_is_logged_with_what_was_deleted(admin_client):
    channel = Channel.objects.create(code="online-fair", name="云招商")

    admin_client.post(admin_url(Channel, "delete", channel.pk), {"post": "yes"})

    assert not Channel.objects.filter(code="online-fair").exists()
    event = the_event(Kind.ADMIN_CHANGE)
    assert event.details["action"] == "delete"
    assert (event.details["object_id"], event.details["object_repr"]) == (
        str(channel.pk),
        "云招商",
    )


def test_a_bulk_delete_logs_each_record_once(admin_client):
    regions = [Region.objects.create(code=f"r{n}", name=f"地区{n}") for n in range(2)]
    selected = {"action": "delete_selected", "_selected_action": [r.pk for r in regions]}

    admin_client.post(admin_url(Region, "changelist"), selected)  # the confirmation page
    assert not events(Kind.ADMIN_CHANGE)
    admin_client.post(admin_url(Region, "changelist"), {**selected, "post": "yes"})

    logged = events(Kind.ADMIN_CHANGE)
    assert [event.details["action"] for event in logged] == ["delete", "delete"]
    assert {event.details["object_id"] for event in logged} == {str(r.pk) for r in regions}


def test_a_custom_admin_action_is_logged_with_its_rows(admin_client, officer, monkeypatch):
    monkeypatch.setattr("crm.notifications.admin.reminders_dispatch", lambda: None)
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.OFFICER, recipient=officer, day=TODAY, state=Reminder.State.FAILED
    )

    admin_client.post(
        admin_url(Reminder, "changelist"),
        {"action": "retry_now", "_selected_action": [reminder.pk]},
    )

    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.PENDING
    event = the_event(Kind.ADMIN_CHANGE)
    assert event.details == {
        "action": "retry_now",
        "model": "crm.reminder",
        "count": 1,
        "object_ids": [str(reminder.pk)],
    }


def test_an_admin_edit_the_service_refuses_logs_nothing(admin_client, officer, task_force):
    lead = LeadFactory(owner=officer, task_force=task_force)
    url = admin_url(Lead, "change", lead.pk)
    data = form_data(admin_client.get(url))
    data["expected_version"] = lead.version + 5  # a colleague's change in between

    assert admin_client.post(url, data).status_code == 200

    assert not events(Kind.ADMIN_CHANGE)


# --- reading the log --------------------------------------------------------------------------


@pytest.fixture
def logged(officer):
    security_event_record(kind=Kind.LOGIN, actor=officer, target="登录页")
    security_event_record(
        kind=Kind.LOGIN_FAILED, username="intruder", details={"reason": "密码错误"}
    )
    SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED).update(ip_address="203.0.113.9")


def test_an_administrator_reads_the_log(client, admin_user, logged):
    client.force_login(admin_user)

    response = client.get(admin_url(SecurityEvent, "changelist"))

    assert response.status_code == 200
    shown = {event.username for event in response.context["cl"].result_list}
    assert {"officer", "intruder"} <= shown
    assert "安全日志" in client.get(reverse("admin:index")).content.decode()


def test_a_bureau_leader_does_not_read_the_log_whatever_permissions_they_hold(
    client, bureau_leader, logged
):
    bureau_leader.is_staff = True
    bureau_leader.save()
    bureau_leader.user_permissions.set(
        Permission.objects.filter(codename__endswith="securityevent")
    )
    client.force_login(bureau_leader)

    assert client.get(admin_url(SecurityEvent, "changelist")).status_code == 403
    assert client.get(admin_url(SecurityEvent, "export")).status_code == 403
    assert "安全日志" not in client.get(reverse("admin:index")).content.decode()


def test_nobody_adds_changes_or_deletes_an_entry_not_even_a_superuser(
    admin_client, superuser, logged, rf
):
    model_admin = admin.site._registry[SecurityEvent]
    request = rf.get("/")
    request.user = superuser
    event = SecurityEvent.objects.get(target="登录页")

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert model_admin.get_actions(request) == {}
    assert admin_client.get(admin_url(SecurityEvent, "add")).status_code == 403
    assert admin_client.post(admin_url(SecurityEvent, "delete", event.pk)).status_code == 403
    url = admin_url(SecurityEvent, "change", event.pk)
    admin_client.post(url, {"target": "改过的对象"})
    event.refresh_from_db()
    assert event.target == "登录页"


def test_an_entry_shows_its_details_readably(admin_client, logged):
    event = SecurityEvent.objects.get(kind=Kind.LOGIN_FAILED)

    page = admin_client.get(admin_url(SecurityEvent, "change", event.pk)).content.decode()

    assert "&quot;reason&quot;: &quot;密码错误&quot;" in page
    assert 'name="_save"' not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind__exact": "login_failed"}, ["intruder"]),
        ({"q": "203.0.113"}, ["intruder"]),
        ({"q": "officer"}, ["officer"]),
        ({"q": "登录页"}, ["officer"]),
    ],
)
def test_the_log_filters_by_kind_and_searches_user_ip_and_object(
    admin_client, logged, params, expected
):
    response = admin_client.get(admin_url(SecurityEvent, "changelist"), params)

    assert [event.username for event in response.context["cl"].result_list] == expected


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_filtered_log_exports_and_the_export_is_logged(admin_client, superuser, logged, fmt):
    response = admin_client.get(
        admin_url(SecurityEvent, "export"), {"kind__exact": "login_failed", "format": fmt}
    )

    content = body(response)
    if fmt == "xlsx":
        rows = [list(row) for row in load_workbook(io.BytesIO(content)).active.values]
    else:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert "类型：登录失败" in rows[0][0]
    assert [row[3] for row in rows[2:-1]] == ["intruder"]
    event = the_event(Kind.EXPORT)
    assert (event.actor, event.target, event.details["rows"]) == (superuser, "安全日志", 1)
    assert event.details["filters"] == "类型：登录失败"


def test_the_changelist_offers_both_exports_with_its_filters(admin_client, logged):
    page = admin_client.get(
        admin_url(SecurityEvent, "changelist"), {"kind__exact": "login"}
    ).content.decode()

    export = admin_url(SecurityEvent, "export")
    assert f'href="{export}?kind__exact=login&amp;format=xlsx"' in page
    assert f'href="{export}?kind__exact=login&amp;format=csv"' in page


def test_an_invalid_log_filter_is_refused(admin_client, logged):
    response = admin_client.get(admin_url(SecurityEvent, "export"), {"occurred_at__gte": "x"})
    assert response.status_code == 400


# --- retention --------------------------------------------------------------------------------


def aged(days: int) -> SecurityEvent:
    event = security_event_record(kind=Kind.LOGIN, username=f"{days}天前")
    SecurityEvent.objects.filter(pk=event.pk).update(
        occurred_at=timezone.now() - datetime.timedelta(days=days)
    )
    return event


def kept() -> list[str]:
    return sorted(SecurityEvent.objects.values_list("username", flat=True))


def test_entries_older_than_the_retention_are_purged_younger_ones_kept(db, settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 365
    for days in (364, 366, 400):
        aged(days)

    assert security_log_purge() == 2
    assert kept() == ["364天前"]


def test_the_retention_is_never_shorter_than_180_days(db, settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 30
    for days in (31, 179, 181):
        aged(days)

    security_log_purge()

    assert kept() == ["179天前", "31天前"]


def test_the_daily_task_purges(db, settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 180
    aged(10)
    aged(200)

    assert security_tasks.security_log_purge.apply().get() == 1
    assert kept() == ["10天前"]


def test_the_beat_runs_the_purge_task_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["security-log-purge"]
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == 24 * 60 * 60


def test_the_command_purges_and_its_dry_run_only_counts(db, settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 180
    aged(10)
    aged(200)
    out = io.StringIO()

    call_command("purge_security_log", "--dry-run", stdout=out)
    assert "将删除" in out.getvalue() and "1 条" in out.getvalue()
    assert len(kept()) == 2

    call_command("purge_security_log", stdout=out)
    assert "已删除" in out.getvalue()
    assert kept() == ["10天前"]
