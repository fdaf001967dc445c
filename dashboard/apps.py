from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("工作台")

    def ready(self) -> None:
        from crm.access import bureau_leaders_q
        from crm.models import Reminder
        from crm.registry import ScheduledMail, scheduled_mails
        from dashboard import reports

        # The county 周报 of the week just ended, to bureau leaders (crm.notifications).
        scheduled_mails.register(
            ScheduledMail(
                kind=Reminder.Kind.WEEKLY_REPORT,
                recipients=bureau_leaders_q,
                build=reports.weekly_mail_build,
                context=reports.weekly_mail_context,
                template="dashboard/emails/weekly_report",
            )
        )
