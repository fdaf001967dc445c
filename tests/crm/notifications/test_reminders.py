"""The reminder engine: who gets what, once, and what happens when the broker is down."""

import datetime
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError

from crm.models import Reminder, ReminderRun, ReminderSchedule
from crm.notifications import selectors, services
from leads.services import lead_update
from tests.conftest import skip_or_fail
from tests.crm.conftest import make_overdue_lead
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def planned_by(today):
    planned, _count = selectors.reminders_plan(today=today)
    return {(p.kind, p.recipient.username): [i["title"] for i in p.items] for p in planned}


def test_officer_gets_one_list_of_all_their_overdue_leads(bureau, today):
    plans = planned_by(today)
    # Most overdue first; the lead followed up in time is not listed.
    assert plans[("officer", "officer")] == ["珍宝岛药业有限公司", "虎林米业有限公司"]
    assert plans[("officer", "other")] == ["东方红蜂业有限公司", "完达山乳业有限公司"]


def test_leader_digest_holds_only_their_task_forces_leads_grouped_by_officer(
    bureau, today, other_officer, task_force
):
    helper = UserFactory(username="helper", full_name="张助理")
    task_force.members.add(helper)
    make_overdue_lead(owner=helper, task_force=task_force, days=1, company_name="助理线索公司")
    planned, _count = selectors.reminders_plan(today=today)
    digest = next(p for p in planned if p.kind == "digest" and p.recipient.username == "leader")
    assert [(i["owner_name"], i["title"]) for i in digest.items] == [
        ("张助理", "助理线索公司"),
        ("王招商", "珍宝岛药业有限公司"),
        ("王招商", "虎林米业有限公司"),
    ]
    milk = next(p for p in planned if p.kind == "digest" and p.recipient.username != "leader")
    assert {i["title"] for i in milk.items} == {"东方红蜂业有限公司", "完达山乳业有限公司"}


def test_escalation_lists_leads_overdue_longer_than_the_threshold(bureau, today):
    assert planned_by(today)[("escalation", "chief")] == [
        "东方红蜂业有限公司",
        "珍宝岛药业有限公司",
    ]
    ReminderSchedule.objects.update_or_create(pk=1, defaults={"escalation_days": 15})
    assert planned_by(today)[("escalation", "chief")] == ["东方红蜂业有限公司"]
    ReminderSchedule.objects.filter(pk=1).update(escalation_days=30)
    assert not any(kind == "escalation" for kind, _user in planned_by(today))


def test_opted_out_inactive_and_mailless_users_get_no_daily_email(bureau, today, officer, leader):
    officer.receives_digests = False
    officer.save()
    leader.email = ""
    leader.save()
    bureau["dairy_leader"].is_active = False
    bureau["dairy_leader"].save()
    plans = planned_by(today)
    assert ("officer", "officer") not in plans
    assert ("digest", "leader") not in plans
    assert ("digest", "dairy-leader") not in plans
    assert ("officer", "other") in plans


def test_nobody_is_told_about_leads_outside_their_scope(db, today, officer, leader, task_force):
    outsider = UserFactory(username="outsider")
    # A lead of the leader's task force owned by someone else, and one of nobody's task force.
    make_overdue_lead(owner=outsider, task_force=task_force, days=4, company_name="专班内公司")
    make_overdue_lead(owner=outsider, task_force=None, days=4, company_name="专班外公司")
    plans = planned_by(today)
    assert plans[("digest", "leader")] == ["专班内公司"]
    assert sorted(plans[("officer", "outsider")]) == ["专班内公司", "专班外公司"]
    everything = [titles for titles in plans.values()]
    assert sum(titles.count("专班外公司") for titles in everything) == 1


def test_inactive_task_force_sends_no_digest(bureau, today, task_force):
    task_force.is_active = False
    task_force.save()
    assert ("digest", "leader") not in planned_by(today)


def test_run_sends_each_reminder_once_and_a_second_run_sends_nothing(
    bureau, today, celery_eager, mailoutbox
):
    first = services.reminders_run(today=today)
    # officer ×2, digest ×2, escalation ×1
    assert first.created == 5
    assert len(mailoutbox) == 5
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    second = services.reminders_run(today=today)
    assert second.skipped
    forced = services.reminders_run(today=today, force=True)
    assert forced.created == 0
    assert len(mailoutbox) == 5
    assert ReminderRun.objects.get(day=today).finished_at is not None


def test_database_refuses_a_second_reminder_of_a_kind_per_recipient_and_day(bureau, today, officer):
    from django.db import IntegrityError, transaction

    Reminder.objects.create(kind="officer", recipient=officer, day=today)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(kind="officer", recipient=officer, day=today)


