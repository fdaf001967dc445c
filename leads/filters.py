"""The lead list's filters, shared by the list page, the pipeline page and the API."""

from typing import Any

import django_filters
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import AmountFilter, BaseFilterSet, IdsFilter, StrictBooleanFilter, UserFilter
from crm.models import Channel, Industry, TaskForce
from leads.models import ApprovalRequest, Lead, follow_up_due_expression, overdue_q

# The ordering by days overdue: ``-days_overdue`` puts the worst first, like the work page.
DAYS_OVERDUE = "days_overdue"


class LeadOrderingFilter(django_filters.OrderingFilter):
    """The list's orderings, plus days overdue (from ``follow_up_due_expression``)."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value or all(param.lstrip("-") != DAYS_OVERDUE for param in value):
            return super().filter(qs, value)
        ordered = super().filter(qs.alias(follow_up_due=follow_up_due_expression()), value)
        # Many leads fall due on the same day: the id keeps the pages' order fixed.
        return ordered.order_by(*ordered.query.order_by, "id")

    def get_ordering_value(self, param: str) -> Any:
        if param.lstrip("-") != DAYS_OVERDUE:
            return super().get_ordering_value(param)
        # More days overdue is an earlier due date; leads with none (inactive) go last.
        due = F("follow_up_due")
        return due.asc(nulls_last=True) if param.startswith("-") else due.desc(nulls_last=True)


class LeadFilterSet(BaseFilterSet):
    """Filters kept in the URL: ``?stage=screen&industry=rice&overdue=true&q=米业 …``.

    Reference data is chosen by code; django-filter compares the chosen object's
    ``to_field_name`` value with ``field_name``, so those filters name the related ``code``.
    """

    search_fields = ("company_name", "contact_name", "intent", "due_diligence_note", "credit_code")

    # distinct=False throughout: every filter here follows a single-valued relation, and a
    # needless SELECT DISTINCT costs a sort of the whole result on large tables.
    stage = django_filters.MultipleChoiceFilter(
        choices=Lead.Stage.choices, distinct=False, label=_("阶段")
    )
    owner_id = UserFilter(field_name="owner", label=_("负责人"))
    task_force_id = IdsFilter(
        field_name="task_force", queryset=TaskForce.objects.all(), label=_("专班")
    )
    industry = django_filters.ModelMultipleChoiceFilter(
        field_name="industry__code",
        queryset=Industry.objects.all(),
        to_field_name="code",
        distinct=False,
        label=_("产业"),
    )
    channel = django_filters.ModelMultipleChoiceFilter(
        field_name="channel__code",
        queryset=Channel.objects.all(),
        to_field_name="code",
        distinct=False,
        label=_("招商渠道"),
    )
    chain_role = django_filters.MultipleChoiceFilter(
        choices=Lead.ChainRole.choices, distinct=False, label=_("链上作用")
    )
    rating = django_filters.MultipleChoiceFilter(
        choices=Lead.Rating.choices, distinct=False, label=_("评级")
    )
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("逾期"))
    investment_min = AmountFilter(
        field_name="planned_investment", lookup_expr="gte", label=_("计划投资不少于（万元）")
    )
    investment_max = AmountFilter(
        field_name="planned_investment", lookup_expr="lte", label=_("计划投资不多于（万元）")
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("登记日期从")
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("登记日期至")
    )
    ordering = LeadOrderingFilter(
        fields=(
            ("company_name", "company_name"),
            ("stage", "stage"),
            ("rating", "rating"),
            ("planned_investment", "planned_investment"),
            ("next_follow_up_on", "next_follow_up_on"),
            ("last_follow_up_on", "last_follow_up_on"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("follow_up_due", DAYS_OVERDUE),
        ),
        field_labels={"follow_up_due": _("逾期天数")},
        label=_("排序"),
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = overdue_q(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class ApprovalFilterSet(BaseFilterSet):
    """The approvals queue's filters (page and API): ``?status=pending&task_force_id=3&q=米业``.

    Without ``status`` the queue shows what waits (pending).
    """

    search_fields = ("lead__company_name", "note", "comment")

    status = django_filters.MultipleChoiceFilter(
        choices=ApprovalRequest.Status.choices, distinct=False, label=_("状态")
    )
    task_force_id = IdsFilter(
        field_name="lead__task_force", queryset=TaskForce.objects.all(), label=_("专班")
    )

    class Meta:
        model = ApprovalRequest
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        if not (self.data or {}).get("status"):
            return queryset.filter(status=ApprovalRequest.Status.PENDING)
        return queryset
