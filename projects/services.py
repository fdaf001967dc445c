"""Every change to projects, targets' subjects, progress, tasks and 对上争取 goes through here.

Each function is atomic, locks the row it changes, refuses with a domain error
(``crm.exceptions``) rather than half-writing, and records its history (``crm.audit``).
"""

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from crm import audit, writes
from crm.access import check_assignment, check_reassignment, in_scope
from crm.exceptions import (
    ConflictError,
    DomainError,
    DuplicateError,
    TransitionRefused,
)
from crm.imports import (
    Action,
    AssignmentCheck,
    ImportRow,
    check_new_record,
    create_records,
    in_chunks,
)
from crm.models import ChangeLog, ImportOnMatch, ImportOnSimilar, Reminder, TaskForce, User
from crm.notifications import notices
from crm.validators import is_valid_credit_code, normalize_credit_code
from leads.models import Lead
from projects.models import (
    CapitalIncrease,
    FundsArrival,
    ProgressReport,
    Project,
    ProjectTransition,
    SupportApplication,
    SupportTransition,
    Task,
)
from projects.rules import move_problem, support_move_problem

# Fields edited on the project form and through the API. Status and its dates change only
# through ``project_transition``; amounts grow through capital increases or this form.
EDITABLE_FIELDS = (
    "name",
    "category",
    "enterprise_name",
    "credit_code",
    "industry",
    "chain_link",
    "total_investment",
    "signed_amount",
    "funds_in_place",
    "leader",
    "owner",
    "task_force",
    "department",
    "location",
    "description",
    "target_commence_on",
    "target_production_on",
)
TRANSITION_AUDIT_FIELDS = (
    "status",
    "framework_signed_on",
    "signed_on",
    "commenced_on",
    "producing_on",
    "signed_amount",
)

# How messages of the shared rules (``crm.access``) name these records.
PROJECT_NOUN = pgettext_lazy("noun in a sentence", "项目")
APPLICATION_NOUN = pgettext_lazy("noun in a sentence", "事项")


def can_change_project(user: User, project: Project) -> bool:
    """Whether ``user`` may edit and move ``project``: anyone whose scope holds it."""
    return in_scope(user, project)


def _check_credit_code_valid(project: Project) -> None:
    """The enterprise identifies the project: valid code required unless it is livelihood."""
    project.credit_code = normalize_credit_code(project.credit_code or "")
    if not project.credit_code:
        if project.category != Project.Category.LIVELIHOOD:
            raise DomainError.for_field(
                "credit_code", _("产业项目和裂变升级项目需要填写投资企业的统一社会信用代码。")
            )
        return
    if not is_valid_credit_code(project.credit_code):
        raise DomainError.for_field("credit_code", _("统一社会信用代码无效，请核对。"))


def _credit_code_held_message(holder: Project) -> str:
    """What a user is told of the project that holds a credit code: only its task force, since
    the user may not be allowed to see the project."""
    return _("该企业已在%(where)s登记了项目。同一企业只登记一个项目，增资请在原项目上登记。") % {
        "where": _("「%(tf)s」") % {"tf": holder.task_force} if holder.task_force else _("其他专班")
    }


def _check_credit_code(project: Project) -> None:
    """A valid code (unless livelihood) that no other project holds."""
    _check_credit_code_valid(project)
    if not project.credit_code:
        return
    holder = (
        Project.objects.filter(credit_code=project.credit_code)
        .exclude(pk=project.pk)
        .select_related("task_force")
        .first()
    )
    if holder is not None:
        message = _credit_code_held_message(holder)
        raise DuplicateError(message, field_errors={"credit_code": [message]})


def _credit_code_taken(project: Project) -> None:
    """A project with the same credit code was committed meanwhile: say so, by constraint."""
    _check_credit_code(project)


UNIQUE_HANDLERS = {writes.constraint_name(Project, "credit_code_unique"): _credit_code_taken}


# What a stale form is told, per kind of record; ``%(who)s`` names who changed it.
CONFLICT_MESSAGES = {
    Project: gettext_lazy("这个项目刚刚被%(who)s修改过，请刷新页面查看最新内容后再操作。"),
    SupportApplication: gettext_lazy("这个事项刚刚被修改过，请刷新后再操作。"),
}


