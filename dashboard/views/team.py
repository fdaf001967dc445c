"""专班工作: the task-force leader's page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.exceptions import NotFound, PermissionRefused
from crm.inputs import MAX_ID
from dashboard.selectors import team_task_forces, team_view


def _task_force_id(raw: str) -> int | None:
    """``?task_force_id=``: none chosen when blank; anything but an id names no task force."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise NotFound(_("没有找到这个专班。"))
    return int(raw)


@login_required
@require_GET
def team_page(request: HttpRequest) -> HttpResponse:
    """One task force's approvals, overdue work by officer and week; someone who leads no
    task force (or not this one) gets the page's explanation with a 403."""
    try:
        team = team_view(
            user=request.user,
            task_force_id=_task_force_id(request.GET.get("task_force_id", "").strip()),
            today=timezone.localdate(),
        )
    except PermissionRefused as refusal:
        context = {
            "refusal": refusal.message,
            "leads_a_team": team_task_forces(user=request.user).exists(),
        }
        return render(request, "dashboard/team.html", context, status=403)
    return render(request, "dashboard/team.html", {"team": team})
