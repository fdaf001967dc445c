"""Every list's export, written one way: a column spec per list, as xlsx or CSV.

A list names its columns (``Column``) and hands over its rows, already scoped and filtered by
the same selector and FilterSet as the page; this module knows nothing of leads or projects.
Both formats run at constant memory: CSV streams from a generator, and the xlsx workbook is
written row by row (openpyxl's write-only mode) to a temporary file that is then sent.

The sheet reads: a title row (list, whose scope, active filters, 「截至」 date), the header row
(frozen), one row per record, then a 合计 row (count and the sum of every amount column).
Amounts stay numbers, in 万元. Text that a spreadsheet would run as a formula is kept as text.

Every export is written to the security log (``crm.security``) here, once the rows are out: who,
from where, which list, its filters in words and as the raw query, the format and the number of
rows written (see ``export_response``).

A report (the 周报 / 月报) is a sheet of several small tables in the bureau's fixed layout rather
than one list: ``ReportWorkbook`` holds them, ``write_report_xlsx`` lays them out (a merged title
row, 截至 and 单位 below it, each table with its heading, header row and 合计 row, landscape A4
fitted to the page width) and ``report_xlsx_response`` sends and logs it like a list's export.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any, Generic, TypeVar

import django_filters
from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from crm.models import SecurityEvent
from crm.security import security_event_record

CHUNK_SIZE = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")

# Told how many rows were written and whether the writer reached the end (a CSV stream can be
# cut short): ``(count, complete)``.
OnWritten = Callable[[int, bool], None]

# A cell starting with one of these is run as a formula by Excel, LibreOffice and WPS
# (OWASP "CSV injection"): ``=HYPERLINK("http://x","y")`` in a company name would be live.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

AMOUNT_FORMAT = "#,##0.00"
INT_FORMAT = "0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# The title row, the header row, then the records: panes freeze below the header.
TITLE_ROW, HEADER_ROW = 1, 2

Row = TypeVar("Row")


class Kind(StrEnum):
    """How a column's values are written: the cell type and number format."""

    TEXT = "text"
    AMOUNT = "amount"  # Decimal in 万元, summed in the 合计 row
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"  # written as local (Asia/Shanghai) wall-clock time
    BOOL = "bool"  # 是 / 否
    DECIMAL = "decimal"  # a Decimal that is not money (a score), one decimal place


