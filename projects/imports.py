"""The columns of the project 台账 and the 对上争取 台账 for the import (``crm.imports``),
registered in ``ProjectsConfig.ready()``.

Headers are the exports' (``projects.exports``) plus the fields a project's form has that the
export leaves out (统一社会信用代码, 责任人 …). The rows are written by
``projects.services.projects_import`` and ``support_applications_import``.
"""

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from crm.imports import (
    Amount,
    CellError,
    ChainLinkReference,
    Choice,
    DateValue,
    ImportField,
    ImportSpec,
    Lookups,
    NameIndex,
    Reference,
    SourceColumn,
    TaskForceReference,
    Text,
    UserReference,
    cell_text,
)
from crm.models import Industry
from projects import services
from projects.models import Project, SupportApplication

# How a cell lists several projects: 「甲项目、乙项目」, commas, semicolons or one per line.
_LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")


class ProjectsReference:
    """The projects an application is linked to, by name or credit code, among those the
    importer sees (a project outside their scope reads as unknown, as in the form)."""

    hint = gettext_lazy("填写项目名称，多个用顿号「、」分隔；只能关联您可见的项目。")

    def parse(self, value: Any, *, column: SourceColumn, lookups: Lookups) -> list[Project]:
        index = lookups.load("visible_projects", lambda: self._index(lookups))
        projects: list[Project] = []
        for name in _LIST_SEPARATORS.split(cell_text(value)):
            if not name.strip():
                continue
            found = index.find(name)
            if not found:
                raise CellError(
                    _("没有您可见的项目「%(name)s」（填写项目名称，多个用「、」分隔）。")
                    % {"name": name.strip()}
                )
            if len(found) > 1:
                raise CellError(
                    _("有多个叫「%(name)s」的项目，请改填投资企业的统一社会信用代码。")
                    % {"name": name.strip()}
                )
            if found[0] not in projects:
                projects.append(found[0])
        return projects

    @staticmethod
    def _index(lookups: Lookups) -> NameIndex:
        index = NameIndex()
        for project in Project.objects.visible_to(lookups.actor).order_by("id"):
            index.add(project, project.name, project.credit_code)
        return index

    def choices(self, lookups: Lookups) -> list[str]:
        return []


def project_import_spec() -> ImportSpec:
    return ImportSpec(
        kind="projects",
        title=gettext_lazy("项目"),
        note=gettext_lazy("新项目从「洽谈」状态开始；签约、开工等请在系统中推进，以记下日期。"),
        list_url="projects:list",
        fields=(
            ImportField(
                "name",
                gettext_lazy("项目名称"),
                Text(),
                required=True,
                aliases=("项目", "名称"),
                example="示例：绿都米业稻米深加工项目",
            ),
            ImportField(
                "enterprise_name",
                gettext_lazy("投资主体"),
                Text(),
                required=True,
                aliases=("投资企业", "企业名称", "投资方", "建设单位", "项目单位"),
                example="虎林市绿都米业有限公司",
            ),
            ImportField(
                "category",
                gettext_lazy("项目类别"),
                Choice(Project.Category.choices, pgettext_lazy("noun in a sentence", "项目类别")),
                required=True,
                aliases=("类别", "项目类型"),
                example="产业项目",
            ),
            ImportField(
                "credit_code",
                gettext_lazy("统一社会信用代码"),
                Text(),
                aliases=("信用代码", "社会信用代码", "统一代码"),
                help=gettext_lazy(
                    "投资企业的代码；产业项目和裂变升级项目必填，同一企业只登记一个项目。"
                ),
            ),
            ImportField(
                "industry",
                gettext_lazy("产业"),
                Reference(Industry, pgettext_lazy("noun in a sentence", "产业")),
                aliases=("所属产业", "行业", "所属行业"),
                example="米业",
            ),
            ImportField(
                "chain_link",
                gettext_lazy("产业链环节"),
                ChainLinkReference(),
                aliases=("链条环节", "产业环节", "环节"),
            ),
            ImportField(
                "total_investment",
                gettext_lazy("总投资（万元）"),
                Amount(),
                aliases=("总投资", "计划总投资", "投资总额", "总投资额"),
                example="1.5亿元",
            ),
            ImportField(
                "signed_amount",
                gettext_lazy("签约金额（万元）"),
                Amount(),
                aliases=("签约金额", "签约额", "合同金额"),
            ),
            ImportField(
                "funds_in_place",
                gettext_lazy("到位资金（万元）"),
                Amount(),
                aliases=("到位资金", "实际到位资金", "累计到位资金"),
            ),
            ImportField(
                "leader",
                gettext_lazy("包保领导"),
                UserReference(),
                aliases=("包联领导", "包保县领导", "牵头领导"),
            ),
            ImportField(
                "owner",
                gettext_lazy("责任人"),
                UserReference(),
                aliases=("负责人", "项目负责人", "招商专员"),
                help=gettext_lazy("填写姓名或用户名；不填则由您本人负责，交给他人须是专班负责人。"),
            ),
            ImportField(
                "task_force",
                gettext_lazy("专班"),
                TaskForceReference(),
                aliases=("所属专班", "招商专班"),
            ),
            ImportField(
                "department",
                gettext_lazy("责任部门"),
                Text(),
                aliases=("责任单位", "牵头部门", "牵头单位"),
            ),
            ImportField(
                "location",
                gettext_lazy("建设地点"),
                Text(),
                aliases=("项目地点", "选址", "项目选址"),
            ),
            ImportField(
                "description",
                gettext_lazy("建设内容"),
                Text(),
                aliases=("建设内容及规模", "项目内容", "建设规模"),
            ),
            ImportField(
                "target_commence_on",
                gettext_lazy("计划开工日期"),
                DateValue(),
                aliases=("计划开工时间", "开工时间"),
            ),
            ImportField(
                "target_production_on",
                gettext_lazy("计划投产日期"),
                DateValue(),
                aliases=("计划投产时间", "投产时间"),
            ),
        ),
        ignored=(
            gettext_lazy("状态"),
            gettext_lazy("推进目标"),
            gettext_lazy("剩余天数"),
            gettext_lazy("是否逾期"),
            gettext_lazy("本状态天数"),
            gettext_lazy("最新进度（%）"),
        ),
        ignored_note=gettext_lazy("由系统计算，导入的项目从「洽谈」状态开始"),
        run=services.projects_import,
    )


