"""Amounts for leadership pages: 万元, or 亿元 from 1 亿 (10,000 万元) up.

``{% load amounts %}{{ value|wan_yuan }}`` → 「3,200 万元」 or 「1.25 亿元」. The cockpit, the
reports and the boards' column totals show amounts this way; the working lists keep exact 万元
(``wan_exact``, the ``wan`` filter of ``crm_ui``).
``amount_parts`` gives the number and the unit apart, for a tile that sets them in two sizes.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()

YI = Decimal(10000)  # 1 亿元 = 10,000 万元


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return amount if amount.is_finite() else None


def _number(amount: Decimal, places: int) -> str:
    """Thousands separators, at most ``places`` decimals, no trailing zeros."""
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return f"{rounded:,.0f}"
    return f"{rounded:,.{places}f}".rstrip("0").rstrip(".")


def amount_parts(value: Any) -> tuple[str, str]:
    """(number, unit) of an amount in 万元: ``("1.25", "亿元")`` from 12,500, ``("3,200",
    "万元")`` from 3,200; ``("—", "")`` when there is no amount."""
    amount = _decimal(value)
    if amount is None:
        return ("—", "") if value in (None, "") else (str(value), "")
    if abs(amount) >= YI:
        return _number(amount / YI, 2), _("亿元")
    return _number(amount, 2), _("万元")


@register.filter
def wan_yuan(value: Any) -> str:
    """An amount in 万元 as a leader reads it: 「3,200 万元」, 「1.25 亿元」, 「—」 for none."""
    number, unit = amount_parts(value)
    return f"{number} {unit}".strip()


@register.filter
def wan_yuan_number(value: Any) -> str:
    """The number of ``wan_yuan`` without its unit (a tile's large figure)."""
    return amount_parts(value)[0]


@register.filter
def wan_yuan_unit(value: Any) -> str:
    """The unit of ``wan_yuan`` (「万元」 or 「亿元」), empty when there is no amount."""
    return amount_parts(value)[1]


def wan_exact(value: Any) -> str:
    """An amount in 万元 exactly, as the working lists show it (``crm_ui.wan``): 「12,500.5 万元」,
    「—」 for none."""
    amount = _decimal(value)
    if amount is None:
        return "—" if value in (None, "") else str(value)
    unit = _("万元")  # outside the f-string, where makemessages can find it
    return f"{_number(amount, 2)} {unit}"


@register.filter
def wan_number(value: Any) -> str:
    """An amount in 万元 as a plain number, for a table under 「单位：万元」 (the reports):
    「12,500.5」, 「—」 for none."""
    amount = _decimal(value)
    if amount is None:
        return "—" if value in (None, "") else str(value)
    return _number(amount, 2)
