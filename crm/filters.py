"""The base every list's FilterSet builds on, and the filters the lists share.

``BaseFilterSet`` gives every list a free-text ``q`` over the fields it names (``crm.search``,
indexed on PostgreSQL where the table keeps the fields' bigrams), ignores blank parameters,
bounds amounts and dates, and lists nothing when a filter is invalid (django-filter would drop
the invalid value and list everything, which reads as "the filter matched all").
"""

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelMultipleChoiceField

from crm.inputs import MAX_ID, BoundedIdsMixin, bound_form_fields
from crm.models import User
from crm.search import is_scan, search_filter


def _without_blanks(data: Any) -> Any:
    """The query without empty values: a blank filter (「全部」 sent without JavaScript) is none."""
    if isinstance(data, QueryDict):
        kept = QueryDict(mutable=True)
        for key, values in data.lists():
            if non_blank := [value for value in values if value != ""]:
                kept.setlist(key, non_blank)
        return kept
    if isinstance(data, Mapping):
        return {key: value for key, value in data.items() if value != ""}
    return data


class BaseFilterSet(django_filters.FilterSet):
    """Adds ``q``: every word must appear in one of ``search_fields`` (case-insensitive).

    ``search_bigrams`` names the column of those fields' bigrams where a migration added one
    (``crm.search.AddSearchBigrams``): PostgreSQL then serves words of two characters or more
    from its index, and a search of one-character words only is a scan, listed up to a limit.
    """

    search_fields: tuple[str, ...] = ()
    search_bigrams: str = ""

    q = django_filters.CharFilter(method="filter_q", label=_("关键词"))

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(_without_blanks(data), *args, **kwargs)

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            bound_form_fields(super().form.fields)
        return self._form

    @property
    def qs(self) -> QuerySet:
        # The page shows the form's errors above an empty list; the API answers 400.
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs

    @property
    def search_scans(self) -> bool:
        """Whether ``q`` reads every row of an indexed list (``crm.search.is_scan``): the list
        then counts at most ``crm.search.SCAN_LIMIT`` matches (``crm.search.paginator``)."""
        if not self.search_bigrams or not (self.is_bound and self.is_valid()):
            return False
        return is_scan(self.form.cleaned_data.get("q") or "")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_filter(
            queryset, value, fields=self.search_fields, bigrams=self.search_bigrams
        )


class IdsField(BoundedIdsMixin, ModelMultipleChoiceField):
    """Ids of related rows; an unknown or malformed id is an error that names the filter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The list shows the errors without the fields, so each message names its filter.
        unknown = gettext("%(label)s：没有编号为 %(value)s 的记录。")
        malformed = gettext("%(label)s：“%(pk)s”不是有效的编号。")
        label = self.label
        self.error_messages["invalid_choice"] = unknown % {"label": label, "value": "%(value)s"}
        self.error_messages["invalid_pk_value"] = malformed % {"label": label, "pk": "%(pk)s"}


class UserIdsField(IdsField):
    def label_from_instance(self, obj: User) -> str:
        if obj.is_active:
            return str(obj)
        return gettext("%(name)s（已停用）") % {"name": obj}


class IdsFilter(django_filters.ModelMultipleChoiceFilter):
    """Records by the id of a related row (one or several)."""

    field_class = IdsField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Every such filter follows a single-valued relation: no needless SELECT DISTINCT.
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class UserFilter(IdsFilter):
    """Records by user id, inactive users included: the records of someone who left are the
    ones a leader looks for to hand over, so their id must find them, not be dropped."""

    field_class = UserIdsField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.order_by("-is_active", "username"))
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """One id compared as a whole number (``1.5``, ``1e999`` or ``abc`` are errors)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)

    def get_max_validator(self) -> MaxValueValidator:
        return MaxValueValidator(MAX_ID)


class AmountFilter(django_filters.NumberFilter):
    """An amount in 万元, as wide as the amount columns (``numeric(14, 2)``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class StrictBooleanSelect(forms.NullBooleanSelect):
    """The yes / no / either select, handing the field the raw value: Django's own widget
    turns anything it does not know (``1``, ``maybe``) into "either" before the field sees it."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class StrictBooleanField(forms.NullBooleanField):
    """``true`` / ``false`` (or ``1`` / ``0``, blank for "either"); anything else is an error,
    not silently "either" (``late=maybe`` must not list everything)."""

    widget = StrictBooleanSelect
    TRUE = frozenset({"true", "1", "on", "yes"})
    FALSE = frozenset({"false", "0", "off", "no"})

    def to_python(self, value: Any) -> bool | None:
        if value in (None, "") or isinstance(value, bool):
            return value if isinstance(value, bool) else None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(gettext("请填写 true 或 false。"), code="invalid")

    def validate(self, value: Any) -> None:
        """Any value ``to_python`` accepted is valid."""


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
