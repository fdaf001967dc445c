"""Admin for the reminder engine: the schedule (one row) and the history of every reminder.

Imported from ``CrmConfig.ready()`` (the admin autodiscovers only ``crm/admin.py``).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.forms import TeamWebhookForm
from crm.models import (
    Notice,
    NotificationPreference,
    Reminder,
    ReminderRun,
    ReminderSchedule,
    TaskForce,
    TeamWebhook,
)
from crm.notifications.services import reminders_dispatch


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "send_at",
        "escalation_days",
        "approval_sla_days",
        "is_enabled",
        "weekly_report_weekday",
        "weekly_report_at",
        "weekly_report_enabled",
        "updated_at",
    )
    fieldsets = (
        (
            _("每日提醒"),
            {"fields": ("send_at", "escalation_days", "approval_sla_days", "is_enabled")},
        ),
        (
            _("周报邮件"),
            {
                "fields": ("weekly_report_weekday", "weekly_report_at", "weekly_report_enabled"),
                "description": _(
                    "每周在所设的日期和时间之后，把上一周（周一至周日）的全县周报发给局领导。"
                ),
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ReminderSchedule.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Every reminder with its delivery state; failed ones can be put back to pending."""

    list_display = (
        "day",
        "kind",
        "recipient",
        "webhook",
        "email",
        "item_count",
        "state",
        "attempts",
        "sent_at",
        "short_error",
    )
    list_filter = ("state", "kind", "day")
    search_fields = ("recipient__username", "recipient__full_name", "email", "subject")
    date_hierarchy = "day"
    list_select_related = ("recipient", "webhook__task_force")
    readonly_fields = [field.name for field in Reminder._meta.fields]
    actions = ["retry_now"]

    @admin.display(description=_("最近错误"))
    def short_error(self, reminder: Reminder) -> str:
        return reminder.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("重新发送选中的失败提醒"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        count = queryset.filter(state=Reminder.State.FAILED).update(
            state=Reminder.State.PENDING, enqueued_at=None, updated_at=timezone.now()
        )
        reminders_dispatch()
        self.message_user(
            request,
            ngettext("%(count)d 条提醒已重新排队发送。", "%(count)d 条提醒已重新排队发送。", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ReminderRun)
class ReminderRunAdmin(admin.ModelAdmin):
    list_display = ("day", "started_at", "finished_at", "item_count", "reminder_count")
    readonly_fields = ("day", "started_at", "finished_at", "item_count", "reminder_count")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class TeamWebhookAdminForm(TeamWebhookForm):
    """The page's form, with every task force (the admin is for administrators)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("task_forces", TaskForce.objects.all())
        super().__init__(*args, **kwargs)


@admin.register(TeamWebhook)
class TeamWebhookAdmin(admin.ModelAdmin):
    """Task forces' group robots; the secret is write-only (masked, kept when left empty).

    Task-force leaders manage their own on the site (``/notices/webhooks/``).
    """

    form = TeamWebhookAdminForm
    list_display = ("task_force", "name", "kind", "is_enabled", "has_secret", "updated_at")
    list_filter = ("kind", "is_enabled", "task_force")
    search_fields = ("name", "task_force__name")
    list_select_related = ("task_force",)

    @admin.display(description=_("加签密钥"), boolean=True)
    def has_secret(self, webhook: TeamWebhook) -> bool:
        return bool(webhook.secret)

    def save_model(self, request: HttpRequest, obj: TeamWebhook, form, change: bool) -> None:
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """The inbox notices, to answer "was I told?"; written only by the services."""

    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind", "created_at")
    search_fields = ("recipient__username", "recipient__full_name", "title", "ref")
    list_select_related = ("recipient",)
    readonly_fields = [field.name for field in Notice._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """Who chose what for which kind (a kind without a row follows its default); each person
    changes theirs on the profile page."""

    list_display = ("user", "kind", "channel")
    list_filter = ("kind", "channel")
    search_fields = ("user__username", "user__full_name")
    list_select_related = ("user",)
