"""The import engine (``crm.imports``): reading files, finding headers, reading cells, limits."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from crm.imports import (
    Amount,
    Choice,
    DateValue,
    ImportFileError,
    Lookups,
    SourceColumn,
    header_key,
    header_unit,
    import_file,
    map_columns,
    read_table,
    spec_for,
)
from crm.imports import CellError as CellError_
from crm.models import ImportLog
from leads.models import Lead


def workbook_bytes(*rows: list, title: str = "台账") -> bytes:
    """An xlsx workbook with one sheet holding ``rows`` from row 1."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column(unit: str = "") -> SourceColumn:
    return SourceColumn(index=0, header="", unit=unit)


# --- cells --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-01",
        "2026/3/1",
        "2026.3.1",
        "2026年3月1日",
        "2026 年 3 月 1 日",
        "２０２６－０３－０１",
        "20260301",
        datetime.datetime(2026, 3, 1),
        datetime.date(2026, 3, 1),
        46082,  # Excel's day number of 2026-03-01
        "2026-03-01 00:00:00",
    ],
)
def test_dates_are_read_in_the_ways_people_write_them(value):
    assert DateValue().parse(value, column=column(), lookups=None) == datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "没有这一天"),
        ("3月1日", "不是可识别的日期"),
        ("明年春天", "不是可识别的日期"),
        ("1900-01-01", "日期超出合理范围"),
    ],
)
def test_bad_dates_say_what_is_wrong(value, message):
    with pytest.raises(CellError_) as caught:
        DateValue().parse(value, column=column(), lookups=None)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3500, "", "3500.00"),
        (12.5, "", "12.50"),
        ("1.2亿元", "", "12000.00"),
        ("1.2亿", "", "12000.00"),
        ("3,500万元", "", "3500.00"),
        ("800万", "", "800.00"),
        ("50000元", "", "5.00"),
        ("123456元", "", "12.35"),
        ("￥1,000", "", "1000.00"),
        ("１２００", "", "1200.00"),
        (1.5, "亿元", "15000.00"),
        ("2", "亿元", "20000.00"),
        ("300万元", "亿元", "300.00"),
        (Decimal("0.1"), "", "0.10"),
    ],
)
def test_amounts_become_wan_yuan(value, unit, expected):
    assert Amount().parse(value, column=column(unit), lookups=None) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("约500万", "不是金额"),
        ("-100", "不能为负数"),
        ("1e5", "不是金额"),
        ("999999999999亿元", "金额过大"),
        (float("nan"), "不是金额"),
    ],
)
def test_bad_amounts_say_what_is_wrong(value, message):
    with pytest.raises(CellError_) as caught:
        Amount().parse(value, column=column(), lookups=None)
    assert message in caught.value.message


def test_choices_take_the_label_its_short_form_or_the_value():
    rating = Choice(Lead.Rating.choices, "评级")
    assert rating.parse("A", column=column(), lookups=None) == "A"
    assert rating.parse("B级", column=column(), lookups=None) == "B"
    assert rating.parse("C 级（观察）", column=column(), lookups=None) == "C"
    role = Choice(Lead.ChainRole.choices, "链上作用")
    assert role.parse("补链", column=column(), lookups=None) == "fill"
    with pytest.raises(CellError_) as caught:
        role.parse("造链", column=column(), lookups=None)
    assert caught.value.message == "「造链」不是可选的链上作用，可填：延链、补链、强链。"


def test_headers_compare_without_marks_spaces_width_and_units():
    assert header_key("*企业名称") == header_key(" 企业 名称（必填）") == header_key("企业名称")
    assert header_key("计划投资（亿元）") == header_key("计划投资(万元)") == header_key("计划投资")
    assert header_unit("计划投资（亿元）") == "亿元"
    assert header_unit("总投资(元)") == "元"
    assert header_unit("企业名称") == ""


# --- files --------------------------------------------------------------------------------


@pytest.fixture
def leads_spec(db):
    return spec_for("leads")


def test_the_header_row_is_found_below_title_rows(leads_spec):
    data = workbook_bytes(
        ["虎林市招商线索台账"],
        [],
        ["填报单位：招商局", None, "单位：万元"],
        ["公司名称", "所属行业", "线索来源"],
        ["甲公司", "米业", "老乡招商"],
        [],
        ["乙公司", "药业", "以商招商"],
        ["合计（2 条）"],
    )

    table = read_table(data, file_name="a.xlsx", spec=leads_spec)

    assert table.header_row == 4
    assert [number for number, _cells in table.rows] == [5, 7]
    columns, problems = map_columns(table.headers, leads_spec)
    assert [c.field for c in columns] == ["company_name", "industry", "channel"]
    assert problems == []


