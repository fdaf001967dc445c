"""The pipeline rules: every allowed and every refused move, what each needs and who makes it."""

import itertools

import pytest

from crm.exceptions import ConflictError, TransitionRefused
from crm.models import User
from leads.models import Lead, LeadTransition
from leads.pipeline import move_options, move_problem, needs_reason
from leads.services import lead_transition
from tests.factories import TaskForceFactory, UserFactory
from tests.leads.conftest import ready_lead

pytestmark = pytest.mark.django_db

Stage = Lead.Stage

ALLOWED = sorted(
    (source, target) for source, targets in Lead.TRANSITIONS.items() for target in targets
)
REFUSED = sorted(
    (source, target)
    for source, target in itertools.product(Stage.values, Stage.values)
    if source != target and target not in Lead.TRANSITIONS[source]
)


def test_transition_table_is_the_documented_pipeline():
    documented = sorted(
        [
            ("collect", "screen"),
            ("collect", "dropped"),
            ("screen", "dock"),
            ("screen", "collect"),
            ("screen", "dropped"),
            ("dock", "serve"),
            ("dock", "screen"),
            ("dock", "dropped"),
            ("serve", "dock"),
            ("serve", "dropped"),
            ("dropped", "collect"),
        ]
    )
    assert documented == ALLOWED
    assert len(ALLOWED) + len(REFUSED) == 5 * 4


@pytest.fixture
def prepared(leader, task_force, link_project):
    """A lead in ``stage`` that meets every requirement, moved by the task force's leader."""

    def make(stage: str) -> Lead:
        lead = ready_lead(stage, owner=leader, task_force=task_force)
        link_project(lead, reached_signed=True)
        return lead

    return make


def assert_nothing_written(lead: Lead) -> None:
    stored = Lead.objects.get(pk=lead.pk)
    assert stored.stage == lead.stage
    assert stored.version == lead.version
    assert not LeadTransition.objects.filter(lead=lead).exists()


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_allowed_move_is_applied_and_recorded(prepared, leader, source, target):
    lead = prepared(source)
    reason = "企业暂缓投资计划" if needs_reason(source, target) else ""
    assert move_problem(lead=lead, to=target, actor=leader, reason=reason) is None

    moved = lead_transition(lead=lead, to=target, actor=leader, reason=reason)

    stored = Lead.objects.get(pk=lead.pk)
    assert stored.stage == moved.stage == target
    assert stored.version == lead.version + 1
    assert stored.updated_by == leader
    assert stored.stage_entered_at > lead.stage_entered_at
    transition = LeadTransition.objects.get(lead=lead)
    assert (transition.from_stage, transition.to_stage) == (source, target)
    assert transition.actor == leader
    assert transition.reason == reason


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_refused_move_raises_and_writes_nothing(prepared, leader, source, target):
    lead = prepared(source)
    problem = move_problem(lead=lead, to=target, actor=leader, reason="理由充分")
    assert problem

    with pytest.raises(TransitionRefused) as refused:
        lead_transition(lead=lead, to=target, actor=leader, reason="理由充分")

    assert refused.value.message == problem
    assert_nothing_written(lead)


@pytest.mark.parametrize(
    ("source", "target"),
    [("collect", "dock"), ("collect", "serve"), ("screen", "serve"), ("dropped", "screen")],
)
def test_skipping_a_stage_is_refused_saying_so(prepared, leader, source, target):
    problem = move_problem(lead=prepared(source), to=target, actor=leader)
    assert "不能跳过" in problem


def test_collect_to_dock_is_refused(prepared, bureau_leader):
    with pytest.raises(TransitionRefused, match="逐级推进"):
        lead_transition(lead=prepared(Stage.COLLECT), to=Stage.DOCK, actor=bureau_leader)


@pytest.mark.parametrize("stage", Stage.values)
def test_move_to_the_current_stage_is_a_conflict_and_writes_nothing(prepared, leader, stage):
    lead = prepared(stage)
    with pytest.raises(ConflictError, match="已经处于"):
        lead_transition(lead=lead, to=stage, actor=leader, reason="重复提交")
    assert_nothing_written(lead)


def test_unknown_stage_is_refused(prepared, leader):
    lead = prepared(Stage.COLLECT)
    assert move_problem(lead=lead, to="signed", actor=leader) == "未知的阶段：signed。"
    with pytest.raises(TransitionRefused):
        lead_transition(lead=lead, to="signed", actor=leader)
    assert_nothing_written(lead)


# collect → screen


def test_collect_to_screen_without_credit_code_is_refused(officer, task_force):
    lead = ready_lead(owner=officer, task_force=task_force, credit_code="")
    with pytest.raises(TransitionRefused, match="有效的统一社会信用代码"):
        lead_transition(lead=lead, to=Stage.SCREEN, actor=officer)
    assert_nothing_written(lead)


