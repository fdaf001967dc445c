"""The project table as an xlsx workbook (openpyxl): the same columns the table shows."""

import datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from projects.models import Project


def projects_workbook(projects: list[Project], today: datetime.date) -> Workbook:
    """One row per project, in the order given; projects carry ``attach_targets``' fields."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("项目")
    headers = [
        _("项目名称"),
        _("投资主体"),
        _("项目类别"),
        _("产业"),
        _("状态"),
        _("总投资（万元）"),
        _("签约金额（万元）"),
        _("到位资金（万元）"),
        _("包保领导"),
        _("专班"),
        _("推进目标"),
        _("剩余天数"),
        _("是否逾期"),
        _("本状态天数"),
        _("最新进度（%）"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for project in projects:
        sheet.append(
            [
                project.name,
                project.enterprise_name,
                project.get_category_display(),
                project.industry.name if project.industry else "",
                project.get_status_display(),
                float(project.total_investment),
                float(project.signed_amount),
                float(project.funds_in_place),
                str(project.leader) if project.leader else "",
                str(project.task_force) if project.task_force else "",
                project.target.description if project.target else "",
                project.days_left,
                _("逾期") if project.is_late else "",
                project.days_in_status(today),
                getattr(project, "progress_percent", None),
            ]
        )
    widths = (30, 26, 12, 10, 10, 14, 14, 14, 10, 12, 30, 10, 8, 10, 12)
    for column, width in zip("ABCDEFGHIJKLMNO", widths, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    return workbook
