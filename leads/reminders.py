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

from crm.models import Reminder, ReminderSchedule, User
from crm.notifications import notices
from crm.notifications.selectors import OverdueScope, overdue_scope_q
from crm.registry import ReminderItem
from leads.models import ApprovalRequest, Lead, LeadTransition, waited_over_q
from leads.selectors import leads_overdue

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


def collect_overdue_leads(today: datetime.date) -> Iterator[ReminderItem]:
    """Every overdue lead (``leads.models.overdue_q``), as reminder items.

    An unowned lead has no recipient of its own but is still in its task force's digest and
    in the escalation: the same leads the pages count.
    """
    make_item = LeadItems(today)
    leads = Lead.objects.overdue(today).only(*_ITEM_FIELDS).order_by("id")
    for lead in leads.iterator(chunk_size=2000):
        yield make_item(lead)


def collect_overdue_leads_for(
    user: User, today: datetime.date, scope: str
) -> Iterator[ReminderItem]:
    """The overdue leads of ``user``'s ``scope`` (``leads.selectors.leads_overdue``)."""
    make_item = LeadItems(today)
    leads = leads_overdue(user=user, today=today, scope=scope).select_related(None)
    for lead in leads.only(*_ITEM_FIELDS):
        yield make_item(lead)


def count_overdue_leads_for(user: User, today: datetime.date, scope: str) -> int:
    return leads_overdue(user=user, today=today, scope=scope).count()


def notify_new_owner(lead: Lead, actor: User) -> None:
    """Tell a lead's new owner at once (inbox, and email unless they chose otherwise), and the
    task force's robots, unless they gave it to themselves.

    Runs inside the transaction that changed the owner (``owner_change_hooks``): the notice
    and the ledger rows are written with the change, the email enqueued after the commit.
    """
    if lead.owner_id is None or lead.owner_id == actor.pk:
        return
    today = timezone.localdate()
    # Messages are written in the product's language, whatever the acting user's page shows.
    with translation.override(settings.LANGUAGE_CODE):
        item = LeadItems(today)(lead)
        notices.notify(
            kind=Reminder.Kind.ASSIGNMENT,
            recipients=[lead.owner],
            actor=actor,
            record=lead,
            title=_("%(actor)s把线索「%(name)s」分派给了%(owner)s")
            % {"actor": actor, "name": lead.company_name, "owner": lead.owner},
            url=item.url,
            ref=f"leads:{lead.pk}@v{lead.version}",
            details=item.details,
            task_force_id=lead.task_force_id,
            item=item,
        )


# --- approvals: the digest's section of requests waiting past the SLA, and the decision email

APPROVALS_SOURCE_KEY = "approvals"


def _approvals_past_sla(today: datetime.date) -> QuerySet[ApprovalRequest]:
    """Pending requests asked before the SLA's first day (``approval_sla_days``, admin-edited):
    on ``today`` they have waited longer than it allows."""
    sla_days = ReminderSchedule.current().approval_sla_days
    return (
        ApprovalRequest.objects.filter(
            waited_over_q(sla_days, today), status=ApprovalRequest.Status.PENDING
        )
        .select_related("lead", "requested_by")
        .only(
            "id",
            "requested_at",
            "note",
            "lead__id",
            "lead__company_name",
            "lead__task_force_id",
            "requested_by__id",
            "requested_by__username",
            "requested_by__full_name",
        )
        .order_by("id")
    )


def _approval_item(
    approval: ApprovalRequest, *, today: datetime.date, sla_days: int
) -> ReminderItem:
    """A request waiting past the SLA, for the leader who decides it.

    It has no recipient of its own (``recipient_id`` None): it goes to the task force's
    leader's digest (and to the bureau's escalation when it waits very long), not into an
    officer's list of their own overdue work.
    """
    waited = approval.days_waiting(today)
    return ReminderItem(
        source=APPROVALS_SOURCE_KEY,
        object_id=approval.pk,
        recipient_id=None,
        task_force_id=approval.lead.task_force_id,
        title=approval.lead.company_name,
        url=f"{reverse('leads:approvals')}#approval-{approval.pk}",
        days_overdue=waited - sla_days,
        details={
            _("提请人"): str(approval.requested_by),
            _("提请日期"): timezone.localdate(approval.requested_at).isoformat(),
            _("已等待"): _("%(days)d 天") % {"days": waited},
        },
    )


def collect_approvals_past_sla(today: datetime.date) -> Iterator[ReminderItem]:
    """Every request waiting past the SLA, as reminder items."""
    sla_days = ReminderSchedule.current().approval_sla_days
    for approval in _approvals_past_sla(today):
        yield _approval_item(approval, today=today, sla_days=sla_days)