def _lock(
    record: Project | SupportApplication,
    *,
    actor: User,
    refusal: str,
    expected_version: int | None = None,
) -> Any:
    """Lock the record's row, check ``actor`` may still change it and its version is current."""
    model = type(record)
    return writes.record_lock(
        model,
        record.pk,
        actor=actor,
        refusal=refusal,
        expected_version=expected_version,
        conflict=str(CONFLICT_MESSAGES[model]),
    )


def _new_project(*, actor: User, fields: dict[str, Any], lead: Lead | None) -> Project:
    """The unsaved project: negotiating since today."""
    return Project(
        **fields,
        lead=lead,
        status=Project.Status.NEGOTIATING,
        status_changed_on=timezone.localdate(),
        created_by=actor,
        updated_by=actor,
    )


def _project_create(
    *,
    actor: User,
    fields: dict[str, Any],
    lead: Lead | None,
    carried_from: tuple[User | None, TaskForce | None] | None = None,
) -> Project:
    """Create the project; ``carried_from`` is the (owner, task force) a lead hands over."""
    if fields.get("owner") is None:
        fields["owner"] = carried_from[0] if carried_from else actor
    old_owner, old_task_force = carried_from or (actor, None)
    check_assignment(
        actor=actor,
        owner=fields["owner"],
        task_force=fields.get("task_force"),
        old_owner=old_owner,
        old_task_force=old_task_force,
        creating=carried_from is None,
        noun=PROJECT_NOUN,
    )
    project = _new_project(actor=actor, fields=fields, lead=lead)
    _check_credit_code(project)
    return writes.record_create(
        project,
        actor=actor,
        clean_exclude=["lead", "credit_code"],
        unique_handlers=UNIQUE_HANDLERS,
    )


@transaction.atomic
def project_create(*, actor: User, data: dict[str, Any], lead: Lead | None = None) -> Project:
    """Register a project in the negotiating status (livelihood and upgrade need no lead).

    ``lead`` links a project registered from an existing lead (the demo data); converting a
    docking lead is ``project_create_from_lead``.
    """
    fields = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    return _project_create(actor=actor, fields=fields, lead=lead)


@transaction.atomic
def project_create_from_lead(
    *, lead: Lead, actor: User, data: dict[str, Any] | None = None
) -> Project:
    """Convert a docking lead into a project, carrying its data over and linking the two.

    ``data`` may name the project and override carried values (category, leader, dates …);
    the lead's owner and task force carry over as they are, and changing them is an
    assignment like any other. The lead records the conversion in its history; it can move
    dock → serve once the project has been formally signed.
    """
    lead = writes.record_lock(Lead, lead.pk, actor=actor, refusal=_("您无权转换这条线索。"))
    if lead.stage != Lead.Stage.DOCK:
        raise TransitionRefused(_("只有「对接」阶段的线索可以转为项目。"))
    if Project.objects.filter(lead=lead).exists():
        raise ConflictError(_("这条线索已经转为项目。"))
    carried: dict[str, Any] = {
        "name": _("%(company)s投资项目") % {"company": lead.company_name},
        "category": Project.Category.INDUSTRIAL,
        "enterprise_name": lead.company_name,
        "credit_code": lead.credit_code,
        "industry": lead.industry,
        "chain_link": lead.chain_link,
        "total_investment": lead.planned_investment or Decimal(0),
        "owner": lead.owner,
        "task_force": lead.task_force,
        "description": lead.intent,
    }
    carried.update(
        {
            key: value
            for key, value in (data or {}).items()
            if key in EDITABLE_FIELDS and value not in (None, "")
        }
    )
    project = _project_create(
        actor=actor, fields=carried, lead=lead, carried_from=(lead.owner, lead.task_force)
    )
    audit.change_record(
        instance=lead,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=[{"field": "project", "label": str(_("关联项目")), "old": "", "new": project.name}],
    )
    return project


@transaction.atomic
def project_update(
    *, project: Project, actor: User, data: dict[str, Any], expected_version: int | None = None
) -> Project:
    """Change a project's fields, recording each change. Does nothing when nothing changes."""
    project = _lock(
        project, actor=actor, refusal=_("您无权修改这个项目。"), expected_version=expected_version
    )
    data = dict(data)
    if "credit_code" in data:
        data["credit_code"] = normalize_credit_code(data["credit_code"] or "")

    def validate(project: Project, changed: list[str], old: dict[str, Any]) -> None:
        check_reassignment(
            actor=actor,
            record=project,
            changed=changed,
            old=old,
            noun=PROJECT_NOUN,
        )
        if "credit_code" in changed or "category" in changed:
            _check_credit_code(project)

    funds_before = project.funds_in_place
    project, changed = writes.record_update(
        project,
        actor=actor,
        data=data,
        editable=EDITABLE_FIELDS,
        validate=validate,
        clean_exclude=["lead", "credit_code"],
        unique_handlers=UNIQUE_HANDLERS,
    )
    if "funds_in_place" in changed:
        # Typed over as a new total: the difference arrived (or was corrected) today.
        FundsArrival.objects.create(
            project=project,
            arrived_on=timezone.localdate(),
            amount=project.funds_in_place - funds_before,
            note=_("修改项目时更新到位资金"),
            created_by=actor,
        )
    return project