DEFAULT_WIDTHS = {
    Kind.TEXT: 16,
    Kind.AMOUNT: 16,
    Kind.INT: 10,
    Kind.DATE: 12,
    Kind.DATETIME: 17,
    Kind.BOOL: 8,
    Kind.DECIMAL: 10,
}


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column of a list's export: its header, how a row gives its value, its kind.

    ``width`` is in characters (a Chinese character counts about two); ``None`` takes the
    kind's default. ``summed`` says whether the 合计 row sums the column; ``None`` sums the
    amounts only (a report's count columns are summed too).
    """

    header: str | Promise
    value: Callable[[Row], Any]
    kind: Kind = Kind.TEXT
    width: int | None = None
    summed: bool | None = None

    @property
    def display_width(self) -> int:
        return self.width or DEFAULT_WIDTHS[self.kind]

    @property
    def is_summed(self) -> bool:
        return self.kind is Kind.AMOUNT if self.summed is None else self.summed


@dataclass(frozen=True)
class Sheet(Generic[Row]):
    """What one export writes: the list's name (sheet and file name), its title line, the
    columns and the rows (any iterable, consumed once)."""

    name: str
    title: str
    columns: Sequence[Column[Row]]
    rows: Iterable[Row]


# --- the title row ----------------------------------------------------------------------------


def describe_filters(filterset: django_filters.FilterSet | None) -> str:
    """The active filters in words, e.g. 「阶段：筛选、对接；关键词：金禾」 (ordering left out)."""
    if filterset is None or not filterset.is_bound:
        return ""
    filterset.is_valid()  # fills ``cleaned_data`` with the values the query used
    parts = []
    for name, value in filterset.form.cleaned_data.items():
        filter_ = filterset.filters.get(name)
        if filter_ is None or isinstance(filter_, django_filters.OrderingFilter):
            continue
        if value is None or (not isinstance(value, bool) and not value):
            continue
        field = filterset.form.fields[name]
        parts.append(f"{filter_.label or name}：{_describe_value(field, value)}")
    return "；".join(parts)


def _describe_value(field: Any, value: Any) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, QuerySet):
        return "、".join(str(item) for item in value)
    if isinstance(value, Model):
        return str(value)
    labels = dict(getattr(field, "choices", None) or ())
    if isinstance(value, list | tuple):
        return "、".join(str(labels.get(item, item)) for item in value)
    return str(labels.get(value, value))


def title_line(
    *,
    name: str,
    user: object,
    today: datetime.date,
    filterset: django_filters.FilterSet | None = None,
    filter_words: str = "",
) -> str:
    """「线索 · 孙立军 可见范围 · 筛选：阶段：筛选 · 截至 2026-05-01」.

    ``filter_words`` words the filters of a list that has no FilterSet (an admin changelist).
    """
    parts = [name, _("%(user)s 可见范围") % {"user": user}]
    filters = describe_filters(filterset) or filter_words
    if filters:
        parts.append(_("筛选：%(filters)s") % {"filters": filters})
    parts.append(_("截至 %(date)s") % {"date": today.isoformat()})
    return " · ".join(parts)


# --- values -----------------------------------------------------------------------------------


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def _plain(kind: Kind, value: Any) -> Any:
    """The value as the column's kind holds it: numbers, dates, text, or ``None`` when empty."""
    if value is None or value == "":
        return None
    if kind is Kind.BOOL:
        return _("是") if value else _("否")
    if kind in (Kind.AMOUNT, Kind.DECIMAL):
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if kind is Kind.DATETIME and isinstance(value, datetime.datetime):
        # Spreadsheets have no time zones: local wall-clock time, as the pages show it.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if kind is Kind.TEXT:
        return str(value)
    return value


class _Table:
    """The rows' plain values, counted and with their summed columns summed on the way."""

    def __init__(self, sheet: "Sheet | ReportTable") -> None:
        self.sheet = sheet
        self.count = 0
        self.totals: list[Any] = [0 for _column in sheet.columns]

    def __iter__(self) -> Iterator[list[Any]]:
        columns = self.sheet.columns
        for row in self.sheet.rows:
            values = [_plain(column.kind, column.value(row)) for column in columns]
            for index, column in enumerate(columns):
                if column.is_summed and values[index] is not None:
                    self.totals[index] += values[index]
            self.count += 1
            yield values

    def total_row(self, label: str | None = None) -> list[Any]:
        """合计: ``label`` (by default the number of rows) in the first column, each summed
        column's sum."""
        values: list[Any] = [
            (Decimal(total) if column.kind is Kind.AMOUNT else total) if column.is_summed else None
            for column, total in zip(self.sheet.columns, self.totals, strict=True)
        ]
        values[0] = label or _("合计（%(count)s 条）") % {"count": self.count}
        return values


# --- CSV --------------------------------------------------------------------------------------


class _Echo:
    """A file-like object that hands back what ``csv.writer`` writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        # A leading apostrophe makes a spreadsheet show the rest as text. Numbers are left
        # alone: a negative amount must stay a number.
        return f"'{value}" if looks_like_formula(value) else value
    return str(value)


def csv_lines(sheet: Sheet, *, on_written: OnWritten | None = None) -> Iterator[str]:
    """The sheet as CSV lines, one at a time, after a UTF-8 byte-order mark.

    ``on_written`` is told the rows written when the stream ends, also when it ends early (the
    client went away, a row failed): the server calls ``close()`` on the generator then.
    """
    writer = csv.writer(_Echo())
    table = _Table(sheet)
    complete = False
    try:
        # Excel on Windows reads a CSV as GBK unless it starts with a UTF-8 byte-order mark.
        yield "\ufeff"
        yield writer.writerow([_csv_value(sheet.title)])
        yield writer.writerow([_csv_value(str(column.header)) for column in sheet.columns])
        for values in table:
            yield writer.writerow([_csv_value(value) for value in values])
        yield writer.writerow([_csv_value(value) for value in table.total_row()])
        complete = True
    finally:
        if on_written is not None:
            on_written(table.count, complete)


# --- xlsx -------------------------------------------------------------------------------------


def write_xlsx(sheet: Sheet, file: IO[bytes]) -> int:
    """Write the sheet as an xlsx workbook into ``file``, one row at a time; returns the number
    of rows written (``crm.xlsx.write_sheet``)."""
    # openpyxl costs each process about 5 MB: only the processes that write a workbook load it.
    from crm import xlsx

    return xlsx.write_sheet(sheet, file)


# --- responses --------------------------------------------------------------------------------


def _filename(name: str, today: datetime.date, extension: str) -> str:
    return f"{name}-{today:%Y%m%d}.{extension}"


def csv_response(
    sheet: Sheet, *, today: datetime.date, on_written: OnWritten | None = None
) -> StreamingHttpResponse:
    """The sheet as a streamed CSV download (UTF-8 with BOM)."""
    response = StreamingHttpResponse(
        csv_lines(sheet, on_written=on_written), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_filename(sheet.name, today, "csv")
    )
    return response


def xlsx_response(
    sheet: Sheet, *, today: datetime.date, on_written: OnWritten | None = None
) -> FileResponse:
    """The sheet as an xlsx download, built in a temporary file (deleted when sent)."""
    return _xlsx_file_response(
        lambda file: write_xlsx(sheet, file),
        filename=_filename(sheet.name, today, "xlsx"),
        on_written=on_written,
    )


def _xlsx_file_response(
    write: Callable[[IO[bytes]], int], *, filename: str, on_written: OnWritten | None
) -> FileResponse:
    """``write`` a workbook into a temporary file (deleted when sent) and answer it."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    try:
        count = write(file)
    except BaseException:
        file.close()
        raise
    if on_written is not None:
        on_written(count, True)
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _bad_request(messages: list[str]) -> HttpResponse:
    return HttpResponse("\n".join(messages), status=400, content_type="text/plain; charset=utf-8")


def export_response(
    request: HttpRequest,
    *,
    name: str,
    columns: Sequence[Column[Row]],
    rows: Iterable[Row],
    today: datetime.date,
    filterset: django_filters.FilterSet | None = None,
    filter_words: str = "",
) -> HttpResponse:
    """A list's export in the format asked by ``?format=xlsx|csv`` (xlsx when absent).

    ``rows`` come from the list's own selector and FilterSet, so the export shows what the
    page shows; a queryset is read in chunks. ``filterset`` (or, for a list without one,
    ``filter_words``) words the title row; invalid filters or an unknown format answer 400
    with the reason.

    The export is recorded in the security log with the number of rows actually written,
    taken from the writer when it has finished (for CSV, when the stream ends): counting
    first would cost a second query, would not fit lists whose rows are not a queryset, and
    could differ from what was sent. A CSV stream cut short is recorded as incomplete.
    """
    fmt = request.GET.get("format") or "xlsx"
    if fmt not in FORMATS:
        return _bad_request([_("导出格式只能是 xlsx 或 csv。")])
    if filterset is not None and filterset.is_bound and not filterset.is_valid():
        # The page shows these errors above an empty list; a file would hide them.
        return _bad_request(
            [str(error) for errors in filterset.errors.values() for error in errors]
        )
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=CHUNK_SIZE)
    filters = describe_filters(filterset) or filter_words
    sheet = Sheet(
        name=name,
        title=title_line(name=name, user=request.user, today=today, filter_words=filters),
        columns=columns,
        rows=rows,
    )

    def record(count: int, complete: bool) -> None:
        _record_export(request, name=name, fmt=fmt, count=count, complete=complete, filters=filters)

    if fmt == "csv":
        return csv_response(sheet, today=today, on_written=record)
    return xlsx_response(sheet, today=today, on_written=record)


