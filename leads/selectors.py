"""Reads of leads, always scoped to the user asking before anything else is filtered."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import audit
from crm.access import in_scope, leader_scope_q
from crm.attachments import attachments_of, is_attachment_change
from crm.comments import comments_of
from crm.exceptions import NotFound
from crm.models import User
from crm.notifications.selectors import OverdueScope, overdue_scope_q, team_task_force_ids
from leads.filters import (
    DAYS_OVERDUE,
    ApprovalFilterSet,
    LeadFilterSet,
    TargetEnterpriseFilterSet,
)
from leads.models import (
    ApprovalRequest,
    FollowUp,
    Lead,
    LeadTransition,
    TargetEnterprise,
    follow_up_due_expression,
    overdue_q,
)


def lead_queryset(*, user: User) -> QuerySet[Lead]:
    """Visible leads with what a list row shows loaded in the same query."""
    return Lead.objects.visible_to(user).select_related(
        "industry", "channel", "owner", "task_force", "chain_link__chain", "region"
    )


# What a row of the lead list shows (``leads/partials/_lead_table.html``). The page's query then
# joins four small tables, not seven: PostgreSQL took longer to plan the wider one than to run it.
LIST_ROW_FIELDS = (
    "company_name",
    "contact_name",
    "stage",
    "rating",
    "chain_role",
    "planned_investment",
    "next_follow_up_on",
    "last_activity_on",
    "updated_at",
    "industry__name",
    "channel__name",
    "owner__username",
    "owner__full_name",
    "task_force__name",
)


def lead_rows(queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    """``queryset`` (from ``lead_list``) loading only what a list row shows."""
    return (
        queryset.select_related(None)
        .select_related("industry", "channel", "owner", "task_force")
        .only(*LIST_ROW_FIELDS)
    )


def lead_records(queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    """``queryset`` (from ``lead_list``) with every related row a whole lead shows (the API):
    the four joins of a list row, the rest fetched by id. PostgreSQL plans a page of leads
    joined to eight tables in tens of milliseconds, for a query it then runs in one."""
    return (
        queryset.select_related(None)
        .select_related("industry", "channel", "owner", "task_force")
        .prefetch_related("chain_link", "region", "created_by", "updated_by")
    )


def lead_list(*, user: User, filters: Any = None) -> LeadFilterSet:
    """The filter set over the leads ``user`` may see; ``.qs`` is the result, ``.form`` the form."""
    return LeadFilterSet(filters or None, queryset=lead_queryset(user=user))


def lead_get(*, user: User, pk: int) -> Lead:
    """One lead; ``NotFound`` if it does not exist or is outside the user's scope."""
    try:
        return (
            lead_queryset(user=user).select_related("created_by", "updated_by", "target").get(pk=pk)
        )
    except (Lead.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("没有找到这条线索。")) from None


@dataclass(frozen=True)
class TimelineEntry:
    """One event on a lead's timeline: a stage move, a follow-up, a change of fields, an
    approval asked for or decided, a comment, or a file attached or removed."""

    # "transition" | "follow_up" | "change" | "approval_request" | "approval_decision" |
    # "comment" | "attachment" | "attachment_removed" (the last two: a crm.Attachment)
    kind: str
    at: datetime.datetime | datetime.date
    actor: User | None
    item: Any

    @property
    def sort_key(self) -> datetime.datetime:
        if isinstance(self.at, datetime.datetime):
            return self.at
        # A follow-up dated on a day sorts at the end of that day.
        return datetime.datetime.combine(self.at, datetime.time.max).replace(tzinfo=datetime.UTC)


def discussion_entries(record: Any) -> list[TimelineEntry]:
    """The comments on ``record`` and its files, uploaded and removed, as timeline entries
    (three queries; a lead's and a project's timelines both show them)."""
    entries = [
        TimelineEntry("comment", comment.created_at, comment.author, comment)
        for comment in comments_of(record)
    ]
    for attachment in attachments_of(record):
        entries.append(
            TimelineEntry("attachment", attachment.uploaded_at, attachment.uploaded_by, attachment)
        )
        if attachment.removed_at is not None:
            entries.append(
                TimelineEntry(
                    "attachment_removed", attachment.removed_at, attachment.removed_by, attachment
                )
            )
    return entries


def origin_target(*, user: User, lead: Lead) -> TargetEnterprise | None:
    """The 目标企业 ``lead`` was converted from, if ``user`` may see it (``lead_get`` has
    loaded it with the lead)."""
    try:
        target = lead.target
    except TargetEnterprise.DoesNotExist:
        return None
    return target if in_scope(user, target) else None


