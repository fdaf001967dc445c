"""The one export writer: title, header, rows and 合计, as xlsx and CSV, streamed, formula-safe."""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.test import RequestFactory
from openpyxl import load_workbook

from crm import export, xlsx
from crm.export import Column, Kind, Sheet

TODAY = datetime.date(2026, 5, 1)
HYPERLINK = '=HYPERLINK("http://x","y")'


@dataclass
class Row:
    name: str
    amount: Decimal | None
    due: datetime.date | None = None
    active: bool = True
    count: int | None = None
    at: datetime.datetime | None = None


COLUMNS = [
    Column("名称", lambda row: row.name, width=30),
    Column("金额（万元）", lambda row: row.amount, Kind.AMOUNT),
    Column("截止日期", lambda row: row.due, Kind.DATE),
    Column("在办", lambda row: row.active, Kind.BOOL),
    Column("天数", lambda row: row.count, Kind.INT),
    Column("登记时间", lambda row: row.at, Kind.DATETIME),
]

ROWS = [
    Row(HYPERLINK, Decimal("1234.50"), datetime.date(2026, 6, 30), True, 3),
    Row("+86 138", Decimal("-5.00"), active=False),
    Row("@SUM(A1)", None),
    Row("\tcmd", Decimal("10")),
    Row(
        "-2+3",
        Decimal("0.25"),
        at=datetime.datetime(2026, 4, 30, 16, 30, tzinfo=datetime.UTC),
    ),
    Row("米业\x0b公司", Decimal("1")),
]


def sheet(rows=None) -> Sheet:
    return Sheet(
        name="线索",
        title="线索 · 孙立军 可见范围 · 截至 2026-05-01",
        columns=COLUMNS,
        rows=ROWS if rows is None else rows,
    )


def xlsx_rows(built: Sheet):
    buffer = io.BytesIO()
    export.write_xlsx(built, buffer)
    buffer.seek(0)
    return load_workbook(buffer).active


def csv_rows(built: Sheet) -> list[list[str]]:
    text = "".join(export.csv_lines(built))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- xlsx -------------------------------------------------------------------------------------


def test_xlsx_opens_with_the_title_row_then_the_frozen_header():
    worksheet = xlsx_rows(sheet())
    assert worksheet["A1"].value == "线索 · 孙立军 可见范围 · 截至 2026-05-01"
    assert worksheet["A1"].font.bold
    assert [cell.value for cell in worksheet[2]] == [str(column.header) for column in COLUMNS]
    assert worksheet.freeze_panes == "A3"
    assert worksheet.column_dimensions["A"].width == 30
    assert worksheet.column_dimensions["B"].width == export.DEFAULT_WIDTHS[Kind.AMOUNT]


def test_xlsx_writes_formula_looking_text_as_text():
    worksheet = xlsx_rows(sheet())
    names = [worksheet.cell(row=row, column=1) for row in range(3, 8)]
    assert [cell.value for cell in names] == [HYPERLINK, "+86 138", "@SUM(A1)", "\tcmd", "-2+3"]
    assert all(cell.data_type == "s" for cell in names)


def test_xlsx_drops_characters_a_workbook_cannot_hold():
    assert xlsx_rows(sheet())["A8"].value == "米业公司"


def test_xlsx_keeps_amounts_as_numbers_and_negative_amounts_unneutralised():
    worksheet = xlsx_rows(sheet())
    assert worksheet["B3"].value == Decimal("1234.5")
    assert worksheet["B3"].data_type == "n"
    assert worksheet["B3"].number_format == "#,##0.00"
    assert worksheet["B4"].value == -5
    assert worksheet["B5"].value is None


def test_xlsx_writes_dates_as_dates_booleans_as_words_and_local_times():
    worksheet = xlsx_rows(sheet())
    assert worksheet["C3"].is_date
    assert worksheet["C3"].value == datetime.datetime(2026, 6, 30)
    assert (worksheet["D3"].value, worksheet["D4"].value) == ("是", "否")
    assert worksheet["E3"].value == 3
    # 16:30 UTC is 00:30 the next day in Asia/Shanghai
    assert worksheet["F7"].value == datetime.datetime(2026, 5, 1, 0, 30)


