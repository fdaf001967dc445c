"""The admin of sign-in: the locks (django-axes' failed-attempt records) with an unlock action,
and the API tokens with a revoke action. Both write the security log through the services
(``crm.auth_events.lockouts_clear``, ``crm.tokens.token_revoke``); nothing here edits a row.
axes' own admin is off (``AXES_ENABLE_ADMIN = False``) so that this one is the only one.
"""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.auth_events import lockouts_clear
from crm.models import ApiToken
from crm.tokens import RevokeReason, TokenState, token_revoke, token_state


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Failed sign-ins per username and address; locked once the limit is reached."""

    actions = ["unlock"]

    @admin.action(description=gettext_lazy("解除锁定（清除失败记录）"), permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        cleared = lockouts_clear(attempts=queryset, actor=request.user, request=request)
        self.message_user(
            request, _("已解除 %(count)s 条登录锁定记录。") % {"count": cleared}, messages.SUCCESS
        )

    def get_actions(self, request: HttpRequest) -> dict:
        # Unlocking is the one way to remove a record, so that every removal is logged as one.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        lockouts_clear(
            attempts=AccessAttempt.objects.filter(pk=obj.pk), actor=request.user, request=request
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        lockouts_clear(attempts=queryset, actor=request.user, request=request)

    def has_change_permission(self, request: HttpRequest, obj: AccessAttempt | None = None) -> bool:
        return False


class TokenStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("状态")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return TokenState.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
        now = timezone.now()
        if self.value() == TokenState.ACTIVE:
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == TokenState.EXPIRED:
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == TokenState.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every user's tokens, read-only (the key itself is never stored); revoke what must end."""

    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "state",
        "revoked_reason",
    )
    list_filter = (TokenStateFilter,)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username", "user__full_name")
    date_hierarchy = "created_at"
    fields = (
        "prefix",
        "user",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "state",
        "revoked_at",
        "revoked_reason",
    )
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description=gettext_lazy("状态"))
    def state(self, token: ApiToken) -> str:
        return str(token_state(token).label)

    @admin.action(description=gettext_lazy("吊销所选令牌"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(
            token_revoke(
                token=token, actor=request.user, reason=RevokeReason.ADMIN, request=request
            )
            for token in queryset.filter(revoked_at__isnull=True).select_related("user")
        )
        self.message_user(
            request, _("已吊销 %(count)s 个令牌。") % {"count": revoked}, messages.SUCCESS
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
