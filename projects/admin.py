"""The admin for projects, their progress, tasks, capital increases and 对上争取.

Every record with rules is saved through ``projects.services`` (``crm.admin_services``): the
credit code is checked, the version compared and bumped, the change recorded, and a refusal
shown next to the field with nothing saved. Statuses are read-only: moves are made on the
project's or application's page, which applies the move rules and records the move. Records
that only a service can change in a certain way (a task's completion, a progress problem's
solution) offer only that; capital increases and stage moves are history and read-only.

Targets and annual goals have no service: they are the bureau's deadlines and goals, plain
data an administrator keeps here (like the reference data in ``crm``); deleting one is recorded
like every other delete.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.admin_services import RecordedDeleteMixin, ServiceAdminMixin, page_link
from projects import services
from projects.models import (
    AnnualGoal,
    CapitalIncrease,
    FundsArrival,
    ProgressReport,
    Project,
    ProjectTransition,
    SupportApplication,
    SupportTransition,
    Target,
    Task,
)


@admin.register(Target)
class TargetAdmin(RecordedDeleteMixin, admin.ModelAdmin):
    list_display = ("description", "status", "goal_status", "category", "due_on", "is_active")
    list_filter = ("status", "category", "is_active")
    search_fields = ("description",)


@admin.register(AnnualGoal)
class AnnualGoalAdmin(RecordedDeleteMixin, admin.ModelAdmin):
    """The year's 签约额 and 到位资金 goals the cockpit measures against: plain data, one row a
    year."""

    list_display = ("year", "signed_amount", "funds_in_place", "note", "updated_at")
    ordering = ("-year",)


class ReadOnlyInline(admin.TabularInline):
    """Rows written by a service (moves, reports, tasks), shown on their parent's page."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionInline(ReadOnlyInline):
    model = ProjectTransition
    fields = ("moved_at", "from_status", "to_status", "occurred_on", "actor", "reason")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProjectTransition]:
        return super().get_queryset(request).select_related("actor")


class ProgressReportInline(ReadOnlyInline):
    model = ProgressReport
    fields = ("reported_on", "percent", "done", "problems", "solved", "created_by")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProgressReport]:
        return super().get_queryset(request).select_related("created_by")


class TaskInline(ReadOnlyInline):
    model = Task
    fields = ("title", "assignee", "due_on", "done", "done_on")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Task]:
        return super().get_queryset(request).select_related("assignee")


class CapitalIncreaseInline(ReadOnlyInline):
    model = CapitalIncrease
    fields = ("agreed_on", "amount", "signed_amount", "note", "created_by")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CapitalIncrease]:
        return super().get_queryset(request).select_related("created_by")


class FundsArrivalInline(ReadOnlyInline):
    model = FundsArrival
    fields = ("arrived_on", "amount", "note", "created_by")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FundsArrival]:
        return super().get_queryset(request).select_related("created_by")


@admin.register(Project)
class ProjectAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Projects through ``project_create`` / ``project_update``; moves on the project page."""

    service_fields = services.EDITABLE_FIELDS
    history_fields = ("lead",)
    delete_hint = _("项目终止请在项目页面办理。")
    list_display = (
        "name",
        "enterprise_name",
        "category",
        "status",
        "total_investment",
        "leader",
        "owner",
        "task_force",
        "version",
    )
    list_filter = ("status", "category", "industry", "task_force")
    list_select_related = ("leader", "owner", "task_force")
    search_fields = ("name", "enterprise_name", "credit_code")
    readonly_fields = ("status", "status_page")
    raw_id_fields = ("leader", "owner", "chain_link")
    fieldsets = (
        (None, {"fields": ("name", "category", "enterprise_name", "credit_code", "lead")}),
        (_("状态"), {"fields": ("status", "status_page", "status_changed_on", "resume_status")}),
        (
            _("投资与产业"),
            {
                "fields": (
                    "industry",
                    "chain_link",
                    "total_investment",
                    "signed_amount",
                    "funds_in_place",
                )
            },
        ),
        (
            _("负责"),
            {"fields": ("leader", "owner", "task_force", "department", "location", "description")},
        ),
        (
            _("日期"),
            {
                "fields": (
                    "target_commence_on",
                    "target_production_on",
                    "framework_signed_on",
                    "signed_on",
                    "commenced_on",
                    "producing_on",
                )
            },
        ),
        (
            _("记录"),
            {"fields": ("version", "created_by", "created_at", "updated_by", "updated_at")},
        ),
    )
    inlines = (
        TransitionInline,
        ProgressReportInline,
        TaskInline,
        CapitalIncreaseInline,
        FundsArrivalInline,
    )

    @admin.display(description=_("状态变更"))
    def status_page(self, project: Project) -> SafeString | str:
        return page_link(project, gettext("在项目页面推进或回退状态"))

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> Project:
        return services.project_create(actor=request.user, data=dict(data))

    def service_update(
        self,
        request: HttpRequest,
        obj: Project,
        data: Mapping[str, Any],
        *,
        expected_version: int | None,
    ) -> Project:
        return services.project_update(
            project=obj, actor=request.user, data=dict(data), expected_version=expected_version
        )


@admin.register(CapitalIncrease)
class CapitalIncreaseAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Capital increases through ``capital_increase_create``, which adds them to the project's
    amounts; once recorded they are part of the project's history (read-only, not deleted)."""

    service_create_fields = ("project", "agreed_on", "amount", "signed_amount", "note")
    list_display = ("project", "agreed_on", "amount", "signed_amount", "created_by")
    list_select_related = ("project", "created_by")
    search_fields = ("project__name", "note")
    raw_id_fields = ("project",)

    def delete_refusal(self, obj: CapitalIncrease) -> str:
        return gettext("增资已计入项目的总投资和签约金额，是项目的历史记录，不能删除。")

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> CapitalIncrease:
        return services.capital_increase_create(
            project=data["project"],
            actor=request.user,
            agreed_on=data["agreed_on"],
            amount=data["amount"],
            signed_amount=data["signed_amount"],
            note=data["note"],
        )


