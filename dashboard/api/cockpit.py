"""``GET /api/v1/cockpit/``: the 领导驾驶舱 as JSON, the page's figures (``dashboard.cockpit``).

The query is the page's: ``period`` (``month``, ``quarter``, ``year``, default ``year``, or
``custom`` with ``start`` and ``end`` as ``YYYY-MM-DD``); a bad one answers 400 naming the field.
Every figure is counted within what the caller may see (``scope`` says which: 「全县」 or the
caller's task forces). Amounts are decimal strings in 万元; every ``url`` is the page path of
the list behind a figure (empty where no list shows it), whose count equals the figure.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.openapi import READ_ERRORS, error_responses
from dashboard.api.kept import KeptFiguresSerializer
from dashboard.cockpit import (
    PERIOD_KINDS,
    SOURCE_KINDS,
    cockpit_snapshot,
    parse_period,
)
from projects.serializers import BoardRatesSerializer, BoardRowSerializer


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


class CockpitFigureSerializer(serializers.Serializer):
    """A figure: how many records, their amount (万元) where it applies, and their list."""

    label = serializers.CharField()
    key = serializers.CharField(help_text=_("图表中的分组：阶段、代码或月份。"))
    count = serializers.IntegerField(help_text=_("列表中的记录数。"))
    amount = _amount(allow_null=True, help_text=_("这些记录的金额合计（万元），不适用时为空。"))
    url = serializers.CharField(help_text=_("列表页的地址，没有对应列表时为空。"))


class CockpitPeriodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(PERIOD_KINDS))
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class CockpitStageSerializer(serializers.Serializer):
    """A stage: the leads in it now, those that entered it in the period, the conversion."""

    stage = serializers.CharField()
    label = serializers.CharField()
    now = CockpitFigureSerializer()
    entered = CockpitFigureSerializer()
    conversion = serializers.FloatField(
        allow_null=True, help_text=_("进入下一阶段数 ÷ 进入本阶段数（%），无从计算时为空。")
    )


class CockpitLeadsSerializer(serializers.Serializer):
    week = CockpitFigureSerializer(help_text=_("本周（周一起）新增线索。"))
    month = CockpitFigureSerializer(help_text=_("本月新增线索。"))
    stages = CockpitStageSerializer(many=True)


class CockpitGoalSerializer(serializers.Serializer):
    """An amount reached this year against the year's goal and the time gone by."""

    figure = CockpitFigureSerializer()
    reached = _amount()
    goal = _amount(allow_null=True, help_text=_("年度目标（万元），未设定时为空。"))
    percent = serializers.FloatField(allow_null=True, help_text=_("完成比例（%）。"))
    year_share = serializers.FloatField(help_text=_("时间进度：本年已过天数 ÷ 全年天数（%）。"))
    expected = _amount(allow_null=True, help_text=_("按时间进度应完成的金额（万元）。"))
    ahead = serializers.BooleanField(
        allow_null=True, help_text=_("true 超进度，false 欠进度，未设定目标时为空。")
    )


class CockpitGoalsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    goal_set = serializers.BooleanField(help_text=_("管理员已设定本年度目标。"))
    compared = serializers.BooleanField(
        help_text=_("与目标对比：目标按全县设定，只对可见全县的调用者对比。")
    )
    signed = CockpitGoalSerializer(help_text=_("签约额：本年正式签约项目的签约金额。"))
    funds = CockpitGoalSerializer(help_text=_("到位资金：本年登记的资金到位记录之和。"))


class CockpitMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text=_("当月第一天。"))
    label = serializers.CharField()
    signed = CockpitFigureSerializer(help_text=_("当月正式签约的项目及签约金额。"))
    commenced = CockpitFigureSerializer(help_text=_("当月开工的项目。"))
    funds = CockpitFigureSerializer(help_text=_("当月到位资金及有资金到位的项目。"))


CockpitSourcesSerializer = type(
    "CockpitSourcesSerializer",
    (serializers.Serializer,),
    {by: CockpitFigureSerializer(many=True, help_text=title) for by, title in SOURCE_KINDS.items()},
)


class CockpitRuleSerializer(serializers.Serializer):
    points_per_new_lead = _amount()
    points_per_forward_move = _amount()
    points_per_thousand_signed = _amount()
    penalty_per_overdue_lead = _amount()


class CockpitRankedSerializer(serializers.Serializer):
    """A task force's figures over the period, its score and rank, and its lists."""

    rank = serializers.IntegerField(source="row.rank")
    task_force_id = serializers.IntegerField(source="row.task_force_id")
    name = serializers.CharField(source="row.name")
    new_leads = CockpitFigureSerializer()
    forward_moves = serializers.IntegerField(source="row.forward_moves")
    signed = CockpitFigureSerializer()
    overdue = CockpitFigureSerializer()
    score = _amount(source="row.score")


