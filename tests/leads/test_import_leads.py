"""Importing a lead 台账: every problem named before anything is written, then all rows once.

The ledger is what a bureau keeps in Excel: a title row, its own headers (序号, 所属产业 …),
dates written four ways, amounts in 亿元 and 万元, a bad credit code, a duplicate row and a
company another task force already has.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from crm.imports import Action, import_file
from crm.models import ChangeLog, ImportLog, Reminder, SecurityEvent, User
from leads.models import Lead
from tests.crm.test_imports import workbook_bytes
from tests.factories import LeadFactory, UserFactory, make_credit_code

pytestmark = pytest.mark.django_db

HEADERS = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "所属产业",
    "招商渠道",
    "来源地区",
    "计划投资",
    "联系人",
    "联系电话",
    "下次跟进日期",
    "专班",
    "备注",
]
TITLE = "2026年虎林市招商引资线索台账（截至3月底）"
CODE_RICE, CODE_PHARMA, CODE_DAIRY, CODE_BEE = (make_credit_code(n) for n in (71, 72, 73, 74))
BAD_CODE = CODE_PHARMA[:-1] + ("0" if CODE_PHARMA[-1] != "0" else "1")


def ledger(*, fixed: bool = False, task_force: str = "米业专班", phone: str = "13845671234"):
    """The bureau's 台账; ``fixed`` corrects the bad code and drops the duplicate row."""
    rows = [
        [1, "虎林市绿都米业有限公司", CODE_RICE, "米业", "老乡招商", "长三角", "1.2亿元", "张经理",
         phone, "2026-03-01", task_force, "已对接两次"],
        [2, "黑龙江北药制药有限公司", CODE_PHARMA if fixed else BAD_CODE, "药业", "以商招商",
         "珠三角", 3500, "李总", "0467-5821234", "2026/3/15", task_force, None],
        [3, "完达山乳品（虎林）有限公司", CODE_DAIRY, "乳业", "展会招商", "京津冀", "800万元",
         "王经理", None, "2026.4.1", task_force, None],
        [4, "完达山乳品虎林分公司", CODE_DAIRY, "乳业", "展会招商", "京津冀", "800万元",
         "王经理", None, "2026.4.1", task_force, "重复登记"],
        [5, "东方红蜂业有限公司", CODE_BEE, "蜂业", "中介招商", "省内", "0.5亿", "赵会长",
         None, "2026年4月20日", task_force, None],
        [6, "虎头镇文旅发展有限公司", None, "文旅", "上门洽谈", "省内", "2000万", "孙主任",
         None, datetime.datetime(2026, 5, 6), task_force, None],
    ]  # fmt: skip
    if fixed:
        del rows[3]
    return workbook_bytes([TITLE], HEADERS, *rows)


@pytest.fixture
def bee_lead(other_officer, other_task_force) -> Lead:
    """Another task force's lead, holding the code of the ledger's 5th company."""
    return LeadFactory(
        owner=other_officer,
        task_force=other_task_force,
        credit_code=CODE_BEE,
        company_name="保密的蜂业企业有限公司",
    )


def run(actor, data, **options):
    return import_file(actor=actor, kind="leads", file=data, file_name="线索台账.xlsx", **options)


def problems_of(result):
    return [(p.row, p.letter, p.column, p.severity, p.message) for p in result.problems]


def test_the_ledger_previews_with_every_problem_named_and_imports_nothing(
    officer, task_force, bee_lead
):
    before = Lead.objects.count()

    result = run(officer, ledger(), dry_run=True)

    found = problems_of(result)
    assert (
        4,
        "C",
        "统一社会信用代码",
        "error",
        "统一社会信用代码校验位不正确，请核对是否抄错。",
    ) in found
    assert any(
        row == 6
        and letter == "C"
        and severity == "error"
        and "与第 5 行的统一社会信用代码相同" in m
        for row, letter, _column, severity, m in found
    )
    assert any(
        row == 7 and severity == "warning" and "「乳业专班」" in m and "本行跳过" in m
        for row, _letter, _column, severity, m in found
    )
    assert result.counts["rows"] == 6
    assert result.counts["errors"] == 2
    assert not result.written
    assert Lead.objects.count() == before
    assert result.log.status == ImportLog.Status.PREVIEW
    columns = {column.header: column.field for column in result.columns}
    assert columns["所属产业"] == "industry"
    assert columns["计划投资"] == "planned_investment"
    assert columns["序号"] is None and columns["备注"] is None


