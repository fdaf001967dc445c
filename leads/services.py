"""Every change to leads goes through these functions: pages, the API, tasks and commands alike.

Each one is atomic, locks the row it changes, refuses with a domain error (``crm.exceptions``)
rather than half-writing, records its history and leaves notifications to after the commit.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from crm import audit, writes
from crm.access import check_assignment, check_reassignment, in_scope, is_leader_of, scope_q
from crm.exceptions import (
    ConflictError,
    DomainError,
    DuplicateError,
    DuplicateWarning,
    PermissionRefused,
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
from crm.models import ChangeLog, Channel, ImportOnMatch, ImportOnSimilar, User
from crm.text import normalize_company_name
from crm.validators import normalize_credit_code, validate_credit_code
from leads import reminders
from leads.models import ApprovalRequest, FollowUp, Lead, LeadTransition, TargetEnterprise
from leads.pipeline import approval_problem, move_problem, needs_reason

# The fields a person edits on the lead form and through the API; the stage changes only
# through ``lead_transition`` and the follow-up dates only through follow-ups (or this form).
EDITABLE_FIELDS = (
    "company_name",
    "credit_code",
    "industry",
    "chain_link",
    "chain_role",
    "channel",
    "referrer_name",
    "referrer_kind",
    "referrer_contact",
    "region",
    "contact_name",
    "contact_phone",
    "contact_email",
    "planned_investment",
    "intent",
    "rating",
    "due_diligence_note",
    "owner",
    "task_force",
    "next_follow_up_on",
)

# How messages of the shared rules (``crm.access``) name these records.
LEAD_NOUN = pgettext_lazy("noun in a sentence", "线索")

# Hooks called inside the transaction that gives a lead a new owner, with (lead, actor): the
# reminders module writes the "you have a new lead" ledger row here, so the row commits or
# rolls back with the change; its email goes out after the commit.
owner_change_hooks: list[Callable[[Lead, User], None]] = []

# Hooks called inside the transaction that approves or returns a request, with the request:
# the reminders module writes the email to the officer who asked here (like the hooks above).
approval_decision_hooks: list[Callable[[ApprovalRequest], None]] = []


def can_change_lead(user: User, lead: Lead) -> bool:
    """Whether ``user`` may edit, follow up and move ``lead``: anyone whose scope holds it."""
    return in_scope(user, lead)


def _check_credit_code_valid(code: str) -> None:
    """Refuse a malformed credit code (an empty one is allowed until screening)."""
    if not code:
        return
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise DomainError.for_field("credit_code", error.messages[0]) from None


def _credit_code_held_message(holder: Lead) -> str:
    """What a user is told of the lead that holds a credit code: only its task force, since the
    user may not see the lead."""
    where = (
        _("「%(tf)s」") % {"tf": holder.task_force.name} if holder.task_force else _("一位招商专员")
    )
    return _("该统一社会信用代码已登记在%(where)s的线索中，请勿重复录入，可联系其负责人。") % {
        "where": where
    }


def _check_credit_code(code: str, *, exclude_pk: int | None) -> None:
    """Refuse a malformed credit code, or one that another lead already holds."""
    if not code:
        return
    _check_credit_code_valid(code)
    holder = (
        Lead.objects.filter(credit_code=code)
        .exclude(pk=exclude_pk)
        .select_related("task_force")
        .first()
    )
    if holder is not None:
        message = _credit_code_held_message(holder)
        raise DuplicateError(message, field_errors={"credit_code": [message]})


def similar_leads(*, company_name: str, exclude_pk: int | None = None) -> list[Lead]:
    """Leads whose company name matches ``company_name`` after normalisation."""
    key = normalize_company_name(company_name)
    if not key:
        return []
    return list(
        Lead.objects.filter(company_key=key)
        .exclude(pk=exclude_pk)
        .select_related("task_force")
        .order_by("id")[:5]
    )


def _described_leads(actor: User, matches: list[Lead]) -> list[str]:
    """How a duplicate warning names ``matches`` to ``actor``: by name when visible, else only by
    the task force that holds it."""
    visible_ids = set(
        Lead.objects.filter(scope_q(actor), pk__in=[m.pk for m in matches]).values_list(
            "pk", flat=True
        )
    )
    return [
        m.company_name
        if m.pk in visible_ids
        else _("（%(tf)s 的一条线索）") % {"tf": m.task_force or _("其他专员")}
        for m in matches
    ]


def _check_similar_name(
    *, actor: User, company_name: str, exclude_pk: int | None, confirmed: bool
) -> None:
    """Warn (once, until confirmed) that a lead with an equivalent name already exists."""
    if confirmed:
        return
    matches = similar_leads(company_name=company_name, exclude_pk=exclude_pk)
    if not matches:
        return
    described = _described_leads(actor, matches)
    raise DuplicateWarning(
        _("已有名称相近的线索：%(names)s。如确认不是同一家企业，请勾选“仍然保存”后再提交。")
        % {"names": "、".join(described)},
        matches=described,
    )


def _lock(lead: Lead, *, actor: User, refusal: str, expected_version: int | None) -> Lead:
    """Lock the lead's row, check ``actor`` may still change it and its version is current."""
    return writes.record_lock(
        Lead,
        lead.pk,
        actor=actor,
        refusal=refusal,
        expected_version=expected_version,
        conflict=_("这条线索刚刚被%(who)s修改过，请刷新页面查看最新内容后再操作。"),
    )


