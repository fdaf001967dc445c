"""周报 / 月报: the print-ready report page and its xlsx."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from crm.exceptions import DomainError, NotFound
from crm.export import report_xlsx_response
from dashboard.report_workbook import report_workbook
from dashboard.reports import (
    ReportKind,
    ReportRequest,
    report,
    report_request,
    report_scope_choices,
    report_snapshot,
    report_subtitle,
    report_url,
)


def _chooser(request: HttpRequest) -> dict[str, Any]:
    return {
        "choices": report_scope_choices(user=request.user),
        "kinds": ReportKind.choices,
        "asked": {key: request.GET.get(key, "") for key in ("kind", "start", "scope")},
    }


@login_required
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    """The report of the period and scope asked for (by default the last complete week and
    the user's widest scope). A scope the user may not read answers 403 with the reason, an
    unknown one 404, a malformed date or kind 400 with the chooser and the message."""
    today = timezone.localdate()
    try:
        asked = report_request(user=request.user, data=request.GET, today=today)
    except NotFound:
        raise
    except DomainError as error:  # a refused scope (403) or bad input (400)
        context = {**_chooser(request), "error": error.message}
        return render(request, "dashboard/report.html", context, status=error.status_code)
    kept = report_snapshot(
        user=request.user, asked=asked, today=today, fresh=request.GET.get("fresh") == "1"
    )
    data = kept.value
    previous, following = asked.period.shifted(-1), asked.period.shifted(1)
    return render(
        request,
        "dashboard/report.html",
        {
            **_chooser(request),
            "report": data,
            "snapshot": kept,
            "query": asked.query,
            "subtitle": report_subtitle(data),
            "previous_url": report_url(ReportRequest(asked.scope, previous)),
            "next_url": (
                report_url(ReportRequest(asked.scope, following))
                if following.start <= today
                else ""
            ),
        },
    )


@login_required
@require_GET
def report_export(request: HttpRequest) -> HttpResponse:
    """The same report as an xlsx in the bureau's layout; refusals as plain-text messages."""
    today = timezone.localdate()
    try:
        asked = report_request(user=request.user, data=request.GET, today=today)
    except NotFound:
        raise
    except DomainError as error:
        return HttpResponse(
            error.message, status=error.status_code, content_type="text/plain; charset=utf-8"
        )
    data = report(
        user=request.user,
        scope=asked.scope,
        start=asked.period.start,
        end=asked.period.end,
        today=today,
    )
    return report_xlsx_response(
        request, report=report_workbook(data), today=today, filter_words=report_subtitle(data)
    )
