"""The admin for leads, their stage moves and their follow-ups.

The admin is a repair tool for administrators, not the way work is done, and it saves through
the same services as the pages and the API (``crm.admin_services``): a lead's fields through
``lead_create`` / ``lead_update`` (credit code checked, assignment rules, version compared and
bumped, change recorded, a new owner notified), a follow-up through ``follow_up_create`` (which
keeps the lead's follow-up dates). A refusal is shown next to its field and nothing is saved.
``stage`` and the dates the pipeline keeps are read-only: stage moves are made on the lead's
page, where ``lead_transition`` checks the rules and records the move. Stage moves and
follow-ups are history: read-only, and a lead that has any cannot be deleted. Target
enterprises save through ``target_create`` / ``target_update``; they are turned into leads on
their own page (``target_convert``), and a converted one is never deleted.
"""

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.admin_services import ServiceAdminMixin, page_link
from leads import services
from leads.models import ApprovalRequest, FollowUp, Lead, LeadTransition, TargetEnterprise


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
class LeadAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Leads for administrators; ``stage`` is read-only (moves are made on the lead's page)."""

    service_fields = services.EDITABLE_FIELDS
    delete_hint = _("不再跟进的线索请在线索页面搁置。")
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
    readonly_fields = ("stage", "stage_page")
    fieldsets = (
        (None, {"fields": ("company_name", "credit_code", "stage", "stage_page", "rating")}),
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

    @admin.display(description=_("阶段推进"))
    def stage_page(self, lead: Lead) -> SafeString | str:
        return page_link(lead, gettext("在线索页面推进、搁置或重新打开"))

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> Lead:
        # The administrator has seen the form: the similar-name warning does not stop the save.
        return services.lead_create(
            actor=request.user, data=dict(data), confirm_duplicate_name=True
        )

    def service_update(
        self,
        request: HttpRequest,
        obj: Lead,
        data: Mapping[str, Any],
        *,
        expected_version: int | None,
    ) -> Lead:
        return services.lead_update(
            lead=obj,
            actor=request.user,
            data=dict(data),
            expected_version=expected_version,
            confirm_duplicate_name=True,
        )


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
class FollowUpAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Follow-ups are recorded through ``follow_up_create``, which updates the lead's last and
    next follow-up dates; once recorded they are the lead's history (read-only, not deleted)."""

    service_create_fields = (
        "lead",
        "occurred_on",
        "method",
        "participants",
        "summary",
        "outcome",
        "next_follow_up_on",
    )
    list_display = ("occurred_on", "lead", "method", "created_by", "next_follow_up_on")
    list_filter = ("method",)
    list_select_related = ("lead", "created_by")
    search_fields = ("lead__company_name", "summary", "participants", "outcome")
    date_hierarchy = "occurred_on"
    autocomplete_fields = ("lead",)

    def delete_refusal(self, obj: FollowUp) -> str:
        return gettext("跟进记录是线索的历史记录，不能删除。")

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> FollowUp:
        return services.follow_up_create(actor=request.user, **data)


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin):
    """Approval requests, read-only: asked and decided on the lead's page and in the approvals
    queue (``approval_request``, ``approval_decide``), which move the lead and notify."""

    list_display = ("requested_at", "lead", "requested_by", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("lead", "requested_by", "decided_by")
    search_fields = ("lead__company_name", "note", "comment")
    date_hierarchy = "requested_at"
    readonly_fields = (
        "lead",
        "requested_by",
        "requested_at",
        "note",
        "status",
        "decided_by",
        "decided_at",
        "comment",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ApprovalRequest | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ApprovalRequest | None = None
    ) -> bool:
        return False


@admin.register(TargetEnterprise)
class TargetEnterpriseAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """The 目标企业库 for administrators; the lead a target became is read-only (set by
    ``target_convert`` on the target's page)."""

    service_fields = services.TARGET_EDITABLE_FIELDS
    history_fields = ("lead",)
    list_display = (
        "company_name",
        "chain_link",
        "chain_role",
        "owner",
        "task_force",
        "is_converted",
        "updated_at",
    )
    list_filter = ("chain_link__chain", "chain_role", "task_force", "region")
    list_select_related = ("chain_link__chain", "owner", "task_force")
    search_fields = ("company_name", "credit_code", "reason", "contact_hint")
    autocomplete_fields = ("chain_link", "region", "owner", "task_force")
    readonly_fields = ("lead", "convert_page")
    fieldsets = (
        (None, {"fields": ("company_name", "credit_code", "lead", "convert_page")}),
        (_("产业链"), {"fields": ("chain_link", "chain_role", "region")}),
        (_("引进"), {"fields": ("reason", "contact_hint")}),
        (_("负责"), {"fields": ("owner", "task_force")}),
        (
            _("记录"),
            {"fields": ("version", "created_by", "created_at", "updated_by", "updated_at")},
        ),
    )

    @admin.display(description=_("已转为线索"), boolean=True)
    def is_converted(self, target: TargetEnterprise) -> bool:
        return target.is_converted

    @admin.display(description=_("转为线索"))
    def convert_page(self, target: TargetEnterprise) -> SafeString | str:
        return page_link(target, gettext("在目标企业页面转为线索"))

    def delete_refusal(self, obj: TargetEnterprise) -> str:
        return services.target_delete_refusal(obj) or super().delete_refusal(obj)

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> TargetEnterprise:
        # The administrator has seen the form: the similar-name warning does not stop the save.
        return services.target_create(
            actor=request.user, data=dict(data), confirm_duplicate_name=True
        )

    def service_update(
        self,
        request: HttpRequest,
        obj: TargetEnterprise,
        data: Mapping[str, Any],
        *,
        expected_version: int | None,
    ) -> TargetEnterprise:
        return services.target_update(
            target=obj,
            actor=request.user,
            data=dict(data),
            expected_version=expected_version,
            confirm_duplicate_name=True,
        )