def _credit_code_taken(lead: Lead) -> None:
    """A lead with the same credit code was committed meanwhile: say so, by constraint."""
    _check_credit_code(lead.credit_code, exclude_pk=lead.pk)


UNIQUE_HANDLERS = {writes.constraint_name(Lead, "credit_code_unique"): _credit_code_taken}


def _after_owner_change(lead: Lead, actor: User) -> None:
    for hook in owner_change_hooks:
        hook(lead, actor)


def _new_lead(*, actor: User, data: dict[str, Any], now: datetime.datetime | None = None) -> Lead:
    """The unsaved lead ``data`` describes: in the collect stage since ``now``, owned by
    ``actor`` unless another owner is given."""
    fields = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    fields["credit_code"] = normalize_credit_code(fields.get("credit_code") or "")
    if fields.get("owner") is None:
        fields["owner"] = actor
    now = now or timezone.now()
    return Lead(
        **fields,
        company_key=normalize_company_name(fields.get("company_name", "")),
        stage=Lead.Stage.COLLECT,
        stage_entered_at=now,
        last_activity_on=timezone.localdate(now),
        created_by=actor,
        updated_by=actor,
    )


@transaction.atomic
def lead_create(*, actor: User, data: dict[str, Any], confirm_duplicate_name: bool = False) -> Lead:
    """Log a new lead in the collect stage, owned by ``actor`` unless another owner is given."""
    lead = _new_lead(actor=actor, data=data)
    check_assignment(
        actor=actor,
        owner=lead.owner,
        task_force=lead.task_force,
        creating=True,
        noun=LEAD_NOUN,
    )
    _check_credit_code(lead.credit_code, exclude_pk=None)
    _check_similar_name(
        actor=actor,
        company_name=lead.company_name,
        exclude_pk=None,
        confirmed=confirm_duplicate_name,
    )
    writes.record_create(
        lead, actor=actor, clean_exclude=["company_key"], unique_handlers=UNIQUE_HANDLERS
    )
    _after_owner_change(lead, actor)
    return lead


@transaction.atomic
def lead_update(
    *,
    lead: Lead,
    actor: User,
    data: dict[str, Any],
    expected_version: int | None = None,
    confirm_duplicate_name: bool = False,
) -> Lead:
    """Change a lead's fields, recording each changed field's old and new value.

    Does nothing (and records nothing) when no value changes.
    """
    lead = _lock(
        lead, actor=actor, refusal=_("您无权修改这条线索。"), expected_version=expected_version
    )
    data = dict(data)
    if "credit_code" in data:
        data["credit_code"] = normalize_credit_code(data["credit_code"] or "")
    old_owner_id = lead.owner_id

    def validate(lead: Lead, changed: list[str], old: dict[str, Any]) -> list[str]:
        check_reassignment(
            actor=actor,
            record=lead,
            changed=changed,
            old=old,
            noun=LEAD_NOUN,
        )
        if "credit_code" in changed:
            _check_credit_code(lead.credit_code, exclude_pk=lead.pk)
        if "company_name" not in changed:
            return []
        _check_similar_name(
            actor=actor,
            company_name=lead.company_name,
            exclude_pk=lead.pk,
            confirmed=confirm_duplicate_name,
        )
        lead.company_key = normalize_company_name(lead.company_name)
        return ["company_key"]

    lead, _changed = writes.record_update(
        lead,
        actor=actor,
        data=data,
        editable=EDITABLE_FIELDS,
        validate=validate,
        clean_exclude=["company_key"],
        unique_handlers=UNIQUE_HANDLERS,
    )
    if lead.owner_id != old_owner_id and lead.owner_id is not None:
        _after_owner_change(lead, actor)
    return lead


