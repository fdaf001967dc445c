"""``manage.py seed_demo``: a realistic bureau that obeys the pipeline rules, seeded once.

Seeding costs about a second, so the module seeds once (``seeded``) and its tests only read;
a test that seeds again does it inside its own transaction, rolled back after it.
"""

import datetime
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.demo import DEMO_PASSWORD, DEMO_TASK_FORCES, DEMO_USERS
from crm.models import TaskForce, User
from crm.validators import is_valid_credit_code
from dashboard.management.commands.seed_demo import load_step
from leads.demo import credit_code
from leads.models import FollowUp, Lead, LeadTransition, overdue_q
from leads.pipeline import needs_reason
from tests.conftest import module_data

pytestmark = pytest.mark.django_db

Stage = Lead.Stage


def seed(leads: int = 60) -> str:
    out = StringIO()
    call_command("seed_demo", leads=leads, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, TaskForce, Lead, LeadTransition, FollowUp)
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo bureau with 60 leads, seeded once for the module; yields the command's output."""
    with module_data(django_db_blocker):
        yield seed()


def test_creates_every_demo_user_with_every_role_and_the_documented_password(seeded):
    output = seeded

    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {spec.username for spec in DEMO_USERS}
    assert {u.role for u in users.values()} == set(User.Role.values)
    for spec in DEMO_USERS:
        user = users[spec.username]
        assert user.full_name == spec.full_name
        assert user.email == f"{spec.username}@hulin.example.cn"
        assert spec.username in output
    # One hash serves every demo user; checking it is slow by design, so check two logins.
    assert users["admin"].check_password(DEMO_PASSWORD)
    assert users["wang_zs"].check_password(DEMO_PASSWORD)
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert not users["wang_zs"].is_staff
    assert DEMO_PASSWORD in output


def test_task_forces_have_their_leaders_and_members(seeded):
    assert TaskForce.objects.count() == len(DEMO_TASK_FORCES)
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert set(user.led_task_forces.values_list("code", flat=True)) == set(spec.leads)
        assert set(user.task_forces.values_list("code", flat=True)) == set(spec.member_of)
    officers_in_two = [u for u in DEMO_USERS if len(u.member_of) >= 2]
    assert officers_in_two


def test_leads_cover_every_stage_channel_and_industry_and_some_are_overdue(seeded):
    today = timezone.localdate()

    leads = Lead.objects.all()
    assert leads.count() == 60
    assert set(leads.values_list("stage", flat=True)) == set(Stage.values)
    assert set(leads.values_list("channel__code", flat=True)) >= {
        "townsman",
        "business",
        "expo",
        "agency",
    }
    overdue = leads.filter(overdue_q(today)).count()
    assert 3 <= overdue <= 15  # about 10–20 %
    assert overdue == sum(lead.is_overdue(today) for lead in leads)
    for officer in User.objects.filter(role=User.Role.OFFICER):
        assert Lead.objects.visible_to(officer).exists()


def test_leads_obey_the_pipeline_rules(seeded):
    for lead in Lead.objects.prefetch_related("transitions"):
        reached = {t.to_stage for t in lead.transitions.all()} | {lead.stage}
        if reached & {Stage.SCREEN, Stage.DOCK, Stage.SERVE}:
            assert is_valid_credit_code(lead.credit_code), lead
            assert lead.due_diligence_note.strip(), lead
        elif lead.credit_code:
            assert is_valid_credit_code(lead.credit_code), lead
        if lead.stage in (Stage.DOCK, Stage.SERVE):
            assert lead.rating in ("A", "B"), lead
            assert lead.owner_id is not None and lead.task_force_id is not None, lead
        assert lead.owner_id is not None
        if lead.task_force_id is not None:
            team = {
                lead.task_force.leader_id,
                *lead.task_force.members.values_list("id", flat=True),
            }
            assert lead.owner_id in team, lead
    codes = [c for c in Lead.objects.values_list("credit_code", flat=True) if c]
    assert len(codes) == len(set(codes))


def test_stage_histories_follow_the_transition_table(seeded):
    now = timezone.now()

    for lead in Lead.objects.all():
        moves = list(lead.transitions.order_by("moved_at", "id"))
        stage = Stage.COLLECT
        previous = lead.created_at
        for move in moves:
            assert move.from_stage == stage, lead
            assert move.to_stage in Lead.TRANSITIONS[move.from_stage], lead
            if needs_reason(move.from_stage, move.to_stage):
                assert move.reason.strip(), lead
            assert previous <= move.moved_at <= now, lead
            stage, previous = move.to_stage, move.moved_at
        assert stage == lead.stage, lead
        assert lead.stage_entered_at == (moves[-1].moved_at if moves else lead.created_at)
        if lead.stage == Stage.DROPPED:
            assert moves[-1].reason.strip()
        # Only serve-stage leads ever reached serve: they are the ones a project is linked to.
        assert (Stage.SERVE in {m.to_stage for m in moves}) == (lead.stage == Stage.SERVE)


def test_follow_up_dates_agree_with_the_lead(seeded):
    today = timezone.localdate()

    for lead in Lead.objects.all():
        follow_ups = list(lead.follow_ups.order_by("occurred_on", "created_at", "id"))
        assert len(follow_ups) <= 6
        assert lead.version == 1 + lead.transitions.count() + len(follow_ups)
        entered_on = timezone.localtime(lead.stage_entered_at).date()
        if follow_ups:
            latest = follow_ups[-1]
            assert lead.last_follow_up_on == latest.occurred_on
            assert lead.next_follow_up_on == latest.next_follow_up_on
            assert lead.last_activity_on == max(entered_on, latest.occurred_on)
        else:
            assert lead.last_follow_up_on is None and lead.next_follow_up_on is None
            assert lead.last_activity_on == entered_on
        for follow_up in follow_ups:
            assert follow_up.summary and follow_up.occurred_on <= today
            assert follow_up.occurred_on >= timezone.localtime(lead.created_at).date()
        assert lead.created_at.date() > today - datetime.timedelta(days=700)
    assert FollowUp.objects.values("method").distinct().count() >= 5


def test_running_twice_creates_nothing_new(seeded):
    before = counts()

    output = seed()

    assert counts() == before
    assert "已存在" in output


def test_more_leads_adds_only_the_missing_ones(seeded):
    first = dict(Lead.objects.values_list("company_key", "id"))
    assert len(first) == 60

    seed(80)

    assert Lead.objects.count() == 80
    kept = dict(Lead.objects.filter(company_key__in=first).values_list("company_key", "id"))
    assert kept == first


def test_demo_credit_codes_are_valid_and_distinct():
    codes = {credit_code("230381", serial) for serial in range(20_000)}

    assert len(codes) == 20_000
    assert all(is_valid_credit_code(code) for code in codes)


def test_missing_step_module_is_skipped_but_a_broken_one_raises(tmp_path, monkeypatch):
    (tmp_path / "broken_demo_step.py").write_text("import no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert load_step("crm.no_such_demo_step") is None
    with pytest.raises(ModuleNotFoundError):
        load_step("broken_demo_step")
