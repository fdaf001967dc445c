"""The one write path every service of every app takes to change a record.

``record_lock`` locks the row, re-checks the actor's rights on the locked row (the record may
have been reassigned since the caller read it) and compares the version the user saw (409 on a
stale one). ``record_update`` then applies the editable fields, validates, bumps the version,
saves only the changed fields and writes one history row; it does nothing, and records nothing,
when no value changes. ``record_create`` is the same discipline for a new row.

A lost race on a unique constraint is recognised by the constraint's name (PostgreSQL reports
it; on SQLite it is found from the columns) and handed to the caller's handler, which raises a
clear domain error; nothing is ever half-written.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from crm import audit
from crm.access import in_scope
from crm.exceptions import ConflictError, DomainError, NotFound, PermissionRefused
from crm.models import ChangeLog, User

M = TypeVar("M", bound=models.Model)

# Characters a single-line field may not hold: C0 controls (newline, tab, …), DEL and the
# Unicode line and paragraph separators. A newline in a company name breaks email headers.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")

UniqueHandlers = Mapping[str, Callable[[Any], None]]


def check_single_line(instance: models.Model, fields: Iterable[str]) -> None:
    """Refuse control characters in the single-line text fields among ``fields``."""
    for name in fields:
        field = instance._meta.get_field(name)
        if not isinstance(field, models.CharField) or field.choices:
            continue
        value = getattr(instance, field.attname)
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise DomainError.for_field(
                name,
                _("「%(label)s」只能填写一行文字，不能包含换行符或其他控制字符。")
                % {"label": field.verbose_name},
            )


def full_clean(
    instance: models.Model,
    *,
    exclude: Iterable[str] = (),
    unique_handlers: "UniqueHandlers | None" = None,
) -> None:
    """Validate ``instance`` like a form would, as a ``DomainError`` with field messages.

    A unique constraint that fails here (a duplicate committed since the caller's pre-check)
    is handed to its handler first, so the user reads the duplicate's message, not
    "constraint violated".
    """
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        for handler in (unique_handlers or {}).values():
            handler(instance)
        field_errors = error.message_dict if hasattr(error, "error_dict") else {}
        messages = [message for values in field_errors.values() for message in values]
        raise DomainError(
            messages[0] if len(messages) == 1 else _("输入有误，请按提示修改。"),
            field_errors=field_errors or {"__all__": error.messages},
        ) from None


def violated_constraint(error: IntegrityError, model: type[models.Model]) -> str | None:
    """The name of the constraint ``error`` reports, as declared on ``model``, or ``None``."""
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    # SQLite names only the columns: "UNIQUE constraint failed: leads_lead.credit_code".
    match = re.search(r"UNIQUE constraint failed: (.+)$", str(error))
    if not match:
        return None
    columns = {part.strip().rsplit(".", 1)[-1] for part in match.group(1).split(",")}
    meta = model._meta
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            names = {meta.get_field(name).column for name in constraint.fields}
            if names == columns:
                return constraint.name % {
                    "app_label": meta.app_label,
                    "class": meta.model_name,
                }
    return None


def constraint_name(model: type[models.Model], suffix: str) -> str:
    """The database name of a constraint of ``model`` declared as ``%(app_label)s_%(class)s_…``."""
    meta = model._meta
    return f"{meta.app_label}_{meta.model_name}_{suffix}"


def save_guarded(
    instance: models.Model, *, unique_handlers: UniqueHandlers | None = None, **save_kwargs: Any
) -> None:
    """Save in a savepoint; a violated constraint with a handler raises the handler's error."""
    try:
        with transaction.atomic():
            instance.save(**save_kwargs)
    except IntegrityError as error:
        handler = (unique_handlers or {}).get(violated_constraint(error, type(instance)) or "")
        if handler is not None:
            handler(instance)
        raise


def record_lock(
    model: type[M],
    pk: int,
    *,
    actor: User,
    refusal: str,
    expected_version: int | None = None,
    conflict: str = "",  # may name who changed it: %(who)s
    may_change: Callable[[User, M], bool] = in_scope,
) -> M:
    """Lock the row, check ``actor`` may change it and that nobody changed it since
    ``expected_version``."""
    locked = model._default_manager.select_for_update().filter(pk=pk).first()
    if locked is None:  # deleted since the caller read it
        raise NotFound(_("这条记录已不存在，可能刚被删除。"))
    if not may_change(actor, locked):
        raise PermissionRefused(refusal)
    if expected_version is not None and locked.version != expected_version:
        message = conflict or _("这条记录刚刚被%(who)s修改过，请刷新页面查看最新内容后再操作。")
        raise ConflictError(message % {"who": getattr(locked, "updated_by", None) or _("他人")})
    return locked


def check_still_visible(record: models.Model, *, actor: User) -> None:
    """Refuse a write after which ``actor`` could no longer see the record: nobody is told
    "not found" about a change they just made, and nobody orphans a record by mistake."""
    scoped = hasattr(record, "task_force_id") and hasattr(record, "owner_id")
    if scoped and not in_scope(actor, record):
        raise PermissionRefused(
            _("保存后您将无法再看到这条记录（不在您负责或所在的专班中），请改由专班负责人操作。")
        )


def record_create(
    instance: M,
    *,
    actor: User,
    clean_exclude: Iterable[str] = (),
    unique_handlers: UniqueHandlers | None = None,
) -> M:
    """Validate and save a new ``instance`` and write its history row."""
    check_single_line(instance, [field.name for field in instance._meta.concrete_fields])
    check_still_visible(instance, actor=actor)
    full_clean(instance, exclude=clean_exclude, unique_handlers=unique_handlers)
    save_guarded(instance, unique_handlers=unique_handlers)
    audit.change_record(instance=instance, actor=actor, action=ChangeLog.Action.CREATE)
    return instance


def record_update(
    locked: M,
    *,
    actor: User,
    data: Mapping[str, Any],
    editable: Iterable[str],
    validate: Callable[[M, list[str], dict[str, Any]], Iterable[str] | None] | None = None,
    clean_exclude: Iterable[str] = (),
    unique_handlers: UniqueHandlers | None = None,
    extra_changes: list[dict[str, Any]] | None = None,
) -> tuple[M, list[str]]:
    """Apply ``data``'s editable fields to the ``locked`` row (from ``record_lock``) and save.

    ``validate(record, changed, old_values)`` runs the caller's rules on the changed record
    (assignment, duplicates …) and may return further fields it set (a derived key).
    ``extra_changes`` are history entries for changes outside the row (linked projects).
    Returns the record and the names of the changed fields; nothing is saved, and no history
    is written, when nothing changed.
    """
    changes = {name: data[name] for name in editable if name in data}
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed and not extra_changes:
        return locked, []
    history = list(extra_changes or [])
    saved: list[str] = []
    if changed:
        before = audit.snapshot(locked, changed)
        old_values = {name: getattr(locked, name) for name in changed}
        for name in changed:
            setattr(locked, name, changes[name])
        check_single_line(locked, changed)
        derived = list((validate(locked, changed, old_values) if validate else None) or [])
        check_still_visible(locked, actor=actor)
        full_clean(locked, exclude=clean_exclude, unique_handlers=unique_handlers)
        saved = [*changed, *derived]
    locked.version += 1
    saved.append("version")
    if hasattr(locked, "updated_by_id"):
        locked.updated_by = actor
        saved.append("updated_by")
    if hasattr(locked, "updated_at"):
        saved.append("updated_at")
    save_guarded(locked, unique_handlers=unique_handlers, update_fields=saved)
    if changed:
        history = audit.changes_since(locked, before) + history
    audit.change_record(
        instance=locked, actor=actor, action=ChangeLog.Action.UPDATE, changes=history
    )
    return locked, changed
