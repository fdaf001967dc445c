"""Panels the projects app adds to other apps' pages (registered in ``ProjectsConfig.ready()``)."""

from typing import Any

from django.http import HttpRequest

from leads.models import Lead
from leads.services import can_change_lead
from projects.models import Project


def lead_project_context(request: HttpRequest, lead: Lead) -> dict[str, Any]:
    """The project a lead produced, or for a docking lead whether 「转为项目」 is offered."""
    project = Project.objects.filter(lead=lead).select_related("leader").first()
    return {
        "project": project,
        "can_convert": project is None
        and lead.stage == Lead.Stage.DOCK
        and can_change_lead(request.user, lead),
    }
