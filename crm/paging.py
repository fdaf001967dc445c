"""Pages of a list whose count may be PostgreSQL's estimate.

Counting a whole table of 100,000 rows reads all of it on every page. The unfiltered list of
every record (the query has no condition at all: a reader who sees everything, no filter) may
show PostgreSQL's estimate instead (``pg_class.reltuples``, kept by ANALYZE), labelled as one
(「约 10 万条」). Anything filtered, any reader with a narrower scope, a small table, SQLite, and
every page near the estimated end is counted exactly, so the last pages are never empty or
missing rows while the estimate is within a tenth of the truth (autovacuum's ANALYZE, or the
benchmark's, keeps it so).
"""

from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from crm import search

# Below this many rows a table is counted exactly: the count is cheap, and 「约 83 条」 reads oddly.
ESTIMATE_MIN_ROWS = 10_000
# A page that ends past this share of the estimate is counted exactly.
ESTIMATE_SAFE_SHARE = 0.9


# The table's estimate when it is at least ESTIMATE_MIN_ROWS, else its exact count, in one query
# (the uncorrelated sub-query in CASE runs only when its branch is taken).
WHOLE_TABLE_COUNT = """
SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint ELSE (SELECT COUNT(*) FROM {table}) END,
       reltuples >= %s
FROM pg_class WHERE oid = %s::regclass
"""


def whole_table_count(queryset: QuerySet) -> tuple[int, bool] | None:
    """For a ``queryset`` that reads a whole table (no condition, distinct or slice) on
    PostgreSQL: ``(estimate, True)`` when the table has ``ESTIMATE_MIN_ROWS`` rows or more by
    its statistics (never analysed: -1), else ``(exact count, False)``; ``None`` otherwise."""
    query = queryset.query
    if query.where or query.distinct or query.is_sliced or query.combinator or query.group_by:
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    table = queryset.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            WHOLE_TABLE_COUNT.format(table=connection.ops.quote_name(table)),
            [ESTIMATE_MIN_ROWS, ESTIMATE_MIN_ROWS, table],
        )
        total, estimated = cursor.fetchone()
    return int(total), bool(estimated)


class CountedPaginator(Paginator):
    """A paginator given its ``count``; ``estimated`` says whether it is the table's estimate."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, estimated: bool) -> None:
        super().__init__(object_list, per_page)
        self.given_count = count
        self.estimated = estimated

    @cached_property
    def count(self) -> int:
        return self.given_count

    @property
    def wan(self) -> int:
        """The count in 万 (ten thousands), as the page shows an estimate: 「约 10 万条」."""
        return max(round(self.given_count / 10_000), 1)


def page_number(value: Any) -> int:
    """The page asked for (1 for anything that is not a page number)."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def counted_paginator(queryset: QuerySet, per_page: int, page: Any) -> CountedPaginator | None:
    """The paginator of a whole table (``whole_table_count``), unless ``page`` ends past
    ``ESTIMATE_SAFE_SHARE`` of an estimate: the last pages are counted exactly."""
    counted = whole_table_count(queryset)
    if counted is None:
        return None
    total, estimated = counted
    if estimated and page_number(page) * per_page > total * ESTIMATE_SAFE_SHARE:
        return None
    return CountedPaginator(queryset, per_page, count=total, estimated=estimated)


def list_paginator(
    queryset: QuerySet, per_page: int, *, scans: bool = False, page: Any = None
) -> Paginator:
    """The list's paginator: a whole table's (``counted_paginator``), otherwise
    ``crm.search.paginator`` (an exact count, or the scan's limit)."""
    paginator = None if scans else counted_paginator(queryset, per_page, page)
    if paginator is None:
        return search.paginator(queryset, per_page, scans=scans)
    return paginator


class EstimatedCountPagination(PageNumberPagination):
    """The API's page-number pagination, counting as the pages do (``list_paginator``): the
    unfiltered list of every record answers PostgreSQL's estimate as ``count``, and says so
    with ``count_is_estimate``."""

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> Any:
        page = request.query_params.get(self.page_query_param)
        self.counted = None
        size = self.get_page_size(request)
        if size and page not in self.last_page_strings:
            self.counted = counted_paginator(queryset, size, page)
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, queryset: QuerySet, per_page: int) -> Paginator:
        if self.counted is None:
            return Paginator(queryset, per_page)
        return self.counted

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_is_estimate"] = self.counted is not None and self.counted.estimated
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": _("count 为数据库统计的估算值（仅不加任何筛选地列出全部记录时）。"),
        }
        return paginated


def first_rows(queryset: QuerySet, limit: int) -> list[Any]:
    """The first ``limit`` rows of an ordered ``queryset``, found by id first.

    Ordering thousands of wide joined rows to keep a few (the cockpit's worst overdue leads)
    sorts every one of them; ordering their ids alone can read an index only, and then just
    ``limit`` rows are loaded, in the same order.
    """
    ids = list(queryset.values_list("pk", flat=True)[:limit])
    return list(queryset.filter(pk__in=ids)) if ids else []
