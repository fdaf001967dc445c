"""The filters of the board, the project table, the API and the 对上争取 list."""

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import (
    AmountFilter,
    BaseFilterSet,
    IdFilter,
    IdsFilter,
    StrictBooleanFilter,
    UserFilter,
)
from crm.models import Industry, TaskForce
from leads.filters import ChainLinkFilter
from projects.models import FundsArrival, Project, SupportApplication, late_q


class ProjectFilterSet(BaseFilterSet):
    """Filters kept in the URL: ``?category=livelihood&industry=rice&late=true&leader_id=3 …``."""

    search_fields = ("name", "enterprise_name", "credit_code", "location", "department")
    # The bigrams of exactly these fields (migration 0005): change both together.
    search_bigrams = "search_bigrams"

    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Project.Status.choices, label=_("状态")
    )
    category = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Project.Category.choices, label=_("项目类别")
    )
    # Reference data is chosen by code: django-filter compares the chosen object's
    # ``to_field_name`` value with ``field_name``, so the filter names the related ``code``.
    industry = django_filters.ModelMultipleChoiceFilter(
        field_name="industry__code",
        queryset=Industry.objects.all(),
        to_field_name="code",
        distinct=False,
        label=_("产业"),
    )
    chain_link = ChainLinkFilter()
    task_force_id = IdsFilter(
        field_name="task_force", queryset=TaskForce.objects.all(), label=_("专班")
    )
    leader_id = UserFilter(field_name="leader", label=_("包保领导"))
    owner_id = UserFilter(field_name="owner", label=_("责任人"))
    late = StrictBooleanFilter(method="filter_late", label=_("逾期"))
    # Where the cockpit's figures lead: 亿元 projects, signings, commencements and arrivals of
    # funds within dates.
    investment_min = AmountFilter(
        field_name="total_investment", lookup_expr="gte", label=_("总投资不少于（万元）")
    )
    signed_after = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="gte", label=_("正式签约日期从")
    )
    signed_before = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", label=_("正式签约日期至")
    )
    commenced_after = django_filters.DateFilter(
        field_name="commenced_on", lookup_expr="gte", label=_("开工日期从")
    )
    commenced_before = django_filters.DateFilter(
        field_name="commenced_on", lookup_expr="lte", label=_("开工日期至")
    )
    funds_after = django_filters.DateFilter(method="filter_funds", label=_("资金到位日期从"))
    funds_before = django_filters.DateFilter(method="filter_funds", label=_("资金到位日期至"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("enterprise_name", "enterprise_name"),
            ("category", "category"),
            ("status", "status"),
            ("total_investment", "total_investment"),
            ("signed_amount", "signed_amount"),
            ("funds_in_place", "funds_in_place"),
            ("status_changed_on", "status_changed_on"),
            ("target_due_on", "target_due_on"),
            ("updated_at", "updated_at"),
        ),
        label=_("排序"),
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_late(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = late_q(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_funds(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        """Projects with an arrival of funds (``FundsArrival``) between ``funds_after`` and
        ``funds_before``: the two make one condition, applied once."""
        data = self.form.cleaned_data
        given = [key for key in ("funds_after", "funds_before") if data.get(key)]
        if not given or name != given[0]:
            return queryset
        arrivals = FundsArrival.objects.filter(project=OuterRef("pk"))
        if data.get("funds_after"):
            arrivals = arrivals.filter(arrived_on__gte=data["funds_after"])
        if data.get("funds_before"):
            arrivals = arrivals.filter(arrived_on__lte=data["funds_before"])
        return queryset.filter(Exists(arrivals))


class SupportApplicationFilterSet(BaseFilterSet):
    """Filters of the 对上争取 list and its API."""

    search_fields = ("title", "policy_reference", "note")
    # The bigrams of exactly these fields (migration 0005): change both together.
    search_bigrams = "search_bigrams"

    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=SupportApplication.Status.choices, label=_("状态")
    )
    fund_source = django_filters.MultipleChoiceFilter(
        distinct=False, choices=SupportApplication.FundSource.choices, label=_("资金来源")
    )
    owner_id = UserFilter(field_name="owner", label=_("责任人"))
    task_force_id = IdsFilter(
        field_name="task_force", queryset=TaskForce.objects.all(), label=_("专班")
    )
    project_id = IdFilter(field_name="projects", label=_("关联项目"))
    deadline_after = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=_("截止日期从")
    )
    deadline_before = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=_("截止日期至")
    )

    class Meta:
        model = SupportApplication
        fields: list[str] = []
