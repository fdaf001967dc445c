"""End to end: after a committed write, the cockpit answers at once with its kept figures and
a real Celery worker, reading the committed test database through Redis, recomputes them."""

import pytest

from crm.models import ReminderSchedule
from dashboard.models import RankingRule
from tests.crm.notifications.test_celery_e2e import (
    celery_env,
    needs_postgresql,
    start_worker,
    stop,
    wait_for,
)
from tests.factories import LeadFactory


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_recomputes_the_cockpit_after_a_write(
    client, task_force, officer, bureau_leader, redis_broker, tmp_path
):
    needs_postgresql()
    LeadFactory.create_batch(2, owner=officer, task_force=task_force)
    ReminderSchedule.current(), RankingRule.current()
    client.force_login(bureau_leader)

    def read() -> tuple[bool, int]:
        answer = client.get("/api/v1/cockpit/").json()
        return answer["stale"], answer["leads"]["stages"][0]["now"]["count"]

    assert read() == (False, 2)
    LeadFactory(owner=officer, task_force=task_force)  # committed: the kept figures are old
    assert read() == (True, 2)  # at once, and a refresh is queued in Redis
    log = tmp_path / "worker.log"
    worker = start_worker(env=celery_env(redis_url=redis_broker, smtp_port=1), log=log)
    try:
        refreshed = wait_for(lambda: read() == (False, 3), timeout=45)
    finally:
        stop(worker)
    assert refreshed, f"the worker did not refresh the cockpit; its log:\n{log.read_text()[-4000:]}"
