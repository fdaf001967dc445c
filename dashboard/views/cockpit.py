"""领导驾驶舱: the bureau's figures at a glance, on a desk or on the meeting-room screen."""

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.exceptions import DomainError
from dashboard.cockpit import (
    DEFAULT_PERIOD,
    PERIOD_KINDS,
    SOURCE_KINDS,
    Cockpit,
    Figure,
    cockpit_snapshot,
    parse_period,
    period_of,
)


def _number(value: Decimal | None) -> float:
    return float(value or 0)


def _series(name: str, figures: list[Figure], *, amount: bool = False, **extra: Any) -> dict:
    """One chart series: its values (counts, or amounts in 万元) and the list behind each."""
    return {
        "name": name,
        "values": [_number(f.amount) if amount else f.count for f in figures],
        "urls": [f.url for f in figures],
        "amount": amount,
        **extra,
    }


def chart_data(board: Cockpit) -> dict[str, Any]:
    """What ``static/js/cockpit.js`` draws, handed over with ``json_script``: per chart its
    categories and series, each value with the URL of its list."""
    stages = board.leads.stages
    months = board.trends
    # Horizontal bars are drawn bottom up: the first row goes last to stand on top.
    ranking = list(reversed(board.ranking.rows))
    sources = list(reversed(board.support.by_source))
    charts: dict[str, Any] = {
        "units": {"wan": _("万元"), "yi": _("亿元")},
        "stages": {
            "kind": "bar",
            "categories": [row.label for row in stages],
            "series": [
                _series(_("期间进入"), [row.entered for row in stages]),
                _series(_("当前在库"), [row.now for row in stages]),
            ],
        },
        "trends": {
            "kind": "bar",
            "categories": [month.label for month in months],
            "series": [
                _series(_("签约额"), [m.signed for m in months], amount=True),
                _series(_("到位资金"), [m.funds for m in months], amount=True),
                _series(_("开工项目"), [m.commenced for m in months], line=True),
            ],
        },
        "ranking": {
            "kind": "hbar",
            "categories": [ranked.row.name for ranked in ranking],
            "series": [
                {
                    "name": _("得分"),
                    "values": [float(ranked.row.score) for ranked in ranking],
                    "urls": [ranked.new_leads.url for ranked in ranking],
                    "amount": False,
                }
            ],
        },
        "support_source": {
            "kind": "hbar",
            "categories": [row.figure.label for row in sources],
            "series": [
                _series(_("申请"), [row.figure for row in sources], amount=True),
                {
                    "name": _("批复"),
                    "values": [_number(row.approved) for row in sources],
                    "urls": [row.figure.url for row in sources],
                    "amount": True,
                },
                {
                    "name": _("下达"),
                    "values": [_number(row.allocated) for row in sources],
                    "urls": [row.figure.url for row in sources],
                    "amount": True,
                },
            ],
        },
        "support_status": {
            "kind": "pie",
            "categories": [row.figure.label for row in board.support.by_status],
            "series": [_series(_("事项数"), [row.figure for row in board.support.by_status])],
        },
    }
    for by in SOURCE_KINDS:
        rows = board.sources[by]
        charts[f"source_{by}"] = {
            "kind": "pie",
            "categories": [row.label for row in rows],
            "series": [_series(_("新增线索"), rows)],
        }
    return charts


@login_required
@require_GET
def cockpit_page(request: HttpRequest) -> HttpResponse:
    """The cockpit for the chosen period (``?period=month|quarter|year|custom&start=&end=``),
    within what the reader sees; ``?screen=1`` is the full-screen view for the meeting room.
    The figures are kept between writes (``crm.snapshots``); ``?fresh=1`` computes them now.

    A bad period is named at the top of the page (status 400) over the figures of 本年.
    """
    today = timezone.localdate()
    error = ""
    try:
        period = parse_period(request.GET, today)
    except DomainError as refusal:
        error = refusal.message
        period = period_of(DEFAULT_PERIOD, today)
    kept = cockpit_snapshot(
        user=request.user, period=period, today=today, fresh=request.GET.get("fresh") == "1"
    )
    board = kept.value
    screen = request.GET.get("screen") == "1"
    params = request.GET.copy()
    params.pop("screen", None)
    params.pop("fresh", None)
    context = {
        "board": board,
        "snapshot": kept,
        "charts": chart_data(board),
        "periods": [(kind, label) for kind, label in PERIOD_KINDS.items() if kind != "custom"],
        "sources": [(by, title, board.sources[by]) for by, title in SOURCE_KINDS.items()],
        "error": error,
        "screen": screen,
        "query": params.urlencode(),
    }
    return render(request, "dashboard/cockpit.html", context, status=400 if error else 200)
