"""Admin pages that write through the services, and deletes that leave a history row.

The admin is a repair tool for administrators, not a second write path. ``ServiceAdminMixin``
makes an admin's add and change forms call the app's create and update services, so an admin
edit is validated, checked for rights, version-checked and recorded like an edit on the pages
or through the API. The service runs while the form is validated: a refusal (``DomainError``)
becomes form errors next to the fields it names, and the whole request is rolled back whenever
the page does not end in a successful save, so a refused or half-valid form saves nothing.
Fields the services never edit (status, version, the dates moves set, who created it) are
read-only; status moves are made on the object's own page.

``RecordedDeleteMixin`` (used by every admin that may delete) refuses to delete a record that
has history: any row that refers to it (stage moves, follow-ups, progress, tasks, owned
records, an administrator's log …), a change-log row beyond its creation, or anything else the
admin names. A delete that is allowed writes a ``ChangeLog`` delete row with a snapshot of every
field first (``crm.audit.record_delete``), for the single delete and the bulk action alike.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from crm import audit
from crm.exceptions import DomainError
from crm.models import Attachment, ChangeLog, Comment

VERSION_FIELD = "expected_version"

# Marks a request whose admin form was saved through its service (see ``changeform_view``).
_SAVED_MARK = "_admin_service_saved"


def add_domain_error(form: forms.BaseForm, error: DomainError | ValidationError) -> None:
    """Show a refusal on ``form``: each field's message next to that field when the form has
    it, the rest (and a general message that no field message repeats) above the form."""
    if isinstance(error, DomainError):
        field_errors = error.field_errors
        general = [error.message]
    elif hasattr(error, "error_dict"):
        field_errors, general = error.message_dict, []
    else:
        field_errors, general = {}, error.messages
    shown: set[str] = set()
    for field, field_messages in field_errors.items():
        for message in field_messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                label = _field_label(form, field)
                form.add_error(None, f"{label}：{message}" if label else message)
            shown.add(str(message))
    for message in general:
        if str(message) not in shown:
            form.add_error(None, message)


def _field_label(form: forms.BaseForm, name: str) -> str:
    if name == NON_FIELD_ERRORS:
        return ""
    model = getattr(getattr(form, "_meta", None), "model", None)
    try:
        return str(model._meta.get_field(name).verbose_name) if model else ""
    except models.FieldDoesNotExist:
        return ""


class ServiceAdminForm(forms.ModelForm):
    """An admin form whose last validation step is the service call itself.

    ``_post_clean`` neither copies the data onto the instance nor runs the model's validation
    (the service does both, with the app's messages). It hands the cleaned values of the
    editable fields, and the version shown with the form, to the admin's service; the saved
    record is kept in ``saved``. ``model_admin`` and ``request`` are set by
    ``ServiceAdminMixin.get_form``.
    """

    # The version of the record when the form was shown: a stale form gets a conflict
    # message instead of silently overwriting a colleague's change.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    model_admin: "ServiceAdminMixin"
    request: HttpRequest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.saved: models.Model | None = None
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.fields[VERSION_FIELD].initial = self.instance.version

    def _post_clean(self) -> None:
        # The field is hidden, so its own error would not show: say it above the form.
        if self._errors.pop(VERSION_FIELD, None):
            self.add_error(None, _("页面上的版本号无效，请刷新页面后重新修改。"))
        if self.errors:
            return
        obj = self.instance if self.instance.pk is not None else None
        fields = self.model_admin.get_service_fields(self.request, obj)
        data = {name: self.cleaned_data[name] for name in fields if name in self.cleaned_data}
        try:
            if obj is None:
                self.saved = self.model_admin.service_create(self.request, data)
            else:
                self.saved = self.model_admin.service_update(
                    self.request,
                    obj,
                    data,
                    expected_version=self.cleaned_data.get(VERSION_FIELD),
                )
        except (DomainError, ValidationError) as error:
            add_domain_error(self, error)


def history_summary(instance: models.Model, *, fields: Iterable[str] = ()) -> list[str]:
    """What would be lost with ``instance``: "<kind> <n> 条" for every kind of row that refers
    to it, its change-log rows beyond its creation, its comments and files, and each of
    ``fields`` (forward relations such as a project's source lead) that is set."""
    meta = instance._meta
    parts: list[str] = []
    pointing = {
        "content_type": ContentType.objects.get_for_model(instance),
        "object_id": instance.pk,
    }
    # Rows that point at any record by content type and id: its change log beyond its
    # creation, its comments and its files (removed ones included: their removal is history).
    for model, rows in (
        (ChangeLog, ChangeLog.objects.filter(**pointing).exclude(action=ChangeLog.Action.CREATE)),
        (Comment, Comment.objects.filter(**pointing)),
        (Attachment, Attachment.objects.filter(**pointing)),
    ):
        count = rows.count()
        if count:
            kind = model._meta.verbose_name
            parts.append(_("%(kind)s %(count)d 条") % {"kind": kind, "count": count})
    references: dict[type[models.Model], Q] = {}
    for relation in meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue  # forward fields; only reverse relations point at this row
        related = relation.related_model
        if related._meta.auto_created:
            continue  # many-to-many link rows: the many-to-many relation itself is counted
        lookup = Q(**{relation.field.name: instance})
        references[related] = references[related] | lookup if related in references else lookup
    for related, condition in references.items():
        count = related._base_manager.filter(condition).distinct().count()
        if count:
            kind = related._meta.verbose_name
            parts.append(_("%(kind)s %(count)d 条") % {"kind": kind, "count": count})
    for name in fields:
        field = meta.get_field(name)
        if field.many_to_many:
            count = getattr(instance, name).count()
        else:
            count = int(getattr(instance, field.attname) is not None)
        if count:
            parts.append(_("%(kind)s %(count)d 条") % {"kind": field.verbose_name, "count": count})
    return parts


class RecordedDeleteMixin:
    """Deletes only of records without history, each one recorded with a snapshot first.

    ``history_fields`` names forward relations whose value is history too (a project
    converted from a lead); ``delete_hint`` tells the administrator what to do instead.
    ``delete_refusal`` may be extended for rules of one model.
    """

    history_fields: Sequence[str] = ()
    delete_hint: str = ""

    def delete_refusal(self, obj: models.Model) -> str:
        """Why ``obj`` may not be deleted, or ``""`` when it may."""
        parts = history_summary(obj, fields=self.history_fields)
        if not parts:
            return ""
        message = _(
            "「%(object)s」已有历史记录（%(history)s），删除会把它们一并抹去，不能删除。"
        ) % {
            "object": obj,
            "history": "、".join(parts),
        }
        return f"{message}{self.delete_hint}"

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not self.delete_refusal(obj)

    @admin.display(description=_lazy("删除"))
    def deletion(self, obj: models.Model) -> str:
        return self.delete_refusal(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.delete_refusal(obj):
            fields.append("deletion")
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: models.Model | None = None) -> list:
        """The record's page says why it has no delete button."""
        fieldsets = list(super().get_fieldsets(request, obj))
        if (
            obj is not None
            and "deletion" not in flatten_fieldsets(fieldsets)
            and self.delete_refusal(obj)
        ):
            fieldsets.append((None, {"fields": ["deletion"]}))
        return fieldsets

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        """A refused delete explains itself on the record's page instead of answering 403."""
        obj = self.get_object(request, unquote(object_id))
        allowed = obj is not None and super().has_delete_permission(request, obj)
        refusal = self.delete_refusal(obj) if allowed else ""
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[obj.pk],
                    current_app=self.admin_site.name,
                )
            )
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            audit.record_delete(instance=obj, actor=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        # One by one, so each deleted record gets its own history row.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                delete_selected_without_history,
                "delete_selected",
                delete_selected.short_description,
            )
        return actions


