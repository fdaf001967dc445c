"""``GET /api/v1/reports/`` (JSON) and ``GET /api/v1/reports/export/`` (xlsx): the 周报 / 月报.

Both take the page's query: ``kind`` (``week`` or ``month``, default ``week``), ``start`` (any
day of the week or month, ``YYYY-MM-DD``; default the last complete one) and ``scope``
(``county``, ``tf-<task force id>`` or ``officer-<user id>``; default the caller's widest own).
The figures are ``dashboard.reports.report``'s, within what the caller sees; a scope the caller
may not read answers 403, an unknown one 404, a bad kind, date or scope 400 (JSON, naming the
field). Amounts are decimal strings in 万元; every ``url`` is the page path of the list behind
a figure (empty where no list exists).
"""

import datetime

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.export import XLSX_CONTENT_TYPE, report_xlsx_response
from crm.openapi import READ_ERRORS, error_responses
from dashboard.api.kept import KeptFiguresSerializer
from dashboard.report_workbook import report_workbook
from dashboard.reports import (
    Report,
    ReportKind,
    ReportRequest,
    report,
    report_request,
    report_snapshot,
    report_subtitle,
)


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


class ReportScopeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("county、tf-<专班编号> 或 officer-<人员编号>。"))
    kind = serializers.CharField(help_text=_("county、tf 或 officer。"))
    label = serializers.CharField()
    task_force_id = serializers.IntegerField(source="task_force.pk", allow_null=True, default=None)
    officer_id = serializers.IntegerField(source="officer.pk", allow_null=True, default=None)


class GroupRowSerializer(serializers.Serializer):
    """One line of a breakdown; ``amount`` in 万元 where it applies."""

    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    amount = _amount(allow_null=True)
    url = serializers.CharField(help_text=_("列表页的地址，没有对应列表时为空。"))


class ReportLeadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    company_name = serializers.CharField()
    stage = serializers.CharField()
    planned_investment = _amount(allow_null=True)
    task_force = serializers.CharField(source="task_force.name", allow_null=True, default=None)
    owner = serializers.CharField(allow_null=True)
    url = serializers.CharField(source="get_absolute_url")


class ReportProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    task_force = serializers.CharField(source="task_force.name", allow_null=True, default=None)
    signed_on = serializers.DateField(allow_null=True)
    signed_amount = _amount()
    commenced_on = serializers.DateField(allow_null=True)
    total_investment = _amount()
    url = serializers.CharField(source="get_absolute_url")


class NewLeadsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    investment = _amount(help_text=_("计划投资合计（万元）。"))
    url = serializers.CharField()
    by_task_force = GroupRowSerializer(many=True)
    threshold = _amount(help_text=_("列出名单的计划投资下限（万元）。"))
    notable_count = serializers.IntegerField()
    notable_url = serializers.CharField()
    notable = ReportLeadSerializer(many=True, help_text=_("计划投资最大的若干条。"))


class StagePairSerializer(serializers.Serializer):
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    kind = serializers.CharField(help_text=_("forward、back、dropped 或 reopened。"))
    label = serializers.CharField()
    count = serializers.IntegerField()


class StageMovesSerializer(serializers.Serializer):
    forward = serializers.IntegerField()
    back = serializers.IntegerField()
    dropped = serializers.IntegerField()
    reopened = serializers.IntegerField()
    total = serializers.IntegerField()
    by_pair = StagePairSerializer(many=True)


class FollowUpsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    by_method = GroupRowSerializer(many=True)
    by_officer = GroupRowSerializer(many=True)


class ApprovalsSerializer(serializers.Serializer):
    asked = serializers.IntegerField()
    approved = serializers.IntegerField()
    returned = serializers.IntegerField()
    waiting = serializers.IntegerField(help_text=_("目前待审批（当前数）。"))
    over_sla = serializers.IntegerField(
        allow_null=True, help_text=_("其中超过审批时限的；个人报告不统计（null）。")
    )
    sla_days = serializers.IntegerField()
    waiting_url = serializers.CharField()


class ProjectFiguresSerializer(serializers.Serializer):
    status_changes = serializers.IntegerField()
    by_status = GroupRowSerializer(many=True)
    signed_count = serializers.IntegerField()
    signed_amount = _amount()
    signed = ReportProjectSerializer(many=True)
    commenced_count = serializers.IntegerField()
    commenced_investment = _amount()
    commenced = ReportProjectSerializer(many=True)
    funds_arrived = _amount(help_text=_("统计时间内到位的资金（万元，已扣除核减）。"))


class OverdueCountSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    count = serializers.IntegerField()


class OverdueSerializer(serializers.Serializer):
    leads = serializers.IntegerField()
    tasks = serializers.IntegerField()
    counts = OverdueCountSerializer(source="counts.counts", many=True)
    leads_url = serializers.CharField()
    tasks_url = serializers.CharField()


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(source="row.rank")
    task_force_id = serializers.IntegerField(source="row.task_force_id")
    name = serializers.CharField(source="row.name")
    new_leads = serializers.IntegerField(source="row.new_leads")
    forward_moves = serializers.IntegerField(source="row.forward_moves")
    signed_amount = _amount(source="row.signed_amount")
    overdue_leads = serializers.IntegerField(source="row.overdue_leads")
    score = serializers.DecimalField(source="row.score", max_digits=None, decimal_places=1)
    new_leads_url = serializers.CharField()
    overdue_url = serializers.CharField()


class RankingSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule_text")
    rows = RankingRowSerializer(many=True)


class ReportSerializer(KeptFiguresSerializer):
    """A 周报 / 月报: the period, the scope and each section's figures."""

    title = serializers.CharField()
    kind = serializers.CharField(source="period.kind")
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    as_of = serializers.DateField(source="today")
    scope = ReportScopeSerializer()
    new_leads = NewLeadsSerializer()
    stage_moves = StageMovesSerializer()
    follow_ups = FollowUpsSerializer()
    approvals = ApprovalsSerializer()
    projects = ProjectFiguresSerializer()
    overdue = OverdueSerializer()
    ranking = RankingSerializer(allow_null=True, help_text=_("龙虎榜；个人报告为 null。"))


PARAMETERS = [
    OpenApiParameter(
        "kind",
        OpenApiTypes.STR,
        enum=ReportKind.values,
        description=_("week（周报，默认）或 month（月报）。"),
    ),
    OpenApiParameter(
        "start",
        OpenApiTypes.DATE,
        description=_("所要周期中的任一天；默认为上一个完整的周或月。"),
    ),
    OpenApiParameter(
        "scope",
        OpenApiTypes.STR,
        description=_(
            "county（全县）、tf-<专班编号> 或 officer-<人员编号>；默认为调用者可看的最大范围。"
        ),
    ),
]


def _asked(request: Request) -> tuple[ReportRequest, datetime.date]:
    today = timezone.localdate()
    return report_request(user=request.user, data=request.query_params, today=today), today


def _report(request: Request) -> Report:
    """The report computed now (the xlsx export)."""
    asked, today = _asked(request)
    return report(
        user=request.user,
        scope=asked.scope,
        start=asked.period.start,
        end=asked.period.end,
        today=today,
    )


class ReportView(APIView):
    """The report as JSON."""

    @extend_schema(
        summary=_("周报 / 月报"),
        description=_(
            "某一周或某一月、某一范围（全县、专班、个人）的新增线索、阶段推进、跟进、审批、"
            "项目（状态变化、签约、开工、到位资金）、逾期和龙虎榜；只统计调用者可见的记录，"
            "与页面一致。无权查看该范围时返回 403，范围不存在时返回 404。"
        ),
        parameters=PARAMETERS,
        responses={200: ReportSerializer, **error_responses(400, 403, 404, *READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        asked, today = _asked(request)
        kept = report_snapshot(user=request.user, asked=asked, today=today)
        return Response(ReportSerializer(kept.value, context={"snapshot": kept}).data)


class ReportExportView(APIView):
    """The report as an xlsx workbook in the bureau's layout."""

    @extend_schema(
        summary=_("导出周报 / 月报（Excel）"),
        description=_(
            "与 reports/ 相同的参数和权限，返回局机关固定格式的 Excel 文件（标题、截至日期、"
            "单位：万元、各部分表格及合计，A4 横向打印）。导出记入安全日志。"
        ),
        parameters=PARAMETERS,
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("xlsx 文件。")
            ),
            **error_responses(400, 403, 404, *READ_ERRORS),
        },
    )
    def get(self, request: Request) -> FileResponse:
        data = _report(request)
        return report_xlsx_response(
            request._request,
            report=report_workbook(data),
            today=data.today,
            filter_words=report_subtitle(data),
        )