def test_a_real_import_with_errors_writes_nothing_and_is_logged_refused(
    officer, task_force, bee_lead
):
    before = Lead.objects.count()

    result = run(officer, ledger())

    assert not result.written
    assert Lead.objects.count() == before
    assert result.log.status == ImportLog.Status.REFUSED
    assert result.log.created_count == 0
    assert result.log.error_count == 2


def test_the_fixed_ledger_imports_every_row_once(officer, task_force, bee_lead):
    result = run(officer, ledger(fixed=True))

    assert result.written
    assert result.counts["create"] == 4 and result.counts["skip"] == 1
    rice = Lead.objects.get(credit_code=CODE_RICE)
    assert rice.company_name == "虎林市绿都米业有限公司"
    assert rice.industry.code == "rice" and rice.channel.code == "townsman"
    assert rice.region.code == "yangtze-delta"
    assert rice.planned_investment == Decimal("12000.00")
    assert rice.next_follow_up_on == datetime.date(2026, 3, 1)
    assert rice.contact_phone == "13845671234"
    assert (rice.owner, rice.task_force, rice.stage) == (officer, task_force, Lead.Stage.COLLECT)
    assert rice.company_key == "虎林市绿都米业"
    pharma = Lead.objects.get(credit_code=CODE_PHARMA)
    assert (pharma.planned_investment, pharma.next_follow_up_on) == (
        Decimal("3500.00"),
        datetime.date(2026, 3, 15),
    )
    dairy = Lead.objects.get(credit_code=CODE_DAIRY)
    assert (dairy.planned_investment, dairy.next_follow_up_on) == (
        Decimal("800.00"),
        datetime.date(2026, 4, 1),
    )
    tourism = Lead.objects.get(company_name="虎头镇文旅发展有限公司")
    assert (tourism.credit_code, tourism.next_follow_up_on) == ("", datetime.date(2026, 5, 6))
    assert Lead.objects.get(credit_code=CODE_BEE) == bee_lead
    log = result.log
    assert (log.status, log.created_count, log.skipped_count) == (ImportLog.Status.DONE, 4, 1)
    assert not log.dry_run


def test_importing_the_same_file_again_creates_nothing(officer, task_force, bee_lead):
    run(officer, ledger(fixed=True))
    count = Lead.objects.count()

    again = run(officer, ledger(fixed=True))

    assert again.written
    assert Lead.objects.count() == count
    assert again.counts["create"] == 0 and again.counts["skip"] == 5
    assert {row.action for row in again.rows} == {Action.SKIP}


def test_imported_leads_history_rows_say_imported(officer, task_force, bee_lead):
    run(officer, ledger(fixed=True))

    rice = Lead.objects.get(credit_code=CODE_RICE)
    entry = ChangeLog.objects.get(
        content_type=ContentType.objects.get_for_model(Lead), object_id=rice.pk
    )
    assert entry.action == ChangeLog.Action.CREATE
    assert entry.source == ChangeLog.Source.IMPORT
    assert entry.actor == officer


def test_the_timeline_says_a_lead_was_imported(client, officer, task_force, bee_lead):
    run(officer, ledger(fixed=True))
    rice = Lead.objects.get(credit_code=CODE_RICE)
    client.force_login(officer)

    page = client.get(rice.get_absolute_url()).content.decode()

    assert '登记线索 <span class="muted">· 经导入</span>' in page


def test_update_mode_changes_the_matched_lead_through_its_service(officer, task_force):
    run(officer, ledger(fixed=True))
    rice = Lead.objects.get(credit_code=CODE_RICE)

    result = run(officer, ledger(fixed=True, phone="13900001111"), on_match="update")

    assert result.written
    assert result.counts["update"] == 1
    assert result.counts["unchanged"] == 3
    assert result.counts["skip"] == 1  # the company without a credit code, matched by name
    rice.refresh_from_db()
    assert rice.contact_phone == "13900001111"
    assert rice.version == 2
    entry = ChangeLog.objects.filter(object_id=rice.pk, action=ChangeLog.Action.UPDATE).get()
    assert entry.source == ChangeLog.Source.IMPORT
    assert entry.changes[0]["field"] == "contact_phone"