@transaction.atomic
def lead_transition(
    *,
    lead: Lead,
    to: str,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
    approval_comment: str | None = None,
) -> Lead:
    """Move a lead to stage ``to`` under the pipeline rules, recording the move.

    Of two people making the same move at once, the second is told of the conflict: the row
    lock serialises them and the second finds the lead already moved. A move out of screen
    settles the lead's approval request (``_approval_settle``); ``approval_comment`` is the
    approver's comment when the move comes from the approvals queue (``approval_decide``).
    """
    lead = _lock(
        lead, actor=actor, refusal=_("您无权推进这条线索。"), expected_version=expected_version
    )
    if lead.stage == to:
        raise ConflictError(
            _("这条线索已经处于「%(stage)s」阶段（可能刚被%(who)s推进），请刷新后查看。")
            % {"stage": lead.get_stage_display(), "who": lead.updated_by}
        )
    problem = move_problem(lead=lead, to=to, actor=actor, reason=reason)
    if problem:
        raise TransitionRefused(problem)
    from_stage = lead.stage
    now = timezone.now()
    lead.stage = to
    lead.stage_entered_at = now
    lead.last_activity_on = max(lead.last_activity_on, timezone.localdate(now))
    lead.version += 1
    lead.updated_by = actor
    lead.save(
        update_fields=[
            "stage",
            "stage_entered_at",
            "last_activity_on",
            "version",
            "updated_by",
            "updated_at",
        ]
    )
    transition = LeadTransition.objects.create(
        lead=lead, from_stage=from_stage, to_stage=to, actor=actor, reason=reason.strip()
    )
    if needs_reason(from_stage, to):
        reminders.notify_sent_back(transition)
    if from_stage == Lead.Stage.SCREEN:
        _approval_settle(
            lead=lead, to=to, actor=actor, reason=reason.strip(), comment=approval_comment
        )
    return lead


@transaction.atomic
def follow_up_create(
    *,
    lead: Lead,
    actor: User,
    occurred_on: datetime.date,
    method: str,
    summary: str,
    participants: str = "",
    outcome: str = "",
    next_follow_up_on: datetime.date | None = None,
) -> FollowUp:
    """Record a follow-up and bring the lead's last and next follow-up dates up to date.

    A follow-up entered late (older than the latest one) does not move the planned next date.
    """
    today = timezone.localdate()
    if occurred_on > today:
        raise DomainError.for_field("occurred_on", _("跟进日期不能晚于今天。"))
    if next_follow_up_on is not None and next_follow_up_on < occurred_on:
        raise DomainError.for_field("next_follow_up_on", _("下次跟进日期不能早于本次跟进日期。"))
    lead = _lock(lead, actor=actor, refusal=_("您无权为这条线索记录跟进。"), expected_version=None)
    follow_up = FollowUp(
        lead=lead,
        occurred_on=occurred_on,
        method=method,
        participants=participants,
        summary=summary,
        outcome=outcome,
        next_follow_up_on=next_follow_up_on,
        created_by=actor,
    )
    writes.check_single_line(follow_up, ["participants"])
    writes.full_clean(follow_up)
    follow_up.save()
    if lead.last_follow_up_on is None or occurred_on >= lead.last_follow_up_on:
        lead.last_follow_up_on = occurred_on
        lead.next_follow_up_on = next_follow_up_on
    lead.last_activity_on = max(lead.last_activity_on, occurred_on)
    lead.version += 1
    lead.updated_by = actor
    lead.save(
        update_fields=[
            "last_follow_up_on",
            "next_follow_up_on",
            "last_activity_on",
            "version",
            "updated_by",
            "updated_at",
        ]
    )
    return follow_up


# --- approvals (筛选 → 对接) ------------------------------------------------------------------


def _approval_decided(approval: ApprovalRequest) -> None:
    for hook in approval_decision_hooks:
        hook(approval)


