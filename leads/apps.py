from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leads"
    verbose_name = _("招商线索")

    def ready(self) -> None:
        from crm.access import users_who_see_q
        from crm.registry import (
            Attachable,
            ReminderSource,
            SearchSource,
            attachable,
            import_specs,
            reminder_sources,
            search_sources,
        )
        from leads import reminders, services
        from leads.filters import LeadFilterSet, TargetEnterpriseFilterSet
        from leads.imports import lead_import_spec
        from leads.models import Lead, TargetEnterprise

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
        import_specs.register(lead_import_spec())
        # A lead's files and comments are seen by whoever sees the lead.
        attachable.register(
            Attachable(
                model="leads.lead",
                visible=Lead.objects.visible_to,
                changeable=services.can_change_lead,
                readers=users_who_see_q,
                noun=services.LEAD_NOUN,
            )
        )
        # The global search finds what the lead list and the 目标企业库 find under its words.
        search_sources.register(
            SearchSource(
                key="leads",
                title=_("线索"),
                filterset=LeadFilterSet,
                visible=Lead.objects.visible_to,
                list_url="leads:list",
                badge="get_stage_display",
                details=("credit_code", "contact_name", "contact_phone", "task_force"),
                related=("task_force",),
                order=10,
            )
        )
        search_sources.register(
            SearchSource(
                key="targets",
                title=_("目标企业"),
                filterset=TargetEnterpriseFilterSet,
                visible=TargetEnterprise.objects.visible_to,
                list_url="leads:target_list",
                badge="chain_link",
                details=("credit_code", "contact_hint", "task_force"),
                related=("chain_link__chain", "task_force"),
                order=40,
            )
        )
        if reminders.notify_new_owner not in services.owner_change_hooks:
            services.owner_change_hooks.append(reminders.notify_new_owner)
        if reminders.notify_approval_decided not in services.approval_decision_hooks:
            services.approval_decision_hooks.append(reminders.notify_approval_decided)
