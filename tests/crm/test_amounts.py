"""The leadership pages' amounts: 万元 below 1 亿, 亿元 from 1 亿 (10,000 万元) up."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from crm.templatetags.amounts import amount_parts, wan_yuan


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal(3200), "3,200 万元"),
        (Decimal("3200.50"), "3,200.5 万元"),
        (Decimal("0.004"), "0 万元"),
        (Decimal("9999.99"), "9,999.99 万元"),
        (Decimal(10000), "1 亿元"),
        (Decimal(12500), "1.25 亿元"),
        (Decimal(12345), "1.23 亿元"),
        (Decimal(1234567), "123.46 亿元"),
        (Decimal(-15000), "-1.5 亿元"),
        (7, "7 万元"),
        ("8000", "8,000 万元"),
        (None, "—"),
        ("", "—"),
        ("abc", "abc"),
        (Decimal("NaN"), "NaN"),
    ],
)
def test_wan_yuan_reads_as_a_leader_reads_amounts(value, text):
    assert wan_yuan(value) == text


def test_a_tile_sets_the_number_and_the_unit_apart():
    assert amount_parts(Decimal(49720)) == ("4.97", "亿元")
    html = Template(
        "{% load amounts %}{{ v|wan_yuan_number }}<small>{{ v|wan_yuan_unit }}</small>"
    ).render(Context({"v": Decimal(2500)}))
    assert html == "2,500<small>万元</small>"
