"""The task-force ranking (龙虎榜): who brought in what over a period, by the published score.

The score is data (``dashboard.models.RankingRule``); the cockpit, the reports and the API all
rank through ``task_force_ranking`` so a task force sees the same figure everywhere.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from crm.access import readable_task_forces, scope_q
from crm.models import TaskForce, User
from dashboard.models import RankingRule
from leads.models import Lead, LeadTransition, forward_move_q
from projects.models import Project

THOUSAND = Decimal(1000)


def local_days(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of ``start`` and the first moment after ``end`` in the bureau's time
    zone: ``moved_at__gte`` / ``__lt`` on them is ``moved_at__date__range=(start, end)`` without
    converting every row's time zone, and may use an index."""
    first = datetime.datetime.combine(start, datetime.time.min)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(first), timezone.make_aware(after)


def created_between(start: datetime.date, end: datetime.date, field: str = "created_at") -> Q:
    """Registered from ``start`` to ``end`` (both included, local days): the lead list's
    ``created_after`` / ``created_before``, as a range on the moment."""
    first, after = local_days(start, end)
    return Q(**{f"{field}__gte": first, f"{field}__lt": after})


@dataclass
class RankingRow:
    """One task force's figures over the period and its score under the rule."""

    task_force_id: int
    name: str
    new_leads: int = 0
    forward_moves: int = 0
    signed_amount: Decimal = Decimal(0)  # 万元, projects formally signed in the period
    signed_projects: int = 0  # how many projects those are
    overdue_leads: int = 0  # today, not over the period: a penalty for what is late now
    score: Decimal = Decimal(0)
    rank: int = 0


def ranked_task_forces(*, user: User) -> QuerySet[TaskForce]:
    """The task forces a reader's ranking lists: all active ones for those who see everything,
    otherwise the ones the reader belongs to or leads."""
    return readable_task_forces(user).order_by("name")


def task_force_ranking(
    *, user: User, start: datetime.date, end: datetime.date, today: datetime.date
) -> tuple[RankingRule, list[RankingRow]]:
    """The ranking over ``start``–``end`` (both included) within what ``user`` sees, best
    first; ties share a rank. Six queries whatever the number of leads."""
    rule = RankingRule.current()
    rows = {
        tf.id: RankingRow(task_force_id=tf.id, name=tf.name) for tf in ranked_task_forces(user=user)
    }
    leads = Lead.objects.visible_to(user).order_by()
    for row in (
        leads.filter(created_between(start, end), task_force__in=rows)
        .values("task_force")
        .annotate(n=Count("id"))
    ):
        rows[row["task_force"]].new_leads = row["n"]
    for row in (
        LeadTransition.objects.filter(
            forward_move_q(),
            created_between(start, end, field="moved_at"),
            # the visible leads of these task forces, in the one join the grouping needs
            scope_q(user, owner="lead__owner", task_force="lead__task_force"),
            lead__task_force__in=rows,
        )
        .values("lead__task_force")
        .annotate(n=Count("id"))
    ):
        rows[row["lead__task_force"]].forward_moves = row["n"]
    for row in (
        Project.objects.visible_to(user)
        .order_by()
        .filter(task_force__in=rows, signed_on__range=(start, end))
        .values("task_force")
        .annotate(total=Sum("signed_amount"), n=Count("id"))
    ):
        rows[row["task_force"]].signed_amount = row["total"] or Decimal(0)
        rows[row["task_force"]].signed_projects = row["n"]
    for row in (
        leads.overdue(today)
        .filter(task_force__in=rows)
        .values("task_force")
        .annotate(n=Count("id"))
    ):
        rows[row["task_force"]].overdue_leads = row["n"]
    for row in rows.values():
        row.score = (
            row.new_leads * rule.points_per_new_lead
            + row.forward_moves * rule.points_per_forward_move
            + row.signed_amount / THOUSAND * rule.points_per_thousand_signed
            - row.overdue_leads * rule.penalty_per_overdue_lead
        ).quantize(Decimal("0.1"))
    ranked = sorted(rows.values(), key=lambda row: (-row.score, row.name))
    for position, row in enumerate(ranked):
        previous = ranked[position - 1] if position else None
        row.rank = previous.rank if previous and previous.score == row.score else position + 1
    return rule, ranked