def lead_timeline(*, lead: Lead) -> list[TimelineEntry]:
    """Stage moves, follow-ups, field changes, approvals, comments and attachments of a lead in
    one list, newest first."""
    entries = [
        TimelineEntry("transition", move.moved_at, move.actor, move)
        for move in LeadTransition.objects.filter(lead=lead).select_related("actor")
    ]
    entries += [
        TimelineEntry("follow_up", follow_up.created_at, follow_up.created_by, follow_up)
        for follow_up in follow_up_list(lead=lead)
    ]
    # An upload or a removal is on the timeline as the attachment itself.
    entries += [
        TimelineEntry("change", change.changed_at, change.actor, change)
        for change in audit.change_history(lead)
        if not is_attachment_change(change)
    ]
    entries += discussion_entries(lead)
    for approval in ApprovalRequest.objects.filter(lead=lead).select_related(
        "requested_by", "decided_by", "lead__task_force__leader"
    ):
        # A leader's direct move is its own approval: one entry, the decision.
        if not approval.is_direct:
            entries.append(
                TimelineEntry(
                    "approval_request", approval.requested_at, approval.requested_by, approval
                )
            )
        if approval.decided_at is not None:
            entries.append(
                TimelineEntry(
                    "approval_decision", approval.decided_at, approval.decided_by, approval
                )
            )
    return sorted(entries, key=lambda entry: entry.sort_key, reverse=True)


def follow_up_list(*, lead: Lead) -> QuerySet[FollowUp]:
    """A lead's follow-ups, newest first (the caller has checked the lead is visible)."""
    return FollowUp.objects.filter(lead=lead).select_related("created_by")


def leads_overdue(
    *, user: User, today: datetime.date, scope: str = OverdueScope.MINE
) -> QuerySet[Lead]:
    """THE overdue leads of ``user``'s ``scope`` (``OverdueScope``), most days overdue first.

    Every page, count and email about overdue leads reads this (``leads.reminders``).
    """
    return (
        lead_queryset(user=user)
        .overdue(today)
        .filter(overdue_scope_q(user, scope, owner="owner", task_force="task_force"))
        .alias(follow_up_due=follow_up_due_expression())
        # The same leads (overdue is due before today), said so that PostgreSQL reads only
        # them from ``leads_lead_due_idx`` rather than every active lead.
        .filter(follow_up_due__lt=today)
        .order_by("follow_up_due", "id")
    )


def overdue_list_query(*, user: User, scope: str) -> str:
    """The lead list's querystring showing the same overdue leads in the same order."""
    params: list[tuple[str, Any]] = [("overdue", "true")]
    if scope == OverdueScope.MINE:
        params.append(("owner_id", user.pk))
    elif scope == OverdueScope.TEAM:
        params += [("task_force_id", pk) for pk in sorted(team_task_force_ids(user))]
    params.append(("ordering", f"-{DAYS_OVERDUE}"))
    return urlencode(params)


def leads_due_between(*, user: User, start: datetime.date, end: datetime.date) -> QuerySet[Lead]:
    """The user's own active leads whose planned follow-up falls between two dates."""
    return (
        lead_queryset(user=user)
        .filter(
            owner=user,
            stage__in=Lead.ACTIVE_STAGES,
            next_follow_up_on__gte=start,
            next_follow_up_on__lte=end,
        )
        .order_by("next_follow_up_on", "id")
    )


def leads_recently_changed(*, user: User, limit: int = 10) -> QuerySet[Lead]:
    """The most recently changed leads in the user's scope."""
    return lead_queryset(user=user).order_by("-updated_at", "-id")[:limit]


@dataclass
class PipelineColumn:
    """A pipeline column: its overdue cards pinned on top (worst first), then the most recently
    changed; ``count``, ``overdue`` and ``investment`` cover every lead of the column."""

    stage: str
    label: str
    count: int
    leads: list[Lead]
    overdue: int = 0
    investment: Decimal | None = None

    @property
    def hidden(self) -> int:
        return self.count - len(self.leads)


def pipeline_columns(
    *,
    user: User,
    filters: Any = None,
    per_column: int = 30,
    today: datetime.date | None = None,
) -> list[PipelineColumn]:
    """One column per stage: its counts, its 计划投资 total and its cards.

    The overdue leads come first, most days overdue first, so an officer's worst lead is on
    the board however long ago it changed; then the most recently changed. Costs one query
    for the counts and totals, then per column one for its overdue cards and one for the
    others, each skipped when the counts say it would find nothing (a column full of overdue
    cards needs only the first): at most nine, whatever the data size. On PostgreSQL each
    reads an index in the column's order and stops at ``per_column`` rows
    (``leads_lead_due_idx``, ``leads_lead_stage_recent_idx``;
    tests/leads/test_pipeline_speed.py). Each card comes with its linked project (the relation
    ``leads.pipeline`` asks about for dock → serve), so the cards' move menus cost no query
    per card.
    """
    today = today or timezone.localdate()
    leads = lead_list(user=user, filters=filters).qs
    overdue = overdue_q(today)
    totals = {
        row["stage"]: row
        for row in leads.order_by()
        .values("stage")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=overdue),
            investment=Sum("planned_investment"),
        )
    }
    # What a card and its move menu read, and nothing else.
    cards = leads.select_related(None).select_related("owner", "industry", "project")
    columns = []
    for stage, label in Lead.Stage.choices:
        row = totals.get(stage, {})
        count, late = row.get("total", 0), row.get("overdue", 0)
        in_stage = cards.filter(stage=stage)
        shown: list[Lead] = []
        if late:
            # Ordering by the due date alone puts the overdue leads first (they are exactly
            # those due before today), so the index is read from its start.
            shown += (
                in_stage.filter(overdue)
                .alias(due=follow_up_due_expression())
                .order_by("due", "-updated_at", "-id")[:per_column]
            )
        if count > late and len(shown) < per_column:
            shown += in_stage.exclude(overdue).order_by("-updated_at", "-id")[
                : per_column - len(shown)
            ]
        columns.append(
            PipelineColumn(
                stage=stage,
                label=label,
                count=count,
                leads=shown,
                overdue=late,
                investment=row.get("investment"),
            )
        )
    return columns


