"""Targets are data: which one a project is under, days left, and lateness at date edges."""

import datetime

import pytest
from django.utils import timezone

from projects.models import Project, Target
from projects.selectors import attach_targets, project_list, project_queryset
from tests.projects.conftest import ProjectFactory, TargetFactory, signed_project


@pytest.fixture
def on_day(monkeypatch):
    def set_day(day: datetime.date) -> datetime.date:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return set_day


def shown(user, project: Project, today: datetime.date) -> Project:
    loaded = project_queryset(user=user).get(pk=project.pk)
    return attach_targets([loaded], today)[0]


@pytest.mark.parametrize(
    ("due_on", "today", "days_left", "late"),
    [
        # year edge: framework agreements formally signed by 2026-12-31
        (datetime.date(2026, 12, 31), datetime.date(2026, 12, 30), 1, False),
        (datetime.date(2026, 12, 31), datetime.date(2026, 12, 31), 0, False),
        (datetime.date(2026, 12, 31), datetime.date(2027, 1, 1), -1, True),
        # month edges: signed projects commence by 2027-03-31; February's short month
        (datetime.date(2027, 3, 31), datetime.date(2027, 3, 31), 0, False),
        (datetime.date(2027, 3, 31), datetime.date(2027, 4, 1), -1, True),
        (datetime.date(2027, 2, 28), datetime.date(2027, 3, 1), -1, True),
        (datetime.date(2028, 2, 29), datetime.date(2028, 2, 29), 0, False),
        (datetime.date(2028, 2, 29), datetime.date(2028, 3, 1), -1, True),
        # counted across a year end
        (datetime.date(2027, 3, 31), datetime.date(2026, 11, 28), 123, False),
    ],
)
def test_days_left_and_lateness_at_the_edges(on_day, bureau_leader, due_on, today, days_left, late):
    on_day(today)
    target = TargetFactory(status="framework", goal_status="signed", due_on=due_on)
    project = ProjectFactory(status="framework", framework_signed_on=datetime.date(2026, 3, 1))
    card = shown(bureau_leader, project, today)
    assert card.target == target
    assert card.days_left == days_left
    assert card.is_late is late
    assert card.days_late == (-days_left if late else 0)
    late_ids = set(
        project_list(user=bureau_leader, filters={"late": "true"}).qs.values_list("pk", flat=True)
    )
    assert (project.pk in late_ids) is late


def test_a_project_is_under_the_earliest_due_target_of_its_status_and_category(
    on_day, bureau_leader
):
    today = on_day(datetime.date(2026, 11, 28))
    general = TargetFactory(status="signed", due_on=datetime.date(2027, 3, 31))
    livelihood = TargetFactory(
        status="signed",
        category="livelihood",
        due_on=datetime.date(2026, 10, 31),
        description="民生项目入冬前开工",
    )
    TargetFactory(status="signed", due_on=datetime.date(2026, 1, 1), is_active=False)
    TargetFactory(status="framework", goal_status="signed", due_on=datetime.date(2026, 1, 1))
    industrial = signed_project(category="industrial")
    road = signed_project(category="livelihood", credit_code="")
    assert shown(bureau_leader, industrial, today).target == general
    road_card = shown(bureau_leader, road, today)
    assert road_card.target == livelihood
    assert road_card.is_late
    assert road_card.days_late == 28


def test_a_project_outside_every_target_shows_none(on_day, bureau_leader):
    today = on_day(datetime.date(2026, 11, 28))
    TargetFactory(status="signed")
    card = shown(bureau_leader, ProjectFactory(status="negotiating"), today)
    assert card.target is None
    assert card.days_left is None
    assert not card.is_late


def test_a_target_changed_by_an_administrator_changes_lateness(on_day, bureau_leader):
    today = on_day(datetime.date(2026, 11, 28))
    target = TargetFactory(status="signed", due_on=datetime.date(2026, 11, 1))
    project = signed_project()
    assert shown(bureau_leader, project, today).is_late
    Target.objects.filter(pk=target.pk).update(due_on=datetime.date(2027, 3, 31))
    assert not shown(bureau_leader, project, today).is_late
