from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"
    verbose_name = _("基础数据与用户")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth import signals as auth_signals

        from crm import auth_events, comments, filters, snapshots

        # The reminder engine's admin lives in its package, registered with the default site here.
        from crm.notifications import admin, notices  # noqa: F401

        # People mentioned in a comment find it in their inbox (crm.notifications.notices).
        if notices.notify_mentioned not in comments.mention_hooks:
            comments.mention_hooks.append(notices.notify_mentioned)

        # Writes make what is kept of the records stale: the filter bars' choices, the
        # cockpit's figures (crm.versions).
        filters.CHOICES.connect()
        snapshots.FIGURES.connect()

        # Sign-ins, failures, lockouts and sign-outs go to the security log (crm.auth_events).
        for signal, receiver in (
            (auth_signals.user_logged_in, auth_events.on_logged_in),
            (auth_signals.user_logged_out, auth_events.on_logged_out),
            (auth_signals.user_login_failed, auth_events.on_login_failed),
            (user_locked_out, auth_events.on_locked_out),
        ):
            signal.connect(receiver, dispatch_uid=f"crm.auth_events.{receiver.__name__}")


# Imported as a module: a class imported by name would be a second candidate for ``crm``'s config.
class CrmAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the project's site, which writes every admin change to the security
    log (``crm.admin_log``). Listed in ``INSTALLED_APPS`` in place of ``django.contrib.admin``."""

    default = False  # the ``crm`` entry keeps ``CrmConfig``
    default_site = "crm.admin_log.SecurityLoggedAdminSite"