@transaction.atomic
def funds_arrival_record(
    *,
    project: Project,
    actor: User,
    amount: Decimal,
    arrived_on: datetime.date,
    note: str = "",
) -> FundsArrival:
    """Record funds that arrived on a day (or a correction, negative) and add them to the
    project's 到位资金; the total never goes below zero."""
    if amount is None or amount == 0:
        raise DomainError.for_field("amount", _("到位金额不能为零（核减请填负数）。"))
    if arrived_on > timezone.localdate():
        raise DomainError.for_field("arrived_on", _("到位日期不能晚于今天。"))
    project = _lock(project, actor=actor, refusal=_("您无权修改这个项目。"))
    total = project.funds_in_place + amount
    if total < 0:
        raise DomainError.for_field(
            "amount",
            _("核减后到位资金将为负数（现为 %(total)s 万元），请核对金额。")
            % {"total": project.funds_in_place},
        )
    arrival = FundsArrival(
        project=project, arrived_on=arrived_on, amount=amount, note=note, created_by=actor
    )
    writes.check_single_line(arrival, ["note"])
    writes.full_clean(arrival)
    try:
        project._meta.get_field("funds_in_place").clean(total, project)
    except ValidationError:
        raise DomainError.for_field(
            "amount", _("到位资金超出可记录的范围（最多 12 位整数的万元数），请核对金额。")
        ) from None
    arrival.save()
    writes.record_update(
        project,
        actor=actor,
        data={"funds_in_place": total},
        editable=("funds_in_place",),
        extra_changes=[
            {"field": "funds_arrival", "label": str(_("资金到位")), "old": "", "new": str(arrival)}
        ],
    )
    return arrival


@transaction.atomic
def project_transition(
    *,
    project: Project,
    to: str,
    actor: User,
    reason: str = "",
    date: datetime.date | None = None,
    signed_amount: Decimal | None = None,
    expected_version: int | None = None,
) -> Project:
    """Move a project to status ``to`` under the rules, recording the move and changed fields.

    A forward move records its date (signed also the signed amount); a move back clears the
    dates of the statuses left behind; stalling remembers the status to resume. Of two people
    moving the same project at once the row lock serialises them, and the second is told.
    """
    project = _lock(
        project, actor=actor, refusal=_("您无权推进这个项目。"), expected_version=expected_version
    )
    if project.status == to:
        raise ConflictError(
            _("这个项目已经处于「%(status)s」状态（可能刚被%(who)s推进），请刷新后查看。")
            % {"status": project.get_status_display(), "who": project.updated_by}
        )
    today = timezone.localdate()
    problem = move_problem(
        project=project, to=to, reason=reason, date=date, signed_amount=signed_amount, today=today
    )
    if problem:
        raise TransitionRefused(problem)
    from_status = project.status
    before = audit.snapshot(project, TRANSITION_AUDIT_FIELDS)
    Status = Project.Status
    if to in Project.STATUS_DATE_FIELDS and from_status in Project.PIPELINE:
        if Project.PIPELINE.index(to) > Project.PIPELINE.index(from_status):
            setattr(project, Project.STATUS_DATE_FIELDS[to], date)
        if to == Status.SIGNED and signed_amount is not None:
            project.signed_amount = signed_amount
    if from_status in Project.PIPELINE and to in Project.PIPELINE:
        for status in Project.PIPELINE[Project.PIPELINE.index(to) + 1 :]:
            setattr(project, Project.STATUS_DATE_FIELDS[status], None)
    project.resume_status = from_status if to == Status.STALLED else ""
    project.status = to
    project.status_changed_on = date or today
    project.version += 1
    project.updated_by = actor
    project.save(
        update_fields=[
            *TRANSITION_AUDIT_FIELDS,
            "resume_status",
            "status_changed_on",
            "version",
            "updated_by",
            "updated_at",
        ]
    )
    ProjectTransition.objects.create(
        project=project,
        from_status=from_status,
        to_status=to,
        occurred_on=date or today,
        actor=actor,
        reason=reason.strip(),
    )
    audit.change_record(
        instance=project,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=audit.changes_since(project, before),
    )
    return project


