"""The admin for the floor: users, task forces, reference data and the change log.

These have no services: they are the data administrators keep here. Deleting one that other
records still use (a user who owns or wrote records, a task force with leads, an industry in
use) is refused with what uses it; an allowed delete is recorded (``crm.admin_services``).
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from crm import (
    auth_admin,  # noqa: F401 - registers the sign-in locks' and the API tokens' admin
    security_admin,  # noqa: F401 - registers the security log's admin
)
from crm.admin_services import RecordedDeleteMixin
from crm.auth_events import password_changed
from crm.models import (
    Attachment,
    ChainLink,
    ChangeLog,
    Channel,
    Comment,
    ImportLog,
    Industry,
    IndustryChain,
    Region,
    TaskForce,
    User,
)
from crm.tokens import RevokeReason, tokens_revoke_for_user


class CrmUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "role")


class CrmUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(RecordedDeleteMixin, DjangoUserAdmin):
    """Django's user admin with the bureau's fields: one full name (no first/last), role, phone.

    A user who has left is deactivated, not deleted: their records and history keep naming them.
    """

    delete_hint = _("如该用户已离岗，请取消勾选“有效”以停用账号。")

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

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A deactivated account's API tokens die with it (its sessions already do: Django's
        # backend refuses an inactive user).
        if change and "is_active" in form.changed_data and not obj.is_active:
            tokens_revoke_for_user(
                user=obj, reason=RevokeReason.DEACTIVATED, actor=request.user, request=request
            )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        # Django answers a saved password form with a redirect, an invalid one with the form.
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            password_changed(user=user, actor=request.user, request=request)
        return response


@admin.register(TaskForce)
class TaskForceAdmin(RecordedDeleteMixin, admin.ModelAdmin):
    delete_hint = _("不再运作的专班请取消勾选“启用”。")
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


class ReferenceDataAdmin(RecordedDeleteMixin, admin.ModelAdmin):
    """Reference data: the code is what the API and imports use, so keep it stable."""

    delete_hint = _("不再使用的请取消勾选“启用”。")

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
    # A link is deleted from its own admin page, which refuses one in use and records the delete.
    can_delete = False
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
class ChainLinkAdmin(RecordedDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "code", "chain", "position")
    list_filter = ("chain",)
    list_select_related = ("chain",)
    search_fields = ("name", "code", "chain__name")
    ordering = ("chain__sort_order", "chain_id", "position")


@admin.register(ChangeLog)
class ChangeLogAdmin(admin.ModelAdmin):
    """The audit trail, read-only: it is written by services and never edited."""

    list_display = ("changed_at", "action", "content_type", "object_repr", "actor", "source")
    list_filter = ("content_type", "action", "source")
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
        "source",
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


@admin.register(ImportLog)
class ImportLogAdmin(admin.ModelAdmin):
    """Every 台账 import, read-only: written by ``crm.imports``, never edited."""

    list_display = (
        "created_at",
        "kind",
        "file_name",
        "actor",
        "status",
        "row_count",
        "created_count",
        "updated_count",
        "skipped_count",
        "error_count",
    )
    list_filter = ("kind", "status", "dry_run")
    list_select_related = ("actor",)
    search_fields = ("file_name", "sha256", "actor__username", "actor__full_name")
    date_hierarchy = "created_at"
    exclude = ("stored_file",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportLog | None = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """The files attached to records, read-only: uploaded and removed on the records' pages
    (``crm.attachments``, which keeps the history); the file opens through the checked view."""

    list_display = (
        "uploaded_at",
        "original_name",
        "content_type",
        "object_id",
        "size",
        "uploaded_by",
        "removed_at",
        "download",
    )
    list_filter = ("content_type", "mime_type", ("removed_at", admin.EmptyFieldListFilter))
    list_select_related = ("content_type", "uploaded_by")
    search_fields = ("original_name", "sha256", "uploaded_by__username", "uploaded_by__full_name")
    date_hierarchy = "uploaded_at"
    exclude = ("storage_name",)
    readonly_fields = (
        "content_type",
        "object_id",
        "original_name",
        "size",
        "mime_type",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "removed_at",
        "removed_by",
        "removal_reason",
        "download",
    )

    @admin.display(description=_("下载"))
    def download(self, attachment: Attachment) -> SafeString | str:
        if attachment.is_removed:
            return "—"
        return format_html('<a href="{}">{}</a>', attachment.get_absolute_url(), _("下载"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Attachment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Attachment | None = None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Comments on records, read-only: written on the records' pages (``crm.comments``), never
    edited."""

    list_display = ("created_at", "author", "content_type", "object_id", "excerpt")
    list_filter = ("content_type",)
    list_select_related = ("content_type", "author")
    search_fields = ("body", "author__username", "author__full_name")
    date_hierarchy = "created_at"
    fields = ("content_type", "object_id", "author", "created_at", "body", "mentions")
    readonly_fields = fields

    @admin.display(description=_("内容"))
    def excerpt(self, comment: Comment) -> str:
        return str(comment)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Comment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Comment | None = None) -> bool:
        return False
