"""Change history: services call these to record who changed what, field by field."""

from collections.abc import Iterable
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
    )


def change_history(instance: models.Model) -> models.QuerySet[ChangeLog]:
    """Every recorded change of ``instance``, newest first, with the actor loaded."""
    return ChangeLog.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    ).select_related("actor")
