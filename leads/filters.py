"""The lead list's filters, shared by the list page, the pipeline page and the API."""

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import AmountFilter, BaseFilterSet, IdsFilter, UserFilter
from crm.models import Channel, Industry, TaskForce
from leads.models import Lead, overdue_q


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
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("逾期"))
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
    ordering = django_filters.OrderingFilter(
        fields=(
            ("company_name", "company_name"),
            ("stage", "stage"),
            ("rating", "rating"),
            ("planned_investment", "planned_investment"),
            ("next_follow_up_on", "next_follow_up_on"),
            ("last_follow_up_on", "last_follow_up_on"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
        ),
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