def test_a_file_without_a_header_row_is_refused_with_advice(leads_spec):
    data = workbook_bytes(*([f"第{n}行", n] for n in range(20)))

    with pytest.raises(ImportFileError) as caught:
        read_table(data, file_name="a.xlsx", spec=leads_spec)
    assert "没有找到表头" in caught.value.message and "「企业名称」" in caught.value.message


def test_a_later_sheet_with_the_header_is_used(leads_spec):
    workbook = Workbook()
    workbook.active.append(["封面"])
    sheet = workbook.create_sheet("线索")
    sheet.append(["企业名称", "产业", "招商渠道"])
    sheet.append(["甲公司", "米业", "老乡招商"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_table(buffer.getvalue(), file_name="a.xlsx", spec=leads_spec)

    assert table.header_row == 1 and len(table.rows) == 1


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "utf-16"])
def test_csv_is_read_in_the_encodings_excel_writes(leads_spec, encoding):
    text = "企业名称,产业,招商渠道\r\n虎林米业有限公司,米业,老乡招商\r\n"
    data = text.encode(encoding)

    table = read_table(data, file_name="a.csv", spec=leads_spec)

    assert table.headers == ["企业名称", "产业", "招商渠道"]
    assert table.rows == [(2, ["虎林米业有限公司", "米业", "老乡招商"])]


def test_csv_with_tabs_and_the_exports_formula_guard(leads_spec):
    data = "企业名称\t产业\t招商渠道\n'=甲公司\t米业\t老乡招商\n".encode()

    table = read_table(data, file_name="a.txt", spec=leads_spec)

    assert table.rows[0][1][0] == "=甲公司"


def test_an_old_xls_file_is_refused_with_advice(leads_spec):
    with pytest.raises(ImportFileError) as caught:
        read_table(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, file_name="a.xls", spec=leads_spec
        )
    assert "另存为" in caught.value.message


def test_a_broken_xlsx_is_refused(leads_spec):
    with pytest.raises(ImportFileError) as caught:
        read_table(b"PK\x03\x04 not really", file_name="a.xlsx", spec=leads_spec)
    assert "无法读取" in caught.value.message


def test_a_file_too_large_is_refused_before_reading(officer, settings):
    settings.IMPORT_MAX_BYTES = 1000

    with pytest.raises(ImportFileError) as caught:
        import_file(actor=officer, kind="leads", file=b"x" * 1001, dry_run=True)
    assert (
        caught.value.message
        == "文件过大（0.0 MB），每个文件最多 0.000953674 MB：请分成几个文件导入。"
    )


