"""Reads of leads, always scoped to the user asking before anything else is filtered."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from crm import audit
from crm.exceptions import NotFound
from crm.models import User
from leads.filters import LeadFilterSet
from leads.models import FollowUp, Lead, LeadTransition


def lead_queryset(*, user: User) -> QuerySet[Lead]:
    """Visible leads with what a list row shows loaded in the same query."""
    return Lead.objects.visible_to(user).select_related(
        "industry", "channel", "owner", "task_force", "chain_link__chain", "region"
    )


def lead_list(*, user: User, filters: Any = None) -> LeadFilterSet:
    """The filter set over the leads ``user`` may see; ``.qs`` is the result, ``.form`` the form."""
    return LeadFilterSet(filters or None, queryset=lead_queryset(user=user))


def lead_get(*, user: User, pk: int) -> Lead:
    """One lead; ``NotFound`` if it does not exist or is outside the user's scope."""
    try:
        return lead_queryset(user=user).select_related("created_by", "updated_by").get(pk=pk)
    except (Lead.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("没有找到这条线索。")) from None


@dataclass(frozen=True)
class TimelineEntry:
    """One event on a lead's timeline: a stage move, a follow-up or a change of fields."""

    kind: str  # "transition" | "follow_up" | "change"
    at: datetime.datetime | datetime.date
    actor: User | None
    item: Any

    @property
    def sort_key(self) -> datetime.datetime:
        if isinstance(self.at, datetime.datetime):
            return self.at
        # A follow-up dated on a day sorts at the end of that day.
        return datetime.datetime.combine(self.at, datetime.time.max).replace(tzinfo=datetime.UTC)


def lead_timeline(*, lead: Lead) -> list[TimelineEntry]:
    """Stage moves, follow-ups and field changes of a lead in one list, newest first."""
    entries = [
        TimelineEntry("transition", move.moved_at, move.actor, move)
        for move in LeadTransition.objects.filter(lead=lead).select_related("actor")
    ]
    entries += [
        TimelineEntry("follow_up", follow_up.created_at, follow_up.created_by, follow_up)
        for follow_up in follow_up_list(lead=lead)
    ]
    entries += [
        TimelineEntry("change", change.changed_at, change.actor, change)
        for change in audit.change_history(lead)
    ]
    return sorted(entries, key=lambda entry: entry.sort_key, reverse=True)


def follow_up_list(*, lead: Lead) -> QuerySet[FollowUp]:
    """A lead's follow-ups, newest first (the caller has checked the lead is visible)."""
    return FollowUp.objects.filter(lead=lead).select_related("created_by")


def leads_overdue(*, user: User, today: datetime.date, owned_only: bool = True) -> QuerySet[Lead]:
    """Overdue leads in the user's scope (their own only, by default), most urgent first."""
    leads = lead_queryset(user=user).overdue(today)
    if owned_only:
        leads = leads.filter(owner=user)
    return leads.order_by("next_follow_up_on", "last_activity_on", "id")


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
    stage: str
    label: str
    count: int
    leads: list[Lead]


def pipeline_columns(
    *, user: User, filters: Any = None, per_column: int = 30
) -> list[PipelineColumn]:
    """One column per stage: the count of matching leads and the most recently changed cards.

    Costs one query for the counts and one per stage for the cards, whatever the data size.
    Each card comes with its linked project (the relation ``leads.pipeline`` asks about for
    dock → serve), so the cards' move menus cost no query per card.
    """
    leads = lead_list(user=user, filters=filters).qs
    counts = dict(
        leads.order_by()
        .values_list("stage")
        .annotate(total=Count("id"))
        .values_list("stage", "total")
    )
    return [
        PipelineColumn(
            stage=stage,
            label=label,
            count=counts.get(stage, 0),
            leads=list(
                leads.filter(stage=stage)
                .select_related("project")
                .order_by("-updated_at", "-id")[:per_column]
            ),
        )
        for stage, label in Lead.Stage.choices
    ]