@admin.action(permissions=["delete"], description=delete_selected.short_description)
def delete_selected_without_history(
    modeladmin: RecordedDeleteMixin, request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    """Django's "delete selected" for the records without history; the others are named in a
    message and left alone (checked again when the deletion is confirmed)."""
    refused_pks = []
    for obj in queryset:
        refusal = modeladmin.delete_refusal(obj)
        if refusal:
            refused_pks.append(obj.pk)
            modeladmin.message_user(request, refusal, messages.WARNING)
    deletable = queryset.exclude(pk__in=refused_pks)
    if not deletable.exists():
        return None
    return delete_selected(modeladmin, request, deletable)


class ServiceAdminMixin(RecordedDeleteMixin):
    """A ``ModelAdmin`` whose add and change forms save through the app's services.

    Subclasses set ``service_fields`` (the fields the update service edits) and, when adding
    takes other fields, ``service_create_fields``; they implement ``service_create`` and
    ``service_update`` (which raises ``DomainError`` when the record cannot change that way).
    Every other field of the model is read-only. A model without an update service leaves
    ``service_fields`` empty: its records are then shown read-only. No ``list_editable``: the
    changelist's inline edits would save around the service.
    """

    form = ServiceAdminForm
    service_fields: Sequence[str] = ()
    service_create_fields: Sequence[str] | None = None

    def get_service_fields(self, request: HttpRequest, obj: models.Model | None) -> Sequence[str]:
        """The fields the form edits: what the create service takes, or the update service."""
        if obj is None and self.service_create_fields is not None:
            return self.service_create_fields
        return self.service_fields

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> models.Model:
        raise NotImplementedError

    def service_update(
        self,
        request: HttpRequest,
        obj: models.Model,
        data: Mapping[str, Any],
        *,
        expected_version: int | None,
    ) -> models.Model:
        raise NotImplementedError

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        # Nothing of this record goes through an update service: show it, don't offer a save.
        if obj is not None and not self.get_service_fields(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list:
        declared = list(super().get_readonly_fields(request, obj))
        editable = set(self.get_service_fields(request, obj))
        meta = self.model._meta
        others = [
            field.name
            for field in (*meta.concrete_fields, *meta.many_to_many)
            if not field.primary_key and field.name not in editable and field.name not in declared
        ]
        return [*declared, *others]

    def get_fieldsets(self, request: HttpRequest, obj: models.Model | None = None) -> list:
        fieldsets = [
            (name, {**options, "fields": list(options["fields"])})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if (
            obj is not None
            and hasattr(obj, "version")
            and VERSION_FIELD not in flatten_fieldsets(fieldsets)
        ):
            fieldsets[0][1]["fields"].append(VERSION_FIELD)
        return fieldsets

    def get_form(
        self, request: HttpRequest, obj: models.Model | None = None, change: bool = False, **kwargs
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"model_admin": self, "request": request})

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        """Roll back a POST that did not end in a save: the service may have run and saved
        while the form was validated, and an inline or a later check refused the page."""
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and not getattr(request, _SAVED_MARK, False):
                transaction.set_rollback(True)
        return response

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool
    ) -> None:
        # The service saved the record when the form was validated; give the admin that row
        # (its primary key for the redirect, its values for the admin log).
        obj.__dict__.update(form.saved.__dict__)
        setattr(request, _SAVED_MARK, True)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool
    ) -> None:
        # Many-to-many fields were saved (and recorded) by the service: no ``form.save_m2m()``.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


def page_link(obj: models.Model, text: str) -> SafeString | str:
    """A link to ``obj``'s own page (where its status moves are made), for a read-only field."""
    if obj is None or obj.pk is None:
        return "—"
    return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), text)
