"""Two people acting on the same lead at once: one wins, the other is told, nothing is doubled.

These tests need real row locks and concurrent connections, so they run on PostgreSQL (as in
CI) and are skipped on SQLite, which serialises whole-database writes instead.
"""

import contextlib
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from crm.exceptions import ConflictError, DuplicateError
from leads import services
from leads.models import Lead, LeadTransition
from leads.services import lead_create, lead_transition
from tests.factories import channel, industry
from tests.leads.conftest import next_credit_code, ready_lead

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent transactions are tested on PostgreSQL only",
    ),
]

TIMEOUT = 20


def run_together(*actions: Callable[[], object]) -> list[object]:
    """Run each action in its own thread and connection; return each result or exception."""
    start = threading.Barrier(len(actions), timeout=TIMEOUT)
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            start.wait()
            results[index] = action()
        except Exception as error:  # handed back to the test to assert on
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck on a lock"
    return results


@pytest.fixture
def hold_lock_until_both_asked(monkeypatch):
    """Keep the first lock holder in its transaction until the second asks for the same row.

    Without this the first thread may commit before the second starts, which tests nothing.
    """
    real_lock = services._lock
    asked = threading.Barrier(2, timeout=TIMEOUT)

    def lock(lead, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            asked.wait()
        return real_lock(lead, **kwargs)

    monkeypatch.setattr(services, "_lock", lock)


@pytest.mark.parametrize("with_version", [False, True], ids=["no_version", "expected_version"])
def test_two_people_moving_one_lead_at_once_record_one_move(
    officer, leader, task_force, hold_lock_until_both_asked, with_version
):
    lead = ready_lead(owner=officer, task_force=task_force)
    version = lead.version if with_version else None

    def move(actor):
        return lambda: lead_transition(
            lead=Lead.objects.get(pk=lead.pk), to="screen", actor=actor, expected_version=version
        )

    results = run_together(move(officer), move(leader))

    winners = [result for result in results if isinstance(result, Lead)]
    losers = [result for result in results if isinstance(result, ConflictError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert "请刷新" in losers[0].message
    assert LeadTransition.objects.filter(lead=lead).count() == 1
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.stage, stored.version) == ("screen", lead.version + 1)


@pytest.fixture
def both_pass_the_precheck(monkeypatch):
    """Hold each create after its duplicate pre-check until the other has passed it too."""
    real_check = services._check_credit_code
    checked = threading.Barrier(2, timeout=TIMEOUT)
    local = threading.local()

    def check(code, *, exclude_pk):
        real_check(code, exclude_pk=exclude_pk)
        if not getattr(local, "waited", False):
            local.waited = True
            checked.wait()

    monkeypatch.setattr(services, "_check_credit_code", check)


def test_two_concurrent_creates_with_one_credit_code_create_one_lead(
    officer, leader, task_force, both_pass_the_precheck
):
    code = next_credit_code()

    def create(actor, name):
        data = {
            "company_name": name,
            "credit_code": code,
            "industry": industry("rice"),
            "channel": channel("expo"),
            "task_force": task_force,
        }
        return lambda: lead_create(actor=actor, data=data)

    results = run_together(
        create(officer, "虎林市绿都米业有限公司"), create(leader, "绿都米业（虎林）有限公司")
    )

    winners = [result for result in results if isinstance(result, Lead)]
    losers = [result for result in results if isinstance(result, DuplicateError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert "米业专班" in losers[0].message
    assert list(Lead.objects.values_list("pk", flat=True)) == [winners[0].pk]
