"""``projects.demo``: every serve lead gets a signed project, through the services or in bulk."""

from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command

from leads.models import Lead
from leads.pipeline import linked_project_problem
from projects import demo
from projects.models import Project, ProjectTransition

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("through_services", [200, 2], ids=["services", "bulk"])
def test_every_serve_lead_gets_a_signed_project_with_its_history(monkeypatch, through_services):
    monkeypatch.setattr(demo, "SERVICE_PROJECTS", through_services)
    call_command("seed_demo", leads=120, stdout=StringIO())

    serve = Lead.objects.filter(stage=Lead.Stage.SERVE)
    assert serve.exists()
    for lead in serve.select_related("project"):
        assert linked_project_problem(lead) is None
        project = lead.project
        moves = list(
            ProjectTransition.objects.filter(project=project)
            .order_by("occurred_on", "id")
            .values_list("from_status", "to_status")
        )
        assert moves[0] == ("negotiating", "framework")
        assert moves[-1][1] == project.status
        assert all(earlier[1] == later[0] for earlier, later in pairwise(moves))
        assert project.signed_amount > 0 and project.signed_on is not None

    projects = Project.objects.count()
    call_command("seed_demo", leads=120, stdout=StringIO())
    assert Project.objects.count() == projects
