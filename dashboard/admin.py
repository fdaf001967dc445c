"""Admin for the leadership pages' settings: the ranking's published score (one row)."""

from django.contrib import admin
from django.http import HttpRequest

from dashboard.models import RankingRule


@admin.register(RankingRule)
class RankingRuleAdmin(admin.ModelAdmin):
    """The 龙虎榜's weights; the cockpit and the reports print them beside the ranking."""

    list_display = (
        "__str__",
        "points_per_new_lead",
        "points_per_forward_move",
        "points_per_thousand_signed",
        "penalty_per_overdue_lead",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not RankingRule.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: RankingRule | None = None) -> bool:
        return False
