"""REST API of the 台账 import (``crm.imports``): the same engine, rules and log as the pages.

Endpoints (under ``/api/v1/``; session or token authentication)::

    GET   imports/                      the import log (one's own; everyone's for bureau
                                        leaders and administrators), ?kind=, ?status=, ?q=
    POST  imports/{kind}/?dry_run=true  multipart: file, on_match=skip|update,
                                        on_similar=skip|import, mapping={"列名": "字段"}

A dry run answers 200 with every row's action and every problem, and writes nothing. A real
import answers 201 when every row was written, and 400 (``code`` ``ImportRefused``, the
problems in ``errors``) when any row has an error: then nothing was written. Either way the run
is in the import log. A file that cannot be read at all (too large, not xlsx or CSV, no header
row, too many rows) answers 400 with the reason.

With curl::

    curl -H "Authorization: Token $TOKEN" -F file=@台账.xlsx \\
        "http://127.0.0.1:8000/api/v1/imports/leads/?dry_run=true"
"""

import json
from typing import Any

from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from crm import imports
from crm.api import StrictInputMixin, validated_data
from crm.exceptions import DomainError
from crm.models import ImportLog
from crm.openapi import READ_ERRORS, WRITE_ERRORS, error_responses

# How many errors a refused import lists in its answer (the log keeps more).
REFUSAL_ERRORS_SHOWN = 200


class ImportRefused(DomainError):
    """A real import found errors, so it wrote nothing; its problems are in ``errors``."""


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("文件中的行号。"))
    column = serializers.CharField(allow_blank=True, help_text=gettext_lazy("文件中的列名。"))
    letter = serializers.CharField(allow_blank=True, help_text=gettext_lazy("列的字母，如 C。"))
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])


class ColumnSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    letter = serializers.CharField()
    header = serializers.CharField(allow_blank=True)
    field = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("导入到的字段；空为不导入。")
    )
    note = serializers.CharField(allow_blank=True)


class ImportLogSerializer(serializers.ModelSerializer):
    """One import: who, when, which file, what it did and the problems found (capped)."""

    actor_name = serializers.CharField(source="actor", read_only=True, allow_null=True)
    problems = ProblemSerializer(source="errors", many=True, read_only=True)
    columns = ColumnSerializer(source="mapping", many=True, read_only=True)

    class Meta:
        model = ImportLog
        fields = (
            "id",
            "kind",
            "file_name",
            "file_size",
            "sha256",
            "created_at",
            "actor",
            "actor_name",
            "status",
            "dry_run",
            "on_match",
            "on_similar",
            "row_count",
            "created_count",
            "updated_count",
            "skipped_count",
            "error_count",
            "warning_count",
            "problems",
            "columns",
        )
        read_only_fields = fields


class RowSerializer(serializers.Serializer):
    row = serializers.IntegerField(source="number")
    action = serializers.ChoiceField(
        choices=[action.value for action in imports.Action],
        help_text=gettext_lazy("新建、更新、无变化或跳过；有错误的行不会写入。"),
    )
    has_errors = serializers.BooleanField()


class ImportResultSerializer(serializers.Serializer):
    """What an import found (a dry run) or did: its log entry and every row's action."""

    log = ImportLogSerializer()
    written = serializers.BooleanField(help_text=gettext_lazy("是否已写入（试导入时为 false）。"))
    rows = RowSerializer(many=True)


