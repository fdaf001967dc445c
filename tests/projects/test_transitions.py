"""Every project move the rules allow, every one they refuse, and what each needs."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from crm import audit
from crm.exceptions import ConflictError, PermissionRefused, TransitionRefused
from projects.models import Project, ProjectTransition
from projects.services import project_transition
from tests.projects.conftest import TODAY, ProjectFactory

S = Project.Status

# Written out by hand (not read from Project.TRANSITIONS) so a change of the table shows here.
ALLOWED = {
    ("negotiating", "framework"),
    ("negotiating", "signed"),
    ("negotiating", "stalled"),
    ("negotiating", "terminated"),
    ("framework", "signed"),
    ("framework", "negotiating"),
    ("framework", "stalled"),
    ("framework", "terminated"),
    ("signed", "commenced"),
    ("signed", "framework"),
    ("signed", "stalled"),
    ("signed", "terminated"),
    ("commenced", "producing"),
    ("commenced", "signed"),
    ("commenced", "stalled"),
    ("commenced", "terminated"),
    ("producing", "commenced"),
    ("stalled", "signed"),  # the arranged project stalled from signed: it may only resume there
    ("stalled", "terminated"),
    ("terminated", "negotiating"),
}

DATES = {
    "negotiating": {},
    "framework": {"framework_signed_on": datetime.date(2026, 3, 1)},
    "signed": {
        "framework_signed_on": datetime.date(2026, 3, 1),
        "signed_on": datetime.date(2026, 6, 1),
        "signed_amount": Decimal("8000"),
    },
    "commenced": {
        "framework_signed_on": datetime.date(2026, 3, 1),
        "signed_on": datetime.date(2026, 6, 1),
        "signed_amount": Decimal("8000"),
        "commenced_on": datetime.date(2026, 8, 1),
    },
    "producing": {
        "framework_signed_on": datetime.date(2026, 3, 1),
        "signed_on": datetime.date(2026, 6, 1),
        "signed_amount": Decimal("8000"),
        "commenced_on": datetime.date(2026, 8, 1),
        "producing_on": datetime.date(2026, 10, 1),
    },
    "stalled": {
        "framework_signed_on": datetime.date(2026, 3, 1),
        "signed_on": datetime.date(2026, 6, 1),
        "signed_amount": Decimal("8000"),
        "resume_status": "signed",
    },
    "terminated": {},
}


def arrange(status: str, **kwargs) -> Project:
    return ProjectFactory(status=status, **{**DATES[status], **kwargs})


PAIRS = [(a, b) for a in S.values for b in S.values if a != b]


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_every_move_is_allowed_or_refused_as_the_table_says(
    fixed_today, bureau_leader, from_status, to_status
):
    project = arrange(from_status)
    move = {
        "project": project,
        "to": to_status,
        "actor": bureau_leader,
        "reason": "调度会议决定",
        "date": TODAY,
        "signed_amount": Decimal("9000"),
    }
    if (from_status, to_status) in ALLOWED:
        moved = project_transition(**move)
        assert moved.status == to_status
        assert ProjectTransition.objects.filter(
            project=project, from_status=from_status, to_status=to_status
        ).exists()
    else:
        with pytest.raises(TransitionRefused):
            project_transition(**move)
        project.refresh_from_db()
        assert project.status == from_status
        assert not ProjectTransition.objects.filter(project=project).exists()


def test_negotiating_straight_to_commenced_is_refused_as_a_skip(fixed_today, bureau_leader):
    project = arrange("negotiating")
    with pytest.raises(TransitionRefused, match="不能跳过"):
        project_transition(project=project, to="commenced", actor=bureau_leader, date=TODAY)


@pytest.mark.parametrize(
    ("from_status", "to_status", "field"),
    [
        ("negotiating", "framework", "framework_signed_on"),
        ("negotiating", "signed", "signed_on"),
        ("framework", "signed", "signed_on"),
        ("signed", "commenced", "commenced_on"),
        ("commenced", "producing", "producing_on"),
    ],
)
def test_a_forward_move_needs_its_date_and_records_it(
    fixed_today, bureau_leader, from_status, to_status, field
):
    project = arrange(from_status)
    with pytest.raises(TransitionRefused, match="需要填写"):
        project_transition(
            project=project, to=to_status, actor=bureau_leader, signed_amount=Decimal(1)
        )
    moved = project_transition(
        project=project, to=to_status, actor=bureau_leader, date=TODAY, signed_amount=Decimal(1)
    )
    assert getattr(moved, field) == TODAY
    assert moved.status_changed_on == TODAY


@pytest.mark.parametrize("amount", [None, Decimal(0)])
def test_signing_needs_the_signed_amount(fixed_today, bureau_leader, amount):
    project = arrange("framework")
    with pytest.raises(TransitionRefused, match="签约金额"):
        project_transition(
            project=project, to="signed", actor=bureau_leader, date=TODAY, signed_amount=amount
        )


def test_signing_records_the_signed_amount(fixed_today, bureau_leader):
    project = arrange("framework")
    moved = project_transition(
        project=project, to="signed", actor=bureau_leader, date=TODAY, signed_amount=Decimal(52000)
    )
    assert moved.signed_amount == Decimal(52000)
    assert moved.reached_signed


def test_a_date_in_the_future_is_refused(fixed_today, bureau_leader):
    project = arrange("signed")
    with pytest.raises(TransitionRefused, match="晚于今天"):
        project_transition(
            project=project,
            to="commenced",
            actor=bureau_leader,
            date=TODAY + datetime.timedelta(days=1),
        )


def test_a_date_before_the_previous_status_date_is_refused(fixed_today, bureau_leader):
    project = arrange("signed")  # signed on 2026-06-01
    with pytest.raises(TransitionRefused, match="不能早于"):
        project_transition(
            project=project, to="commenced", actor=bureau_leader, date=datetime.date(2026, 5, 31)
        )
    moved = project_transition(
        project=project, to="commenced", actor=bureau_leader, date=datetime.date(2026, 6, 1)
    )
    assert moved.commenced_on == datetime.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("from_status", "to_status", "message"),
    [
        ("negotiating", "stalled", "停滞"),
        ("commenced", "stalled", "停滞"),
        ("signed", "terminated", "终止"),
        ("signed", "framework", "退回"),
        ("producing", "commenced", "退回"),
        ("terminated", "negotiating", "重新启动"),
    ],
)
def test_stalling_terminating_moving_back_and_reopening_need_a_reason(
    fixed_today, bureau_leader, from_status, to_status, message
):
    project = arrange(from_status)
    with pytest.raises(TransitionRefused, match=message):
        project_transition(project=project, to=to_status, actor=bureau_leader, reason="  ")
    moved = project_transition(
        project=project, to=to_status, actor=bureau_leader, reason="企业资金链紧张"
    )
    assert moved.status == to_status
    assert moved.transitions.get().reason == "企业资金链紧张"


def test_moving_back_clears_the_dates_left_behind(fixed_today, bureau_leader):
    project = arrange("commenced")
    moved = project_transition(project=project, to="signed", actor=bureau_leader, reason="误操作")
    assert moved.commenced_on is None
    assert moved.signed_on == datetime.date(2026, 6, 1)


def test_a_stalled_project_resumes_only_to_where_it_stalled(fixed_today, bureau_leader):
    project = arrange("commenced")
    stalled = project_transition(project=project, to="stalled", actor=bureau_leader, reason="停工")
    assert stalled.resume_status == "commenced"
    assert stalled.reached_signed  # a signed project that stalled still counts as signed
    with pytest.raises(TransitionRefused, match="停滞前"):
        project_transition(project=stalled, to="signed", actor=bureau_leader)
    resumed = project_transition(project=stalled, to="commenced", actor=bureau_leader)
    assert resumed.status == "commenced"
    assert resumed.resume_status == ""
    assert resumed.commenced_on == datetime.date(2026, 8, 1)


def test_reached_signed_is_false_before_signing_and_after_termination(fixed_today, bureau_leader):
    assert not arrange("framework").reached_signed
    assert not arrange("negotiating", signed_on=None).reached_signed
    terminated = project_transition(
        project=arrange("signed"), to="terminated", actor=bureau_leader, reason="企业撤资"
    )
    assert not terminated.reached_signed
    assert arrange("stalled", resume_status="framework", signed_on=None).reached_signed is False


def test_a_move_records_who_and_the_changed_fields(fixed_today, officer, task_force):
    project = arrange("signed", owner=officer, task_force=task_force)
    project_transition(project=project, to="commenced", actor=officer, date=TODAY)
    move = ProjectTransition.objects.get(project=project)
    assert (move.actor, move.occurred_on) == (officer, TODAY)
    change = audit.change_history(project).first()
    fields = {entry["field"]: entry for entry in change.changes}
    assert fields["status"]["old"] == "正式签约"
    assert fields["status"]["new"] == "开工"
    assert fields["commenced_on"]["new"] == "2026-11-28"
    assert change.actor == officer


def test_a_stale_version_is_told_of_the_conflict(fixed_today, bureau_leader, leader):
    project = arrange("signed")
    seen_version = project.version
    project_transition(
        project=project,
        to="commenced",
        actor=bureau_leader,
        date=TODAY,
        expected_version=seen_version,
    )
    with pytest.raises(ConflictError):
        project_transition(
            project=project,
            to="stalled",
            actor=bureau_leader,
            reason="x",
            expected_version=seen_version,
        )


def test_the_same_move_twice_is_a_conflict_not_a_second_move(fixed_today, bureau_leader):
    project = arrange("signed")
    project_transition(project=project, to="commenced", actor=bureau_leader, date=TODAY)
    with pytest.raises(ConflictError, match="已经处于"):
        project_transition(project=project, to="commenced", actor=bureau_leader, date=TODAY)
    assert ProjectTransition.objects.filter(project=project).count() == 1


def test_someone_outside_the_scope_may_not_move_it(fixed_today, other_officer, task_force):
    project = arrange("signed", task_force=task_force)
    with pytest.raises(PermissionRefused):
        project_transition(project=project, to="commenced", actor=other_officer, date=TODAY)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_moves_one_wins_the_other_is_told(fixed_today, bureau_leader):
    """Two people drag the same card at once: the row lock lets one through (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole-database writes)")
    project = arrange("signed")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def drag() -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            project_transition(
                project=Project.objects.get(pk=project.pk),
                to="commenced",
                actor=bureau_leader,
                date=TODAY,
                expected_version=project.version,
            )
            outcomes.append("moved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=drag) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "moved"]
    assert ProjectTransition.objects.filter(project=project).count() == 1