def test_collect_to_screen_with_invalid_credit_code_is_refused(officer, task_force):
    lead = ready_lead(owner=officer, task_force=task_force, credit_code="91110000600037341X")
    assert "有效的统一社会信用代码" in move_problem(lead=lead, to=Stage.SCREEN, actor=officer)


@pytest.mark.parametrize("note", ["", "   \n "])
def test_collect_to_screen_without_due_diligence_note_is_refused(officer, task_force, note):
    lead = ready_lead(owner=officer, task_force=task_force, due_diligence_note=note)
    with pytest.raises(TransitionRefused, match="核实情况"):
        lead_transition(lead=lead, to=Stage.SCREEN, actor=officer)
    assert_nothing_written(lead)


def test_officer_moves_a_verified_lead_from_collect_to_screen(officer, task_force):
    lead = ready_lead(owner=officer, task_force=task_force, rating="")
    lead_transition(lead=lead, to=Stage.SCREEN, actor=officer)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.SCREEN


# screen → dock


@pytest.mark.parametrize("rating", [Lead.Rating.C, ""])
def test_screen_to_dock_needs_rating_a_or_b(leader, task_force, rating):
    lead = ready_lead(Stage.SCREEN, owner=leader, task_force=task_force, rating=rating)
    with pytest.raises(TransitionRefused, match="A 或 B"):
        lead_transition(lead=lead, to=Stage.DOCK, actor=leader)
    assert_nothing_written(lead)


@pytest.mark.parametrize("rating", [Lead.Rating.A, Lead.Rating.B])
def test_screen_to_dock_with_rating_a_or_b_is_allowed(leader, task_force, rating):
    lead = ready_lead(Stage.SCREEN, owner=leader, task_force=task_force, rating=rating)
    assert move_problem(lead=lead, to=Stage.DOCK, actor=leader) is None


def test_screen_to_dock_needs_an_owner(bureau_leader, task_force):
    lead = ready_lead(
        Stage.SCREEN,
        owner=None,
        created_by=bureau_leader,
        updated_by=bureau_leader,
        task_force=task_force,
    )
    with pytest.raises(TransitionRefused, match="负责人"):
        lead_transition(lead=lead, to=Stage.DOCK, actor=bureau_leader)
    assert_nothing_written(lead)


def test_screen_to_dock_needs_a_task_force(bureau_leader, officer):
    lead = ready_lead(Stage.SCREEN, owner=officer, task_force=None)
    with pytest.raises(TransitionRefused, match="指定专班"):
        lead_transition(lead=lead, to=Stage.DOCK, actor=bureau_leader)
    assert_nothing_written(lead)


def test_officer_may_not_approve_screen_to_dock(officer, task_force):
    lead = ready_lead(Stage.SCREEN, owner=officer, task_force=task_force)
    with pytest.raises(TransitionRefused, match="专班负责人或局领导审批"):
        lead_transition(lead=lead, to=Stage.DOCK, actor=officer)
    assert_nothing_written(lead)


def test_leader_of_another_task_force_may_not_approve_screen_to_dock(officer, task_force):
    other_leader = UserFactory(role=User.Role.LEADER)
    TaskForceFactory(leader=other_leader)
    task_force.members.add(other_leader)  # a member here, but not this task force's leader
    lead = ready_lead(Stage.SCREEN, owner=officer, task_force=task_force)
    with pytest.raises(TransitionRefused, match="专班负责人或局领导审批"):
        lead_transition(lead=lead, to=Stage.DOCK, actor=other_leader)
    assert_nothing_written(lead)


@pytest.mark.parametrize("approver", ["leader", "bureau_leader", "admin_user"])
def test_task_force_leader_bureau_leader_or_admin_approves_screen_to_dock(
    request, officer, task_force, approver
):
    actor = request.getfixturevalue(approver)
    lead = ready_lead(Stage.SCREEN, owner=officer, task_force=task_force)
    lead_transition(lead=lead, to=Stage.DOCK, actor=actor)
    transition = LeadTransition.objects.get(lead=lead)
    assert (transition.to_stage, transition.actor) == (Stage.DOCK, actor)


# dock → serve


def test_dock_to_serve_without_a_project_is_refused(leader, task_force):
    lead = ready_lead(Stage.DOCK, owner=leader, task_force=task_force)
    with pytest.raises(TransitionRefused, match="转为项目并关联"):
        lead_transition(lead=lead, to=Stage.SERVE, actor=leader)
    assert_nothing_written(lead)


def test_dock_to_serve_with_an_unsigned_project_is_refused(leader, task_force, link_project):
    lead = ready_lead(Stage.DOCK, owner=leader, task_force=task_force)
    link_project(lead, reached_signed=False, name="绿都米业深加工项目")
    with pytest.raises(TransitionRefused, match="「绿都米业深加工项目」尚未正式签约"):
        lead_transition(lead=lead, to=Stage.SERVE, actor=leader)
    assert_nothing_written(lead)


