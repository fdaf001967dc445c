"""Reminder pages: the user's current overdue items and what was sent to them."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from crm.notifications import selectors


@login_required
def reminder_list(request: HttpRequest) -> HttpResponse:
    """My overdue items now (per source), then my reminder history, newest first."""
    today = timezone.localdate()
    sections = selectors.user_overdue_items(user=request.user, today=today)
    history = Paginator(selectors.reminder_history(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "crm/reminders/reminder_list.html",
        {
            "today": today,
            "sections": sections,
            "total": sum(len(items) for _source, items in sections),
            "history": history,
        },
    )


@login_required
def reminder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of my reminders as it was sent: its items snapshot and delivery state."""
    reminder = selectors.reminder_get(user=request.user, pk=pk)
    return render(request, "crm/reminders/reminder_detail.html", {"reminder": reminder})