def test_too_many_rows_are_refused_with_the_limit(officer, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = workbook_bytes(["企业名称", "产业", "招商渠道"], *(["甲", "米业", "老乡招商"],) * 4)

    with pytest.raises(ImportFileError) as caught:
        import_file(actor=officer, kind="leads", file=data, dry_run=True)
    assert "每次最多导入 3 行" in caught.value.message
    assert not ImportLog.objects.exists()


def test_a_missing_required_column_is_a_file_problem(officer):
    data = workbook_bytes(["企业名称", "招商渠道"], ["甲公司", "老乡招商"])

    result = import_file(actor=officer, kind="leads", file=data, dry_run=True)

    [problem] = result.problems
    assert (problem.row, problem.column, problem.severity) == (None, "产业", "error")
    assert "缺少必填的「产业」列" in problem.message


def test_two_columns_for_one_field_is_a_file_problem(officer):
    data = workbook_bytes(
        ["企业名称", "公司名称", "产业", "招商渠道"], ["甲公司", "甲公司", "米业", "老乡招商"]
    )

    result = import_file(actor=officer, kind="leads", file=data, dry_run=True)

    [problem] = result.problems
    assert problem.letter == "B" and "同时来自 A 列和 B 列" in problem.message


def test_a_mapping_names_fields_by_name_or_header_and_can_leave_a_column_out(officer):
    data = workbook_bytes(
        ["招商对象", "行业", "渠道", "企业名称"], ["甲公司", "米业", "老乡招商", "x"]
    )

    result = import_file(
        actor=officer,
        kind="leads",
        file=data,
        dry_run=True,
        mapping={"招商对象": "企业名称", 3: None},
    )

    assert [c.field for c in result.columns] == ["company_name", "industry", "channel", None]
    assert result.rows[0].values["company_name"] == "甲公司"
    assert result.problems == []


def test_an_unknown_mapping_target_is_refused(officer):
    from crm.exceptions import DomainError

    data = workbook_bytes(["企业名称", "产业", "招商渠道"], ["甲公司", "米业", "老乡招商"])
    with pytest.raises(DomainError) as caught:
        import_file(actor=officer, kind="leads", file=data, dry_run=True, mapping={"产业": "颜色"})
    assert "「颜色」不是可导入的字段" in caught.value.message


def test_a_required_cell_left_empty_is_named(officer):
    data = workbook_bytes(["企业名称", "产业", "招商渠道"], ["甲公司", None, "老乡招商"])

    result = import_file(actor=officer, kind="leads", file=data, dry_run=True)

    [problem] = result.problems
    assert (problem.row, problem.letter, problem.message) == (2, "B", "「产业」必须填写。")


def test_an_amount_column_in_yi_yuan_by_its_header(officer):
    data = workbook_bytes(
        ["企业名称", "产业", "招商渠道", "计划投资（亿元）"], ["甲公司", "米业", "老乡招商", 1.25]
    )

    result = import_file(actor=officer, kind="leads", file=data, dry_run=True)

    assert result.rows[0].values["planned_investment"] == Decimal("12500.00")


def test_a_user_by_full_name_or_user_name_and_an_ambiguous_name(officer):
    from tests.factories import UserFactory

    UserFactory(username="wang2", full_name="王招商")
    lookups = Lookups(officer)
    from crm.imports import UserReference

    assert UserReference().parse("officer", column=column(), lookups=lookups) == officer
    with pytest.raises(CellError_) as caught:
        UserReference().parse("王招商", column=column(), lookups=lookups)
    assert "请改填用户名" in caught.value.message


def test_an_unknown_kind_is_not_found(officer):
    from crm.exceptions import NotFound

    with pytest.raises(NotFound):
        import_file(actor=officer, kind="cats", file=b"x", dry_run=True)


def test_bad_options_are_refused(officer):
    from crm.exceptions import DomainError

    with pytest.raises(DomainError) as caught:
        import_file(actor=officer, kind="leads", file=b"x", on_match="merge")
    assert "on_match" in caught.value.field_errors


# --- the command and the uploads' housekeeping -------------------------------------------


def test_the_command_imports_a_ledger_and_exits_non_zero_on_errors(officer, tmp_path):
    from django.core.management import CommandError, call_command

    good = tmp_path / "线索台账.csv"
    good.write_text("企业名称,产业,招商渠道\n虎林米业有限公司,米业,老乡招商\n", encoding="gb18030")
    bad = tmp_path / "有错.csv"
    bad.write_text("企业名称,产业,招商渠道\n虎林药业有限公司,稻米,老乡招商\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import_ledger", "leads", str(good), "--user", "officer", stdout=out)
    with pytest.raises(CommandError):
        call_command("import_ledger", "leads", str(bad), "--user", "officer", stdout=out)

    text = out.getvalue()
    assert "已导入 线索台账.csv" in text and "新建 1" in text
    assert "[错误] 第 2 行 B「产业」：没有「稻米」这个产业" in text
    assert Lead.objects.filter(company_name="虎林米业有限公司").exists()
    assert not Lead.objects.filter(company_name="虎林药业有限公司").exists()


def test_uploads_left_unconfirmed_are_purged_after_a_day(settings, tmp_path):
    import os
    import time

    from crm.imports import purge_stale_uploads

    settings.IMPORT_UPLOAD_DIR = tmp_path
    old, fresh = tmp_path / "old.xlsx", tmp_path / "fresh.xlsx"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))

    assert purge_stale_uploads() == 1
    assert not old.exists() and fresh.exists()


def test_the_admin_shows_import_logs_read_only(client, admin_user, officer):
    from django.contrib.auth.models import Permission

    data = workbook_bytes(["企业名称", "产业", "招商渠道"], ["甲公司", "米业", "老乡招商"])
    log = import_file(actor=officer, kind="leads", file=data, dry_run=True).log
    admin_user.user_permissions.add(Permission.objects.get(codename="view_importlog"))
    client.force_login(admin_user)

    assert client.get("/admin/crm/importlog/").status_code == 200
    page = client.get(f"/admin/crm/importlog/{log.pk}/change/")
    assert page.status_code == 200 and log.sha256 in page.content.decode()
    assert client.post(f"/admin/crm/importlog/{log.pk}/delete/").status_code == 403
