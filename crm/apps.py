from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"
    verbose_name = _("基础数据与用户")

    def ready(self) -> None:
        # The reminder engine's admin lives in its package, registered with the default site here.
        from crm.notifications import admin  # noqa: F401
