"""``GET /api/v1/atlas/``: the 招商图谱 as JSON, the figures of the page (``dashboard.atlas``).

Chains in their order, each with its links left to right (upstream first); each link with its
active leads by stage and by chain role, its projects (terminated left out) by status with
their total investment in 万元, its local anchor enterprises, its target enterprises open and
converted, and whether it is a 补链缺口. Every figure is counted within what the caller may see.
"""

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.openapi import READ_ERRORS, error_responses
from dashboard.api.kept import KeptFiguresSerializer
from dashboard.atlas import MAP_STATUSES, atlas_snapshot
from leads.models import Lead
from projects.models import Project


def counts_serializer(
    name: str, choices: Iterable[tuple[str, str | Promise]]
) -> type[serializers.Serializer]:
    """A serializer of one count per choice, named ``name`` (the schema's component)."""
    fields = {str(value): serializers.IntegerField(help_text=label) for value, label in choices}
    return type(name, (serializers.Serializer,), fields)


AtlasStageCountsSerializer = counts_serializer(
    "AtlasStageCountsSerializer",
    [(stage, Lead.Stage(stage).label) for stage in Lead.ACTIVE_STAGES],
)
AtlasRoleCountsSerializer = counts_serializer("AtlasRoleCountsSerializer", Lead.ChainRole.choices)
AtlasStatusCountsSerializer = counts_serializer(
    "AtlasStatusCountsSerializer",
    [(status, Project.Status(status).label) for status in MAP_STATUSES],
)


class AtlasLeadsSerializer(serializers.Serializer):
    """A link's active leads: their number, by stage and by chain role."""

    total = serializers.IntegerField(source="lead_count")
    by_stage = AtlasStageCountsSerializer(source="stage_counts")
    by_role = AtlasRoleCountsSerializer(source="role_counts")


class AtlasProjectsSerializer(serializers.Serializer):
    """A link's projects (terminated left out): number, by status, total investment (万元)."""

    total = serializers.IntegerField(source="project_count")
    by_status = AtlasStatusCountsSerializer(source="status_counts")
    total_investment = serializers.DecimalField(
        source="investment", max_digits=None, decimal_places=2
    )


class AtlasTargetsSerializer(serializers.Serializer):
    """A link's target enterprises: still to convert, and already leads."""

    open = serializers.IntegerField(source="targets_open")
    converted = serializers.IntegerField(source="targets_converted")


class AtlasLinkSerializer(serializers.Serializer):
    """One link of a chain with its figures."""

    id = serializers.IntegerField(source="link.pk")
    code = serializers.CharField(source="link.code")
    name = serializers.CharField(source="link.name")
    position = serializers.IntegerField(source="link.position")
    is_gap = serializers.BooleanField(help_text=_("补链缺口：没有本地龙头企业、在办线索和项目。"))
    targets_without_leads = serializers.BooleanField(help_text=_("已列目标企业，但尚无在办线索。"))
    leads = AtlasLeadsSerializer(source="*")
    projects = AtlasProjectsSerializer(source="*")
    local_enterprises = serializers.ListField(
        child=serializers.CharField(), help_text=_("登记的本地龙头企业。")
    )
    producing_enterprises = serializers.ListField(
        child=serializers.CharField(), source="producing", help_text=_("已投产项目的企业。")
    )
    targets = AtlasTargetsSerializer(source="*")


class AtlasChainSerializer(serializers.Serializer):
    """One industry chain and its links, upstream first."""

    id = serializers.IntegerField(source="chain.pk")
    code = serializers.CharField(source="chain.code")
    name = serializers.CharField(source="chain.name")
    industry = serializers.CharField(source="chain.industry.code")
    industry_name = serializers.CharField(source="chain.industry.name")
    gap_count = serializers.IntegerField()
    links = AtlasLinkSerializer(many=True)


class AtlasSerializer(KeptFiguresSerializer):
    """The map: every active chain."""

    chains = AtlasChainSerializer(many=True, source="*")


class AtlasView(APIView):
    """The 招商图谱 of the requesting user (token or session)."""

    @extend_schema(
        summary=_("招商图谱"),
        description=_(
            "各产业链按环节顺序列出：在办线索（按阶段、按链上作用）、项目（不含终止，按状态，"
            "总投资万元）、本地龙头企业、目标企业（待转化 / 已转线索），以及是否为补链缺口。"
            "数字只统计调用者可见的记录，与页面一致。"
        ),
        responses={200: AtlasSerializer, **error_responses(*READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        kept = atlas_snapshot(user=request.user)
        return Response(AtlasSerializer(kept.value, context={"snapshot": kept}).data)
