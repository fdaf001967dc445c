"""Admin: targets are data an administrator sets; the rest is for looking up and correcting."""

from django.contrib import admin

from projects.models import (
    CapitalIncrease,
    ProgressReport,
    Project,
    ProjectTransition,
    SupportApplication,
    SupportTransition,
    Target,
    Task,
)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("description", "status", "goal_status", "category", "due_on", "is_active")
    list_filter = ("status", "category", "is_active")
    list_editable = ("due_on", "is_active")


class TransitionInline(admin.TabularInline):
    model = ProjectTransition
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "occurred_on", "actor", "reason", "moved_at")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Status moves go through the board or the project page (the rules live in services)."""

    list_display = ("name", "enterprise_name", "category", "status", "total_investment", "leader")
    list_filter = ("status", "category", "industry", "task_force")
    search_fields = ("name", "enterprise_name", "credit_code")
    readonly_fields = (
        "lead",
        "status",
        "status_changed_on",
        "framework_signed_on",
        "signed_on",
        "commenced_on",
        "producing_on",
        "version",
    )
    raw_id_fields = ("leader", "owner")
    inlines = [TransitionInline]


@admin.register(CapitalIncrease)
class CapitalIncreaseAdmin(admin.ModelAdmin):
    list_display = ("project", "agreed_on", "amount", "signed_amount")
    readonly_fields = ("project", "amount", "signed_amount")


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ("project", "reported_on", "percent", "solved")
    list_filter = ("solved",)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "assignee", "due_on", "done")
    list_filter = ("done",)


class SupportTransitionInline(admin.TabularInline):
    model = SupportTransition
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "reason", "moved_at")


@admin.register(SupportApplication)
class SupportApplicationAdmin(admin.ModelAdmin):
    list_display = ("title", "fund_source", "status", "amount_requested", "amount_approved")
    list_filter = ("status", "fund_source")
    readonly_fields = ("status", "amount_approved", "amount_allocated", "version")
    inlines = [SupportTransitionInline]
