"""The status rules of projects and of 对上争取 applications, written once.

Which moves exist is each model's ``WORKFLOW`` (``crm.workflow``: the table and its refusals);
what a move needs (a date, an amount, a reason) is this module's.
``move_problem`` answers why a project move is refused (or ``None``); ``project_transition``
applies it, the board asks ``move_requirements`` to know which dialog a drop needs, and the
project page shows ``move_options``.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from projects.models import Project, SupportApplication

Status = Project.Status
WORKFLOW = Project.WORKFLOW
# A move up the pipeline (negotiating → … → producing), which records its date.
is_forward = WORKFLOW.is_forward


@dataclass(frozen=True)
class MoveRequirements:
    """What a move from one status to another asks the user for."""

    allowed: bool
    needs_date: bool
    needs_amount: bool
    needs_reason: bool


def needs_reason(from_status: str, to_status: str) -> bool:
    """Stalling, terminating, moving back and reopening a terminated project must say why."""
    return (
        to_status in (Status.STALLED, Status.TERMINATED)
        or from_status == Status.TERMINATED
        or WORKFLOW.is_backward(from_status, to_status)
    )


def move_requirements(from_status: str, to_status: str) -> MoveRequirements:
    """What the dialog of a drop from ``from_status`` to ``to_status`` must ask for."""
    forward = is_forward(from_status, to_status)
    return MoveRequirements(
        allowed=WORKFLOW.allowed(from_status, to_status),
        needs_date=forward,
        needs_amount=forward and to_status == Status.SIGNED,
        needs_reason=needs_reason(from_status, to_status),
    )


def _previous_date(project: Project, to: str) -> tuple[datetime.date | None, str]:
    """The latest date recorded for an earlier status, which the new date may not precede."""
    for status in reversed(Project.PIPELINE[: Project.PIPELINE.index(to)]):
        field = Project.STATUS_DATE_FIELDS.get(status)
        if field and getattr(project, field):
            return getattr(project, field), Status(status).label
    return None, ""


def move_problem(
    *,
    project: Project,
    to: str,
    reason: str = "",
    date: datetime.date | None = None,
    signed_amount: Decimal | None = None,
    today: datetime.date,
) -> str | None:
    """Why ``project`` may not move to ``to`` with these inputs, or ``None`` if it may.

    Visibility and edit rights are checked by the caller (a project out of scope is a 404).
    """
    refused = WORKFLOW.refusal(project.status, to)
    if refused:
        return refused
    current, target = Status(project.status), Status(to)
    if current == Status.STALLED and target != Status.TERMINATED:
        resume = project.resume_status or Status.NEGOTIATING
        if target != resume:
            return _("停滞项目只能恢复到停滞前的「%(status)s」状态。") % {
                "status": Status(resume).label
            }
    if needs_reason(current, target) and not reason.strip():
        if target == Status.STALLED:
            return _("标记停滞需要填写原因。")
        if target == Status.TERMINATED:
            return _("终止项目需要填写原因。")
        if current == Status.TERMINATED:
            return _("重新启动已终止的项目需要填写原因。")
        return _("退回上一状态需要填写原因。")
    if is_forward(current, target):
        if date is None:
            return _("进入「%(to)s」需要填写%(field)s。") % {
                "to": target.label,
                "field": Project._meta.get_field(Project.STATUS_DATE_FIELDS[target]).verbose_name,
            }
        if date > today:
            return _("日期不能晚于今天。")
        previous, previous_label = _previous_date(project, target)
        if previous and date < previous:
            return _("「%(to)s」日期不能早于「%(prev)s」日期（%(date)s）。") % {
                "to": target.label,
                "prev": previous_label,
                "date": previous.isoformat(),
            }
        if target == Status.SIGNED and (signed_amount is None or signed_amount <= 0):
            return _("正式签约需要填写签约金额（万元）。")
    return None


@dataclass(frozen=True)
class MoveOption:
    to: str
    label: str
    requirements: MoveRequirements


def move_options(*, project: Project) -> list[MoveOption]:
    """The statuses a project's form offers from its current status."""
    options = []
    for target in WORKFLOW.targets(project.status):
        resume = project.resume_status or Status.NEGOTIATING
        if project.status == Status.STALLED and target not in (Status.TERMINATED, resume):
            continue
        options.append(MoveOption(target, target.label, move_requirements(project.status, target)))
    return options


AppStatus = SupportApplication.Status
SUPPORT_WORKFLOW = SupportApplication.WORKFLOW


def support_needs_reason(from_status: str, to_status: str) -> bool:
    return (
        to_status == AppStatus.REJECTED
        or from_status == AppStatus.REJECTED
        or SUPPORT_WORKFLOW.backward.get(from_status) == to_status
    )


def support_move_problem(
    *, application: SupportApplication, to: str, reason: str = "", amount: Decimal | None = None
) -> str | None:
    """Why an application may not move to ``to``, or ``None``."""
    refused = SUPPORT_WORKFLOW.refusal(application.status, to)
    if refused:
        return refused
    current, target = AppStatus(application.status), AppStatus(to)
    if support_needs_reason(current, target) and not reason.strip():
        if target == AppStatus.REJECTED:
            return _("标记未通过需要填写原因。")
        return _("退回或重新谋划需要填写原因。")
    if target == AppStatus.APPROVED and (amount is None or amount <= 0):
        return _("批复需要填写批复金额（万元）。")
    if target == AppStatus.ALLOCATED and (amount is None or amount <= 0):
        return _("下达需要填写下达金额（万元）。")
    return None
