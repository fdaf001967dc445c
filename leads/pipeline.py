"""The pipeline rules, written once: which moves exist, what each needs, and who may make it.

Which moves exist is ``Lead.WORKFLOW`` (``crm.workflow``: the table and its refusals); what
each move needs and who may make it is this module's. ``move_problem`` answers why a move is
refused (or ``None``); ``lead_transition`` in ``leads.services`` applies it, and pages show
``move_options`` so a user sees beforehand which moves are open and why the others are not.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from crm.access import in_scope, is_leader_of
from crm.models import User
from crm.validators import is_valid_credit_code
from leads.models import Lead

Stage = Lead.Stage
WORKFLOW = Lead.WORKFLOW


@dataclass(frozen=True)
class MoveOption:
    """A move the pipeline offers from a lead's current stage, and whether it is open now."""

    to: str
    label: str
    needs_reason: bool
    problem: str | None
    # Closed only for want of the task-force leader's approval, which the user may ask for.
    asks_approval: bool = False

    @property
    def allowed(self) -> bool:
        return self.problem is None


def needs_reason(from_stage: str, to_stage: str) -> bool:
    """Moves back one stage and moves to dropped must say why."""
    return to_stage == Stage.DROPPED or WORKFLOW.backward.get(from_stage) == to_stage


def linked_project_problem(lead: Lead, actor: User | None = None) -> str | None:
    """dock → serve needs a project that came from this lead and has been formally signed.

    The ``projects`` app links a project to its lead with a one-to-one field whose reverse
    accessor is ``lead.project`` and tells whether it counts as signed through
    ``project.reached_signed``; the pipeline asks through that relation, never importing
    ``projects``.
    """
    project = getattr(lead, "project", None)
    if project is None:
        return _("进入「服务」阶段需要先将线索转为项目并关联。")
    if not getattr(project, "reached_signed", False):
        if actor is not None and not in_scope(actor, project):
            # The project moved to a task force the reader is not in: do not name it.
            return _("关联项目尚未正式签约，签约后才能进入「服务」阶段。")
        return _("关联项目「%(name)s」尚未正式签约，签约后才能进入「服务」阶段。") % {
            "name": project
        }
    return None


def dock_readiness_problem(lead: Lead) -> str | None:
    """What screen → dock needs of the lead itself, whoever moves it: rating A/B, an owner and
    a task force (whose leader approves the move)."""
    if lead.rating not in (Lead.Rating.A, Lead.Rating.B):
        return _("只有评级为 A 或 B 的线索才能进入「对接」。")
    if lead.owner_id is None:
        return _("进入「对接」需要指定负责人。")
    if lead.task_force_id is None:
        return _("进入「对接」需要指定专班。")
    return None


def approval_problem(*, lead: Lead, actor: User) -> str | None:
    """Why ``actor`` may not ask for the move screen → dock (提请审批), or ``None``.

    Asking is open when the leader's approval is all the move lacks: the lead is in screen and
    ready for dock, and ``actor`` cannot approve it (a leader moves it directly). Whether a
    request is already pending is the service's to check (it needs the database).
    """
    if lead.stage != Stage.SCREEN:
        return _("只有处于「筛选」阶段的线索可以提请进入「对接」。")
    problem = dock_readiness_problem(lead)
    if problem:
        return problem
    if is_leader_of(actor, lead.task_force_id):
        return _("您可以直接把线索推进到「对接」，无需提请审批。")
    return None


def move_problem(*, lead: Lead, to: str, actor: User, reason: str = "") -> str | None:
    """Why ``actor`` may not move ``lead`` to stage ``to`` now, or ``None`` if the move is fine.

    Visibility and edit rights are checked by the caller (a lead out of scope is a 404).
    """
    refused = WORKFLOW.refusal(lead.stage, to)
    if refused:
        return refused
    current, target = Stage(lead.stage), Stage(to)
    if needs_reason(current, target) and not reason.strip():
        if target == Stage.DROPPED:
            return _("搁置线索需要填写原因。")
        return _("退回上一阶段需要填写原因。")
    if current == Stage.COLLECT and target == Stage.SCREEN:
        if not lead.credit_code or not is_valid_credit_code(lead.credit_code):
            return _("进入「筛选」需要有效的统一社会信用代码（请先在编辑中补充）。")
        if not lead.due_diligence_note.strip():
            return _("进入「筛选」需要填写核实情况（企业真实情况的核查说明）。")
    if current == Stage.SCREEN and target == Stage.DOCK:
        problem = dock_readiness_problem(lead)
        if problem:
            return problem
        if not is_leader_of(actor, lead.task_force_id):
            return _("进入「对接」须由专班负责人或局领导审批。")
    if current == Stage.DOCK and target == Stage.SERVE:
        return linked_project_problem(lead, actor)
    return None


def move_options(*, lead: Lead, actor: User) -> list[MoveOption]:
    """Every move from the lead's stage, with the reason it is refused where it is.

    The reason is left out of the check (the user is asked for it when they choose the move).
    """
    options = []
    for target in WORKFLOW.targets(lead.stage):
        reason_needed = needs_reason(lead.stage, target)
        problem = move_problem(
            lead=lead, to=target, actor=actor, reason="-" if reason_needed else ""
        )
        asks_approval = (
            problem is not None
            and target == Stage.DOCK
            and approval_problem(lead=lead, actor=actor) is None
        )
        options.append(
            MoveOption(
                to=target,
                label=target.label,
                needs_reason=reason_needed,
                problem=problem,
                asks_approval=asks_approval,
            )
        )
    return options
