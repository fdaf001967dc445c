"""Every change to leads goes through these functions: pages, the API, tasks and commands alike.

Each one is atomic, locks the row it changes, refuses with a domain error (``crm.exceptions``)
rather than half-writing, records its history and leaves notifications to after the commit.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from crm import writes
from crm.access import check_assignment, check_reassignment, in_scope, is_leader_of, scope_q
from crm.exceptions import (
    ConflictError,
    DomainError,
    DuplicateError,
    DuplicateWarning,
    PermissionRefused,
    TransitionRefused,
)
from crm.models import User
from crm.text import normalize_company_name
from crm.validators import normalize_credit_code, validate_credit_code
from leads.models import ApprovalRequest, FollowUp, Lead, LeadTransition
from leads.pipeline import approval_problem, move_problem

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


def _check_credit_code(code: str, *, exclude_pk: int | None) -> None:
    """Refuse a malformed credit code, or one that another lead already holds.

    The duplicate message names only the holder's task force: the user may not see the lead.
    """
    if not code:
        return
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise DomainError.for_field("credit_code", error.messages[0]) from None
    holder = (
        Lead.objects.filter(credit_code=code)
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
        message = _(
            "该统一社会信用代码已登记在%(where)s的线索中，请勿重复录入，可联系其负责人。"
        ) % {"where": where}
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


def _check_similar_name(
    *, actor: User, company_name: str, exclude_pk: int | None, confirmed: bool
) -> None:
    """Warn (once, until confirmed) that a lead with an equivalent name already exists."""
    if confirmed:
        return
    matches = similar_leads(company_name=company_name, exclude_pk=exclude_pk)
    if not matches:
        return
    visible_ids = set(
        Lead.objects.filter(scope_q(actor), pk__in=[m.pk for m in matches]).values_list(
            "pk", flat=True
        )
    )
    described = [
        m.company_name
        if m.pk in visible_ids
        else _("（%(tf)s 的一条线索）") % {"tf": m.task_force or _("其他专员")}
        for m in matches
    ]
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


@transaction.atomic
def lead_create(*, actor: User, data: dict[str, Any], confirm_duplicate_name: bool = False) -> Lead:
    """Log a new lead in the collect stage, owned by ``actor`` unless another owner is given."""
    fields = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    fields["credit_code"] = normalize_credit_code(fields.get("credit_code") or "")
    if fields.get("owner") is None:
        fields["owner"] = actor
    check_assignment(
        actor=actor,
        owner=fields["owner"],
        task_force=fields.get("task_force"),
        creating=True,
        noun=LEAD_NOUN,
    )
    _check_credit_code(fields["credit_code"], exclude_pk=None)
    _check_similar_name(
        actor=actor,
        company_name=fields["company_name"],
        exclude_pk=None,
        confirmed=confirm_duplicate_name,
    )
    now = timezone.now()
    lead = Lead(
        **fields,
        company_key=normalize_company_name(fields["company_name"]),
        stage=Lead.Stage.COLLECT,
        stage_entered_at=now,
        last_activity_on=timezone.localdate(now),
        created_by=actor,
        updated_by=actor,
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
    LeadTransition.objects.create(
        lead=lead, from_stage=from_stage, to_stage=to, actor=actor, reason=reason.strip()
    )
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