def test_duplicated_task_sends_nothing_twice(bureau, today, mailoutbox):
    planned, _count = selectors.reminders_plan(today=today)
    row = services._new_row(
        kind=planned[0].kind, recipient=planned[0].recipient, day=today, items=planned[0].items
    )
    row.save()
    assert services.reminder_deliver(reminder_id=row.pk) is True
    assert services.reminder_deliver(reminder_id=row.pk) is False
    assert services.reminder_deliver(reminder_id=row.pk + 1000) is False
    assert len(mailoutbox) == 1


def test_tick_waits_for_the_send_time_set_by_the_administrator(bureau, celery_eager, mailoutbox):
    from django.utils import timezone

    ReminderSchedule.objects.update_or_create(pk=1, defaults={"send_at": datetime.time(9, 0)})
    morning = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(8, 45))
    )
    services.reminders_tick(now=morning)
    assert mailoutbox == []
    ReminderSchedule.objects.filter(pk=1).update(send_at=datetime.time(8, 40))
    services.reminders_tick(now=morning)
    assert len(mailoutbox) == 5
    services.reminders_tick(now=morning + datetime.timedelta(minutes=1))
    assert len(mailoutbox) == 5


def test_disabled_schedule_sends_nothing(bureau, celery_eager, mailoutbox):
    from django.utils import timezone

    ReminderSchedule.objects.update_or_create(pk=1, defaults={"is_enabled": False})
    services.reminders_tick(now=timezone.now().replace(hour=23))
    assert mailoutbox == []


def test_lost_task_is_enqueued_again_after_the_requeue_delay(
    bureau, today, celery_eager, mailoutbox, monkeypatch, settings
):
    from crm.notifications import tasks

    monkeypatch.setattr(tasks.send_reminder, "delay", lambda reminder_id: None)  # a lost message
    services.reminders_run(today=today)
    assert mailoutbox == []
    monkeypatch.undo()
    services.reminders_dispatch()
    assert mailoutbox == []  # still in a worker's hands as far as anyone knows
    settings.REMINDER_REQUEUE_AFTER_SECONDS = 0
    services.reminders_dispatch()
    assert len(mailoutbox) == 5


def broker_down(monkeypatch):
    from crm.notifications import tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_reminder, "delay", refuse)


@pytest.fixture
def dairy_lead(bureau, officer):
    """A dairy lead that may be given to ``officer``: an owner belongs to the lead's task force."""
    bureau["dairy"].members.add(officer)
    return bureau["leads"]["dairy_2"]


