"""The inbox's filters, shared by the 我的消息 page and the API: ``?unread=1&kind=task&q=米业``."""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from crm.filters import BaseFilterSet, StrictBooleanFilter
from crm.models import EVENT_KIND_CHOICES, Notice


class NoticeFilterSet(BaseFilterSet):
    """``unread`` (true: only the unread ones), ``kind`` (one or more event kinds), ``q``."""

    search_fields = ("title", "body")

    # A text input: the select a NullBooleanField has by default reads "1" and "maybe" as
    # "either" before ``StrictBooleanField`` can accept or refuse them.
    unread = StrictBooleanFilter(method="filter_unread", label=_("未读"), widget=forms.TextInput)
    kind = django_filters.MultipleChoiceFilter(
        choices=EVENT_KIND_CHOICES, distinct=False, label=_("类型")
    )

    class Meta:
        model = Notice
        fields: list[str] = []

    def filter_unread(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)
