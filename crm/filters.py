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
from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelMultipleChoiceField

from crm.inputs import MAX_ID, BoundedIdsMixin, bound_form_fields
from crm.models import ChainLink, Channel, Industry, IndustryChain, Region, TaskForce, User
from crm.search import is_scan, search_filter
from crm.versions import WriteVersion


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


# --- the filter bars' choices ------------------------------------------------------------------
#
# Every list page offers the same small tables as choices (task forces, users, industries …):
# read once per process and kept until a row of one of them is saved or deleted, which changes
# a version in the shared cache (crm.versions). The version also expires, so a process whose
# cache is not shared with the writer's (one file cache per machine) is at most CHOICES_TIMEOUT
# seconds behind.

CHOICE_MODELS: tuple[type[Model], ...] = (
    User,
    TaskForce,
    Industry,
    Channel,
    Region,
    IndustryChain,
    ChainLink,
)
CHOICES_TIMEOUT = 300
CHOICES = WriteVersion(
    "filter-choices", watches=lambda model: model in CHOICE_MODELS, timeout=CHOICES_TIMEOUT
)

# Per process: (value, label) pairs and their <option> elements, by query and language.
_choices: dict[tuple, tuple[list[tuple[str, str]], str]] = {}
_choices_version: list[str] = [""]


def _options_html(choices: list[tuple[str, str]]) -> str:
    return "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices
    )


def _read_choices(field: forms.ModelChoiceField) -> tuple[list[tuple[str, str]], str]:
    rows = [
        (str(field.prepare_value(obj)), str(field.label_from_instance(obj)))
        for obj in field.queryset
    ]
    return rows, _options_html(rows)


def _kept_choices(field: forms.ModelChoiceField) -> tuple[list[tuple[str, str]], str]:
    if CHOICES.written_in_this_transaction():
        return _read_choices(field)  # the writer sees its own change, nothing kept
    version = CHOICES.current()
    if _choices_version[0] != version:
        _choices.clear()
        _choices_version[0] = version
    queryset = field.queryset
    key = (str(queryset.query), field.to_field_name, type(field).__qualname__, get_language())
    kept = _choices.get(key)
    if kept is None:
        kept = _choices[key] = _read_choices(field)
    return kept


def _is_kept(field: forms.ChoiceField) -> bool:
    return isinstance(field, forms.ModelChoiceField) and field.queryset.model in CHOICE_MODELS


def filter_choices(field: forms.ChoiceField) -> list[tuple[str, str]]:
    """``(value, label)`` of what a filter field offers, without the empty choice; the rows of a
    model choice field over one of ``CHOICE_MODELS`` come from the kept copy."""
    if not _is_kept(field):
        return [
            (str(value), str(label)) for value, label in field.choices if value not in ("", None)
        ]
    rows = _kept_choices(field)[0]
    null_label = getattr(field, "null_label", None)
    if null_label is None:
        return rows
    return [(str(field.null_value), str(null_label)), *rows]


def filter_options(field: forms.ChoiceField, selected: set[str]) -> SafeString:
    """The ``<option>`` elements of ``filter_choices``, escaped, those in ``selected`` marked;
    a kept field's are joined once, not per page (the owner filter offers hundreds of users)."""
    if _is_kept(field):
        rows_html = _kept_choices(field)[1]
        null_label = getattr(field, "null_label", None)
        null_html = _options_html([(str(field.null_value), str(null_label))]) if null_label else ""
        html = null_html + rows_html
    else:
        html = _options_html(filter_choices(field))
    for value in selected:
        option = f'<option value="{escape(value)}">'
        html = html.replace(option, f'<option value="{escape(value)}" selected>', 1)
    return mark_safe(html)  # every value and label escaped by _options_html
