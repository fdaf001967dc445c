from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leads"
    verbose_name = _("招商线索")

    def ready(self) -> None:
        from crm.registry import ReminderSource, reminder_sources
        from leads import reminders, services

        reminder_sources.register(
            ReminderSource(
                key=reminders.SOURCE_KEY,
                title=_("逾期线索"),
                collect=reminders.collect_overdue_leads,
                collect_for=reminders.collect_overdue_leads_for,
                count_for=reminders.count_overdue_leads_for,
                unit=_("条"),
            )
        )
        reminder_sources.register(
            ReminderSource(
                key=reminders.APPROVALS_SOURCE_KEY,
                title=_("超期审批"),
                collect=reminders.collect_approvals_past_sla,
                collect_for=reminders.collect_approvals_for,
                count_for=reminders.count_approvals_for,
                unit=_("项"),
                personal=False,
            )
        )
        if reminders.notify_new_owner not in services.owner_change_hooks:
            services.owner_change_hooks.append(reminders.notify_new_owner)
        if reminders.notify_approval_decided not in services.approval_decision_hooks:
            services.approval_decision_hooks.append(reminders.notify_approval_decided)
