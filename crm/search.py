"""Free-text search of a list: every word must appear in one of the searched fields.

Everywhere, a word matches when one of the fields contains it, case-insensitively
(``icontains``, which PostgreSQL runs as ``UPPER(col::text) LIKE UPPER('%word%')``). That reads
every row. pg_trgm cannot index a pattern of fewer than three characters (most Chinese words
have two) and pg_bigm is not packaged for our PostgreSQL, so on PostgreSQL a table keeps the
character bigrams of its searched text in a column the database computes itself
(``AddSearchBigrams``, a migration operation): ``crm_search_bigrams(field, …)``, the distinct
two-character substrings of each field, upper-cased like ``icontains`` and without whitespace,
as a ``text[]`` with a GIN index. A STORED generated column, it is current after every write:
``bulk_create``, imports and raw ``UPDATE`` included. The Django model has no such field;
SQLite has no such column.

A FilterSet names the column (``BaseFilterSet.search_bigrams``) and ``search_filter`` uses it
for each word:

- two characters: the word is its only bigram, and a field contains the word exactly when
  the column holds that bigram (a word never holds whitespace, ``str.split`` cut there), so
  the index answers alone;
- three or more: its bigrams may come from different places or fields, so the index narrows
  to the rows holding all of them and the ``icontains`` condition confirms;
- one character: no bigram to look up, the ``icontains`` condition reads every row. A search
  of only such words therefore lists and counts at most ``SCAN_LIMIT`` matches
  (``paginator``), wherever the FilterSet names a column, so the page answers the same on
  both databases.

A later migration that changes the type of a searched column must remove the bigram column
first (reverse ``AddSearchBigrams``) and add it back after: PostgreSQL refuses to alter a
column that a generated column reads.
"""

from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.db.models import BooleanField, Expression, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext as _

# A search whose words are all one character lists at most this many matches (40 pages).
SCAN_LIMIT = 1000

# The longest query the global search takes (a company's full name and a word or two more).
QUERY_MAX_LENGTH = 50

FUNCTION = "crm_search_bigrams"

# IMMUTABLE, as a generated column requires (upper() and regexp_split_to_array() are). The
# whitespace left out is ASCII, at all of which Python's ``str.split`` cuts a query: no bigram
# a word can have is missing. DISTINCT compares bytes ("C"): sorting is the costly part.
CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION crm_search_bigrams(VARIADIC parts text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT (c[i] || c[i + 1]) COLLATE "C"), '{}')
  FROM unnest(parts) AS part,
       regexp_split_to_array(upper(part), '') AS c,
       generate_series(1, cardinality(c) - 1) AS i
  WHERE c[i] NOT IN (' ', E'\t', E'\n', E'\x0b', E'\f', E'\r')
    AND c[i + 1] NOT IN (' ', E'\t', E'\n', E'\x0b', E'\f', E'\r')
$$
"""

# The function is shared by every table's column: it goes with the last column that uses it.
DROP_UNUSED_FUNCTION = """
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT FROM pg_depend
    WHERE refobjid = 'crm_search_bigrams(text[])'::regprocedure AND deptype = 'n'
  ) THEN
    DROP FUNCTION crm_search_bigrams(text[]);
  END IF;
END
$$
"""


def is_scan(text: str) -> bool:
    """Whether searching ``text`` reads every row: it has words, none of two characters."""
    words = text.split()
    return bool(words) and all(len(word) < 2 for word in words)


def search_filter(
    queryset: QuerySet, text: str, *, fields: Sequence[str], bigrams: str = ""
) -> QuerySet:
    """The rows where each word of ``text`` is in one of ``fields`` (case-insensitive).

    ``bigrams`` names the column holding the bigrams of exactly these fields (see the module);
    it is used on PostgreSQL only.
    """
    if not bigrams or connections[queryset.db].vendor != "postgresql":
        for word in text.split():
            queryset = queryset.filter(
                reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields))
            )
        return queryset
    for word in text.split():
        if len(word) == 2:
            queryset = queryset.filter(BigramsContain(bigrams, word))
            continue
        # icontains, spelled ``strpos(UPPER(field), UPPER(word)) > 0``: the planner guesses
        # LIKE '%…%' per character and, multiplying that guess by the index's, expected a
        # handful of rows where thousands matched, and joined them by nested loops.
        contains = reduce(
            or_,
            (Q(GreaterThan(StrIndex(Upper(field), Upper(Value(word))), 0)) for field in fields),
        )
        if len(word) > 2:
            queryset = queryset.filter(BigramsContain(bigrams, word), contains)
        else:
            queryset = queryset.filter(contains)
    return queryset


class BigramsContain(Expression):
    """``<table>.<column> @> crm_search_bigrams(word)``: the row holds every bigram of ``word``.

    The model has no field for the column, so the expression names the query's own table; the
    function of a constant is folded by the planner into the array the GIN index looks up.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, word: str) -> None:
        super().__init__()
        self.column = column
        self.word = word
        self.alias: str | None = None

    def resolve_expression(self, query: Any = None, *args: Any, **kwargs: Any) -> "BigramsContain":
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, change_map: dict[str, str]) -> "BigramsContain":
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, tuple[str]]:
        table = compiler.quote_name_unless_alias(self.alias)
        column = connection.ops.quote_name(self.column)
        return f"{table}.{column} @> {FUNCTION}(%s)", (self.word,)


