"""Every change to leads goes through these functions: pages, the API, tasks and commands alike.

Each one is atomic, locks the row it changes, refuses with a domain error (``crm.exceptions``)
rather than half-writing, records its history and leaves notifications to after the commit.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import audit
from crm.exceptions import (
    ConflictError,
    DomainError,
    DuplicateError,
    DuplicateWarning,
    PermissionRefused,
    TransitionRefused,
)
from crm.models import ChangeLog, TaskForce, User
from crm.text import normalize_company_name
from crm.validators import normalize_credit_code, validate_credit_code
from crm.access import is_leader_of, scope_q, task_force_ids
from leads.models import FollowUp, Lead, LeadTransition
from leads.pipeline import move_problem

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

# Hooks that run after a lead's owner changes and the transaction commits (the reminders
# app registers the "you have a new lead" email here), called with (lead_id, actor_id).
owner_change_hooks: list[Callable[[int, int | None], None]] = []


def can_change_lead(user: User, lead: Lead) -> bool:
    """Whether ``user`` may edit, follow up and move ``lead``: anyone whose scope holds it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.sees_everything or lead.owner_id == user.pk:
        return True
    return lead.task_force_id is not None and lead.task_force_id in task_force_ids(user)


def _check_assignment(
    *,
    actor: User,
    old_task_force: TaskForce | None,
    task_force: TaskForce | None,
    owner: User | None,
) -> None:
    """Who may put a lead in which task force and give it to whom.

    An officer files leads into their own task forces and owns them; putting a lead into another
    task force, taking it out of one, or giving it to someone else is the task-force leader's
    call (or a bureau leader's).
    """
    if actor.sees_everything:
        return
    if task_force != old_task_force:
        if old_task_force is not None and not is_leader_of(actor, old_task_force.pk):
            raise PermissionRefused(
                _("只有专班负责人可以把线索调出「%(tf)s」。") % {"tf": old_task_force},
                field_errors={"task_force": [_("无权更改专班。")]},
            )
        if task_force is not None and task_force.pk not in task_force_ids(actor):
            raise PermissionRefused(
                _("只能把线索放入自己所在的专班。"),
                field_errors={"task_force": [_("您不在「%(tf)s」中。") % {"tf": task_force}]},
            )
    if (
        owner is not None
        and owner != actor
        and not (task_force is not None and is_leader_of(actor, task_force.pk))
    ):
        raise PermissionRefused(
            _("只有专班负责人可以把线索分配给他人。"),
            field_errors={"owner": [_("只能由专班负责人分配给他人。")]},
        )


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
    """Lock the lead's row, check ``actor`` may change it, and that nobody changed it since
    ``expected_version``. Rights are checked on the locked row: the lead may have been
    reassigned since the caller read it.
    """
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if not can_change_lead(actor, locked):
        raise PermissionRefused(refusal)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("这条线索刚刚被%(who)s修改过，请刷新页面查看最新内容后再操作。")
            % {"who": locked.updated_by}
        )
    return locked


def _full_clean(lead: Lead) -> None:
    """Validate the lead, reporting a credit code taken since the pre-check as a duplicate.

    The model's conditional unique constraint would otherwise surface as a generic
    "constraint violated" message when another lead with the code was committed meanwhile.
    """
    try:
        lead.full_clean(exclude=["company_key"])
    except ValidationError:
        _check_credit_code(lead.credit_code, exclude_pk=lead.pk)
        raise


def _save_guarding_duplicates(lead: Lead, **save_kwargs: Any) -> None:
    """Save, turning a lost race on the unique credit code into a clear duplicate error."""
    try:
        with transaction.atomic():
            lead.save(**save_kwargs)
    except IntegrityError as error:
        if "credit_code" in str(error):
            _check_credit_code(lead.credit_code, exclude_pk=lead.pk)
        raise


def _after_owner_change(lead: Lead, actor: User) -> None:
    for hook in owner_change_hooks:
        transaction.on_commit(lambda hook=hook: hook(lead.pk, actor.pk))


@transaction.atomic
def lead_create(*, actor: User, data: dict[str, Any], confirm_duplicate_name: bool = False) -> Lead:
    """Log a new lead in the collect stage, owned by ``actor`` unless another owner is given."""
    fields = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    fields["credit_code"] = normalize_credit_code(fields.get("credit_code") or "")
    fields.setdefault("owner", actor)
    if fields["owner"] is None:
        fields["owner"] = actor
    _check_assignment(
        actor=actor,
        old_task_force=None,
        task_force=fields.get("task_force"),
        owner=fields["owner"],
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
    _full_clean(lead)
    _save_guarding_duplicates(lead)
    audit.change_record(instance=lead, actor=actor, action=ChangeLog.Action.CREATE)
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
    changes = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    if "credit_code" in changes:
        changes["credit_code"] = normalize_credit_code(changes["credit_code"] or "")
    changed = [name for name, value in changes.items() if getattr(lead, name) != value]
    if not changed:
        return lead
    old_task_force, old_owner_id = lead.task_force, lead.owner_id
    before = audit.snapshot(lead, changed)
    for name in changed:
        setattr(lead, name, changes[name])
    if "task_force" in changed or "owner" in changed:
        _check_assignment(
            actor=actor, old_task_force=old_task_force, task_force=lead.task_force, owner=lead.owner
        )
    if "credit_code" in changed:
        _check_credit_code(lead.credit_code, exclude_pk=lead.pk)
    if "company_name" in changed:
        _check_similar_name(
            actor=actor,
            company_name=lead.company_name,
            exclude_pk=lead.pk,
            confirmed=confirm_duplicate_name,
        )
        lead.company_key = normalize_company_name(lead.company_name)
        changed.append("company_key")
    _full_clean(lead)
    lead.version += 1
    lead.updated_by = actor
    _save_guarding_duplicates(lead, update_fields=[*changed, "version", "updated_by", "updated_at"])
    audit.change_record(
        instance=lead,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=audit.changes_since(lead, before),
    )
    if lead.owner_id != old_owner_id and lead.owner_id is not None:
        _after_owner_change(lead, actor)
    return lead


@transaction.atomic
def lead_transition(
    *, lead: Lead, to: str, actor: User, reason: str = "", expected_version: int | None = None
) -> Lead:
    """Move a lead to stage ``to`` under the pipeline rules, recording the move.

    Of two people making the same move at once, the second is told of the conflict: the row
    lock serialises them and the second finds the lead already moved.
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
    follow_up.full_clean()
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