def _approval_settle(*, lead: Lead, to: str, actor: User, reason: str, comment: str | None) -> None:
    """Bring the lead's approval record in line with a move out of screen (lead locked).

    To dock: the pending request is approved (by the queue, with its comment, or by the
    leader's direct move); without one, the direct move is recorded as asked and approved at
    once, so every lead in dock has its approval on record. Elsewhere (back to collect,
    dropped): the pending request is withdrawn with the move's reason.
    """
    now = timezone.now()
    pending = (
        ApprovalRequest.objects.select_for_update()
        .filter(lead=lead, status=ApprovalRequest.Status.PENDING)
        .first()
    )
    if to != Lead.Stage.DOCK:
        if pending is not None:
            pending.status = ApprovalRequest.Status.WITHDRAWN
            pending.decided_by, pending.decided_at, pending.comment = actor, now, reason
            pending.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        return
    if comment is None:
        # Stored in the product's language, like every other text the system writes.
        with translation.override(settings.LANGUAGE_CODE):
            comment = _("看板直接审批")
    if pending is None:
        ApprovalRequest.objects.create(
            lead=lead,
            requested_by=actor,
            requested_at=now,
            status=ApprovalRequest.Status.APPROVED,
            decided_by=actor,
            decided_at=now,
            comment=comment,
        )
        return
    pending.status = ApprovalRequest.Status.APPROVED
    pending.decided_by, pending.decided_at, pending.comment = actor, now, comment
    pending.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    _approval_decided(pending)


