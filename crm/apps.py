from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"
    verbose_name = _("基础数据与用户")

    def ready(self) -> None:
        # The reminder admin lives in its own module, registered with the default site here.
        from crm import admin_reminders  # noqa: F401