@transaction.atomic
def capital_increase_create(
    *,
    project: Project,
    actor: User,
    agreed_on: datetime.date,
    amount: Decimal,
    signed_amount: Decimal = Decimal(0),
    note: str = "",
) -> CapitalIncrease:
    """Record a capital increase (增资) on the existing project and add it to its amounts.

    The increase and the grown amounts are validated together: a sum that no longer fits the
    amount column is refused with a message, never a database error.
    """
    if amount is None or amount <= 0:
        raise DomainError.for_field("amount", _("新增投资须大于零。"))
    if signed_amount is None or signed_amount < 0:
        raise DomainError.for_field("signed_amount", _("新增签约金额不能为负数。"))
    if agreed_on > timezone.localdate():
        raise DomainError.for_field("agreed_on", _("增资日期不能晚于今天。"))
    project = _lock(project, actor=actor, refusal=_("您无权修改这个项目。"))
    increase = CapitalIncrease(
        project=project,
        agreed_on=agreed_on,
        amount=amount,
        signed_amount=signed_amount,
        note=note,
        created_by=actor,
    )
    writes.check_single_line(increase, ["note"])
    writes.full_clean(increase)
    grown = {
        "total_investment": project.total_investment + amount,
        "signed_amount": project.signed_amount + signed_amount,
    }
    for name, value in grown.items():
        try:
            project._meta.get_field(name).clean(value, project)
        except ValidationError:
            raise DomainError.for_field(
                "amount" if name == "total_investment" else "signed_amount",
                _("增资后%(field)s超出可记录的范围（最多 12 位整数的万元数），请核对金额。")
                % {"field": project._meta.get_field(name).verbose_name},
            ) from None
    increase.save()
    writes.record_update(
        project,
        actor=actor,
        data=grown,
        editable=grown,
        extra_changes=[
            {"field": "capital_increase", "label": str(_("增资")), "old": "", "new": str(increase)}
        ],
    )
    return increase


@transaction.atomic
def progress_report_create(
    *,
    project: Project,
    actor: User,
    reported_on: datetime.date,
    percent: int,
    done: str,
    problems: str = "",
    problem_owner: str = "",
) -> ProgressReport:
    """Record a progress report; a problem needing coordination must name who solves it."""
    if reported_on > timezone.localdate():
        raise DomainError.for_field("reported_on", _("报告日期不能晚于今天。"))
    if not 0 <= percent <= 100:
        raise DomainError.for_field("percent", _("形象进度应在 0 到 100 之间。"))
    if problems.strip() and not problem_owner.strip():
        raise DomainError.for_field("problem_owner", _("请填写负责协调解决问题的单位或人员。"))
    project = _lock(project, actor=actor, refusal=_("您无权为这个项目报告进度。"))
    report = ProgressReport(
        project=project,
        reported_on=reported_on,
        percent=percent,
        done=done,
        problems=problems,
        problem_owner=problem_owner,
        created_by=actor,
    )
    writes.check_single_line(report, ["problem_owner"])
    writes.full_clean(report)
    report.save()
    audit.change_record(
        instance=project,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=[
            {
                "field": "progress",
                "label": str(_("形象进度")),
                "old": "",
                "new": f"{percent}% {done}"[:200],
            }
        ],
    )
    return report


@transaction.atomic
def progress_problem_solve(
    *, report: ProgressReport, actor: User, solved_on: datetime.date | None = None
) -> ProgressReport:
    """Mark the problem of a progress report solved (nothing to do when it already is)."""
    project = _lock(report.project, actor=actor, refusal=_("您无权修改这个项目。"))
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.solved:
        return report
    if not report.problems.strip():
        raise DomainError(_("这份进度报告没有需要协调的问题。"))
    report.solved = True
    report.solved_on = max(solved_on or timezone.localdate(), report.reported_on)
    report.save(update_fields=["solved", "solved_on"])
    audit.change_record(
        instance=project,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=[
            {
                "field": "progress_problem",
                "label": str(_("协调问题")),
                "old": report.problems[:100],
                "new": str(_("已解决")),
            }
        ],
    )
    return report


