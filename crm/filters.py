"""The base every list's FilterSet builds on: a free-text ``q`` over the fields a list names."""

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


class BaseFilterSet(django_filters.FilterSet):
    """Adds ``q``: every word must appear in one of ``search_fields`` (case-insensitive)."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="filter_q", label=_("关键词"))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(
                reduce(or_, (Q(**{f"{field}__icontains": word}) for field in self.search_fields))
            )
        return queryset
