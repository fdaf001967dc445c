"""The site root, which sends each user to their landing page, and 我的工作台."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.selectors import landing_url, my_work


@login_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """``/``: the cockpit, the team page or the work page, by who is asking."""
    return HttpResponseRedirect(landing_url(request.user))


@login_required
@require_GET
def my_work_page(request: HttpRequest) -> HttpResponse:
    """My overdue leads, follow-ups due this week and recently changed leads."""
    work = my_work(user=request.user, today=timezone.localdate())
    return render(request, "dashboard/my_work.html", {"work": work})
