"""The shared workflow helper: the table's answers, its refusals and the derived constraints."""

import pytest
from django.db.models import Q

from crm.models import User
from crm.workflow import Workflow, choices_check
from leads.models import Lead
from projects.models import Project, SupportApplication

WORKFLOWS = [Lead.WORKFLOW, Project.WORKFLOW, SupportApplication.WORKFLOW]


def test_derived_constraint_lists_every_value_of_the_enum():
    check = choices_check("stage", Lead.Stage)
    assert check.condition == Q(stage__in=["collect", "screen", "dock", "serve", "dropped"])
    assert check.name == "%(app_label)s_%(class)s_stage_valid"


@pytest.mark.parametrize(
    ("model", "field", "enum"),
    [
        (Lead, "stage", Lead.Stage),
        (Project, "status", Project.Status),
        (SupportApplication, "status", SupportApplication.Status),
        (User, "role", User.Role),
    ],
)
def test_models_carry_the_constraint_derived_from_their_enum(model, field, enum):
    name = f"{model._meta.app_label}_{model._meta.model_name}_{field}_valid"
    (check,) = [c for c in model._meta.constraints if c.name == name]
    assert check.condition == Q(**{f"{field}__in": enum.values})


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_every_state_of_the_table_is_a_state_of_the_enum(workflow: Workflow):
    states = set(workflow.states.values)
    assert set(workflow.transitions) == states
    assert all(targets <= states for targets in workflow.transitions.values())
    assert set(workflow.pipeline) <= states


def test_the_table_answers_moves_targets_and_directions():
    workflow = Lead.WORKFLOW
    assert workflow.allowed("collect", "screen") and not workflow.allowed("collect", "dock")
    assert workflow.targets("screen") == ["collect", "dock", "dropped"]
    assert workflow.backward == {"screen": "collect", "dock": "screen", "serve": "dock"}
    assert workflow.is_forward("collect", "serve") and workflow.is_backward("serve", "screen")
    assert not workflow.is_forward("dropped", "collect")
    assert not workflow.is_backward("collect", "dropped")


def test_refusals_name_the_unknown_state_the_skip_and_the_missing_move():
    assert Lead.WORKFLOW.refusal("collect", "screen") is None
    assert Lead.WORKFLOW.refusal("collect", "signed") == "未知的阶段：signed。"
    assert (
        Lead.WORKFLOW.refusal("collect", "dock")
        == "不能从「搜集」直接移到「对接」：阶段必须逐级推进，不能跳过。"
    )
    assert Project.WORKFLOW.refusal("producing", "stalled") == "不能从「投产」移到「停滞」。"
    assert "不能跳过" in SupportApplication.WORKFLOW.refusal("planned", "submitted")
