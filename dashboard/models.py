"""Settings of the leadership pages that an administrator edits as data."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RankingRule(models.Model):
    """The published score of the task-force ranking (龙虎榜), one row edited in the admin.

    A task force's score over a period is::

        new leads × points_per_new_lead
        + forward stage moves × points_per_forward_move
        + signed amount (万元) ÷ 1,000 × points_per_thousand_signed
        − leads overdue today × penalty_per_overdue_lead

    The cockpit and the reports print the rule beside the ranking, so every task force can
    check its own figure.
    """

    points_per_new_lead = models.DecimalField(
        _("每条新线索得分"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(0)],
    )
    points_per_forward_move = models.DecimalField(
        _("每次阶段推进得分"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(2),
        validators=[MinValueValidator(0)],
    )
    points_per_thousand_signed = models.DecimalField(
        _("每千万元签约额得分"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(5),
        validators=[MinValueValidator(0)],
    )
    penalty_per_overdue_lead = models.DecimalField(
        _("每条逾期线索扣分"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(0)],
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("龙虎榜计分规则")
        verbose_name_plural = _("龙虎榜计分规则")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points_per_new_lead__gte=0)
                & models.Q(points_per_forward_move__gte=0)
                & models.Q(points_per_thousand_signed__gte=0)
                & models.Q(penalty_per_overdue_lead__gte=0),
                name="%(app_label)s_%(class)s_points_not_negative",
            )
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "RankingRule":
        """The one rule row, created with the defaults the first time it is asked for."""
        rule, _created = cls.objects.get_or_create(pk=1)
        return rule
