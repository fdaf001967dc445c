"""The admin for the floor: users, task forces, reference data and the change log."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from crm.models import (
    ChainLink,
    ChangeLog,
    Channel,
    Industry,
    IndustryChain,
    Region,
    TaskForce,
    User,
)


class CrmUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "role")


class CrmUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the bureau's fields: one full name (no first/last), role, phone."""

    form = CrmUserChangeForm
    add_form = CrmUserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("个人信息"),
            {"fields": ("full_name", "role", "department", "phone", "email", "receives_digests")},
        ),
        (
            _("权限"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = (
        "username",
        "full_name",
        "role",
        "department",
        "phone",
        "email",
        "receives_digests",
        "is_active",
        "is_staff",
    )
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "receives_digests", "groups")
    search_fields = ("username", "full_name", "email", "phone", "department")
    ordering = ("username",)


@admin.register(TaskForce)
class TaskForceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "leader", "member_count", "industry", "is_active")
    list_filter = ("is_active", "industry")
    list_select_related = ("leader", "industry")
    search_fields = ("name", "code", "leader__username", "leader__full_name")
    autocomplete_fields = ("leader",)
    filter_horizontal = ("members",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[TaskForce]:
        return super().get_queryset(request).annotate(member_total=Count("members", distinct=True))

    @admin.display(description=_("成员数"), ordering="member_total")
    def member_count(self, task_force: TaskForce) -> int:
        return task_force.member_total


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data: the code is what the API and imports use, so keep it stable."""

    list_display = ("name", "code", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")


admin.site.register(Industry, ReferenceDataAdmin)
admin.site.register(Channel, ReferenceDataAdmin)
admin.site.register(Region, ReferenceDataAdmin)


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    fields = ("position", "code", "name", "description")
    extra = 0
    ordering = ("position",)


@admin.register(IndustryChain)
class IndustryChainAdmin(ReferenceDataAdmin):
    list_display = ("name", "code", "industry", "link_count", "sort_order", "is_active")
    list_filter = ("is_active", "industry")
    list_select_related = ("industry",)
    inlines = (ChainLinkInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[IndustryChain]:
        return super().get_queryset(request).annotate(link_total=Count("links"))

    @admin.display(description=_("环节数"), ordering="link_total")
    def link_count(self, chain: IndustryChain) -> int:
        return chain.link_total


@admin.register(ChainLink)
class ChainLinkAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "chain", "position")
    list_filter = ("chain",)
    list_select_related = ("chain",)
    search_fields = ("name", "code", "chain__name")
    ordering = ("chain__sort_order", "chain_id", "position")


@admin.register(ChangeLog)
class ChangeLogAdmin(admin.ModelAdmin):
    """The audit trail, read-only: it is written by services and never edited."""

    list_display = ("changed_at", "action", "content_type", "object_repr", "actor")
    list_filter = ("content_type", "action")
    list_select_related = ("content_type", "actor")
    search_fields = ("object_repr",)
    date_hierarchy = "changed_at"
    fields = (
        "changed_at",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "actor",
        "changes_table",
    )
    readonly_fields = fields

    @admin.display(description=_("变更内容"))
    def changes_table(self, entry: ChangeLog) -> SafeString | str:
        if not entry.changes:
            return "—"
        return format_html_join(
            "\n",
            "<div>{}：{} → {}</div>",
            (
                (
                    change.get("label", change.get("field", "")),
                    change.get("old") or "—",
                    change.get("new") or "—",
                )
                for change in entry.changes
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ChangeLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ChangeLog | None = None) -> bool:
        return False