class AddSearchBigrams(Operation):
    """Add to ``model_name``'s table, on PostgreSQL only, the column of the bigrams of
    ``fields`` (generated and stored by the database) and its GIN index; reversible.

    The model state is untouched: the column is the database's business, and a model field
    it could not have on SQLite would make ``makemigrations`` differ between databases.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, fields: Sequence[str], column: str = "search_bigrams"):
        self.model_name = model_name
        self.fields = tuple(fields)
        self.column = column

    def deconstruct(self) -> tuple[str, list, dict[str, Any]]:
        kwargs = {"model_name": self.model_name, "fields": self.fields, "column": self.column}
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """The model does not know the column."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        meta = to_state.apps.get_model(app_label, self.model_name)._meta
        quote = schema_editor.quote_name
        table, column = quote(meta.db_table), quote(self.column)
        sources = ", ".join(quote(meta.get_field(name).column) for name in self.fields)
        schema_editor.execute(CREATE_FUNCTION)
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} text[] "
            f"GENERATED ALWAYS AS ({FUNCTION}({sources})) STORED"
        )
        index = quote(f"{meta.db_table}_{self.column}")
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING gin ({column})")

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        meta = from_state.apps.get_model(app_label, self.model_name)._meta
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(meta.db_table)} DROP COLUMN {quote(self.column)}"
        )
        schema_editor.execute(DROP_UNUSED_FUNCTION)

    def describe(self) -> str:
        return f"Add the search bigrams of {self.model_name} (PostgreSQL only)"


class ScanPaginator(Paginator):
    """Pages of a search that reads every row, which counts at most ``limit`` matches.

    One query reads the ids of the first ``limit`` matches in the list's order: they are the
    count and every page's rows, so the scan runs once and stops at the limit; a page then
    loads its rows by id. ``limited`` says that more rows matched than are listed.
    """

    def __init__(self, queryset: QuerySet, per_page: int, *, limit: int = SCAN_LIMIT) -> None:
        ids = list(queryset.values_list("pk", flat=True)[: limit + 1])
        self.limited = len(ids) > limit
        self.rows = queryset
        super().__init__(ids[:limit], per_page)

    def _get_page(self, ids: list[Any], number: int, paginator: Paginator) -> Page:
        by_id = self.rows.in_bulk(ids)
        return super()._get_page([by_id[pk] for pk in ids if pk in by_id], number, paginator)


def paginator(queryset: QuerySet, per_page: int, *, scans: bool) -> Paginator:
    """The list's paginator; a search that ``scans`` (``BaseFilterSet.search_scans``) gets the
    ``ScanPaginator`` and its limit."""
    return ScanPaginator(queryset, per_page) if scans else Paginator(queryset, per_page)


def first_matches(filterset: Any, limit: int) -> tuple[list[Any], int, bool]:
    """The first ``limit`` rows of a filtered list, their count as the list's paginator counts
    it, and whether that count is limited: one query for the count, one for the rows when
    there are any.

    A search that ``scans`` is counted as ``ScanPaginator`` counts it, by the ids of its first
    ``SCAN_LIMIT`` matches: the search reads every row once, not twice (the rows then load by
    id)."""
    queryset = filterset.qs
    if not filterset.search_scans:
        total = queryset.count()
        return (list(queryset[:limit]) if total else []), total, False
    ids = list(queryset.values_list("pk", flat=True)[: SCAN_LIMIT + 1])
    first = ids[:limit]
    by_id = queryset.in_bulk(first) if first else {}
    return (
        [by_id[pk] for pk in first if pk in by_id],
        min(len(ids), SCAN_LIMIT),
        len(ids) > SCAN_LIMIT,
    )


def query_problem(text: str) -> str:
    """Why the global search cannot run ``text`` (already stripped), or ``""`` when it can."""
    if not text:
        return _("请输入要查找的企业名称、项目名称、信用代码、联系人或电话。")
    if len(text) > QUERY_MAX_LENGTH:
        return _("关键词太长了：请不超过 %(most)s 个字。") % {"most": QUERY_MAX_LENGTH}
    if "\x00" in text:
        return _("关键词中有无法识别的字符，请重新输入。")
    return ""