def test_update_mode_leaves_fields_the_file_leaves_empty(officer, task_force):
    run(officer, ledger(fixed=True))

    run(officer, ledger(fixed=True, phone=None), on_match="update")

    assert Lead.objects.get(credit_code=CODE_RICE).contact_phone == "13845671234"


def test_a_match_outside_scope_is_named_only_by_its_task_force(officer, task_force, bee_lead):
    result = run(officer, ledger(fixed=True), dry_run=True)

    row = next(row for row in result.rows if row.number == 6)
    assert row.action == Action.SKIP
    [message] = [problem.message for problem in row.problems]
    assert "乳业专班" in message
    assert bee_lead.company_name not in message


def test_updating_a_lead_outside_scope_is_refused(officer, task_force, bee_lead):
    result = run(officer, ledger(fixed=True), on_match="update")

    assert not result.written
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert problem.row == 6 and "无权修改" in problem.message
    assert bee_lead.company_name not in problem.message
    assert not Lead.objects.filter(credit_code=CODE_RICE).exists()


def test_an_officer_cannot_put_imported_leads_in_another_task_force(
    officer, task_force, other_task_force
):
    result = run(officer, ledger(fixed=True, task_force="乳业专班"))

    assert not result.written
    errors = [p for p in result.problems if p.severity == "error"]
    assert {p.row for p in errors} == {3, 4, 5, 6, 7}
    assert all(p.column == "专班" and "只能把线索放入自己所在的专班" in p.message for p in errors)
    assert not Lead.objects.filter(task_force=other_task_force).exists()


def test_an_officer_cannot_give_imported_leads_to_a_colleague(officer, task_force):
    colleague = UserFactory(username="colleague", full_name="张同事")
    task_force.members.add(colleague)
    data = workbook_bytes(
        ["企业名称", "产业", "招商渠道", "负责人", "专班"],
        ["虎林市新米业有限公司", "米业", "老乡招商", "张同事", "米业专班"],
    )

    result = run(officer, data)

    [problem] = result.problems
    assert (problem.row, problem.column) == (2, "负责人")
    assert "只有专班负责人或局领导可以把线索分配给他人" in problem.message
    assert not result.written


def test_a_leader_assigns_imported_leads_and_the_owner_is_told(leader, officer, task_force):
    data = workbook_bytes(
        ["企业名称", "产业", "招商渠道", "负责人", "专班"],
        ["虎林市新米业有限公司", "米业", "老乡招商", "王招商", "米业专班"],
    )

    result = run(leader, data)

    assert result.written
    lead = Lead.objects.get(company_name="虎林市新米业有限公司")
    assert (lead.owner, lead.task_force, lead.created_by) == (officer, task_force, leader)
    assert Reminder.objects.filter(
        kind=Reminder.Kind.ASSIGNMENT, recipient=officer, ref=f"leads:{lead.pk}"
    ).exists()


def test_a_similar_name_is_a_warning_and_skipped_unless_asked(officer, task_force):
    LeadFactory(owner=officer, task_force=task_force, company_name="虎林市绿都米业（集团）有限公司")
    data = workbook_bytes(
        ["企业名称", "产业", "招商渠道"], ["虎林市绿都米业有限公司", "米业", "老乡招商"]
    )

    skipped = run(officer, data)
    imported = run(officer, data, on_similar="import")

    [warning] = skipped.problems
    assert warning.severity == "warning" and "虎林市绿都米业（集团）有限公司" in warning.message
    assert skipped.counts["skip"] == 1 and skipped.written
    assert imported.counts["create"] == 1
    assert Lead.objects.filter(company_key="虎林市绿都米业").count() == 2


