"""The lead 台账's columns for the import (``crm.imports``), registered in ``LeadsConfig.ready()``.

Headers are the lead export's (``leads.exports``), so an exported list imports again; the
aliases are what bureaus' own ledgers call the same columns. The rows are written by
``leads.services.leads_import``. ``benchmark_import`` is what ``manage.py benchmark`` times.
"""

import io
import secrets

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.access import task_force_ids
from crm.imports import (
    Amount,
    ChainLinkReference,
    Choice,
    DateValue,
    ImportField,
    ImportSpec,
    Reference,
    TaskForceReference,
    Text,
    UserReference,
    import_file,
)
from crm.models import Channel, Industry, Region, TaskForce, User
from crm.validators import CREDIT_CODE_CHARSET, credit_code_check_character
from leads import services
from leads.models import Lead


def lead_import_spec() -> ImportSpec:
    return ImportSpec(
        kind="leads",
        title=_("线索"),
        note=_("新线索从「搜集」阶段开始；阶段请在系统中推进。"),
        list_url="leads:list",
        fields=(
            ImportField(
                "company_name",
                _("企业名称"),
                Text(),
                required=True,
                aliases=(
                    "公司名称",
                    "企业全称",
                    "单位名称",
                    "客户名称",
                    "企业",
                    "公司",
                    "客户",
                    "客商名称",
                    "投资方",
                ),
                help=_("企业的全称，与营业执照一致。"),
                example="示例：虎林市绿都米业有限公司",
            ),
            ImportField(
                "credit_code",
                _("统一社会信用代码"),
                Text(),
                aliases=("信用代码", "社会信用代码", "统一代码", "纳税人识别号", "税号"),
                help=_(
                    "18 位；搜集阶段可暂不填写。与系统中已有线索相同的，按导入时的选择跳过或更新。"
                ),
            ),
            ImportField(
                "industry",
                _("产业"),
                Reference(Industry, pgettext_lazy("noun in a sentence", "产业")),
                required=True,
                aliases=("所属产业", "行业", "所属行业", "产业类别"),
                example="米业",
            ),
            ImportField(
                "chain_link",
                _("产业链环节"),
                ChainLinkReference(),
                aliases=("链条环节", "产业环节", "环节"),
            ),
            ImportField(
                "chain_role",
                _("链上作用"),
                Choice(Lead.ChainRole.choices, pgettext_lazy("noun in a sentence", "链上作用")),
                aliases=("延链补链强链", "补链类型"),
            ),
            ImportField(
                "channel",
                _("招商渠道"),
                Reference(Channel, pgettext_lazy("noun in a sentence", "招商渠道")),
                required=True,
                aliases=("渠道", "线索来源", "来源渠道", "信息来源", "招商方式"),
                example="老乡招商",
            ),
            ImportField(
                "region",
                _("来源地区"),
                Reference(Region, pgettext_lazy("noun in a sentence", "来源地区")),
                aliases=("地区", "所在地区", "企业所在地", "来源地"),
                example="长三角",
            ),
            ImportField(
                "referrer_name",
                _("引荐人/机构"),
                Text(),
                aliases=("引荐人", "引荐机构", "推荐人", "介绍人"),
            ),
            ImportField(
                "referrer_kind",
                _("引荐方类型"),
                Choice(
                    Lead.ReferrerKind.choices, pgettext_lazy("noun in a sentence", "引荐方类型")
                ),
                aliases=("引荐人类型",),
            ),
            ImportField(
                "referrer_contact",
                _("引荐方联系方式"),
                Text(),
                aliases=("引荐人电话", "推荐人电话", "引荐人联系方式"),
            ),
            ImportField(
                "contact_name",
                _("联系人"),
                Text(),
                aliases=("企业联系人", "对接人"),
                example="张经理",
            ),
            ImportField(
                "contact_phone",
                _("联系电话"),
                Text(),
                aliases=("电话", "手机", "手机号", "联系方式"),
            ),
            ImportField(
                "contact_email",
                _("联系邮箱"),
                Text(),
                aliases=("邮箱", "电子邮箱", "Email", "E-mail"),
            ),
            ImportField(
                "planned_investment",
                _("计划投资（万元）"),
                Amount(),
                aliases=("计划投资", "投资额", "投资金额", "拟投资额", "计划投资额", "投资规模"),
                example="1.2亿元",
            ),
            ImportField(
                "intent",
                _("投资意向"),
                Text(),
                aliases=("意向", "合作意向", "投资内容", "项目内容", "项目简介"),
            ),
            ImportField(
                "rating",
                _("评级"),
                Choice(Lead.Rating.choices, pgettext_lazy("noun in a sentence", "评级")),
                aliases=("线索评级", "等级"),
            ),
            ImportField(
                "due_diligence_note",
                _("核实情况"),
                Text(),
                aliases=("尽调情况", "核实说明", "企业核实情况"),
            ),
            ImportField(
                "owner",
                _("负责人"),
                UserReference(),
                aliases=("责任人", "招商专员", "跟进人"),
                help=_("填写姓名或用户名；不填则由您本人负责，交给他人须是专班负责人。"),
            ),
            ImportField(
                "task_force",
                _("专班"),
                TaskForceReference(),
                aliases=("所属专班", "招商专班"),
                help=_("填写专班名称；只能放入您所在或负责的专班。"),
            ),
            ImportField(
                "next_follow_up_on",
                _("下次跟进日期"),
                DateValue(),
                aliases=("下次跟进", "计划跟进日期", "下次跟进时间"),
                example="2026-03-01",
            ),
        ),
        ignored=(_("阶段"), _("是否逾期"), _("逾期天数"), _("登记时间"), _("修改时间")),
        ignored_note=_("由系统记录，导入的线索从「搜集」阶段开始"),
        run=services.leads_import,
    )


def benchmark_import(*, actor: User, rows: int) -> int:
    """Import ``rows`` new leads as ``actor`` from an xlsx file built as Excel saves one
    (``manage.py benchmark`` times this, file building included); returns how many were
    created. Names and credit codes are new on every call, so nothing is skipped."""
    from openpyxl import Workbook  # only the benchmark builds a workbook here: not at start-up

    run = secrets.token_hex(3)
    task_force = TaskForce.objects.filter(pk__in=task_force_ids(actor), is_active=True).first()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["线索台账（基准测试）"])
    sheet.append(["企业名称", "统一社会信用代码", "产业", "招商渠道", "来源地区", "计划投资",
                  "联系人", "联系电话", "下次跟进日期", "专班", "投资意向"])  # fmt: skip
    serial = int(run, 16) * rows
    for number in range(rows):
        sheet.append(
            [
                f"基准导入{run}号企业{number}有限公司",
                _credit_code(serial + number),
                "米业",
                "老乡招商",
                "长三角",
                "1.2亿元" if number % 2 else 3500,
                "张经理",
                "13845671234",
                "2027/3/1" if number % 3 else "2027年3月1日",
                task_force.name if task_force else None,
                "年产 10 万吨大米加工项目",
            ]
        )
    file = io.BytesIO()
    workbook.save(file)
    result = import_file(actor=actor, kind="leads", file=file.getvalue(), file_name="基准.xlsx")
    return result.counts["create"] if result.written else 0


def _credit_code(serial: int) -> str:
    """A well-formed credit code that differs for every ``serial``."""
    body = ""
    for _position in range(9):
        body = CREDIT_CODE_CHARSET[serial % 31] + body
        serial //= 31
    first17 = "91230381" + body
    return first17 + credit_code_check_character(first17)
