"""Admin for the reminder engine: the schedule (one row) and the history of every reminder.

Imported from ``CrmConfig.ready()`` (the admin autodiscovers only ``crm/admin.py``).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.models import Reminder, ReminderRun, ReminderSchedule
from crm.notifications.services import reminders_dispatch


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "send_at",
        "escalation_days",
        "approval_sla_days",
        "is_enabled",
        "updated_at",
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
    list_select_related = ("recipient",)
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
