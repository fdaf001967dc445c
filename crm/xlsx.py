"""The xlsx writers of ``crm.export``: a list's sheet (write-only, row by row) and a report's
fixed layout.

Apart from ``crm.export`` so that openpyxl is imported only by the processes that write a
workbook (an export, a report, the Celery worker), not by every web worker at start-up:
``crm.export.write_xlsx`` and ``write_report_xlsx`` import this module when called.
"""

from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from crm.export import (
    AMOUNT_FORMAT,
    DATE_FORMAT,
    DATETIME_FORMAT,
    HEADER_ROW,
    INT_FORMAT,
    Kind,
    ReportTable,
    ReportWorkbook,
    Sheet,
    _Table,
)

TITLE_FONT = Font(bold=True, size=13)
BOLD = Font(bold=True)

# --- a list's sheet ---------------------------------------------------------------------------


def _text_cell(worksheet: WriteOnlyWorksheet, text: str, font: Font | None = None) -> Cell:
    # Set after the value: openpyxl types a string starting with "=" as a formula ("f") and one
    # like "#N/A" as an error; "s" keeps every text a string whatever it starts with.
    cell = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


NUMBER_FORMATS = {
    Kind.AMOUNT: AMOUNT_FORMAT,
    Kind.INT: INT_FORMAT,
    Kind.DATE: DATE_FORMAT,
    Kind.DATETIME: DATETIME_FORMAT,
    Kind.DECIMAL: "0.0",
}


def _xlsx_cell(
    worksheet: WriteOnlyWorksheet, kind: Kind, value: Any, font: Font | None = None
) -> Cell | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _text_cell(worksheet, value, font)
    cell = WriteOnlyCell(worksheet, value=value)
    if kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    if font is not None:
        cell.font = font
    return cell


def write_sheet(sheet: Sheet, file: IO[bytes]) -> int:
    """Write the sheet as an xlsx workbook into ``file``, one row at a time; returns the number
    of rows written."""
    workbook = Workbook(write_only=True)
    # A sheet title may not hold []:*?/\ and is cut at 31 characters.
    worksheet = workbook.create_sheet(sheet.name.translate(str.maketrans("", "", "[]:*?/\\"))[:31])
    kinds = [column.kind for column in sheet.columns]
    # Write-only sheets take widths, panes and print titles before the first row.
    for index, column in enumerate(sheet.columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.display_width
    worksheet.freeze_panes = f"A{HEADER_ROW + 1}"
    worksheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    worksheet.append([_text_cell(worksheet, sheet.title, TITLE_FONT)])
    worksheet.append([_text_cell(worksheet, str(column.header), BOLD) for column in sheet.columns])
    table = _Table(sheet)
    for values in table:
        worksheet.append(
            [_xlsx_cell(worksheet, kind, value) for kind, value in zip(kinds, values, strict=True)]
        )
    worksheet.append(
        [
            _xlsx_cell(worksheet, kind, value, BOLD)
            for kind, value in zip(kinds, table.total_row(), strict=True)
        ]
    )
    workbook.save(file)
    return table.count


# --- a report ---------------------------------------------------------------------------------

THIN = Side(style="thin", color="9AA5B1")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")
TOTAL_FILL = PatternFill("solid", fgColor="F5F7FA")
REPORT_TITLE_FONT = Font(bold=True, size=16)
HEADING_FONT = Font(bold=True, size=12)
NOTE_FONT = Font(italic=True, size=9, color="52606D")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _put(
    worksheet: Worksheet,
    row: int,
    column: int,
    value: Any,
    kind: Kind = Kind.TEXT,
    *,
    font: Font | None = None,
) -> Cell:
    """Write one value: text always as text (never a formula), numbers with their format."""
    cell = worksheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    elif value is not None:
        cell.value = value
        if kind in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[kind]
    if font is not None:
        cell.font = font
    return cell


def _merged_line(
    worksheet: Worksheet, row: int, width: int, text: str, font: Font, alignment: Alignment
) -> None:
    cell = _put(worksheet, row, 1, text, font=font)
    cell.alignment = alignment
    if width > 1:
        worksheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _table_rows(worksheet: Worksheet, row: int, table: ReportTable) -> tuple[int, int]:
    """Write one table from ``row`` on; returns the next free row and the records written."""
    width = len(table.columns)
    _merged_line(worksheet, row, width, table.heading, HEADING_FONT, Alignment(vertical="center"))
    row += 1
    for index, column in enumerate(table.columns, start=1):
        cell = _put(worksheet, row, index, str(column.header), font=BOLD)
        cell.fill, cell.border, cell.alignment = HEADER_FILL, GRID, CENTER
    row += 1
    values = _Table(table)
    for record in values:
        for index, (column, value) in enumerate(zip(table.columns, record, strict=True), 1):
            _put(worksheet, row, index, value, column.kind).border = GRID
        row += 1
    if table.total:
        total = values.total_row(_("合计"))
        for index, (column, value) in enumerate(zip(table.columns, total, strict=True), 1):
            cell = _put(worksheet, row, index, value, column.kind, font=BOLD)
            cell.fill, cell.border = TOTAL_FILL, GRID
        row += 1
    if table.note:
        _merged_line(worksheet, row, width, table.note, NOTE_FONT, Alignment(wrap_text=True))
        row += 1
    return row, values.count


def write_report(report: ReportWorkbook, file: IO[bytes]) -> int:
    """Write the report as one sheet in the fixed layout into ``file``; returns the number of
    records written over all its tables.

    Reports are small (capped lists, a few dozen rows), so the sheet is built in memory, which
    merged cells and print settings need.
    """
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = report.name.translate(str.maketrans("", "", "[]:*?/\\"))[:31]
    width = max([2, *(len(table.columns) for table in report.tables)])
    widths = [0] * width
    for table in report.tables:
        for index, column in enumerate(table.columns):
            widths[index] = max(widths[index], column.display_width)
    for index, columns in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = columns or 12

    _merged_line(worksheet, 1, width, report.title, REPORT_TITLE_FONT, CENTER)
    worksheet.row_dimensions[1].height = 30
    _put(worksheet, 2, 1, _("截至 %(date)s") % {"date": report.as_of.isoformat()})
    unit = _put(worksheet, 2, width, report.unit or _("单位：万元"))
    unit.alignment = Alignment(horizontal="right")
    row = 3
    if report.subtitle:
        _merged_line(worksheet, row, width, report.subtitle, Font(), Alignment(wrap_text=True))
        row += 1
    count = 0
    for table in report.tables:
        row, written = _table_rows(worksheet, row + 1, table)
        count += written

    setup = worksheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = worksheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_options.horizontalCentered = True
    worksheet.page_margins.left = worksheet.page_margins.right = 0.4
    worksheet.page_margins.top = worksheet.page_margins.bottom = 0.5
    worksheet.print_title_rows = "1:2"
    workbook.save(file)
    return count
