"""The 周报 / 月报 as an xlsx in the bureau's fixed layout (title, 截至, 单位：万元, totals),
laid out by ``crm.export`` from ``dashboard.reports.report()``."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.export import Column, Kind, ReportTable, ReportWorkbook
from dashboard.reports import Report, report_subtitle


def _counted(header: str, value: Any, *, summed: bool = True) -> Column:
    return Column(header, value, Kind.INT, width=12, summed=summed)


def _amount(header: str, value: Any, *, summed: bool = True) -> Column:
    return Column(header, value, Kind.AMOUNT, width=16, summed=summed)


def _label(header: str, value: Any = lambda row: row.label, width: int = 28) -> Column:
    return Column(header, value, width=width)


def _capped_note(shown: int, total: int) -> str:
    if total <= shown:
        return ""
    return _("共 %(total)d 项，此处列出金额最大的 %(shown)d 项。") % {
        "total": total,
        "shown": shown,
    }


def report_workbook(data: Report) -> ReportWorkbook:
    """The report as the bureau's fixed xlsx layout (``crm.export.write_report_xlsx``): the
    headline figures, then each section as a table with its 合计, amounts in 万元."""
    new, moves, projects = data.new_leads, data.stage_moves, data.projects
    headline = [
        (_("新增线索（条）"), new.count, new.investment),
        (_("其中计划投资亿元以上（条）"), new.notable_count, None),
        (_("阶段推进（次）"), moves.forward, None),
        (_("跟进记录（次）"), data.follow_ups.count, None),
        (_("提请审批（件）"), data.approvals.asked, None),
        (_("项目状态变化（次）"), projects.status_changes, None),
        (_("新签约项目（个）/ 签约额"), projects.signed_count, projects.signed_amount),
        (_("新开工项目（个）/ 总投资"), projects.commenced_count, projects.commenced_investment),
        (_("到位资金"), None, projects.funds_arrived),
        *(
            (f"{entry.title}（{entry.unit}）", entry.count, None)
            for entry in data.overdue.counts.counts
        ),
    ]
    approvals = data.approvals
    approval_rows = [
        (_("提请审批"), approvals.asked),
        (_("批准"), approvals.approved),
        (_("退回"), approvals.returned),
        (_("目前待审批"), approvals.waiting),
    ]
    if approvals.over_sla is not None:
        approval_rows.append(
            (_("其中等待超过 %(days)d 天") % {"days": approvals.sla_days}, approvals.over_sla)
        )
    project_columns = (
        _label(_("项目名称"), lambda project: project.name, 36),
        Column(_("专班"), lambda project: project.task_force, width=18),
        Column(_("责任人"), lambda project: project.owner, width=12),
    )
    tables: list[ReportTable] = [
        ReportTable(
            _("主要指标"),
            [
                _label(_("指标"), lambda row: row[0], 32),
                _counted(_("数量"), lambda row: row[1], summed=False),
                _amount(_("金额（万元）"), lambda row: row[2], summed=False),
            ],
            headline,
            total=False,
        ),
        ReportTable(
            _("一、新增线索（按专班）"),
            [
                _label(_("专班")),
                _counted(_("新增线索（条）"), lambda row: row.count),
                _amount(_("计划投资（万元）"), lambda row: row.amount),
            ],
            new.by_task_force,
        ),
        ReportTable(
            _("一、新增线索：计划投资亿元以上"),
            [
                _label(_("企业名称"), lambda lead: lead.company_name, 36),
                Column(_("专班"), lambda lead: lead.task_force, width=18),
                Column(_("负责人"), lambda lead: lead.owner, width=12),
                Column(_("阶段"), lambda lead: lead.get_stage_display(), width=10),
                Column(_("登记日期"), lambda lead: timezone.localdate(lead.created_at), Kind.DATE),
                _amount(_("计划投资（万元）"), lambda lead: lead.planned_investment),
            ],
            new.notable,
            note=_capped_note(len(new.notable), new.notable_count),
        ),
        ReportTable(
            _("二、阶段推进"),
            [
                _label(_("阶段变动")),
                Column(_("类型"), lambda pair: pair.kind_label, width=12),
                _counted(_("次数"), lambda pair: pair.count),
            ],
            moves.by_pair,
        ),
        ReportTable(
            _("三、跟进情况（按方式）"),
            [_label(_("跟进方式")), _counted(_("次数"), lambda row: row.count)],
            data.follow_ups.by_method,
        ),
        ReportTable(
            _("三、跟进情况（按记录人）"),
            [_label(_("记录人")), _counted(_("次数"), lambda row: row.count)],
            data.follow_ups.by_officer,
        ),
        ReportTable(
            _("四、审批（筛选 → 对接）"),
            [_label(_("事项"), lambda row: row[0]), _counted(_("件数"), lambda row: row[1])],
            approval_rows,
            total=False,
        ),
        ReportTable(
            _("五、项目状态变化（按变更后状态）"),
            [_label(_("变更为")), _counted(_("次数"), lambda row: row.count)],
            projects.by_status,
        ),
        ReportTable(
            _("五、新签约项目"),
            [
                *project_columns,
                Column(_("签约日期"), lambda project: project.signed_on, Kind.DATE),
                _amount(_("签约额（万元）"), lambda project: project.signed_amount),
            ],
            projects.signed,
            note=_capped_note(len(projects.signed), projects.signed_count),
        ),
        ReportTable(
            _("五、新开工项目"),
            [
                *project_columns,
                Column(_("开工日期"), lambda project: project.commenced_on, Kind.DATE),
                _amount(_("总投资（万元）"), lambda project: project.total_investment),
            ],
            projects.commenced,
            note=_capped_note(len(projects.commenced), projects.commenced_count),
        ),
        ReportTable(
            _("六、逾期情况（截至 %(date)s）") % {"date": data.today.isoformat()},
            [
                _label(_("类别"), lambda entry: entry.title),
                _counted(_("数量"), lambda entry: entry.count, summed=False),
                Column(_("单位"), lambda entry: entry.unit, width=8),
            ],
            data.overdue.counts.counts,
            total=False,
        ),
    ]
    if data.ranking is not None:
        tables.append(
            ReportTable(
                _("七、龙虎榜"),
                [
                    _label(_("专班"), lambda entry: entry.row.name),
                    _counted(_("名次"), lambda entry: entry.row.rank, summed=False),
                    _counted(_("新增线索"), lambda entry: entry.row.new_leads),
                    _counted(_("阶段推进"), lambda entry: entry.row.forward_moves),
                    _amount(_("签约额（万元）"), lambda entry: entry.row.signed_amount),
                    _counted(_("当前逾期线索"), lambda entry: entry.row.overdue_leads),
                    Column(_("得分"), lambda entry: entry.row.score, Kind.DECIMAL),
                ],
                data.ranking.rows,
                note=data.ranking.rule_text,
            )
        )
    return ReportWorkbook(
        name=f"{data.scope.label}{data.period.kind_label}-{data.period.start:%Y%m%d}",
        title=data.title,
        as_of=data.today,
        subtitle=report_subtitle(data),
        tables=tables,
    )