def _check_assignee(project: Project, assignee: User) -> None:
    """A task goes to someone who can see its project (and so open it from the reminder)."""
    if not assignee.is_active or not in_scope(assignee, project):
        raise DomainError.for_field(
            "assignee",
            _(
                "「%(user)s」看不到项目「%(project)s」，不能承担它的任务；请选择项目负责人或所在专班的成员。"
            )
            % {"user": assignee, "project": project},
        )


@transaction.atomic
def task_create(
    *, project: Project, actor: User, title: str, assignee: User, due_on: datetime.date
) -> Task:
    """Assign a task on a project to a person within the project's scope, with a due date."""
    project = _lock(project, actor=actor, refusal=_("您无权为这个项目布置任务。"))
    if not title.strip():
        raise DomainError.for_field("title", _("请填写任务内容。"))
    _check_assignee(project, assignee)
    task = Task(
        project=project, title=title.strip(), assignee=assignee, due_on=due_on, created_by=actor
    )
    writes.check_single_line(task, ["title"])
    writes.full_clean(task)
    task.save()
    audit.change_record(
        instance=project,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=[
            {
                "field": "task",
                "label": str(_("任务")),
                "old": "",
                "new": _("%(title)s（%(who)s，%(due)s 前完成）")
                % {"title": task.title, "who": assignee, "due": due_on.isoformat()},
            }
        ],
    )
    _notify_task_assigned(task, actor)
    return task


def _notify_task_assigned(task: Task, actor: User) -> None:
    """Tell the assignee of their new task (and the task force's robots), in the product's
    language, inside the transaction that creates it."""
    project = task.project
    with translation.override(settings.LANGUAGE_CODE):
        notices.notify(
            kind=Reminder.Kind.TASK,
            recipients=[task.assignee],
            actor=actor,
            record=project,
            title=_("%(actor)s给您布置了「%(project)s」的任务「%(title)s」，%(due)s 前完成")
            % {
                "actor": actor,
                "project": project.name,
                "title": task.title,
                "due": task.due_on.isoformat(),
            },
            url=project.get_absolute_url(),
            ref=f"tasks:{task.pk}",
            details={_("项目"): project.name, _("完成期限"): task.due_on.isoformat()},
            task_force_id=project.task_force_id,
        )


@transaction.atomic
def task_set_done(*, task: Task, actor: User, done: bool = True) -> Task:
    """Mark a task done (or open again), recording who; anyone who may change the project."""
    project = _lock(task.project, actor=actor, refusal=_("您无权修改这项任务。"))
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done == done:
        return task
    task.done = done
    task.done_on = timezone.localdate() if done else None
    task.done_by = actor if done else None
    task.save(update_fields=["done", "done_on", "done_by"])
    audit.change_record(
        instance=project,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=[
            {
                "field": "task",
                "label": str(_("任务")),
                "old": task.title if not done else "",
                "new": (_("「%(title)s」已完成") if done else _("「%(title)s」重新打开"))
                % {"title": task.title},
            }
        ],
    )
    return task


# 对上争取 -------------------------------------------------------------------------------

SUPPORT_EDITABLE_FIELDS = (
    "title",
    "fund_source",
    "policy_reference",
    "amount_requested",
    "deadline",
    "owner",
    "task_force",
    "note",
)


def can_change_application(user: User, application: SupportApplication) -> bool:
    """Whether ``user`` may edit and move ``application``: anyone whose scope holds it."""
    return in_scope(user, application)


def _check_linkable(actor: User, projects: list[Project]) -> None:
    """An application links only projects its author may see (the rest would be a guess)."""
    if any(not in_scope(actor, project) for project in projects):
        raise DomainError.for_field("projects", _("关联项目不存在或不在您的范围内。"))


def _new_application(*, actor: User, data: dict[str, Any]) -> SupportApplication:
    """The unsaved application ``data`` describes: planned, owned by ``actor`` unless another
    owner is given."""
    fields = {name: data[name] for name in SUPPORT_EDITABLE_FIELDS if name in data}
    if fields.get("owner") is None:
        fields["owner"] = actor
    return SupportApplication(
        **fields,
        status=SupportApplication.Status.PLANNED,
        status_changed_on=timezone.localdate(),
        created_by=actor,
    )