class ImportRequestSerializer(StrictInputMixin, serializers.Serializer):
    """The file and the choices of an import."""

    file = serializers.FileField(help_text=gettext_lazy("Excel（.xlsx）或 CSV 台账。"))
    on_match = serializers.ChoiceField(
        choices=ImportLog.OnMatch.choices,
        default=ImportLog.OnMatch.SKIP,
        help_text=gettext_lazy("与已有记录相同的行：skip 跳过，update 用表中内容更新。"),
    )
    on_similar = serializers.ChoiceField(
        choices=ImportLog.OnSimilar.choices,
        default=ImportLog.OnSimilar.SKIP,
        help_text=gettext_lazy("名称相近的行：skip 跳过，import 仍然导入。"),
    )
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            '列对应，JSON 对象：{"文件中的列名": "字段名或模板列名"}，值为空表示不导入；'
            "其余列按列名自动识别。"
        ),
    )

    def validate_mapping(self, value: str) -> dict[str, str | None]:
        if not value.strip():
            return {}
        try:
            mapping = json.loads(value)
        except (ValueError, RecursionError):
            mapping = None
        valid = isinstance(mapping, dict) and all(
            isinstance(target, str | type(None)) for target in mapping.values()
        )
        if not valid:
            raise serializers.ValidationError(
                _('列对应须是 JSON 对象，如 {"公司名称": "company_name"}。')
            )
        return mapping


def _dry_run(request: Request) -> bool:
    value = request.query_params.get("dry_run", "false").strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise DomainError.for_field("dry_run", _("dry_run 只能是 true 或 false。"))


def _refusal(result: imports.ImportResult) -> ImportRefused:
    errors: dict[str, list[str]] = {}
    shown = [p for p in result.problems if p.severity == imports.Severity.ERROR]
    for problem in shown[:REFUSAL_ERRORS_SHOWN]:
        where = _("第 %(row)s 行") % {"row": problem.row} if problem.row else _("表头")
        if problem.column:
            where = f"{where} {problem.letter}{'·' if problem.letter else ''}{problem.column}"
        errors.setdefault(where, []).append(problem.message)
    return ImportRefused(
        _("发现 %(count)s 处错误，没有写入任何记录（导入记录 #%(log)s）。")
        % {"count": len(shown), "log": result.log.pk},
        field_errors=errors,
    )


@extend_schema(
    summary=gettext_lazy("导入记录"),
    description=gettext_lazy("自己的导入记录（局领导和管理员为全部），新的在前，每页 50 条。"),
    responses={200: ImportLogSerializer(many=True), **error_responses(400, 404, *READ_ERRORS)},
)
class ImportLogListView(generics.ListAPIView):
    serializer_class = ImportLogSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = imports.ImportLogFilterSet

    def get_queryset(self) -> QuerySet[ImportLog]:
        return imports.import_logs_visible_to(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filterset = imports.import_log_list(user=request.user, filters=request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise DomainError(_("筛选条件有误。"), field_errors=filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ImportView(generics.GenericAPIView):
    serializer_class = ImportRequestSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary=gettext_lazy("导入台账"),
        description=gettext_lazy(
            "上传 xlsx 或 CSV 台账。dry_run=true 只检查、不写入，返回每一行的处理方式和全部问题；"
            "否则全部写入（201），或有任何错误时一条也不写（400，code 为 ImportRefused）。"
        ),
        parameters=[
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=[spec.kind for spec in imports.specs()],
                description=gettext_lazy("导入为：leads 线索，projects 项目，support 对上争取。"),
            ),
            OpenApiParameter(
                "dry_run",
                OpenApiTypes.BOOL,
                OpenApiParameter.QUERY,
                description=gettext_lazy("true 只检查、不写入。"),
            ),
        ],
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportResultSerializer,
            201: ImportResultSerializer,
            **error_responses(*WRITE_ERRORS, 404),
        },
    )
    def post(self, request: Request, kind: str) -> Response:
        imports.spec_for(kind)
        dry_run = _dry_run(request)
        data = validated_data(ImportRequestSerializer(data=request.data))
        result = imports.import_file(
            actor=request.user,
            kind=kind,
            file=data["file"],
            on_match=data["on_match"],
            on_similar=data["on_similar"],
            mapping=data.get("mapping") or None,
            dry_run=dry_run,
            request=request,
        )
        if not dry_run and not result.written:
            raise _refusal(result)
        body = ImportResultSerializer(
            {"log": result.log, "written": result.written, "rows": result.rows}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if result.written else 200)


urlpatterns = [
    path("imports/", ImportLogListView.as_view(), name="api_import_list"),
    path("imports/<slug:kind>/", ImportView.as_view(), name="api_import"),
]
