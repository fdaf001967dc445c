"""The lead list's filters, shared by the list page, the pipeline page and the API."""

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.filters import AmountFilter, BaseFilterSet, IdsFilter, StrictBooleanFilter, UserFilter
from crm.models import ChainLink, Channel, Industry, IndustryChain, Region, TaskForce
from leads.models import (
    ApprovalRequest,
    Lead,
    LeadTransition,
    TargetEnterprise,
    follow_up_due_expression,
    overdue_q,
    waited_over_q,
)


class ChainLinkFilter(django_filters.ModelMultipleChoiceFilter):
    """Records of one or more chain links, by the link's code (``?chain_link=rice-milling``): the
    招商图谱's figures open the lists behind them with it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("field_name", "chain_link__code")
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("distinct", False)
        kwargs.setdefault("label", _("产业链环节"))
        kwargs.setdefault("queryset", ChainLink.objects.select_related("chain"))
        super().__init__(*args, **kwargs)


# The ordering by days overdue: ``-days_overdue`` puts the worst first, like the work page.
DAYS_OVERDUE = "days_overdue"


class DaysFilter(django_filters.NumberFilter):
    """A whole number of days, 0 to ten years (a larger one would leave the calendar); a bad
    one is an error that names the filter (the list shows the errors without the fields)."""

    field_class = forms.IntegerField
    MAX_DAYS = 3650

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", self.MAX_DAYS)
        message = format_lazy(
            _("{label}：请填写 0 至 {most} 之间的整数。"),
            label=kwargs.get("label", ""),
            most=self.MAX_DAYS,
        )
        kwargs.setdefault(
            "error_messages", dict.fromkeys(("invalid", "min_value", "max_value"), message)
        )
        super().__init__(*args, **kwargs)

    def get_max_validator(self) -> None:
        return None  # ``max_value`` bounds it


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

    search_fields = (
        "company_name",
        "contact_name",
        "contact_phone",
        "intent",
        "due_diligence_note",
        "credit_code",
    )
    # The bigrams of exactly these fields (migration 0006): change both together.
    search_bigrams = "search_bigrams"

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
    chain_link = ChainLinkFilter()
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
    # Where the cockpit's figures lead: the region of origin (``null`` for none given), the
    # leads overdue longer than a number of days, the leads moved to a stage within dates.
    region = django_filters.ModelMultipleChoiceFilter(
        field_name="region__code",
        queryset=Region.objects.all(),
        to_field_name="code",
        null_label=_("未填写"),
        distinct=False,
        label=_("来源地区"),
    )
    overdue_over = DaysFilter(method="filter_overdue_over", label=_("逾期超过（天）"))
    moved_to = django_filters.ChoiceFilter(
        choices=Lead.Stage.choices, method="filter_moved", label=_("推进到阶段")
    )
    moved_after = django_filters.DateFilter(method="filter_moved", label=_("推进日期从"))
    moved_before = django_filters.DateFilter(method="filter_moved", label=_("推进日期至"))
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

    def filter_overdue_over(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        """Overdue by more than ``value`` days: overdue as of ``value`` days ago (the escalation's
        rule, ``days_overdue > value``)."""
        if value is None:
            return queryset
        return queryset.filter(overdue_q(timezone.localdate() - datetime.timedelta(days=value)))

    def filter_moved(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """Leads with a move to ``moved_to`` (any stage when not given) between ``moved_after``
        and ``moved_before``: the three make one condition, applied once."""
        data = self.form.cleaned_data
        given = [key for key in ("moved_to", "moved_after", "moved_before") if data.get(key)]
        if not given or name != given[0]:
            return queryset
        moves = LeadTransition.objects.filter(lead=OuterRef("pk"))
        if data.get("moved_to"):
            moves = moves.filter(to_stage=data["moved_to"])
        if data.get("moved_after"):
            moves = moves.filter(moved_at__date__gte=data["moved_after"])
        if data.get("moved_before"):
            moves = moves.filter(moved_at__date__lte=data["moved_before"])
        return queryset.filter(Exists(moves))


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
    waited_over = DaysFilter(method="filter_waited_over", label=_("等待超过（天）"))

    class Meta:
        model = ApprovalRequest
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        if not (self.data or {}).get("status"):
            return queryset.filter(status=ApprovalRequest.Status.PENDING)
        return queryset

    def filter_waited_over(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        """Asked more than ``value`` whole days ago (``ApprovalRequest.days_waiting > value``)."""
        if value is None:
            return queryset
        return queryset.filter(waited_over_q(value, timezone.localdate()))


class TargetEnterpriseFilterSet(BaseFilterSet):
    """The 目标企业库's filters (page, export and API): ``?chain=rice-chain&converted=false …``.

    Reference data goes by code, like the lead list's; ``converted`` tells the targets already
    turned into leads from those still to work on.
    """

    search_fields = ("company_name", "credit_code", "reason", "contact_hint")
    # The bigrams of exactly these fields (migration 0007): change both together.
    search_bigrams = "search_bigrams"

    chain = django_filters.ModelMultipleChoiceFilter(
        field_name="chain_link__chain__code",
        queryset=IndustryChain.objects.all(),
        to_field_name="code",
        distinct=False,
        label=_("产业链"),
    )
    chain_link = ChainLinkFilter()
    industry = django_filters.ModelMultipleChoiceFilter(
        field_name="chain_link__chain__industry__code",
        queryset=Industry.objects.all(),
        to_field_name="code",
        distinct=False,
        label=_("产业"),
    )
    chain_role = django_filters.MultipleChoiceFilter(
        choices=Lead.ChainRole.choices, distinct=False, label=_("链上作用")
    )
    region = django_filters.ModelMultipleChoiceFilter(
        field_name="region__code",
        queryset=Region.objects.all(),
        to_field_name="code",
        distinct=False,
        label=_("所在地区"),
    )
    converted = StrictBooleanFilter(method="filter_converted", label=_("已转为线索"))
    owner_id = UserFilter(field_name="owner", label=_("负责人"))
    task_force_id = IdsFilter(
        field_name="task_force", queryset=TaskForce.objects.all(), label=_("专班")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("company_name", "company_name"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
        ),
        label=_("排序"),
    )

    class Meta:
        model = TargetEnterprise
        fields: list[str] = []

    def filter_converted(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(lead__isnull=not value)
