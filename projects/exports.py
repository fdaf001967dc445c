"""The exports of the project table and the 对上争取 list: their columns and rows, written by
``crm.export``."""

import datetime
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from crm.export import CHUNK_SIZE, Column, Kind
from projects import selectors
from projects.models import Project, SupportApplication


def project_columns(today: datetime.date) -> list[Column[Project]]:
    """The project table's columns; rows come from ``project_rows`` (targets attached)."""
    return [
        Column(_("项目名称"), lambda project: project.name, width=30),
        Column(_("投资主体"), lambda project: project.enterprise_name, width=26),
        # Headed as the import reads them, so an exported table can be imported again.
        Column(_("统一社会信用代码"), lambda project: project.credit_code, width=22),
        Column(_("项目类别"), lambda project: project.get_category_display(), width=12),
        Column(_("产业"), lambda project: project.industry and project.industry.name, width=10),
        Column(_("状态"), lambda project: project.get_status_display(), width=10),
        Column(_("总投资（万元）"), lambda project: project.total_investment, Kind.AMOUNT),
        Column(_("签约金额（万元）"), lambda project: project.signed_amount, Kind.AMOUNT),
        Column(_("到位资金（万元）"), lambda project: project.funds_in_place, Kind.AMOUNT),
        Column(_("包保领导"), lambda project: project.leader, width=10),
        Column(_("责任人"), lambda project: project.owner, width=10),
        Column(_("专班"), lambda project: project.task_force, width=12),
        Column(
            _("推进目标"), lambda project: project.target and project.target.description, width=30
        ),
        Column(_("剩余天数"), lambda project: project.days_left, Kind.INT),
        Column(_("是否逾期"), lambda project: project.is_late, Kind.BOOL, width=10),
        Column(_("本状态天数"), lambda project: project.days_in_status(today), Kind.INT, width=12),
        Column(_("最新进度（%）"), lambda project: project.progress_percent, Kind.INT, width=14),
    ]


def project_rows(projects: QuerySet[Project], today: datetime.date) -> Iterator[Project]:
    """The projects read in chunks, each given its target (one query for every target)."""
    targets = selectors.targets_by_id()
    for project in projects.iterator(chunk_size=CHUNK_SIZE):
        yield from selectors.attach_targets([project], today, targets)


def support_columns() -> list[Column[SupportApplication]]:
    """The 对上争取 list's columns (the rows need ``projects`` prefetched)."""
    return [
        Column(_("申报事项"), lambda application: application.title, width=30),
        Column(_("资金来源"), lambda application: application.get_fund_source_display(), width=18),
        Column(_("政策依据"), lambda application: application.policy_reference, width=24),
        Column(_("状态"), lambda application: application.get_status_display(), width=8),
        Column(
            _("申请金额（万元）"), lambda application: application.amount_requested, Kind.AMOUNT
        ),
        Column(_("批复金额（万元）"), lambda application: application.amount_approved, Kind.AMOUNT),
        Column(
            _("下达金额（万元）"), lambda application: application.amount_allocated, Kind.AMOUNT
        ),
        Column(_("申报截止日期"), lambda application: application.deadline, Kind.DATE, width=14),
        Column(_("责任人"), lambda application: application.owner, width=10),
        Column(_("专班"), lambda application: application.task_force, width=12),
        Column(
            _("关联项目"),
            lambda application: "、".join(project.name for project in application.projects.all()),
            width=30,
        ),
        Column(
            _("进入本状态日期"),
            lambda application: application.status_changed_on,
            Kind.DATE,
            width=16,
        ),
    ]