def _record_export(
    request: HttpRequest, *, name: str, fmt: str, count: int, complete: bool, filters: str
) -> None:
    """The security log's entry for one export: who, which list or report, its filters in
    words and as the raw query, the format and the rows written."""
    security_event_record(
        kind=SecurityEvent.Kind.EXPORT,
        request=request,
        target=str(name),
        details={
            "list": str(name),
            "format": fmt,
            "rows": count,
            "complete": complete,
            "filters": filters,
            "query": {key: request.GET.getlist(key) for key in request.GET},
        },
    )


# --- report workbooks -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTable(Generic[Row]):
    """One table of a report sheet: its heading (「一、新增线索」), columns and rows, a 合计 row
    when ``total`` (the columns marked ``summed``; the first column says 合计), and a ``note``
    line under it (how a score is computed)."""

    heading: str
    columns: Sequence[Column[Row]]
    rows: Iterable[Row]
    total: bool = True
    note: str = ""


@dataclass(frozen=True)
class ReportWorkbook:
    """A report in the bureau's fixed layout: ``title`` over the whole width, then 「截至」
    ``as_of`` and the ``unit`` line, the ``subtitle`` (scope and period), then the tables.
    ``name`` names the sheet and the file."""

    name: str
    title: str
    as_of: datetime.date
    tables: Sequence[ReportTable]
    subtitle: str = ""
    unit: str = ""


def write_report_xlsx(report: ReportWorkbook, file: IO[bytes]) -> int:
    """Write the report as one sheet in the fixed layout into ``file``; returns the number of
    records written over all its tables (``crm.xlsx.write_report``)."""
    # openpyxl is loaded only when a workbook is written (see ``write_xlsx``).
    from crm import xlsx

    return xlsx.write_report(report, file)


def report_xlsx_response(
    request: HttpRequest, *, report: ReportWorkbook, today: datetime.date, filter_words: str = ""
) -> FileResponse:
    """The report as an xlsx download, recorded in the security log like a list's export
    (``filter_words`` says which scope and period, as the title row of a list does)."""

    def record(count: int, complete: bool) -> None:
        _record_export(
            request,
            name=report.name,
            fmt="xlsx",
            count=count,
            complete=complete,
            filters=filter_words,
        )

    return _xlsx_file_response(
        lambda file: write_report_xlsx(report, file),
        filename=_filename(report.name, today, "xlsx"),
        on_written=record,
    )
