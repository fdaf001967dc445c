"""``GET /api/v1/search/?q=``: the global search as JSON, the page's answer (``/search/``).

Each kind of record (leads, projects, 对上争取 applications, target enterprises) is searched by
its list's FilterSet over what the caller sees (``crm.registry.search_sources``): ``total`` is
the list's count under the same ``q`` and ``url`` the list page showing them. A search of
one-character words only reads every row, so each kind then counts at most
``crm.search.SCAN_LIMIT`` matches (``limited``). An empty or too long ``q`` answers 400.
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.exceptions import DomainError
from crm.openapi import READ_ERRORS, error_responses
from crm.registry import search_sources
from crm.search import QUERY_MAX_LENGTH, query_problem

# The most records of each kind one answer lists (``limit``), and the default.
MAX_HITS = 50
DEFAULT_HITS = 10


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(help_text=_("企业名称、项目名称或申报事项。"))
    badge = serializers.CharField(help_text=_("阶段、状态或产业链环节。"))
    details = serializers.ListField(
        child=serializers.CharField(), help_text=_("信用代码、联系人、电话、专班等。")
    )
    url = serializers.CharField(help_text=_("详情页的地址。"))


class SearchGroupSerializer(serializers.Serializer):
    kind = serializers.CharField(
        source="source.key", help_text=_("leads、projects、support、targets。")
    )
    label = serializers.CharField(source="source.title")
    total = serializers.IntegerField(help_text=_("列表页在同一关键词下的记录数。"))
    limited = serializers.BooleanField(
        help_text=_("关键词只有一个字时最多计数到上限，true 表示实际更多。")
    )
    url = serializers.CharField(help_text=_("列表页的地址（带同一关键词）。"))
    results = SearchHitSerializer(source="hits", many=True)


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField()
    groups = SearchGroupSerializer(many=True)


def _limit(value: str | None) -> int:
    if value in (None, ""):
        return DEFAULT_HITS
    if not value.isdigit() or not 1 <= int(value) <= MAX_HITS:
        raise DomainError.for_field(
            "limit", str(_("limit 须为 1 至 %(most)s 之间的整数。") % {"most": MAX_HITS})
        )
    return int(value)


class SearchView(APIView):
    """Records of every kind the caller sees that match ``q``, grouped by kind."""

    @extend_schema(
        summary=_("全局搜索"),
        description=_(
            "按名称、统一社会信用代码、联系人或电话，在调用者可见的线索、项目、对上争取事项和"
            "目标企业中查找，按类别分组；每类给出与列表页相同的计数、前几条记录和列表页地址。"
        ),
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=True,
                description=format_lazy(
                    _("关键词，空格分隔的每个词都须出现；最多 {most} 个字。"), most=QUERY_MAX_LENGTH
                ),
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=format_lazy(
                    _("每类最多列出的记录数，1 至 {most}，默认 {default}。"),
                    most=MAX_HITS,
                    default=DEFAULT_HITS,
                ),
            ),
        ],
        responses={200: SearchSerializer, **error_responses(400, *READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if problem := query_problem(query):
            raise DomainError.for_field("q", problem)
        limit = _limit(request.query_params.get("limit"))
        groups = search_sources.search(user=request.user, query=query, limit=limit)
        return Response(SearchSerializer({"q": query, "groups": groups}).data)
