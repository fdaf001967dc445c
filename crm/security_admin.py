"""The security log in the admin: read by administrators only, never edited, exported as a file.

Administrators (role 系统管理员) and superusers read it; nobody else, bureau leaders included,
whatever Django permissions they were given. Nobody adds, changes or deletes an entry here,
superusers included: entries are written by ``crm.security.security_event_record`` and removed
only by the retention purge. The filtered list exports as xlsx or CSV through ``crm.export``,
and that export is itself logged.

Imported from ``crm/admin.py`` (the admin autodiscovers only that module).
"""

import copy
import json

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from crm.access import can_read_security_log
from crm.export import Column, Kind, export_response
from crm.models import SecurityEvent


def _details_text(event: SecurityEvent) -> str:
    return json.dumps(event.details, ensure_ascii=False, sort_keys=True) if event.details else ""


SECURITY_EVENT_COLUMNS: list[Column[SecurityEvent]] = [
    Column(_lazy("时间"), lambda event: event.occurred_at, Kind.DATETIME),
    Column(_lazy("类型"), lambda event: event.get_kind_display(), width=12),
    Column(_lazy("用户"), lambda event: str(event.actor) if event.actor else "", width=14),
    Column(_lazy("用户名"), lambda event: event.username, width=14),
    Column(_lazy("IP 地址"), lambda event: event.ip_address, width=16),
    Column(_lazy("对象"), lambda event: event.target, width=36),
    Column(_lazy("详情"), _details_text, width=60),
    Column(_lazy("客户端"), lambda event: event.user_agent, width=40),
]


def changelist_filter_words(changelist: ChangeList) -> str:
    """The changelist's active filters, date drill-down and search in words, for the title row."""
    parts = []
    for spec in changelist.filter_specs:
        if not spec.used_parameters:
            continue
        shown = [
            str(choice["display"]) for choice in spec.choices(changelist) if choice["selected"]
        ]
        parts.append(f"{spec.title}：{'、'.join(shown)}")
    if changelist.date_hierarchy:
        field = changelist.date_hierarchy
        drill = [changelist.params.get(f"{field}__{part}") for part in ("year", "month", "day")]
        values = [value[-1] if isinstance(value, list) else value for value in drill if value]
        if values:
            label = changelist.model._meta.get_field(field).verbose_name
            parts.append(f"{label}：{'-'.join(values)}")
    if changelist.query:
        parts.append(_("关键词：%(query)s") % {"query": changelist.query})
    return "；".join(parts)


class SecurityEventAdmin(admin.ModelAdmin):
    """The log, filtered by kind, date and user, searched by user name, IP address and object."""

    change_list_template = "admin/crm/securityevent/change_list.html"
    list_display = ("occurred_at", "kind", "who", "ip_address", "target", "short_details")
    list_filter = ("kind", "occurred_at", ("actor", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("actor",)
    search_fields = ("username", "actor__username", "actor__full_name", "ip_address", "target")
    date_hierarchy = "occurred_at"
    fields = (
        "occurred_at",
        "kind",
        "actor",
        "username",
        "ip_address",
        "user_agent",
        "target",
        "details_pretty",
    )
    readonly_fields = fields
    list_per_page = 50

    @admin.display(description=_lazy("用户"), ordering="username")
    def who(self, event: SecurityEvent) -> str:
        if event.actor is not None and str(event.actor) != event.username:
            return f"{event.actor}（{event.username}）"
        return event.username or "—"

    @admin.display(description=_lazy("详情"))
    def short_details(self, event: SecurityEvent) -> str:
        text = _details_text(event)
        return f"{text[:80]}…" if len(text) > 80 else text

    @admin.display(description=_lazy("详情"))
    def details_pretty(self, event: SecurityEvent) -> SafeString | str:
        if not event.details:
            return "—"
        text = json.dumps(event.details, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)  # no inline style: the CSP forbids it

    # --- who may do what ----------------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_read_security_log(request.user)

    def has_view_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return can_read_security_log(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False

    # --- export -------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name=f"{opts.app_label}_{opts.model_name}_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The list as the changelist shows it (filters, search, order), as xlsx or CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        # The changelist reads every query parameter as a filter: hide the format from it.
        list_request = copy.copy(request)
        list_request.GET = request.GET.copy()
        list_request.GET.pop("format", None)
        try:
            changelist = self.get_changelist_instance(list_request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(
                _("筛选条件无效。"), content_type="text/plain; charset=utf-8"
            )
        return export_response(
            request,
            name=_("安全日志"),
            columns=SECURITY_EVENT_COLUMNS,
            rows=changelist.queryset,
            today=timezone.localdate(),
            filter_words=changelist_filter_words(changelist),
        )


admin.site.register(SecurityEvent, SecurityEventAdmin)
