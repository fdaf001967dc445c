"""The admin for leads, their stage moves and their follow-ups.

The admin is a repair tool for administrators, not the way work is done. Admin edits of a lead
bypass the pipeline and the services' rules (assignment rights, the duplicate-name warning), so
``stage`` and the dates the pipeline keeps are read-only here: stage moves go through
``leads.services.lead_transition`` (the pages and the API), which checks the rules and records
the move. Field edits made here are saved through ``lead_create`` / ``lead_update``, so they are
recorded in the change history, bump ``version`` and notify a new owner; the form refuses a
duplicate credit code through the model's unique constraint. Stage moves and follow-ups are shown
read-only for the same reason: follow-ups update the lead's dates through
``follow_up_create``.
"""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm.validators import normalize_credit_code, validate_credit_code
from leads import services
from leads.models import FollowUp, Lead, LeadTransition
from leads.services import EDITABLE_FIELDS


class LeadAdminForm(forms.ModelForm):
    """Checks the credit code as the lead form does (the database checks its uniqueness)."""

    class Meta:
        model = Lead
        fields = EDITABLE_FIELDS

    def clean_credit_code(self) -> str:
        code = normalize_credit_code(self.cleaned_data.get("credit_code") or "")
        if code:
            validate_credit_code(code)
        return code


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Lead | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Lead | None = None) -> bool:
        return False


class LeadTransitionInline(ReadOnlyInline):
    model = LeadTransition
    fields = ("moved_at", "from_stage", "to_stage", "actor", "reason")
    readonly_fields = fields
    ordering = ("-moved_at", "-id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[LeadTransition]:
        return super().get_queryset(request).select_related("actor")


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = (
        "occurred_on",
        "method",
        "participants",
        "summary",
        "outcome",
        "next_follow_up_on",
        "created_by",
    )
    readonly_fields = fields
    ordering = ("-occurred_on", "-id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[FollowUp]:
        return super().get_queryset(request).select_related("created_by")


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    """Leads for administrators; ``stage`` is read-only (moves go through the pipeline service)."""

    form = LeadAdminForm
    list_display = (
        "company_name",
        "stage",
        "rating",
        "industry",
        "channel",
        "owner",
        "task_force",
        "planned_investment",
        "next_follow_up_on",
        "updated_at",
    )
    list_filter = ("stage", "rating", "industry", "channel", "task_force", "chain_role", "region")
    list_select_related = ("industry", "channel", "owner", "task_force")
    search_fields = ("company_name", "credit_code", "contact_name", "contact_phone")
    date_hierarchy = "created_at"
    autocomplete_fields = ("industry", "chain_link", "channel", "region", "owner", "task_force")
    readonly_fields = (
        "stage",
        "stage_entered_at",
        "last_follow_up_on",
        "last_activity_on",
        "version",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("company_name", "credit_code", "stage", "rating")}),
        (
            _("产业与渠道"),
            {"fields": ("industry", "chain_link", "chain_role", "channel", "region")},
        ),
        (_("引荐方"), {"fields": ("referrer_name", "referrer_kind", "referrer_contact")}),
        (
            _("联系人与意向"),
            {
                "fields": (
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                    "planned_investment",
                    "intent",
                    "due_diligence_note",
                )
            },
        ),
        (_("负责"), {"fields": ("owner", "task_force")}),
        (
            _("跟进与记录"),
            {
                "fields": (
                    "next_follow_up_on",
                    "last_follow_up_on",
                    "last_activity_on",
                    "stage_entered_at",
                    "version",
                    "created_by",
                    "created_at",
                    "updated_by",
                    "updated_at",
                )
            },
        ),
    )
    inlines = (LeadTransitionInline, FollowUpInline)

    def save_model(
        self, request: HttpRequest, obj: Lead, form: forms.ModelForm, change: bool
    ) -> None:
        """Save through the lead services, so history, version and notifications stay right.

        The administrator has seen the form: the similar-name warning does not stop the save.
        """
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            saved = services.lead_update(
                lead=Lead.objects.get(pk=obj.pk),
                actor=request.user,
                data=data,
                confirm_duplicate_name=True,
            )
        else:
            saved = services.lead_create(
                actor=request.user, data=form.cleaned_data, confirm_duplicate_name=True
            )
        obj.__dict__.update(saved.__dict__)


@admin.register(LeadTransition)
class LeadTransitionAdmin(admin.ModelAdmin):
    """Recorded stage moves, read-only: they are written by ``lead_transition`` only."""

    list_display = ("moved_at", "lead", "from_stage", "to_stage", "actor")
    list_filter = ("to_stage", "from_stage")
    list_select_related = ("lead", "actor")
    search_fields = ("lead__company_name", "reason")
    date_hierarchy = "moved_at"
    readonly_fields = ("lead", "from_stage", "to_stage", "actor", "reason", "moved_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: LeadTransition | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: LeadTransition | None = None
    ) -> bool:
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """Follow-ups, read-only: recording one goes through ``follow_up_create``, which updates the
    lead's last and next follow-up dates."""

    list_display = ("occurred_on", "lead", "method", "created_by", "next_follow_up_on")
    list_filter = ("method",)
    list_select_related = ("lead", "created_by")
    search_fields = ("lead__company_name", "summary", "participants", "outcome")
    date_hierarchy = "occurred_on"
    readonly_fields = (
        "lead",
        "occurred_on",
        "method",
        "participants",
        "summary",
        "outcome",
        "next_follow_up_on",
        "created_by",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FollowUp | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: FollowUp | None = None) -> bool:
        return False
