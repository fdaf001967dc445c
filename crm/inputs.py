"""Bounds on what users type, shared by the forms, the API serializers and the filters.

Whatever a browser or a client sends, a value the database cannot hold (an amount wider than
its column, a date in year 1 or 9999, an id beyond the integer range, a version that is not a
number) must come back as a field message (400), never reach the database as a 500.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# How far from today a date may lie: wide enough for any real plan or record, narrow enough
# that date arithmetic (due dates, "days late") can never leave Python's date range.
SANE_YEARS = 50

# The ceiling of a positive integer column (``version``) on every supported database.
MAX_VERSION = 2_147_483_647
# The ceiling of a primary key (BigAutoField); SQLite overflows on anything larger.
MAX_ID = 9_223_372_036_854_775_807

VERSION_INVALID = _("版本号无效，请刷新页面后重试。")


def amount_error_messages(max_digits: int, decimal_places: int) -> dict[str, str]:
    """Messages for an amount that does not fit ``max_digits`` / ``decimal_places``.

    The codes are the same in Django's ``DecimalValidator`` and DRF's ``DecimalField``.
    """
    too_large = gettext("金额过大，最多 %(whole)d 位整数。") % {
        "whole": max_digits - decimal_places
    }
    return {
        "max_digits": too_large,
        "max_whole_digits": too_large,
        "max_decimal_places": gettext("金额最多保留 %(places)d 位小数。")
        % {"places": decimal_places},
    }


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def validate_sane_date(value: datetime.date) -> None:
    """Refuse a date more than ``SANE_YEARS`` years before or after today."""
    today = timezone.localdate()
    earliest, latest = _years_from(today, -SANE_YEARS), _years_from(today, SANE_YEARS)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not earliest <= value <= latest:
        raise ValidationError(
            _("日期超出合理范围（%(earliest)s 至 %(latest)s）。"),
            code="date_out_of_range",
            params={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )


def bound_form_fields(fields: dict[str, forms.Field]) -> None:
    """Give a form's amounts the column-width messages and its dates the sane range."""
    for field in fields.values():
        if isinstance(field, forms.DecimalField) and field.max_digits is not None:
            field.error_messages.update(
                amount_error_messages(field.max_digits, field.decimal_places or 0)
            )
        elif isinstance(field, forms.DateField):
            field.validators.append(validate_sane_date)


class VersionField(forms.IntegerField):
    """The version the user loaded (a hidden input); anything but a positive integer is refused.

    A malformed version means the page was tampered with or is broken: the only useful advice
    is to reload it, whichever way the number is wrong.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        super().__init__(**kwargs)
        for code in ("required", "invalid", "min_value", "max_value"):
            self.error_messages[code] = VERSION_INVALID


class BoundedInputMixin:
    """For every form of the pages: bounded amounts and dates; hidden inputs' errors on top.

    Hidden inputs (the version) have no place to show an error, so their messages are added
    to the form's own errors, which every form template shows.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_form_fields(self.fields)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        shown = {str(message) for message in self.non_field_errors()}
        for field in self.hidden_fields():
            for message in self.errors.get(field.name, ()):
                if str(message) not in shown:
                    self.add_error(None, message)
                    shown.add(str(message))
        return cleaned


def is_id(value: Any) -> bool:
    """Whether ``value`` is a whole number that a primary key can hold."""
    text = str(value).strip()
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


class BoundedIdsMixin:
    """For multiple-choice fields over model ids: an id out of range is an invalid choice.

    Django checks each id with a query; an id beyond 64 bits makes SQLite raise
    ``OverflowError`` (a 500) instead of answering "no such row".
    """

    def _check_values(self, value: Iterable[Any]) -> Any:
        value = list(value)
        if (self.to_field_name or "pk") == "pk":
            for item in value:
                if not is_id(item):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": item},
                    )
        return super()._check_values(value)


class IdsChoiceField(BoundedIdsMixin, forms.ModelMultipleChoiceField):
    """``ModelMultipleChoiceField`` for the pages' forms, with ids bounded."""