class CockpitRankingSerializer(serializers.Serializer):
    rule = CockpitRuleSerializer()
    rule_text = serializers.CharField()
    rows = CockpitRankedSerializer(many=True)


class CockpitOverdueCountSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    count = serializers.IntegerField()


class CockpitOverdueSerializer(serializers.Serializer):
    """THE overdue count of the caller's scope (the work page, 我的提醒 and the emails agree)."""

    scope = serializers.CharField()
    label = serializers.CharField()
    counts = CockpitOverdueCountSerializer(many=True)


class CockpitLeadRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    company_name = serializers.CharField()
    owner = serializers.CharField(allow_null=True)
    task_force = serializers.CharField(source="task_force.name", allow_null=True, default=None)
    days_overdue = serializers.IntegerField(source="overdue_days")


class CockpitLateProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    target = serializers.CharField(source="target.description", allow_null=True, default=None)
    days_late = serializers.IntegerField()


class CockpitApprovalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lead_id = serializers.IntegerField()
    company_name = serializers.CharField(source="lead.company_name")
    requested_by = serializers.CharField()
    days_waiting = serializers.IntegerField(source="waited")


class CockpitWarningsSerializer(serializers.Serializer):
    overdue = CockpitOverdueSerializer()
    overdue_leads = CockpitFigureSerializer()
    overdue_tasks = CockpitFigureSerializer()
    escalation_days = serializers.IntegerField()
    overdue_over = CockpitFigureSerializer(help_text=_("逾期超过督办天数的线索。"))
    overdue_over_leads = CockpitLeadRowSerializer(many=True)
    late = CockpitFigureSerializer(help_text=_("超过推进目标截止日期的项目。"))
    late_projects = CockpitLateProjectSerializer(many=True)
    negotiating = CockpitFigureSerializer(help_text=_("洽谈未签约。"))
    negotiating_rows = BoardRowSerializer(many=True)
    signed = CockpitFigureSerializer(help_text=_("签约未开工。"))
    signed_rows = BoardRowSerializer(many=True)
    sla_days = serializers.IntegerField()
    approvals = CockpitFigureSerializer(
        allow_null=True, help_text=_("等待超过审批时限的申请；调用者不审批时为空。")
    )
    approvals_waiting = CockpitApprovalSerializer(many=True)


class CockpitSupportRowSerializer(serializers.Serializer):
    figure = CockpitFigureSerializer(help_text=_("事项数与申请金额。"))
    approved = _amount()
    allocated = _amount()


class CockpitSupportSerializer(serializers.Serializer):
    by_source = CockpitSupportRowSerializer(many=True)
    by_status = CockpitSupportRowSerializer(many=True)
    total = CockpitSupportRowSerializer()


class CockpitSerializer(KeptFiguresSerializer):
    """Everything the cockpit page shows."""

    today = serializers.DateField()
    period = CockpitPeriodSerializer()
    scope = serializers.CharField(help_text=_("统计范围：「全县」或调用者所在的专班。"))
    county = serializers.BooleanField(help_text=_("调用者可见全县。"))
    leads = CockpitLeadsSerializer()
    goals = CockpitGoalsSerializer()
    rates = BoardRatesSerializer()
    big_projects = CockpitFigureSerializer(help_text=_("总投资 1 亿元及以上的项目（不含终止）。"))
    trends = CockpitMonthSerializer(many=True)
    sources = CockpitSourcesSerializer(help_text=_("本期新增线索按渠道、产业、来源地区。"))
    ranking = CockpitRankingSerializer()
    warnings = CockpitWarningsSerializer()
    support = CockpitSupportSerializer()


class CockpitView(APIView):
    """The 领导驾驶舱 of the requesting user (token or session)."""

    @extend_schema(
        summary=_("领导驾驶舱"),
        description=_(
            "与驾驶舱页面相同的数字：新增线索、阶段与转化、本年签约额和到位资金对照年度目标、"
            "三项比率、亿元项目、月度趋势、线索来源、龙虎榜、预警和对上争取。"
            "只统计调用者可见的记录；每个数字带有对应列表页的地址。"
        ),
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                enum=list(PERIOD_KINDS),
                description=_(
                    "统计期间：month 本月、quarter 本季、year 本年（默认）、custom 自定义。"
                ),
            ),
            OpenApiParameter(
                "start", OpenApiTypes.DATE, description=_("自定义期间的开始日期（含）。")
            ),
            OpenApiParameter(
                "end", OpenApiTypes.DATE, description=_("自定义期间的结束日期（含）。")
            ),
        ],
        responses={200: CockpitSerializer, **error_responses(400, *READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        period = parse_period(request.query_params, today)
        kept = cockpit_snapshot(user=request.user, period=period, today=today)
        return Response(CockpitSerializer(kept.value, context={"snapshot": kept}).data)