@transaction.atomic
def support_application_create(
    *, actor: User, data: dict[str, Any], projects: list[Project] | None = None
) -> SupportApplication:
    """Register an application in the planned (谋划) status, linked to its projects."""
    application = _new_application(actor=actor, data=data)
    check_assignment(
        actor=actor,
        owner=application.owner,
        task_force=application.task_force,
        creating=True,
        noun=APPLICATION_NOUN,
    )
    _check_linkable(actor, projects or [])
    writes.record_create(application, actor=actor)
    if projects:
        application.projects.set(projects)
    return application


@transaction.atomic
def support_application_update(
    *,
    application: SupportApplication,
    actor: User,
    data: dict[str, Any],
    projects: list[Project] | None = None,
    expected_version: int | None = None,
) -> SupportApplication:
    """Change an application's fields and linked projects, recording old → new.

    ``projects`` are the links chosen among the projects ``actor`` may see; links to projects
    they cannot see are kept. The status and the approved / allocated amounts change only
    through ``support_transition``.
    Does nothing when nothing changes.
    """
    application = _lock(
        application,
        actor=actor,
        refusal=_("您无权修改这个事项。"),
        expected_version=expected_version,
    )
    link_changes = []
    if projects is not None:
        _check_linkable(actor, projects)
        old = sorted(application.projects.all(), key=lambda project: project.pk)
        # Links to projects the actor cannot see stay: they were not theirs to remove.
        hidden = [project for project in old if not in_scope(actor, project)]
        new = sorted({*projects, *hidden}, key=lambda project: project.pk)
        if old != new:
            link_changes.append(
                {
                    "field": "projects",
                    "label": str(_("关联项目")),
                    "old": "、".join(project.name for project in old),
                    "new": "、".join(project.name for project in new),
                }
            )

    def validate(application: SupportApplication, changed: list[str], old: dict) -> None:
        check_reassignment(
            actor=actor,
            record=application,
            changed=changed,
            old=old,
            noun=APPLICATION_NOUN,
        )

    application, _changed = writes.record_update(
        application,
        actor=actor,
        data=data,
        editable=SUPPORT_EDITABLE_FIELDS,
        validate=validate,
        extra_changes=link_changes,
    )
    if link_changes:
        application.projects.set(new)
    return application


@transaction.atomic
def support_transition(
    *,
    application: SupportApplication,
    to: str,
    actor: User,
    reason: str = "",
    amount: Decimal | None = None,
    expected_version: int | None = None,
) -> SupportApplication:
    """Move an application to status ``to``; approved records the approved amount, allocated
    the allocated amount. Concurrent moves: one wins, the other gets ``ConflictError``."""
    application = _lock(
        application,
        actor=actor,
        refusal=_("您无权推进这个事项。"),
        expected_version=expected_version,
    )
    if application.status == to:
        raise ConflictError(
            _("这个事项已经处于「%(status)s」状态，请刷新后查看。")
            % {"status": application.get_status_display()}
        )
    problem = support_move_problem(application=application, to=to, reason=reason, amount=amount)
    if problem:
        raise TransitionRefused(problem)
    fields = ["status"]
    before = audit.snapshot(application, ["status", "amount_approved", "amount_allocated"])
    if to == SupportApplication.Status.APPROVED:
        application.amount_approved = amount
        fields.append("amount_approved")
    elif to == SupportApplication.Status.ALLOCATED:
        application.amount_allocated = amount
        fields.append("amount_allocated")
    from_status = application.status
    application.status = to
    application.status_changed_on = timezone.localdate()
    application.version += 1
    application.save(update_fields=[*fields, "status_changed_on", "version", "updated_at"])
    SupportTransition.objects.create(
        application=application,
        from_status=from_status,
        to_status=to,
        actor=actor,
        reason=reason.strip(),
    )
    audit.change_record(
        instance=application,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=audit.changes_since(application, before),
    )
    return application


# --- import of a 台账 (crm.imports) -------------------------------------------------------------


def _described(actor: User, record: Project | SupportApplication, noun: str) -> str:
    """How an import names an existing record: by name when the importer sees it, else only by
    the task force that holds it (as the duplicate messages do)."""
    if in_scope(actor, record):
        return str(record)
    return _("（%(tf)s 的一个%(noun)s）") % {"tf": record.task_force or _("其他专班"), "noun": noun}


