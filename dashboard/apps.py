from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("工作台")

    def ready(self) -> None:
        from crm.access import bureau_leaders_q
        from crm.models import Reminder
        from crm.registry import ScheduledMail, scheduled_mails, snapshot_kinds
        from dashboard import atlas, cockpit, report_mail, reports

        # The cockpit, the 图谱 and the reports are kept per reader, refreshed after writes.
        snapshot_kinds.register("cockpit", cockpit.cockpit_from_params)
        snapshot_kinds.register("atlas", atlas.atlas_from_params)
        snapshot_kinds.register("report", reports.report_from_params)

        # The county 周报 of the week just ended, to bureau leaders (crm.notifications).
        scheduled_mails.register(
            ScheduledMail(
                kind=Reminder.Kind.WEEKLY_REPORT,
                recipients=bureau_leaders_q,
                build=report_mail.weekly_mail_build,
                context=report_mail.weekly_mail_context,
                template="dashboard/emails/weekly_report",
            )
        )