@transaction.atomic
def approval_request(*, lead: Lead, actor: User, note: str) -> ApprovalRequest:
    """Ask the task force's leader to approve the lead's move 筛选 → 对接 (提请审批).

    Open only when the approval is all the move lacks (``leads.pipeline.approval_problem``)
    and no request of the lead is pending; the note says why the lead is ready.
    """
    note = note.strip()
    if not note:
        raise DomainError.for_field("note", _("请写明提请审批的理由（企业情况、对接计划等）。"))
    lead = _lock(lead, actor=actor, refusal=_("您无权为这条线索提请审批。"), expected_version=None)
    problem = approval_problem(lead=lead, actor=actor)
    if problem:
        raise TransitionRefused(problem)
    # The lead's row lock serialises two requests for it: the second finds the first here.
    pending = (
        ApprovalRequest.objects.filter(lead=lead, status=ApprovalRequest.Status.PENDING)
        .select_related("requested_by")
        .first()
    )
    if pending is not None:
        raise ConflictError(
            _("%(who)s已于 %(at)s 提请审批，正在等待专班负责人审批。")
            % {
                "who": pending.requested_by,
                "at": timezone.localtime(pending.requested_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    approval = ApprovalRequest(lead=lead, requested_by=actor, note=note)
    writes.full_clean(approval)
    approval.save()
    reminders.notify_approval_asked(approval)
    return approval


@transaction.atomic
def approval_decide(
    *, request: ApprovalRequest, actor: User, approve: bool, comment: str = ""
) -> ApprovalRequest:
    """Approve a pending request (the lead moves to dock now) or send it back with a comment.

    The leader of the lead's task force decides, or a bureau leader or an administrator
    (``crm.access.is_leader_of``); an approval whose move the pipeline now refuses (the rating
    changed meanwhile) is refused with the pipeline's reason, and may be sent back instead.
    """
    comment = comment.strip()
    if not approve and not comment:
        raise DomainError.for_field("comment", _("退回需要填写意见，说明还需补充或改进什么。"))
    # The lead first, then the request: the order ``lead_transition`` locks them in.
    lead = _lock(
        Lead(pk=request.lead_id),
        actor=actor,
        refusal=_("您无权审批这条线索。"),
        expected_version=None,
    )
    if not is_leader_of(actor, lead.task_force_id):
        raise PermissionRefused(_("只有该线索所在专班的负责人或局领导可以审批。"))
    approval = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if approval.lead_id != lead.pk or not approval.is_pending:
        raise ConflictError(
            _("这项审批已处理（%(status)s），请刷新页面查看。")
            % {"status": approval.get_status_display()}
        )
    if approve:
        # The move settles the request as approved with this comment (``_approval_settle``).
        lead_transition(lead=lead, to=Lead.Stage.DOCK, actor=actor, approval_comment=comment)
        approval.refresh_from_db()
        return approval
    approval.status = ApprovalRequest.Status.RETURNED
    approval.decided_by, approval.decided_at, approval.comment = actor, timezone.now(), comment
    approval.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    _approval_decided(approval)
    return approval


# --- target enterprises (目标企业库) ------------------------------------------------------------

# The fields a person edits on the target form, in the admin and through the API; ``lead`` is
# set only by ``target_convert``.
TARGET_EDITABLE_FIELDS = (
    "company_name",
    "credit_code",
    "chain_link",
    "chain_role",
    "region",
    "reason",
    "contact_hint",
    "owner",
    "task_force",
)

TARGET_NOUN = pgettext_lazy("noun in a sentence", "目标企业")


def can_change_target(user: User, target: TargetEnterprise) -> bool:
    """Whether ``user`` may edit, convert and delete ``target``: anyone whose scope holds it."""
    return in_scope(user, target)


def _check_target_credit_code(code: str, *, exclude_pk: int | None) -> None:
    """Refuse a malformed credit code, one a lead already holds (the lead rule, its message),
    or one another target holds; messages name only the holder's task force."""
    _check_credit_code(code, exclude_pk=None)
    if not code:
        return
    holder = (
        TargetEnterprise.objects.filter(credit_code=code)
        .exclude(pk=exclude_pk)
        .select_related("task_force")
        .first()
    )
    if holder is not None:
        where = (
            _("「%(tf)s」") % {"tf": holder.task_force.name}
            if holder.task_force
            else _("一位招商专员")
        )
        message = _("该统一社会信用代码已在%(where)s的目标企业中，请勿重复录入。") % {
            "where": where
        }
        raise DuplicateError(message, field_errors={"credit_code": [message]})


def _check_similar_target_name(
    *, actor: User, company_name: str, exclude_pk: int | None, confirmed: bool
) -> None:
    """Warn (once, until confirmed) that a lead or a target with an equivalent name exists."""
    if confirmed:
        return
    key = normalize_company_name(company_name)
    if not key:
        return
    targets = list(
        TargetEnterprise.objects.filter(company_key=key)
        .exclude(pk=exclude_pk)
        .select_related("task_force")
        .order_by("id")[:5]
    )
    leads = similar_leads(company_name=company_name)
    if not targets and not leads:
        return
    visible_ids = set(
        TargetEnterprise.objects.visible_to(actor)
        .filter(pk__in=[t.pk for t in targets])
        .values_list("pk", flat=True)
    )
    described = [
        t.company_name
        if t.pk in visible_ids
        else _("（%(tf)s 的一家目标企业）") % {"tf": t.task_force or _("其他专员")}
        for t in targets
    ] + _described_leads(actor, leads)
    raise DuplicateWarning(
        _(
            "已有名称相近的线索或目标企业：%(names)s。"
            "如确认不是同一家企业，请勾选“仍然保存”后再提交。"
        )
        % {"names": "、".join(described)},
        matches=described,
    )


def _target_credit_code_taken(target: TargetEnterprise) -> None:
    """A target with the same credit code was committed meanwhile: say so, by constraint."""
    _check_target_credit_code(target.credit_code, exclude_pk=target.pk)


TARGET_UNIQUE_HANDLERS = {
    writes.constraint_name(TargetEnterprise, "credit_code_unique"): _target_credit_code_taken
}


def _target_lock(
    target: TargetEnterprise, *, actor: User, refusal: str, expected_version: int | None
) -> TargetEnterprise:
    """Lock the target's row, check ``actor`` may still change it and its version is current."""
    return writes.record_lock(
        TargetEnterprise,
        target.pk,
        actor=actor,
        refusal=refusal,
        expected_version=expected_version,
        conflict=_("这家目标企业刚刚被%(who)s修改过，请刷新页面查看最新内容后再操作。"),
    )


def _refuse_if_converted(target: TargetEnterprise, message: str) -> None:
    if target.is_converted:
        raise ConflictError(message % {"name": target.company_name})


@transaction.atomic
def target_create(
    *, actor: User, data: dict[str, Any], confirm_duplicate_name: bool = False
) -> TargetEnterprise:
    """File a target enterprise under a chain link, owned by ``actor`` unless another owner is
    given; who may file it where is the leads' rule (``check_assignment``)."""
    fields = {name: data[name] for name in TARGET_EDITABLE_FIELDS if name in data}
    fields["credit_code"] = normalize_credit_code(fields.get("credit_code") or "")
    if fields.get("owner") is None:
        fields["owner"] = actor
    check_assignment(
        actor=actor,
        owner=fields["owner"],
        task_force=fields.get("task_force"),
        creating=True,
        noun=TARGET_NOUN,
    )
    _check_target_credit_code(fields["credit_code"], exclude_pk=None)
    _check_similar_target_name(
        actor=actor,
        company_name=fields.get("company_name") or "",
        exclude_pk=None,
        confirmed=confirm_duplicate_name,
    )
    target = TargetEnterprise(
        **fields,
        company_key=normalize_company_name(fields.get("company_name") or ""),
        created_by=actor,
        updated_by=actor,
    )
    return writes.record_create(
        target,
        actor=actor,
        clean_exclude=["company_key", "lead"],
        unique_handlers=TARGET_UNIQUE_HANDLERS,
    )


@transaction.atomic
def target_update(
    *,
    target: TargetEnterprise,
    actor: User,
    data: dict[str, Any],
    expected_version: int | None = None,
    confirm_duplicate_name: bool = False,
) -> TargetEnterprise:
    """Change a target's fields, recording each change; nothing happens when nothing changes.

    A converted target is the record of where its lead came from: it is no longer edited.
    """
    target = _target_lock(
        target,
        actor=actor,
        refusal=_("您无权修改这家目标企业。"),
        expected_version=expected_version,
    )
    _refuse_if_converted(target, _("「%(name)s」已转为线索，目标企业不再修改；请在线索中修改。"))
    data = dict(data)
    if "credit_code" in data:
        data["credit_code"] = normalize_credit_code(data["credit_code"] or "")

    def validate(target: TargetEnterprise, changed: list[str], old: dict[str, Any]) -> list[str]:
        check_reassignment(actor=actor, record=target, changed=changed, old=old, noun=TARGET_NOUN)
        if "credit_code" in changed:
            _check_target_credit_code(target.credit_code, exclude_pk=target.pk)
        if "company_name" not in changed:
            return []
        _check_similar_target_name(
            actor=actor,
            company_name=target.company_name,
            exclude_pk=target.pk,
            confirmed=confirm_duplicate_name,
        )
        target.company_key = normalize_company_name(target.company_name)
        return ["company_key"]

    target, _changed = writes.record_update(
        target,
        actor=actor,
        data=data,
        editable=TARGET_EDITABLE_FIELDS,
        validate=validate,
        clean_exclude=["company_key", "lead"],
        unique_handlers=TARGET_UNIQUE_HANDLERS,
    )
    return target


def target_delete_refusal(target: TargetEnterprise) -> str:
    """Why ``target`` may not be deleted (``""`` when it may): a converted target is its lead's
    origin. The pages and the admin ask this."""
    if target.is_converted:
        return _("「%(name)s」已转为线索，是该线索的来源记录，不能删除。") % {
            "name": target.company_name
        }
    return ""


@transaction.atomic
def target_delete(
    *, target: TargetEnterprise, actor: User, expected_version: int | None = None
) -> None:
    """Remove a target that was never converted, recording every field in its history first."""
    target = _target_lock(
        target,
        actor=actor,
        refusal=_("您无权删除这家目标企业。"),
        expected_version=expected_version,
    )
    refusal = target_delete_refusal(target)
    if refusal:
        raise ConflictError(refusal)
    audit.record_delete(instance=target, actor=actor)
    target.delete()


def target_convert_problem(*, target: TargetEnterprise, actor: User) -> str | None:
    """Why ``actor`` cannot turn ``target`` into a lead now, or ``None``: shown before the user
    tries, and the same rules ``target_convert`` enforces (the lead's assignment rule)."""
    if target.is_converted:
        return _("已转为线索，不能重复转换。")
    if not can_change_target(actor, target):
        return _("您无权把这家目标企业转为线索。")
    try:
        check_assignment(
            actor=actor,
            owner=target.owner or actor,
            task_force=target.task_force,
            creating=True,
            noun=LEAD_NOUN,
        )
    except DomainError as error:
        return error.message
    return None


@transaction.atomic
def target_convert(
    *,
    target: TargetEnterprise,
    actor: User,
    channel: Channel,
    confirm_duplicate_name: bool = False,
    expected_version: int | None = None,
) -> Lead:
    """Turn a target into a lead in one step and link the two.

    The lead is created by ``lead_create`` (the same assignment check, credit-code and
    similar-name rules) with the target's company name, credit code, chain link and its chain's
    industry, chain role, region, owner and task force, and the ``channel`` the officer picks.
    The target's row lock serialises two conversions: the second is refused.
    """
    target = _target_lock(
        target,
        actor=actor,
        refusal=_("您无权把这家目标企业转为线索。"),
        expected_version=expected_version,
    )
    _refuse_if_converted(target, _("「%(name)s」已转为线索，不能重复转换。"))
    link = target.chain_link
    lead = lead_create(
        actor=actor,
        data={
            "company_name": target.company_name,
            "credit_code": target.credit_code,
            "industry": link.chain.industry,
            "chain_link": link,
            "chain_role": target.chain_role,
            "region": target.region,
            "owner": target.owner,
            "task_force": target.task_force,
            "channel": channel,
        },
        confirm_duplicate_name=confirm_duplicate_name,
    )
    before = audit.snapshot(target, ["lead"])
    target.lead = lead
    target.version += 1
    target.updated_by = actor
    target.save(update_fields=["lead", "version", "updated_by", "updated_at"])
    audit.change_record(
        instance=target,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=audit.changes_since(target, before),
    )
    return lead


# --- import of a 台账 (crm.imports) -------------------------------------------------------------


def _leads_by_credit_code(codes: list[str]) -> dict[str, Lead]:
    """The leads holding any of ``codes``, by code (one query per thousand codes)."""
    found: dict[str, Lead] = {}
    for chunk in in_chunks(codes):
        for lead in Lead.objects.filter(credit_code__in=chunk).select_related("task_force"):
            found[lead.credit_code] = lead
    return found


def _leads_by_company_key(keys: list[str]) -> dict[str, list[Lead]]:
    """``similar_leads`` for many names at once: the leads sharing each normalised name."""
    found: dict[str, list[Lead]] = {}
    for chunk in in_chunks(keys):
        leads = Lead.objects.filter(company_key__in=chunk).select_related("task_force")
        for lead in leads.order_by("id"):
            found.setdefault(lead.company_key, []).append(lead)
    return found


def _import_credit_codes(rows: Sequence[ImportRow]) -> dict[str, ImportRow]:
    """Check each row's credit code (``_check_credit_code_valid``) and that no two rows share
    one; the rows with a valid code, by code."""
    by_code: dict[str, ImportRow] = {}
    for row in rows:
        code = normalize_credit_code(row.values.get("credit_code", ""))
        try:
            _check_credit_code_valid(code)
        except DomainError as error:
            row.refuse(error)
            row.failed.add("credit_code")
            continue
        if not code:
            continue
        if code in by_code:
            row.error(
                _("与第 %(row)s 行的统一社会信用代码相同：同一企业只能登记一条线索。")
                % {"row": by_code[code].number},
                "credit_code",
            )
            continue
        by_code[code] = row
    return by_code


def _import_matches(*, actor: User, by_code: dict[str, ImportRow], on_match: str) -> None:
    """Rows whose credit code a lead already holds: skipped, or to update it (``on_match``).

    A lead outside the importer's scope is named only by its task force, as ``lead_create``
    names it, and cannot be updated from the file.
    """
    for code, holder in _leads_by_credit_code(list(by_code)).items():
        row = by_code[code]
        visible = in_scope(actor, holder)
        if on_match == ImportOnMatch.SKIP:
            row.action = Action.SKIP
            row.warn(
                _("系统中已有这家企业的线索「%(name)s」（统一社会信用代码相同），本行跳过。")
                % {"name": holder.company_name}
                if visible
                else _("%(held)s本行跳过。") % {"held": _credit_code_held_message(holder)},
                "credit_code",
            )
        elif visible:
            row.action, row.target = Action.UPDATE, holder
        else:
            row.error(
                _("%(held)s您无权修改这条线索，请删除本行或选择「跳过」。")
                % {"held": _credit_code_held_message(holder)},
                "credit_code",
            )


def _import_similar_names(*, actor: User, rows: Sequence[ImportRow], on_similar: str) -> None:
    """New rows whose company name matches a lead's, or an earlier row's, after normalisation
    (``similar_leads``): a warning; skipped unless ``on_similar`` says to import them."""
    keys = {row: normalize_company_name(row.values.get("company_name", "")) for row in rows}
    existing = _leads_by_company_key(sorted({key for key in keys.values() if key}))
    matches = [lead for leads in existing.values() for lead in leads]
    described = dict(zip(matches, _described_leads(actor, matches), strict=True))
    skip = on_similar == ImportOnSimilar.SKIP
    first_row: dict[str, int] = {}
    for row, key in keys.items():
        if not key:
            continue
        if key in existing:
            names = "、".join(described[lead] for lead in existing[key][:5])
            message = _("已有名称相近的线索：%(names)s。") % {"names": names}
        elif key in first_row:
            message = _("与第 %(row)s 行的企业名称相近。") % {"row": first_row[key]}
        else:
            first_row[key] = row.number
            continue
        if skip:
            row.action = Action.SKIP
            row.warn(
                message + _("本行跳过（确认不是同一家企业的，可选择「仍然导入」）。"),
                "company_name",
            )
        else:
            row.warn(message + _("仍将导入为新线索。"), "company_name")


def _import_updates(*, actor: User, rows: Sequence[ImportRow]) -> None:
    """Update the matched leads through ``lead_update`` (its rules, its history); a cell left
    empty changes nothing. Each in a savepoint: a refused row is reported, the rest go on."""
    for row in rows:
        if row.has_errors:
            continue
        try:
            with transaction.atomic():
                lead = lead_update(
                    lead=row.target,
                    actor=actor,
                    data=row.data(EDITABLE_FIELDS),
                    confirm_duplicate_name=True,
                )
        except DomainError as error:
            row.refuse(error)
            continue
        row.action = Action.UPDATE if lead.version != row.target.version else Action.UNCHANGED


@transaction.atomic
def leads_import(
    *,
    actor: User,
    rows: Sequence[ImportRow],
    on_match: str = ImportOnMatch.SKIP,
    on_similar: str = ImportOnSimilar.SKIP,
    dry_run: bool = False,
) -> None:
    """Create leads from the rows of an imported 台账 by ``lead_create``'s rules: all or none.

    Every row gets its problems and its action (``crm.imports.Action``). A row whose credit
    code a lead already holds is skipped, or with ``on_match="update"`` updates that lead
    through ``lead_update``; a row whose company name matches a lead's is a warning, and
    skipped unless ``on_similar="import"``. The rules are asked in bulk (a fixed number of
    queries however many rows), the new leads inserted in batches with history rows marked as
    imported, and their new owners told as ``lead_create`` tells them. Nothing is written when
    any row has an error, nor on a ``dry_run`` (the updates it tried are rolled back).
    """
    with audit.change_source(ChangeLog.Source.IMPORT):
        by_code = _import_credit_codes(rows)
        _import_matches(actor=actor, by_code=by_code, on_match=on_match)
        new_rows = [row for row in rows if row.action == Action.CREATE]
        _import_similar_names(actor=actor, rows=new_rows, on_similar=on_similar)
        assignment = AssignmentCheck(actor=actor, noun=LEAD_NOUN)
        now = timezone.now()
        new_leads = []
        for row in rows:
            if row.action != Action.CREATE:
                continue
            lead = _new_lead(actor=actor, data=row.values, now=now)
            if not row.failed & {"owner", "task_force"}:
                refusal = assignment(owner=lead.owner, task_force=lead.task_force)
                if refusal is not None:
                    row.refuse(refusal)
            check_new_record(row, lead, actor=actor)
            new_leads.append((row, lead))
        _import_updates(actor=actor, rows=[row for row in rows if row.action == Action.UPDATE])
        if dry_run or any(row.has_errors for row in rows):
            transaction.set_rollback(True)
            return
        leads = [lead for _row, lead in new_leads]
        try:
            with transaction.atomic():
                create_records(leads, actor=actor)
        except IntegrityError:
            # A lead with one of these credit codes was registered since the check.
            held = _leads_by_credit_code([lead.credit_code for lead in leads if lead.credit_code])
            for row, lead in new_leads:
                if lead.credit_code in held:
                    row.error(_credit_code_held_message(held[lead.credit_code]), "credit_code")
            if not any(row.has_errors for row in rows):
                rows[0].error(_("导入时数据发生了变化，没有写入任何记录，请重新检查后再导入。"))
            transaction.set_rollback(True)
            return
        for lead in leads:
            _after_owner_change(lead, actor)