def _import_matched(
    *, actor: User, row: ImportRow, record: Any, on_match: str, held: str, noun: str
) -> None:
    """A row that is already ``record``: skipped, or to update it (``on_match``); a record
    outside the importer's scope is named as ``held`` says and cannot be updated."""
    visible = in_scope(actor, record)
    if on_match == ImportOnMatch.SKIP:
        row.action = Action.SKIP
        message = (
            _("系统中已有这个%(noun)s「%(name)s」，本行跳过。") % {"noun": noun, "name": record}
            if visible
            else _("%(held)s本行跳过。") % {"held": held}
        )
        row.warn(message, "credit_code" if isinstance(record, Project) else "title")
    elif visible:
        row.action, row.target = Action.UPDATE, record
    else:
        row.error(
            _("%(held)s您无权修改它，请删除本行或选择「跳过」。") % {"held": held},
            "credit_code" if isinstance(record, Project) else "title",
        )


def _import_update(*, row: ImportRow, update: Callable[[], Any]) -> None:
    """Run the update service for a matched row in a savepoint; a refusal is the row's error."""
    if row.has_errors:
        return
    try:
        with transaction.atomic():
            record = update()
    except DomainError as error:
        row.refuse(error)
        return
    row.action = Action.UPDATE if record.version != row.target.version else Action.UNCHANGED


def _projects_by(field: str, values: list[str]) -> dict[str, list[Project]]:
    found: dict[str, list[Project]] = {}
    for chunk in in_chunks(values):
        projects = Project.objects.filter(**{f"{field}__in": chunk}).select_related("task_force")
        for project in projects.order_by("id"):
            found.setdefault(getattr(project, field), []).append(project)
    return found


@transaction.atomic
def projects_import(
    *,
    actor: User,
    rows: Sequence[ImportRow],
    on_match: str = ImportOnMatch.SKIP,
    on_similar: str = ImportOnSimilar.SKIP,
    dry_run: bool = False,
) -> None:
    """Register projects from the rows of an imported 台账 by ``project_create``'s rules: all or
    none (see ``leads.services.leads_import``, which this follows).

    A row whose credit code a project holds is skipped or updates it through
    ``project_update`` (``on_match``); a row named like an existing project is a warning,
    skipped unless ``on_similar="import"``.
    """
    noun = str(PROJECT_NOUN)
    with audit.change_source(ChangeLog.Source.IMPORT):
        assignment = AssignmentCheck(actor=actor, noun=PROJECT_NOUN)
        new: list[tuple[ImportRow, Project]] = []
        by_code: dict[str, ImportRow] = {}
        for row in rows:
            fields = row.data(EDITABLE_FIELDS)
            fields.setdefault("owner", actor)
            project = _new_project(actor=actor, fields=fields, lead=None)
            if "category" not in row.failed:
                try:
                    _check_credit_code_valid(project)
                except DomainError as error:
                    row.refuse(error)
                    row.failed.add("credit_code")
            code = project.credit_code
            if code and "credit_code" not in row.failed:
                if code in by_code:
                    row.error(
                        _("与第 %(row)s 行的统一社会信用代码相同：同一企业只登记一个项目。")
                        % {"row": by_code[code].number},
                        "credit_code",
                    )
                else:
                    by_code[code] = row
            new.append((row, project))
        for code, [holder] in _projects_by("credit_code", list(by_code)).items():
            _import_matched(
                actor=actor,
                row=by_code[code],
                record=holder,
                on_match=on_match,
                held=_credit_code_held_message(holder),
                noun=noun,
            )
        new = [(row, project) for row, project in new if row.action == Action.CREATE]
        named = _projects_by("name", sorted({project.name for _row, project in new}))
        first_row: dict[str, int] = {}
        for row, project in new:
            if not project.name:
                continue
            if project.name in named:
                names = "、".join(_described(actor, other, noun) for other in named[project.name])
                message = _("已有同名项目：%(names)s。") % {"names": names}
            elif project.name in first_row:
                message = _("与第 %(row)s 行的项目名称相同。") % {"row": first_row[project.name]}
            else:
                first_row[project.name] = row.number
                continue
            if on_similar == ImportOnSimilar.SKIP:
                row.action = Action.SKIP
                row.warn(
                    message + _("本行跳过（确认不是同一项目的，可选择「仍然导入」）。"), "name"
                )
            else:
                row.warn(message + _("仍将导入为新项目。"), "name")
        new = [(row, project) for row, project in new if row.action == Action.CREATE]
        for row, project in new:
            if not row.failed & {"owner", "task_force"}:
                refusal = assignment(owner=project.owner, task_force=project.task_force)
                if refusal is not None:
                    row.refuse(refusal)
            check_new_record(row, project, actor=actor)
        for row in rows:
            if row.action == Action.UPDATE:
                _import_update(
                    row=row,
                    update=lambda row=row: project_update(
                        project=row.target, actor=actor, data=row.data(EDITABLE_FIELDS)
                    ),
                )
        if dry_run or any(row.has_errors for row in rows):
            transaction.set_rollback(True)
            return
        projects = [project for _row, project in new]
        try:
            with transaction.atomic():
                create_records(projects, actor=actor)
        except IntegrityError:
            held = _projects_by("credit_code", [p.credit_code for p in projects if p.credit_code])
            for row, project in new:
                if project.credit_code in held:
                    row.error(
                        _credit_code_held_message(held[project.credit_code][0]), "credit_code"
                    )
            if not any(row.has_errors for row in rows):
                rows[0].error(_("导入时数据发生了变化，没有写入任何记录，请重新检查后再导入。"))
            transaction.set_rollback(True)