# --- approvals (筛选 → 对接) ------------------------------------------------------------------


def approval_queryset(*, user: User) -> QuerySet[ApprovalRequest]:
    """The requests ``user`` decides (``crm.access.is_leader_of`` as a filter), with what a
    queue row shows loaded in the same query."""
    return ApprovalRequest.objects.filter(
        leader_scope_q(user, task_force="lead__task_force")
    ).select_related(
        "lead__industry",
        "lead__owner",
        "lead__task_force__leader",
        "requested_by",
        "decided_by",
    )


def approval_queue(*, user: User, filters: Any = None) -> ApprovalFilterSet:
    """The approvals queue: pending requests (or those of ``?status=…``) the user decides,
    oldest first, so what has waited longest is on top."""
    return ApprovalFilterSet(
        filters or None,
        queryset=approval_queryset(user=user).order_by("requested_at", "id"),
    )


def approval_get(*, user: User, pk: int) -> ApprovalRequest:
    """One request the user decides; ``NotFound`` for any other (its lead may be invisible)."""
    try:
        return approval_queryset(user=user).get(pk=pk)
    except (ApprovalRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("没有找到这项审批。")) from None


def approvals_waiting_count(*, user: User) -> int:
    """How many requests wait for ``user``'s decision (the navigation badge, the work page)."""
    if not user.is_authenticated:
        return 0
    return approval_queryset(user=user).filter(status=ApprovalRequest.Status.PENDING).count()


def approvals_asked_by(*, user: User, limit: int = 20) -> QuerySet[ApprovalRequest]:
    """The user's own recent requests, newest first, whatever became of them."""
    return (
        ApprovalRequest.objects.filter(requested_by=user, lead__in=lead_queryset(user=user))
        .exclude(decided_at=F("requested_at"))
        .select_related("lead", "lead__task_force__leader", "decided_by")
        .order_by("-requested_at", "-id")[:limit]
    )


def approvals_pending_of(*, lead_ids: list[int]) -> dict[int, ApprovalRequest]:
    """The pending request of each of these (visible) leads, by lead id, in one query."""
    return {
        approval.lead_id: approval
        for approval in ApprovalRequest.objects.filter(
            lead_id__in=lead_ids, status=ApprovalRequest.Status.PENDING
        ).select_related("requested_by", "lead__task_force__leader")
    }


# --- target enterprises (目标企业库) ------------------------------------------------------------


def target_queryset(*, user: User) -> QuerySet[TargetEnterprise]:
    """Visible targets with what a list row shows, converted ones last; ``lead_visible`` says
    whether the user may open the lead a target became (it may have moved out of their scope)."""
    return (
        TargetEnterprise.objects.visible_to(user)
        .select_related("chain_link__chain__industry", "region", "owner", "task_force", "lead")
        .annotate(lead_visible=Exists(Lead.objects.visible_to(user).filter(pk=OuterRef("lead_id"))))
        .order_by(
            F("lead_id").asc(nulls_first=True),
            "chain_link__chain__sort_order",
            "chain_link__position",
            "company_name",
            "id",
        )
    )


def target_list(*, user: User, filters: Any = None) -> TargetEnterpriseFilterSet:
    """The filter set over the targets ``user`` may see; ``.qs`` is the result."""
    return TargetEnterpriseFilterSet(filters or None, queryset=target_queryset(user=user))


def target_get(*, user: User, pk: int) -> TargetEnterprise:
    """One target; ``NotFound`` if it does not exist or is outside the user's scope."""
    try:
        return target_queryset(user=user).select_related("created_by", "updated_by").get(pk=pk)
    except (TargetEnterprise.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("没有找到这家目标企业。")) from None


def target_history(*, target: TargetEnterprise) -> QuerySet:
    """The target's recorded changes, newest first (the caller has checked it is visible)."""
    return audit.change_history(target)