def support_import_spec() -> ImportSpec:
    return ImportSpec(
        kind="support",
        title=gettext_lazy("对上争取事项"),
        note=gettext_lazy(
            "新事项从「谋划」状态开始；申报、批复、下达请在系统中推进，以记下批复和下达金额。"
        ),
        list_url="projects:support_list",
        fields=(
            ImportField(
                "title",
                gettext_lazy("申报事项"),
                Text(),
                required=True,
                aliases=("事项名称", "项目名称", "申报项目", "争取事项"),
                example="示例：虎林市灌区续建配套与现代化改造",
            ),
            ImportField(
                "fund_source",
                gettext_lazy("资金来源"),
                Choice(
                    SupportApplication.FundSource.choices,
                    pgettext_lazy("noun in a sentence", "资金来源"),
                ),
                required=True,
                aliases=("资金类别", "资金渠道", "争取方向"),
                example="地方政府专项债券",
            ),
            ImportField(
                "policy_reference",
                gettext_lazy("政策依据"),
                Text(),
                aliases=("政策文件", "文件依据"),
            ),
            ImportField(
                "amount_requested",
                gettext_lazy("申请金额（万元）"),
                Amount(),
                aliases=("申请金额", "申报金额", "争取金额", "拟申请资金"),
                example="8000",
            ),
            ImportField(
                "deadline",
                gettext_lazy("申报截止日期"),
                DateValue(),
                aliases=("截止日期", "申报截止时间", "截止时间"),
            ),
            ImportField(
                "owner",
                gettext_lazy("责任人"),
                UserReference(),
                aliases=("负责人", "经办人"),
                help=gettext_lazy("填写姓名或用户名；不填则由您本人负责，交给他人须是专班负责人。"),
            ),
            ImportField(
                "task_force",
                gettext_lazy("专班"),
                TaskForceReference(),
                aliases=("所属专班",),
            ),
            ImportField(
                "projects",
                gettext_lazy("关联项目"),
                ProjectsReference(),
                aliases=("对应项目", "支持项目"),
            ),
            ImportField("note", gettext_lazy("备注"), Text(), aliases=("说明",)),
        ),
        ignored=(
            gettext_lazy("状态"),
            gettext_lazy("批复金额（万元）"),
            gettext_lazy("下达金额（万元）"),
            gettext_lazy("进入本状态日期"),
        ),
        ignored_note=gettext_lazy("随状态推进记录，导入的事项从「谋划」状态开始"),
        run=services.support_applications_import,
        similar_names=False,
    )
