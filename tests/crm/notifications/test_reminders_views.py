"""Reminder pages, the navigation badge and the admin history."""

import pytest
from django.urls import reverse

from crm.models import Reminder
from crm.notifications import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_history(bureau, today, celery_eager, mailoutbox):
    services.reminders_run(today=today)
    return Reminder.objects.all()


def test_page_lists_my_overdue_items_and_my_history_only(client, officer, sent_history):
    client.force_login(officer)
    response = client.get(reverse("reminders:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "珍宝岛药业有限公司" in page and "虎林米业有限公司" in page
    assert "完达山乳业有限公司" not in page
    assert "您有 2 项逾期未跟进" in page
    assert "专班汇总" not in page  # the leader's digest is not mine
    assert list(response.context["history"]) == list(sent_history.filter(recipient=officer))


def test_badge_shows_my_overdue_count(client, officer, bureau):
    client.force_login(officer)
    response = client.get(reverse("reminders:list"))
    assert response.context["reminder_count"]() == 2
    assert (
        '<span class="badge badge-overdue" title="逾期未跟进">2</span>' in response.content.decode()
    )


def test_detail_shows_my_reminder_and_hides_others(client, officer, other_officer, sent_history):
    mine = sent_history.get(recipient=officer)
    theirs = sent_history.get(recipient=other_officer)
    client.force_login(officer)
    response = client.get(reverse("reminders:detail", args=[mine.pk]))
    assert response.status_code == 200
    assert "珍宝岛药业有限公司" in response.content.decode()
    assert client.get(reverse("reminders:detail", args=[theirs.pk])).status_code == 404


def test_pages_need_a_login(client):
    response = client.get(reverse("reminders:list"))
    assert response.status_code == 302


def test_admin_sees_all_history_and_can_retry_failed(client, admin_user, sent_history, mailoutbox):
    admin_user.is_superuser = True
    admin_user.save()
    failed = sent_history.first()
    Reminder.objects.filter(pk=failed.pk).update(state="failed", last_error="SMTPDataError: 451")
    client.force_login(admin_user)
    response = client.get(reverse("admin:crm_reminder_changelist") + "?state__exact=failed")
    assert response.status_code == 200
    assert "SMTPDataError: 451" in response.content.decode()
    response = client.post(
        reverse("admin:crm_reminder_changelist"),
        {"action": "retry_now", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == "sent"
    assert client.get(reverse("admin:crm_reminderschedule_changelist")).status_code == 200
