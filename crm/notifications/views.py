"""Reminder pages: the user's current overdue items and what was sent to them."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from crm.notifications import selectors


@login_required
def reminder_list(request: HttpRequest) -> HttpResponse:
    """My overdue items now (per source, worst first), then my reminder history, newest first.

    ``?scope=team`` or ``all`` shows a wider scope the user has (their task forces, the
    county); the counts of each are the ones the work page and the emails show.
    """
    today = timezone.localdate()
    scopes = selectors.overdue_scopes_for(request.user)
    scope = request.GET.get("scope")
    scope = scope if scope in scopes else selectors.OverdueScope.MINE
    counts = [
        selectors.overdue_counts(user=request.user, today=today, scope=each) for each in scopes
    ]
    current = next(each for each in counts if each.scope == scope)
    sections = [
        (source, items, current.of(source.key))
        for source, items in selectors.user_overdue_items(
            user=request.user, today=today, scope=scope
        )
    ]
    history = Paginator(selectors.reminder_history(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "crm/reminders/reminder_list.html",
        {
            "today": today,
            "scope": scope,
            "counts": counts,
            "sections": sections,
            "total": current.total,
            "history": history,
        },
    )


@login_required
def reminder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of my reminders as it was sent: its items snapshot and delivery state."""
    reminder = selectors.reminder_get(user=request.user, pk=pk)
    return render(request, "crm/reminders/reminder_detail.html", {"reminder": reminder})
