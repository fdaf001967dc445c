"""Board figures with 5,000 projects: queries and server time (not a timed unit test).

Run explicitly (prints the figures)::

    .venv/bin/pytest tests/projects/bench_board.py -m benchmark -s
    DATABASE_URL=postgres://… .venv/bin/pytest tests/projects/bench_board.py -m benchmark -s
"""

import datetime
import random
import statistics
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Template
from django.test.utils import CaptureQueriesContext, _TestState
from django.urls import reverse

from crm.models import Industry, TaskForce
from projects.models import ProgressReport, Project, Target
from projects.selectors import project_board
from tests.factories import UserFactory, make_credit_code
from tests.projects.conftest import TODAY

PROJECTS = 5_000
RUNS = 5


def build(count: int) -> None:
    rng = random.Random(5000)
    leaders = [UserFactory(role="leader") for _ in range(8)]
    task_forces = [
        TaskForce.objects.create(code=f"bench{i}", name=f"基准专班{i}", leader=leaders[i])
        for i in range(8)
    ]
    industries = list(Industry.objects.all())
    for status, goal, category, due in (
        ("signed", "commenced", "", datetime.date(2027, 3, 31)),
        ("framework", "signed", "", datetime.date(2026, 12, 31)),
        ("negotiating", "framework", "", datetime.date(2026, 12, 31)),
        ("commenced", "producing", "", datetime.date(2027, 12, 31)),
        ("signed", "commenced", "livelihood", datetime.date(2026, 10, 31)),
        ("framework", "signed", "upgrade", datetime.date(2026, 9, 30)),
    ):
        Target.objects.create(
            status=status, goal_status=goal, category=category, due_on=due, description=status
        )
    dates = {
        "framework": ("framework_signed_on",),
        "signed": ("framework_signed_on", "signed_on"),
        "commenced": ("framework_signed_on", "signed_on", "commenced_on"),
        "producing": ("framework_signed_on", "signed_on", "commenced_on", "producing_on"),
        "stalled": ("framework_signed_on", "signed_on"),
    }
    projects = []
    for index in range(count):
        status = rng.choice(Project.Status.values)
        category = rng.choice(Project.Category.values)
        fields = {
            field: datetime.date(2026, 1, 1) + datetime.timedelta(days=30 * position)
            for position, field in enumerate(dates.get(status, ()))
        }
        projects.append(
            Project(
                name=f"基准项目{index}",
                category=category,
                enterprise_name=f"基准企业{index}",
                credit_code="" if category == "livelihood" else make_credit_code(900_000 + index),
                industry=rng.choice(industries),
                total_investment=Decimal(rng.randint(1, 100) * 1000),
                signed_amount=Decimal(rng.randint(0, 80) * 1000) if "signed_on" in fields else 0,
                funds_in_place=Decimal(rng.randint(0, 40) * 1000),
                leader=rng.choice(leaders),
                owner=rng.choice(leaders),
                task_force=rng.choice(task_forces),
                status=status,
                resume_status="signed" if status == "stalled" else "",
                status_changed_on=TODAY - datetime.timedelta(days=rng.randint(0, 300)),
                created_by=leaders[0],
                updated_by=leaders[0],
                **fields,
            )
        )
    Project.objects.bulk_create(projects, batch_size=1000)
    reports = [
        ProgressReport(
            project=project,
            reported_on=TODAY - datetime.timedelta(days=day),
            percent=day,
            done="进度",
            created_by=leaders[0],
        )
        for project in Project.objects.all()
        for day in (7, 21)
    ]
    ProgressReport.objects.bulk_create(reports, batch_size=2000)


def timed(call) -> tuple[float, int]:
    """Median milliseconds over RUNS and the query count of one run."""
    durations = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            call()
            durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations), len(context.captured_queries)


@pytest.mark.benchmark
def test_board_figures_with_5000_projects(fixed_today, client, bureau_leader, monkeypatch):
    # The test runner instruments every template render (it copies each context for
    # assertions); put the production renderer back so the figures are the server's.
    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)
    build(PROJECTS)
    client.force_login(bureau_leader)
    client.get(reverse("projects:board"))  # warm the URL resolver and template caches
    figures = {
        "selector project_board": timed(lambda: project_board(user=bureau_leader, today=TODAY)),
        "page GET /projects/board/": timed(lambda: client.get(reverse("projects:board"))),
        "page, late only": timed(lambda: client.get(reverse("projects:board"), {"late": "true"})),
        "API GET /api/v1/projects/board/": timed(lambda: client.get("/api/v1/projects/board/")),
        "table page GET /projects/": timed(lambda: client.get(reverse("projects:list"))),
    }
    print(f"\n{connection.vendor}, {Project.objects.count():,} projects, median of {RUNS} runs")
    for name, (milliseconds, queries) in figures.items():
        print(f"  {name:36s} {milliseconds:8.1f} ms  {queries:3d} queries")