def test_dock_to_serve_with_a_signed_project_is_allowed(leader, task_force, link_project):
    lead = ready_lead(Stage.DOCK, owner=leader, task_force=task_force)
    link_project(lead, reached_signed=True)
    lead_transition(lead=lead, to=Stage.SERVE, actor=leader)
    assert Lead.objects.get(pk=lead.pk).stage == Stage.SERVE


# back moves, dropped, reopening


BACK_AND_DROP = [
    *((source, target) for source, target in Lead.BACKWARD.items()),
    *((stage, Stage.DROPPED) for stage in Lead.ACTIVE_STAGES),
]


@pytest.mark.parametrize(("source", "target"), BACK_AND_DROP)
@pytest.mark.parametrize("reason", ["", "  \n"])
def test_back_move_or_drop_without_reason_is_refused(prepared, leader, source, target, reason):
    lead = prepared(source)
    with pytest.raises(TransitionRefused, match="需要填写原因"):
        lead_transition(lead=lead, to=target, actor=leader, reason=reason)
    assert_nothing_written(lead)


@pytest.mark.parametrize(("source", "target"), BACK_AND_DROP)
def test_back_move_or_drop_records_the_stripped_reason(prepared, leader, source, target):
    lead = prepared(source)
    lead_transition(lead=lead, to=target, actor=leader, reason="  企业资金链紧张，暂缓  ")
    assert LeadTransition.objects.get(lead=lead).reason == "企业资金链紧张，暂缓"


@pytest.mark.parametrize(("source", "target"), [("collect", "screen"), ("dropped", "collect")])
def test_forward_moves_and_reopening_need_no_reason(prepared, leader, source, target):
    assert not needs_reason(source, target)
    assert move_problem(lead=prepared(source), to=target, actor=leader) is None


def test_dropped_lead_is_reopened_to_collect(officer, task_force):
    lead = ready_lead(Stage.DROPPED, owner=officer, task_force=task_force)
    reopened = lead_transition(lead=lead, to=Stage.COLLECT, actor=officer)
    assert reopened.stage == Stage.COLLECT
    assert reopened.is_active
    transition = LeadTransition.objects.get(lead=lead)
    assert (transition.from_stage, transition.to_stage, transition.actor) == (
        Stage.DROPPED,
        Stage.COLLECT,
        officer,
    )


def test_each_move_bumps_the_version_once(officer, leader, task_force):
    lead = ready_lead(owner=officer, task_force=task_force)
    lead = lead_transition(lead=lead, to=Stage.SCREEN, actor=officer, expected_version=1)
    lead = lead_transition(lead=lead, to=Stage.DOCK, actor=leader, expected_version=2)
    lead = lead_transition(
        lead=lead, to=Stage.DROPPED, actor=officer, reason="企业放弃", expected_version=3
    )
    assert Lead.objects.get(pk=lead.pk).version == 4
    assert list(
        LeadTransition.objects.filter(lead=lead)
        .order_by("id")
        .values_list("from_stage", "to_stage")
    ) == [("collect", "screen"), ("screen", "dock"), ("dock", "dropped")]


def test_move_with_a_stale_version_is_a_conflict_and_writes_nothing(officer, task_force):
    lead = ready_lead(owner=officer, task_force=task_force)
    Lead.objects.filter(pk=lead.pk).update(version=2)
    lead.refresh_from_db()
    with pytest.raises(ConflictError, match="刚刚被"):
        lead_transition(lead=lead, to=Stage.SCREEN, actor=officer, expected_version=1)
    assert_nothing_written(lead)


# move_options


def test_move_options_list_every_move_with_its_problem(officer, task_force):
    lead = ready_lead(Stage.SCREEN, owner=officer, task_force=task_force)
    options = {option.to: option for option in move_options(lead=lead, actor=officer)}
    assert set(options) == {Stage.DOCK, Stage.COLLECT, Stage.DROPPED}
    assert not options[Stage.DOCK].allowed
    assert "审批" in options[Stage.DOCK].problem
    assert options[Stage.COLLECT].allowed and options[Stage.COLLECT].needs_reason
    assert options[Stage.DROPPED].allowed and options[Stage.DROPPED].needs_reason
    assert options[Stage.DOCK].label == "对接"


def test_move_options_open_dock_to_the_leader(leader, officer, task_force):
    lead = ready_lead(Stage.SCREEN, owner=officer, task_force=task_force)
    options = {option.to: option for option in move_options(lead=lead, actor=leader)}
    assert options[Stage.DOCK].allowed
    assert not options[Stage.DOCK].needs_reason


def test_move_options_of_a_dropped_lead_offer_only_reopening(officer):
    lead = ready_lead(Stage.DROPPED, owner=officer)
    assert [option.to for option in move_options(lead=lead, actor=officer)] == [Stage.COLLECT]