@admin.register(FundsArrival)
class FundsArrivalAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Arrivals of funds through ``funds_arrival_record``, which adds them to the project's
    到位资金; a mistake is corrected by a negative arrival (核减), never by deleting."""

    service_create_fields = ("project", "arrived_on", "amount", "note")
    list_display = ("project", "arrived_on", "amount", "note", "created_by")
    list_select_related = ("project", "created_by")
    search_fields = ("project__name", "note")
    date_hierarchy = "arrived_on"
    raw_id_fields = ("project",)

    def delete_refusal(self, obj: FundsArrival) -> str:
        return gettext(
            "资金到位记录已计入项目的到位资金，不能删除；如有差错请登记一笔核减（负数）。"
        )

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> FundsArrival:
        return services.funds_arrival_record(
            project=data["project"],
            actor=request.user,
            arrived_on=data["arrived_on"],
            amount=data["amount"],
            note=data["note"],
        )


@admin.register(ProgressReport)
class ProgressReportAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Progress reports through ``progress_report_create``; afterwards only an open problem can
    be marked solved (``progress_problem_solve``). Reports are history: never deleted."""

    service_create_fields = (
        "project",
        "reported_on",
        "percent",
        "done",
        "problems",
        "problem_owner",
    )
    list_display = ("project", "reported_on", "percent", "solved", "created_by")
    list_filter = ("solved",)
    list_select_related = ("project", "created_by")
    search_fields = ("project__name", "done", "problems")
    raw_id_fields = ("project",)

    def get_service_fields(self, request: HttpRequest, obj: ProgressReport | None) -> Sequence[str]:
        if obj is None:
            return self.service_create_fields
        return ("solved",) if obj.has_open_problem else ()

    def delete_refusal(self, obj: ProgressReport) -> str:
        return gettext("进度报告是项目的历史记录，不能删除；如有错误，请补报一份新的进度报告。")

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> ProgressReport:
        return services.progress_report_create(
            project=data["project"],
            actor=request.user,
            reported_on=data["reported_on"],
            percent=data["percent"],
            done=data["done"],
            problems=data["problems"],
            problem_owner=data["problem_owner"],
        )

    def service_update(
        self,
        request: HttpRequest,
        obj: ProgressReport,
        data: Mapping[str, Any],
        *,
        expected_version: int | None,
    ) -> ProgressReport:
        if not data.get("solved"):
            return obj
        return services.progress_problem_solve(report=obj, actor=request.user)


@admin.register(Task)
class TaskAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Tasks through ``task_create``; afterwards only done / open again (``task_set_done``).

    An open task may be deleted (recorded); a completed one is the project's history.
    """

    service_fields = ("done",)
    service_create_fields = ("project", "title", "assignee", "due_on")
    list_display = ("title", "project", "assignee", "due_on", "done", "done_by")
    list_filter = ("done",)
    list_select_related = ("project", "assignee", "done_by")
    search_fields = ("title", "project__name")
    raw_id_fields = ("project", "assignee")

    def delete_refusal(self, obj: Task) -> str:
        if obj.done:
            return gettext("「%(task)s」已完成，是项目的历史记录，不能删除。") % {"task": obj}
        return super().delete_refusal(obj)

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> Task:
        return services.task_create(
            project=data["project"],
            actor=request.user,
            title=data["title"],
            assignee=data["assignee"],
            due_on=data["due_on"],
        )

    def service_update(
        self,
        request: HttpRequest,
        obj: Task,
        data: Mapping[str, Any],
        *,
        expected_version: int | None,
    ) -> Task:
        return services.task_set_done(task=obj, actor=request.user, done=data["done"])


class SupportTransitionInline(ReadOnlyInline):
    model = SupportTransition
    fields = ("moved_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SupportTransition]:
        return super().get_queryset(request).select_related("actor")


@admin.register(SupportApplication)
class SupportApplicationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """对上争取 through ``support_application_create`` / ``_update``; the status and the approved
    and allocated amounts change only through moves on the application's page."""

    service_fields = (*services.SUPPORT_EDITABLE_FIELDS, "projects")
    list_display = (
        "title",
        "fund_source",
        "status",
        "amount_requested",
        "amount_approved",
        "owner",
        "task_force",
    )
    list_filter = ("status", "fund_source", "task_force")
    list_select_related = ("owner", "task_force")
    search_fields = ("title", "policy_reference")
    readonly_fields = ("status", "status_page")
    raw_id_fields = ("owner",)
    filter_horizontal = ("projects",)
    inlines = (SupportTransitionInline,)

    @admin.display(description=_("状态变更"))
    def status_page(self, application: SupportApplication) -> SafeString | str:
        return page_link(application, gettext("在事项页面推进或回退状态"))

    def service_create(self, request: HttpRequest, data: Mapping[str, Any]) -> SupportApplication:
        fields = {name: value for name, value in data.items() if name != "projects"}
        return services.support_application_create(
            actor=request.user, data=fields, projects=list(data.get("projects") or [])
        )

    def service_update(
        self,
        request: HttpRequest,
        obj: SupportApplication,
        data: Mapping[str, Any],
        *,
        expected_version: int | None,
    ) -> SupportApplication:
        fields = {name: value for name, value in data.items() if name != "projects"}
        return services.support_application_update(
            application=obj,
            actor=request.user,
            data=fields,
            projects=list(data.get("projects") or []),
            expected_version=expected_version,
        )