def test_reference_data_by_code_inactive_and_unknown(officer, task_force):
    from crm.models import Channel

    Channel.objects.filter(code="expo").update(is_active=False)
    data = workbook_bytes(
        ["企业名称", "产业", "招商渠道", "来源地区"],
        ["甲公司", "rice", "以商招商", "yangtze-delta"],
        ["乙公司", "米业", "展会招商", None],
        ["丙公司", "稻米", "老乡招商", None],
    )

    result = run(officer, data, dry_run=True)

    messages = {(p.row, p.column): p.message for p in result.problems}
    assert (2, "产业") not in messages and (2, "来源地区") not in messages
    assert messages[(3, "招商渠道")] == "招商渠道「展会招商」已停用，请改填启用中的招商渠道。"
    assert "没有「稻米」这个产业" in messages[(4, "产业")]


def test_the_lead_export_imports_again(bureau_leader, officer, task_force):
    for serial in range(3):
        LeadFactory(
            owner=officer,
            task_force=task_force,
            credit_code=make_credit_code(900 + serial),
            planned_investment=Decimal("1500.5"),
            next_follow_up_on=datetime.date(2026, 6, serial + 1),
        )
    client = APIClient()
    client.force_login(bureau_leader)
    exported = b"".join(client.get(reverse("leads:export")).streaming_content)
    Lead.objects.all().delete()

    result = run(bureau_leader, exported)

    assert result.written, problems_of(result)
    assert result.counts["create"] == 3
    lead = Lead.objects.get(credit_code=make_credit_code(901))
    assert (lead.owner, lead.task_force) == (officer, task_force)
    assert lead.planned_investment == Decimal("1500.50")
    assert lead.next_follow_up_on == datetime.date(2026, 6, 2)
    ignored = {column.header for column in result.columns if column.field is None}
    assert ignored == {"阶段", "是否逾期", "逾期天数", "登记时间", "修改时间"}


def _rows(count: int) -> bytes:
    return workbook_bytes(
        ["企业名称", "统一社会信用代码", "产业", "招商渠道", "来源地区", "计划投资", "专班"],
        *(
            [f"测试导入企业{n}有限公司", make_credit_code(5000 + n), "米业", "老乡招商",
             "长三角", "1亿元", "米业专班"]
            for n in range(count)
        ),
    )  # fmt: skip


def test_a_preview_costs_the_same_queries_for_5_and_50_rows(officer, task_force):
    counts = []
    for size in (5, 50):
        data = _rows(size)
        actor = User.objects.get(pk=officer.pk)  # a fresh user object: no cached task forces
        with CaptureQueriesContext(connection) as queries:
            result = run(actor, data, dry_run=True)
        assert result.counts["create"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1] == 13


def test_the_import_writes_in_batches_not_row_by_row(
    officer, task_force, django_assert_max_num_queries
):
    data = _rows(200)
    with django_assert_max_num_queries(40):
        result = run(officer, data)
    assert result.counts["create"] == 200


def test_every_import_is_in_the_security_log(officer, task_force):
    run(officer, _rows(2), dry_run=True)

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.IMPORT)
    assert event.actor == officer
    assert event.details["kind"] == "leads" and event.details["dry_run"] is True
    assert event.details["create"] == 2


