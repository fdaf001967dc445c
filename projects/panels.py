"""Panels the projects app adds to other apps' pages (registered in ``ProjectsConfig.ready()``)."""

from typing import Any

from django.http import HttpRequest

from crm.access import in_scope
from leads.models import Lead
from leads.services import can_change_lead
from projects.models import Project


def lead_project_context(request: HttpRequest, lead: Lead) -> dict[str, Any]:
    """The project a lead produced, or for a docking lead whether 「转为项目」 is offered."""
    project = Project.objects.filter(lead=lead).select_related("leader").first()
    if project is not None and not in_scope(request.user, project):
        # The project has moved to a task force the reader is not in: say only that it exists.
        return {"project": None, "hidden_project": True, "can_convert": False}
    return {
        "project": project,
        "can_convert": project is None
        and lead.stage == Lead.Stage.DOCK
        and can_change_lead(request.user, lead),
    }
