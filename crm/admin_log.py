"""Every change made in the Django admin goes into the security log, for every registered model.

``SecurityLoggedAdminSite`` is the project's default admin site (``crm.apps.CrmAdminConfig``
stands for ``django.contrib.admin`` in ``INSTALLED_APPS``). It registers each ``ModelAdmin``
as a subclass with ``SecurityLogMixin`` in front, so every admin (ours, the service-backed
ones, Django's group admin, DRF's token admin, and any added later) records its additions,
changes, deletions and actions without having to name the mixin: no admin can be registered
without it.

The mixin hooks Django's own admin log (``log_addition``, ``log_change``, ``log_deletions``):
those are called exactly when the admin has saved or is about to delete, inside the same
transaction, so an edit that is refused or rolled back leaves no entry either. Custom actions
(which Django does not log) are recorded when they have run; "delete selected" is left to
``log_deletions``, which it calls for each confirmed deletion.
"""

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from crm.models import SecurityEvent
from crm.security import security_event_record

# A bulk action over thousands of rows names the first ones and counts them all.
MAX_ACTION_IDS = 100

Action = Callable[[admin.ModelAdmin, HttpRequest, QuerySet], HttpResponse | None]


def _plain_json(value: Any) -> Any:
    # Django's change messages may hold lazy translations; the log stores plain JSON.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def changed_fields(message: Any) -> list[str]:
    """The field labels of the record itself that Django's change message names as changed."""
    if not isinstance(message, list):
        return []
    return [
        str(label)
        for part in message
        if "changed" in part and "name" not in part["changed"]  # inlines have a "name"
        for label in part["changed"].get("fields", [])
    ]


def _summary(message: Any) -> str:
    """The change message in words, as the admin's history page shows it."""
    if not isinstance(message, list):
        return str(message or "")
    return LogEntry(change_message=json.dumps(_plain_json(message))).get_change_message()


def admin_change_record(
    *, request: HttpRequest, obj: Model, action: str, message: Any = ""
) -> SecurityEvent:
    """One ``admin_change`` entry: the model, the record's id and text, what was done to it."""
    opts = obj._meta
    return security_event_record(
        kind=SecurityEvent.Kind.ADMIN_CHANGE,
        request=request,
        target=f"{opts.verbose_name} #{obj.pk} {obj}",
        details={
            "action": action,
            "model": opts.label_lower,
            "object_id": str(obj.pk),
            "object_repr": str(obj)[:200],
            "fields": changed_fields(message),
            "summary": _summary(message),
            "change_message": _plain_json(message),
        },
    )


def _recorded_action(func: Action, name: str) -> Action:
    """``func`` run as before, then recorded with the rows it was given."""

    @functools.wraps(func)
    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        # Taken before the action runs: it may change the rows so that the query no longer
        # matches them (a "retry failed" action turns them pending).
        count = queryset.count()
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)[:MAX_ACTION_IDS]]
        response = func(modeladmin, request, queryset)
        opts = modeladmin.model._meta
        security_event_record(
            kind=SecurityEvent.Kind.ADMIN_CHANGE,
            request=request,
            target=f"{opts.verbose_name_plural} · {name}",
            details={
                "action": name,
                "model": opts.label_lower,
                "count": count,
                "object_ids": ids,
            },
        )
        return response

    return action


class SecurityLogMixin:
    """A ``ModelAdmin`` whose every logged change is also written to the security log."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        admin_change_record(request=request, obj=obj, action="add", message=message)
        return entry

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        admin_change_record(request=request, obj=obj, action="change", message=message)
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Iterable[Model]) -> Any:
        # Called before the deletion, while each record still has its id and text.
        objects = list(queryset)
        entries = super().log_deletions(request, objects)
        for obj in objects:
            admin_change_record(request=request, obj=obj, action="delete")
        return entries

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        return {
            name: (
                func if name == "delete_selected" else _recorded_action(func, name),
                name,
                description,
            )
            for name, (func, _name, description) in actions.items()
        }


class SecurityLoggedAdminSite(admin.AdminSite):
    """Django's admin site, registering every admin with ``SecurityLogMixin`` in front."""

    def register(
        self,
        model_or_iterable: Any,
        admin_class: type[admin.ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SecurityLogMixin):
            admin_class = type(
                admin_class.__name__,
                (SecurityLogMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)