def test_reassignment_emails_the_new_owner_after_commit(
    dairy_lead, officer, bureau_leader, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    lead = dairy_lead
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lead_update(lead=lead, actor=bureau_leader, data={"owner": officer})
        assert mailoutbox == []  # nothing before the commit
        # The ledger row is written with the change, inside its transaction.
        assert Reminder.objects.get(kind="assignment").state == "pending"
    assert callbacks
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [officer.email]
    assert "完达山乳业有限公司" in mailoutbox[0].subject
    row = Reminder.objects.get(kind="assignment")
    assert (row.recipient, row.ref, row.state) == (officer, f"leads:{lead.pk}", "sent")


def test_no_assignment_email_when_you_take_a_lead_yourself(
    db, officer, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    from leads.services import lead_create
    from tests.factories import channel, industry

    with django_capture_on_commit_callbacks(execute=True):
        lead_create(
            actor=officer,
            data={"company_name": "自己登记公司", "industry": industry(), "channel": channel()},
        )
    assert mailoutbox == []
    assert not Reminder.objects.exists()


def test_assignment_email_ignores_the_digest_opt_out(
    dairy_lead, officer, bureau_leader, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    officer.receives_digests = False
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        lead_update(lead=dairy_lead, actor=bureau_leader, data={"owner": officer})
    assert len(mailoutbox) == 1


def test_broker_down_save_succeeds_failure_is_logged_recorded_and_sent_later(
    dairy_lead,
    officer,
    bureau_leader,
    celery_eager,
    mailoutbox,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    lead = dairy_lead
    broker_down(monkeypatch)
    with (
        caplog.at_level(logging.ERROR, logger="crm.notifications.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        lead_update(lead=lead, actor=bureau_leader, data={"owner": officer})
    lead.refresh_from_db()
    assert lead.owner == officer
    row = Reminder.objects.get(kind="assignment")
    assert row.state == "pending" and row.enqueued_at is None
    assert "Connection refused" in row.last_error
    assert "Celery broker is unavailable" in caplog.text
    monkeypatch.undo()
    services.reminders_dispatch()  # what the next beat tick does
    row.refresh_from_db()
    assert row.state == "sent"
    assert len(mailoutbox) == 1


def test_daily_run_with_broker_down_keeps_every_reminder_pending(
    bureau, today, celery_eager, mailoutbox, monkeypatch
):
    broker_down(monkeypatch)
    result = services.reminders_run(today=today)
    assert len(result.dispatch.not_enqueued) == 5
    assert Reminder.objects.filter(state="pending", enqueued_at__isnull=True).count() == 5
    monkeypatch.undo()
    services.reminders_tick()
    assert len(mailoutbox) == 5


def test_scan_query_count_does_not_grow_with_overdue_leads(
    db, today, officer, leader, task_force, bureau_leader, monkeypatch
):
    from crm.notifications import tasks

    monkeypatch.setattr(tasks.send_reminder, "delay", lambda reminder_id: None)
    other = UserFactory(username="second")
    task_force.members.add(other)

    def run_counting(day: datetime.date) -> int:
        with CaptureQueriesContext(connection) as queries:
            services.reminders_run(today=day)
        queries_seen.append(queries.captured_queries)
        return len(queries)

    queries_seen = []

    ReminderSchedule.current()  # created once, not part of a daily run
    for owner in (officer, other):
        for days in (1, 9):
            make_overdue_lead(owner=owner, task_force=task_force, days=days)
    small = run_counting(today)
    # two officer lists, one digest, one escalation
    assert Reminder.objects.filter(day=today).count() == 4
    for owner in (officer, other):
        for days in range(1, 40):
            make_overdue_lead(owner=owner, task_force=task_force, days=days)
    tomorrow = today + datetime.timedelta(days=1)
    large = run_counting(tomorrow)
    assert (
        Reminder.objects.filter(day=tomorrow, kind="officer").get(recipient=other).item_count == 41
    )
    assert small == large
    # (the approvals source adds two: the SLA from the schedule and the waiting requests)
    assert large <= 27


def test_user_overdue_items_and_count_are_their_own(bureau, today, officer, leader):
    sections = dict(
        (source.key, items)
        for source, items in selectors.user_overdue_items(user=officer, today=today)
    )
    assert [i.title for i in sections["leads"]] == ["珍宝岛药业有限公司", "虎林米业有限公司"]
    assert selectors.user_overdue_count(user=officer, today=today) == 2
    assert selectors.user_overdue_count(user=leader, today=today) == 0


def test_lead_without_owner_goes_to_its_task_force_not_to_a_person(db, today, task_force, leader):
    """Still overdue (the pages count it): in the digest, in nobody's own list."""
    lead = LeadFactory(owner=leader, task_force=task_force)
    type(lead).objects.filter(pk=lead.pk).update(
        owner=None, last_activity_on=today - datetime.timedelta(days=30), stage="dock"
    )
    [item] = selectors.reminders_collect(today=today)
    assert (item.object_id, item.recipient_id, item.task_force_id) == (lead.pk, None, task_force.pk)
    planned, _count = selectors.reminders_plan(today=today)
    assert [(p.kind, p.recipient) for p in planned] == [("digest", leader)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_runs_and_two_beat_ticks_at_once_send_exactly_once(
    bureau, today, celery_eager, mailoutbox
):
    """Two beat schedulers tick while operators force the day's run twice more, all at once."""
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        skip_or_fail("concurrent runs need row locks (run on PostgreSQL)")
    ReminderSchedule.objects.update_or_create(pk=1, defaults={"send_at": datetime.time(0, 0)})
    jobs = [lambda: services.reminders_run(today=today, force=True, deliver_now=True)] * 3 + [
        services.reminders_tick
    ] * 2
    start = threading.Barrier(len(jobs))
    errors = []

    def run(job) -> None:
        try:
            start.wait(timeout=10)
            job()
        except Exception as error:  # reported below, the thread itself cannot fail the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(mailoutbox) == 5
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        Reminder.objects.values_list("email", flat=True)
    )
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}


def test_assignment_email_is_chinese_even_when_the_actor_reads_english(
    dairy_lead, officer, bureau_leader, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    from django.utils import translation

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        lead_update(lead=dairy_lead, actor=bureau_leader, data={"owner": officer})
    assert mailoutbox[0].subject == "【新线索】您已被指定为「完达山乳业有限公司」的负责人"
    assert "阶段：对接" in mailoutbox[0].body