# --- the API ------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(data: bytes, name: str = "线索台账.xlsx") -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def test_api_dry_run_lists_rows_and_problems_and_writes_nothing(officer, task_force, bee_lead):
    response = api(officer).post(
        "/api/v1/imports/leads/?dry_run=true", {"file": upload(ledger())}, format="multipart"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["written"] is False
    assert body["log"]["status"] == "preview"
    assert len(body["rows"]) == 6
    assert {"row": 4, "letter": "C", "column": "统一社会信用代码", "severity": "error"}.items() <= (
        body["log"]["problems"][0].items()
    )
    assert not Lead.objects.filter(credit_code=CODE_RICE).exists()


def test_api_refuses_a_ledger_with_errors_and_writes_nothing(officer, task_force, bee_lead):
    response = api(officer).post(
        "/api/v1/imports/leads/", {"file": upload(ledger())}, format="multipart"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "ImportRefused"
    assert any("第 4 行" in where for where in body["errors"])
    assert not Lead.objects.filter(credit_code=CODE_RICE).exists()


def test_api_imports_the_fixed_ledger(officer, task_force, bee_lead):
    response = api(officer).post(
        "/api/v1/imports/leads/",
        {"file": upload(ledger(fixed=True)), "on_match": "skip"},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["log"]["created_count"] == 4
    assert Lead.objects.filter(credit_code=CODE_RICE).exists()


def test_api_takes_a_column_mapping(officer, task_force):
    data = workbook_bytes(["招商对象", "产业", "招商渠道"], ["甲公司", "米业", "老乡招商"])

    response = api(officer).post(
        "/api/v1/imports/leads/",
        {"file": upload(data), "mapping": '{"招商对象": "企业名称"}'},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert Lead.objects.filter(company_name="甲公司").exists()


@pytest.mark.parametrize(
    ("query", "body", "field"),
    [
        ("", {}, "file"),
        ("", {"file": "not a file"}, "file"),
        ("", {"on_match": "overwrite"}, "on_match"),
        ("", {"mapping": "[1, 2"}, "mapping"),
        ("?dry_run=perhaps", {}, "dry_run"),
    ],
)
def test_api_bad_input_is_a_400_with_the_field(officer, task_force, query, body, field):
    payload = {"file": upload(_rows(1)), **body}
    if field == "file":
        payload.pop("file") if "file" not in body else None

    response = api(officer).post(f"/api/v1/imports/leads/{query}", payload, format="multipart")

    assert response.status_code == 400
    assert field in response.json().get("errors", {}), response.json()


def test_api_unreadable_file_is_a_400_with_the_reason(officer):
    response = api(officer).post(
        "/api/v1/imports/leads/",
        {"file": upload(b"\x00\x01garbage" * 50, "x.xlsx")},
        format="multipart",
    )

    assert response.status_code == 400
    assert "xlsx" in response.json()["detail"]


def test_api_unknown_kind_is_a_404(officer):
    response = api(officer).post(
        "/api/v1/imports/cats/", {"file": upload(_rows(1))}, format="multipart"
    )

    assert response.status_code == 404


def test_api_log_lists_only_ones_own_imports(officer, other_officer, bureau_leader, task_force):
    run(officer, _rows(1), dry_run=True)

    assert api(officer).get("/api/v1/imports/").json()["count"] == 1
    assert api(other_officer).get("/api/v1/imports/").json()["count"] == 0
    everything = api(bureau_leader).get("/api/v1/imports/?kind=leads").json()
    assert everything["count"] == 1
    assert everything["results"][0]["problems"] == []


# --- the pages ----------------------------------------------------------------------------


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    return settings.IMPORT_UPLOAD_DIR


def test_upload_preview_then_confirm_imports_the_ledger(
    client, officer, task_force, bee_lead, upload_dir
):
    client.force_login(officer)
    response = client.post(
        reverse("imports:new"),
        {"kind": "leads", "file": upload(ledger()), "on_match": "skip", "on_similar": "skip"},
    )
    log = ImportLog.objects.get()
    assert response.status_code == 302 and response["Location"] == log.get_absolute_url()

    page = client.get(log.get_absolute_url())
    html = page.content.decode()
    assert "统一社会信用代码校验位不正确" in html
    assert "与第 5 行的统一社会信用代码相同" in html
    commit_url = reverse("imports:commit", args=[log.pk])
    assert commit_url not in html

    refused = client.post(reverse("imports:commit", args=[log.pk]))
    assert refused.status_code == 302
    assert not Lead.objects.filter(credit_code=CODE_RICE).exists()

    client.post(
        reverse("imports:new"),
        {
            "kind": "leads",
            "file": upload(ledger(fixed=True)),
            "on_match": "skip",
            "on_similar": "skip",
        },
    )
    fixed = ImportLog.objects.latest("id")
    assert (
        reverse("imports:commit", args=[fixed.pk])
        in client.get(fixed.get_absolute_url()).content.decode()
    )
    client.post(reverse("imports:commit", args=[fixed.pk]))
    fixed.refresh_from_db()
    assert fixed.status == ImportLog.Status.DONE and fixed.created_count == 4
    assert Lead.objects.filter(credit_code__in=[CODE_RICE, CODE_PHARMA, CODE_DAIRY]).count() == 3
    assert not list(upload_dir.iterdir())

    second = client.post(reverse("imports:commit", args=[fixed.pk]))
    assert second.status_code == 302
    assert Lead.objects.filter(credit_code=CODE_RICE).count() == 1


def test_a_column_can_be_mapped_by_hand_on_the_preview(client, officer, task_force, upload_dir):
    client.force_login(officer)
    data = workbook_bytes(["招商对象", "产业", "招商渠道"], ["甲公司", "米业", "老乡招商"])
    client.post(
        reverse("imports:new"),
        {"kind": "leads", "file": upload(data), "on_match": "skip", "on_similar": "skip"},
    )
    log = ImportLog.objects.get()
    assert log.error_count == 1  # 企业名称 is missing

    client.post(
        log.get_absolute_url(),
        {"map-0": "company_name", "map-1": "industry", "map-2": "channel",
         "on_match": "skip", "on_similar": "skip"},
    )  # fmt: skip
    log.refresh_from_db()
    assert log.error_count == 0 and log.created_count == 1
    client.post(reverse("imports:commit", args=[log.pk]))
    assert Lead.objects.filter(company_name="甲公司").exists()


def test_an_unreadable_upload_is_shown_on_the_form(client, officer, upload_dir):
    client.force_login(officer)
    response = client.post(
        reverse("imports:new"),
        {"kind": "leads", "file": upload(b"PK\x03\x04broken", "a.xlsx"), "on_match": "skip",
         "on_similar": "skip"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "无法读取" in response.content.decode()
    assert not ImportLog.objects.exists()


def test_someone_elses_import_is_not_found(client, officer, other_officer, task_force, upload_dir):
    result = run(officer, _rows(1), dry_run=True)
    client.force_login(other_officer)

    assert client.get(result.log.get_absolute_url()).status_code == 404
    assert client.post(reverse("imports:commit", args=[result.log.pk])).status_code == 404


def test_the_import_log_page_lists_ones_imports(client, officer, task_force):
    run(officer, _rows(2), dry_run=True)
    client.force_login(officer)

    response = client.get(reverse("imports:list"))

    assert response.status_code == 200
    assert "线索台账.xlsx" in response.content.decode()


def test_the_template_downloads_with_headers_example_and_notes(client, officer):
    client.force_login(officer)

    response = client.get(reverse("imports:template", args=["leads"]))

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[2]]
    assert headers[:3] == ["*企业名称", "统一社会信用代码", "*产业"]
    assert "说明" in workbook.sheetnames
    notes = {row[0]: row for row in workbook["说明"].iter_rows(values_only=True)}
    assert "米业" in notes["产业"][3]
    assert client.get(reverse("imports:template", args=["cats"])).status_code == 404


def test_the_template_imports_with_its_example_row_ignored(client, officer, task_force):
    client.force_login(officer)
    template = client.get(reverse("imports:template", args=["leads"])).content
    workbook = load_workbook(io.BytesIO(template))
    workbook.worksheets[0].append(["虎林市新米业有限公司", None, "米业", None, None, "以商招商"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = run(officer, buffer.getvalue())

    assert result.written, problems_of(result)
    assert result.counts == {**result.counts, "rows": 1, "create": 1}


def test_a_credit_code_registered_during_the_import_writes_nothing(
    officer, task_force, monkeypatch
):
    from leads import services

    real = services._import_updates

    def meanwhile(**kwargs):
        # Another user's lead, committed after the rows were checked and before they are written.
        LeadFactory(credit_code=make_credit_code(5001), company_name="抢先登记的企业")
        real(**kwargs)

    monkeypatch.setattr(services, "_import_updates", meanwhile)

    result = run(officer, _rows(3))

    assert not result.written
    [problem] = result.problems
    assert problem.row == 3 and "该统一社会信用代码已登记" in problem.message
    assert not Lead.objects.filter(company_name__startswith="测试导入企业").exists()
    assert result.log.status == ImportLog.Status.REFUSED


def test_the_benchmark_hook_imports_new_leads_every_time(leader, task_force):
    from leads.imports import benchmark_import

    assert benchmark_import(actor=leader, rows=20) == 20
    assert benchmark_import(actor=leader, rows=20) == 20
    assert Lead.objects.filter(task_force=task_force, created_by=leader).count() == 40
