"""Change history: services call these to record who changed what, field by field.

Each row says where the change was made (``ChangeLog.source``): the web pages unless a caller
says otherwise for everything it runs (``change_source``), so a service called by the import
writes its history marked as imported without taking a new argument.
"""

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext

from crm.models import ChangeLog, User


def display_value(instance: models.Model, field: models.Field) -> str:
    """How a field's current value reads to a person (choice labels, related names, '')."""
    value = getattr(instance, field.name)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, str]:
    """Display values of ``fields``, to compare before and after a change."""
    meta = instance._meta
    return {name: display_value(instance, meta.get_field(name)) for name in fields}


def changes_since(instance: models.Model, before: dict[str, str]) -> list[dict]:
    """The fields of ``before`` (a ``snapshot``) whose display value has changed since, as
    ``ChangeLog.changes`` entries."""
    meta = instance._meta
    after = snapshot(instance, before)
    return [
        {
            "field": name,
            "label": str(meta.get_field(name).verbose_name),
            "old": before[name],
            "new": after[name],
        }
        for name in before
        if before[name] != after[name]
    ]


_source: contextvars.ContextVar[str] = contextvars.ContextVar(
    "change_source", default=ChangeLog.Source.WEB
)


@contextlib.contextmanager
def change_source(source: str) -> Iterator[None]:
    """Mark every history row written inside the block as made from ``source``."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def change_record(
    *,
    instance: models.Model,
    actor: User | None,
    action: str,
    changes: list[dict[str, Any]] | None = None,
) -> ChangeLog:
    """Write one ``ChangeLog`` row for ``instance``."""
    return ChangeLog.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        action=action,
        actor=actor,
        changes=changes or [],
        source=_source.get(),
    )


def creation_entries(*, instances: Sequence[models.Model], actor: User | None) -> list[ChangeLog]:
    """The unsaved create rows of many new records of one model, for the caller to insert in
    bulk with the records (an import)."""
    if not instances:
        return []
    content_type = ContentType.objects.get_for_model(instances[0])
    source = _source.get()
    return [
        ChangeLog(
            content_type=content_type,
            object_id=instance.pk,
            object_repr=str(instance)[:200],
            action=ChangeLog.Action.CREATE,
            actor=actor,
            source=source,
        )
        for instance in instances
    ]


# Never copied into the history, even from a deleted row: a password hash is a secret.
_NEVER_RECORDED = frozenset({"password"})


def record_delete(*, instance: models.Model, actor: User | None) -> ChangeLog:
    """Write the delete row for ``instance``: every field's value as ``old``, so what was
    deleted can still be read after the row itself is gone.

    Call it in the transaction that deletes ``instance``, before the delete (the primary key,
    the related names and the many-to-many links are read here).
    """
    meta = instance._meta
    values = snapshot(
        instance,
        [field.name for field in meta.concrete_fields if field.name not in _NEVER_RECORDED],
    )
    for field in meta.many_to_many:
        values[field.name] = "、".join(
            str(related) for related in getattr(instance, field.name).all()
        )
    changes = [
        {"field": name, "label": str(meta.get_field(name).verbose_name), "old": old, "new": ""}
        for name, old in values.items()
    ]
    return change_record(
        instance=instance, actor=actor, action=ChangeLog.Action.DELETE, changes=changes
    )


def change_history(instance: models.Model) -> models.QuerySet[ChangeLog]:
    """Every recorded change of ``instance``, newest first, with the actor loaded."""
    return ChangeLog.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    ).select_related("actor")