def _approvals_in_scope(user: User, today: datetime.date, scope: str) -> QuerySet[ApprovalRequest]:
    """The requests past the SLA in ``user``'s ``scope``: none are anybody's own (``mine``);
    ``team`` is the task forces they lead, ``all`` every lead they see."""
    if scope == OverdueScope.MINE:
        return ApprovalRequest.objects.none()
    visible = Lead.objects.visible_to(user)
    return _approvals_past_sla(today).filter(
        overdue_scope_q(user, scope, owner="lead__owner", task_force="lead__task_force"),
        lead__in=visible,
    )


def collect_approvals_for(user: User, today: datetime.date, scope: str) -> Iterator[ReminderItem]:
    sla_days = ReminderSchedule.current().approval_sla_days
    for approval in _approvals_in_scope(user, today, scope):
        yield _approval_item(approval, today=today, sla_days=sla_days)


def count_approvals_for(user: User, today: datetime.date, scope: str) -> int:
    return _approvals_in_scope(user, today, scope).count()


def notify_approval_decided(approval: ApprovalRequest) -> None:
    """Tell the officer who asked that their request was approved or sent back (inbox, and
    email unless they chose otherwise), and the task force's robots.

    Runs inside the deciding transaction (``leads.services.approval_decision_hooks``): the
    notice and the ledger rows commit with the decision, the email goes out after the commit.
    A leader deciding their own request is not told.
    """
    if approval.decided_by_id is None or approval.decided_by_id == approval.requested_by_id:
        return
    lead = approval.lead
    with translation.override(settings.LANGUAGE_CODE):
        outcome = approval.get_status_display()
        item = ReminderItem(
            source=APPROVALS_SOURCE_KEY,
            object_id=approval.pk,
            recipient_id=approval.requested_by_id,
            task_force_id=lead.task_force_id,
            title=_("「%(name)s」进入「对接」：%(outcome)s")
            % {"name": lead.company_name, "outcome": outcome},
            url=reverse("leads:detail", args=[lead.pk]),
            days_overdue=0,
            details={
                _("审批结果"): outcome,
                _("审批人"): str(approval.decided_by),
                _("审批意见"): approval.comment or _("无"),
                _("提请说明"): approval.note,
            },
        )
        notices.notify(
            kind=Reminder.Kind.APPROVAL,
            recipients=[approval.requested_by],
            actor=approval.decided_by,
            record=lead,
            title=item.title,
            body=approval.comment,
            url=item.url,
            ref=f"approvals:{approval.pk}",
            details=item.details,
            task_force_id=lead.task_force_id,
            item=item,
        )


def notify_approval_asked(approval: ApprovalRequest) -> None:
    """Tell the leader of the lead's task force that a request waits for them (and its robots).

    Called by ``leads.services.approval_request`` inside its transaction.
    """
    lead = approval.lead
    task_force = lead.task_force
    if task_force is None or not task_force.is_active:
        return
    with translation.override(settings.LANGUAGE_CODE):
        notices.notify(
            kind=Reminder.Kind.APPROVAL_ASK,
            recipients=[task_force.leader],
            actor=approval.requested_by,
            record=lead,
            title=_("%(who)s提请审批：「%(name)s」进入「对接」")
            % {"who": approval.requested_by, "name": lead.company_name},
            body=approval.note,
            url=f"{reverse('leads:approvals')}#approval-{approval.pk}",
            ref=f"approvals:{approval.pk}",
            details={_("提请说明"): approval.note},
            task_force_id=lead.task_force_id,
        )


def notify_sent_back(transition: LeadTransition) -> None:
    """Tell a lead's owner that someone else moved it back a stage or dropped it, and why.

    Called by ``leads.services.lead_transition`` inside its transaction, for the moves that
    need a reason (``leads.pipeline.needs_reason``).
    """
    lead = transition.lead
    if lead.owner_id is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        stages = dict(Lead.Stage.choices)
        notices.notify(
            kind=Reminder.Kind.SENT_BACK,
            recipients=[lead.owner],
            actor=transition.actor,
            record=lead,
            title=_("%(who)s把线索「%(name)s」从「%(from)s」改为「%(to)s」")
            % {
                "who": transition.actor,
                "name": lead.company_name,
                "from": stages[transition.from_stage],
                "to": stages[transition.to_stage],
            },
            body=transition.reason,
            url=reverse("leads:detail", args=[lead.pk]),
            ref=f"transitions:{transition.pk}",
            details={_("原因"): transition.reason},
            task_force_id=lead.task_force_id,
        )
