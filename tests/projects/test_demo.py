"""``projects.demo``: every serve lead gets a signed project, through the services or in bulk."""

from collections.abc import Iterator
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command

from leads.models import Lead
from leads.pipeline import linked_project_problem
from projects import demo
from projects.models import Project, ProjectTransition
from tests.conftest import module_data

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", leads=120, stdout=StringIO())


@pytest.fixture(scope="module", params=[200, 2], ids=["services", "bulk"])
def seeded(request, django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo bureau seeded once per way of creating projects (services or bulk)."""
    with module_data(django_db_blocker), pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "SERVICE_PROJECTS", request.param)
        seed()
        yield


def test_every_serve_lead_gets_a_signed_project_with_its_history(seeded):
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


def test_seeding_again_adds_no_project(seeded):
    projects = Project.objects.count()

    seed()

    assert Project.objects.count() == projects
