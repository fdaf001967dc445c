"""The overdue-lead section of the reminder emails, and the "new lead for you" email.

Registered in ``LeadsConfig.ready()``: the source with ``crm.registry.reminder_sources`` and
``notify_new_owner`` with ``leads.services.owner_change_hooks``.
"""

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import User
from crm.notifications import services as notifications
from crm.registry import ReminderItem
from leads.models import Lead

SOURCE_KEY = "leads"

# Only what an item shows is loaded: one query for every overdue lead in the county.
_ITEM_FIELDS = (
    "id",
    "company_name",
    "stage",
    "owner_id",
    "task_force_id",
    "next_follow_up_on",
    "last_follow_up_on",
    "last_activity_on",
)


class LeadItems:
    """Turns leads into reminder items, with the labels and the URL pattern resolved once.

    A morning run makes tens of thousands of items; translating the same labels and reversing
    the same URL for each lead would dominate its runtime.
    """

    _PLACEHOLDER = 987654321

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.stage_label = _("阶段")
        self.last_label = _("最近跟进")
        self.due_label = _("应跟进日期")
        self.never = _("无")
        self.stages = {value: str(label) for value, label in Lead.Stage.choices}
        prefix, _sep, suffix = reverse("leads:detail", args=[self._PLACEHOLDER]).partition(
            str(self._PLACEHOLDER)
        )
        self.url_prefix, self.url_suffix = prefix, suffix

    def __call__(self, lead: Lead) -> ReminderItem:
        """A lead as the reminder engine sees it: company, stage, days overdue, last follow-up."""
        due = lead.follow_up_due_on()
        details = {
            self.stage_label: self.stages[lead.stage],
            self.last_label: (
                lead.last_follow_up_on.isoformat() if lead.last_follow_up_on else self.never
            ),
        }
        if due is not None:
            details[self.due_label] = due.isoformat()
        return ReminderItem(
            source=SOURCE_KEY,
            object_id=lead.pk,
            recipient_id=lead.owner_id,
            task_force_id=lead.task_force_id,
            title=lead.company_name,
            url=f"{self.url_prefix}{lead.pk}{self.url_suffix}",
            days_overdue=lead.days_overdue(self.today),
            details=details,
        )


def _overdue(today: datetime.date) -> QuerySet[Lead]:
    return (
        Lead.objects.overdue(today).filter(owner__isnull=False).only(*_ITEM_FIELDS).order_by("id")
    )


def collect_overdue_leads(today: datetime.date) -> Iterator[ReminderItem]:
    """Every overdue lead that has an owner (``leads.models.overdue_q``), as reminder items."""
    make_item = LeadItems(today)
    for lead in _overdue(today).iterator(chunk_size=2000):
        yield make_item(lead)


def collect_overdue_leads_for(user: User, today: datetime.date) -> Iterator[ReminderItem]:
    """The overdue leads ``user`` owns."""
    make_item = LeadItems(today)
    for lead in _overdue(today).filter(owner=user):
        yield make_item(lead)


def count_overdue_leads_for(user: User, today: datetime.date) -> int:
    return Lead.objects.overdue(today).filter(owner=user).count()


def notify_new_owner(lead: Lead, actor: User) -> None:
    """Email a lead's new owner at once, unless they gave it to themselves.

    Runs inside the transaction that changed the owner (``owner_change_hooks``): the ledger
    row is written with the change and its email enqueued after the commit.
    """
    if lead.owner_id is None or lead.owner_id == actor.pk:
        return
    today = timezone.localdate()
    # Emails are written in the product's language, whatever the acting user's page shows.
    with translation.override(settings.LANGUAGE_CODE):
        item = LeadItems(today)(lead)
    notifications.reminder_assignment_create(recipient=lead.owner, item=item, day=today)
