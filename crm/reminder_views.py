"""Reminder pages: the user's current overdue items and what was sent to them."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import reminders
from crm.models import Reminder


@login_required
def reminder_list(request: HttpRequest) -> HttpResponse:
    """My overdue items now (per source), then my reminder history, newest first."""
    today = timezone.localdate()
    sections = reminders.user_overdue_items(user=request.user, today=today)
    history = Paginator(reminders.reminder_history(user=request.user), 30).get_page(
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
    try:
        reminder = reminders.reminder_get(user=request.user, pk=pk)
    except Reminder.DoesNotExist:
        raise Http404(_("没有找到这条提醒。")) from None
    return render(request, "crm/reminders/reminder_detail.html", {"reminder": reminder})