def test_xlsx_ends_with_a_total_row_that_counts_rows_and_sums_amounts():
    worksheet = xlsx_rows(sheet())
    total = [cell.value for cell in worksheet[9]]
    assert total[0] == "合计（6 条）"
    assert total[1] == pytest.approx(float(Decimal("1234.50") - 5 + 10 + Decimal("0.25") + 1))
    assert worksheet["B9"].number_format == "#,##0.00"
    assert total[2:] == [None, None, None, None]
    assert worksheet.max_row == 9


def test_an_empty_list_still_has_title_header_and_a_zero_total():
    worksheet = xlsx_rows(sheet(rows=[]))
    assert worksheet.max_row == 3
    assert [worksheet["A3"].value, worksheet["B3"].value] == ["合计（0 条）", 0]


def test_xlsx_is_written_in_write_only_mode(monkeypatch):
    created = []
    real = xlsx.Workbook

    def spy(**kwargs):
        created.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(xlsx, "Workbook", spy)
    export.write_xlsx(sheet(), io.BytesIO())
    assert created == [{"write_only": True}]


# --- CSV --------------------------------------------------------------------------------------


def test_csv_has_title_header_rows_and_total():
    rows = csv_rows(sheet())
    assert rows[0] == ["线索 · 孙立军 可见范围 · 截至 2026-05-01"]
    assert rows[1] == [str(column.header) for column in COLUMNS]
    assert rows[2] == ["'" + HYPERLINK, "1234.50", "2026-06-30", "是", "3", ""]
    assert rows[-1][:2] == ["合计（6 条）", "1240.75"]
    assert len(rows) == 2 + len(ROWS) + 1


def test_csv_neutralises_formula_looking_text_but_not_numbers():
    rows = csv_rows(sheet())
    assert [row[0] for row in rows[2:7]] == [
        "'" + HYPERLINK,
        "'+86 138",
        "'@SUM(A1)",
        "'\tcmd",
        "'-2+3",
    ]
    assert rows[3][1] == "-5.00"
    assert rows[3][3] == "否"
    assert rows[6][5] == "2026-05-01 00:30"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_prefix_is_caught(prefix):
    assert export.looks_like_formula(prefix + "1")
    assert not export.looks_like_formula("1" + prefix)


# --- responses --------------------------------------------------------------------------------


def counting_rows(consumed: list[int]):
    for index, row in enumerate(ROWS):
        consumed.append(index)
        yield row


def test_csv_response_streams_rows_as_they_are_read():
    consumed: list[int] = []
    response = export.csv_response(sheet(rows=counting_rows(consumed)), today=TODAY)
    assert isinstance(response, StreamingHttpResponse)
    assert consumed == []  # nothing read before the response is sent
    chunks = iter(response.streaming_content)
    for _chunk in range(4):  # BOM, title, header, first row
        next(chunks)
    assert consumed == [0]
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_responses_name_the_file_after_the_list_and_the_day():
    csv_response = export.csv_response(sheet(), today=TODAY)
    assert "filename*=utf-8''%E7%BA%BF%E7%B4%A2-20260501.csv" in csv_response["Content-Disposition"]
    xlsx_response = export.xlsx_response(sheet(), today=TODAY)
    assert isinstance(xlsx_response, FileResponse)
    assert xlsx_response["Content-Type"] == export.XLSX_CONTENT_TYPE
    assert "%E7%BA%BF%E7%B4%A2-20260501.xlsx" in xlsx_response["Content-Disposition"]
    body = b"".join(xlsx_response.streaming_content)
    assert load_workbook(io.BytesIO(body)).active["A1"].value.startswith("线索")


def test_export_response_refuses_an_unknown_format():
    request = RequestFactory().get("/", {"format": "pdf"})
    request.user = "孙立军"
    response = export.export_response(request, name="线索", columns=COLUMNS, rows=[], today=TODAY)
    assert response.status_code == 400


def test_title_line_names_the_scope_and_the_day():
    title = export.title_line(name="项目", user="孙立军", today=TODAY)
    assert title == "项目 · 孙立军 可见范围 · 截至 2026-05-01"