@transaction.atomic
def support_applications_import(
    *,
    actor: User,
    rows: Sequence[ImportRow],
    on_match: str = ImportOnMatch.SKIP,
    on_similar: str = ImportOnSimilar.SKIP,
    dry_run: bool = False,
) -> None:
    """Register 对上争取 applications from an imported 台账 by ``support_application_create``'s
    rules: all or none (see ``leads.services.leads_import``).

    An application is the same one when its 申报事项 and 资金来源 are: such a row is skipped or
    updates it through ``support_application_update`` (``on_match``). Linked projects are
    named in the 关联项目 column (``projects.imports``). ``on_similar`` has nothing to decide
    here: there is no looser match than the same title and fund source.
    """
    noun = str(APPLICATION_NOUN)
    with audit.change_source(ChangeLog.Source.IMPORT):
        assignment = AssignmentCheck(actor=actor, noun=APPLICATION_NOUN)
        new: list[tuple[ImportRow, SupportApplication]] = []
        by_identity: dict[tuple[str, str], ImportRow] = {}
        for row in rows:
            application = _new_application(actor=actor, data=row.values)
            identity = (application.title, application.fund_source)
            if all(identity) and not row.failed & {"title", "fund_source"}:
                if identity in by_identity:
                    row.error(
                        _("与第 %(row)s 行是同一事项（申报事项和资金来源都相同）。")
                        % {"row": by_identity[identity].number},
                        "title",
                    )
                else:
                    by_identity[identity] = row
            new.append((row, application))
        titles = sorted({title for title, _source in by_identity})
        for chunk in in_chunks(titles):
            existing = SupportApplication.objects.filter(title__in=chunk).select_related(
                "task_force"
            )
            for record in existing.order_by("id"):
                row = by_identity.get((record.title, record.fund_source))
                if row is None or row.action != Action.CREATE:
                    continue
                _import_matched(
                    actor=actor,
                    row=row,
                    record=record,
                    on_match=on_match,
                    held=_("%(tf)s已有这个事项。")
                    % {
                        "tf": _("「%(tf)s」") % {"tf": record.task_force}
                        if record.task_force
                        else _("其他专班")
                    },
                    noun=noun,
                )
        new = [(row, application) for row, application in new if row.action == Action.CREATE]
        for row, application in new:
            if not row.failed & {"owner", "task_force"}:
                refusal = assignment(owner=application.owner, task_force=application.task_force)
                if refusal is not None:
                    row.refuse(refusal)
            try:
                _check_linkable(actor, row.values.get("projects", []))
            except DomainError as error:
                row.refuse(error)
            check_new_record(row, application, actor=actor)
        for row in rows:
            if row.action == Action.UPDATE:
                _import_update(
                    row=row,
                    update=lambda row=row: support_application_update(
                        application=row.target,
                        actor=actor,
                        data=row.data(SUPPORT_EDITABLE_FIELDS),
                        projects=row.values.get("projects"),
                    ),
                )
        if dry_run or any(row.has_errors for row in rows):
            transaction.set_rollback(True)
            return
        applications = [application for _row, application in new]
        create_records(applications, actor=actor)
        links = SupportApplication.projects.through
        links.objects.bulk_create(
            [
                links(supportapplication_id=application.pk, project_id=project.pk)
                for row, application in new
                for project in row.values.get("projects", [])
            ],
            batch_size=1000,
        )
