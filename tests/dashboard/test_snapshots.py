"""The cockpit's and the 图谱's figures kept per reader between writes (``crm.snapshots``).

A test runs inside one transaction; ``committed`` runs what it wraps as if committed (its
on-commit callbacks run), which is when a write makes the kept figures stale; what the test
wrote before counts as committed too.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction

from crm import snapshots
from crm.models import Notice, ReminderSchedule, User
from crm.notifications.services import broker_breaker
from crm.registry import snapshot_kinds
from dashboard.models import RankingRule
from tests.conftest import commit_kept_versions
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed() -> Callable:
    @contextmanager
    def run() -> Iterator[None]:
        commit_kept_versions()  # the fixtures' writes: committed before the test
        yield
        commit_kept_versions()

    return run


@pytest.fixture
def computed(monkeypatch) -> list[tuple[str, int]]:
    """Every computation of the cockpit, the map or a report, as (kind, reader id)."""
    calls: list[tuple[str, int]] = []
    for kind in ("cockpit", "atlas", "report"):
        compute = snapshot_kinds.get(kind)

        def counted(user, _compute=compute, _kind=kind, **params):
            calls.append((_kind, user.pk))
            return _compute(user, **params)

        monkeypatch.setitem(snapshot_kinds._kinds, kind, counted)
    return calls


@pytest.fixture
def refreshes(monkeypatch) -> list[tuple]:
    """What was handed to a worker (nothing runs it unless the test does)."""
    asked: list[tuple] = []
    monkeypatch.setattr(snapshots.snapshot_refresh, "delay", lambda *args: asked.append(args))
    return asked


@pytest.fixture
def county(committed, task_force, officer, bureau_leader):
    """Two leads of the task force, committed, so the first read keeps what it computes."""
    with committed():
        LeadFactory.create_batch(2, owner=officer, task_force=task_force)
        ReminderSchedule.current(), RankingRule.current()  # created on first use otherwise
    return task_force


def active_leads(client) -> int:
    return client.get("/api/v1/cockpit/").json()["leads"]["stages"][0]["now"]["count"]


def test_a_second_read_uses_the_kept_figures(client, county, bureau_leader, computed):
    client.force_login(bureau_leader)
    first = client.get("/cockpit/")
    second = client.get("/cockpit/")
    assert computed == [("cockpit", bureau_leader.pk)]
    assert first.context["snapshot"].taken_at == second.context["snapshot"].taken_at
    assert "数据计算于" in second.content.decode()


def test_a_read_kept_figures_cost_no_query_of_their_own(
    client, county, bureau_leader, django_assert_max_num_queries
):
    client.force_login(bureau_leader)
    client.get("/cockpit/")
    client.get("/map/")
    # What is left is the layout's (session, user, navigation badges), not the figures'.
    with django_assert_max_num_queries(12):
        assert client.get("/cockpit/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/map/").status_code == 200


def test_after_a_committed_write_the_kept_figures_are_marked_and_a_worker_recomputes(
    client, committed, county, officer, task_force, bureau_leader, computed, refreshes
):
    client.force_login(bureau_leader)
    assert active_leads(client) == 2
    with committed():
        LeadFactory(owner=officer, task_force=task_force)
    answer = client.get("/api/v1/cockpit/").json()
    assert answer["stale"] is True
    assert answer["leads"]["stages"][0]["now"]["count"] == 2  # at once, as taken
    page = client.get("/cockpit/").content.decode()
    assert "正在重新计算" in page
    [(kind, user_id, params, lock)] = refreshes  # asked once for the two reads
    assert (kind, user_id) == ("cockpit", bureau_leader.pk)
    snapshots.snapshot_refresh(kind, user_id, params, lock)  # what the worker does
    answer = client.get("/api/v1/cockpit/").json()
    assert answer["stale"] is False
    assert answer["leads"]["stages"][0]["now"]["count"] == 3
    assert computed == [("cockpit", bureau_leader.pk)] * 2
    assert cache.get(lock) is None


def test_figures_older_than_the_grace_are_computed_in_the_request(
    client, committed, county, officer, task_force, bureau_leader, settings, refreshes
):
    settings.FIGURES_STALE_SECONDS = 0
    client.force_login(bureau_leader)
    assert active_leads(client) == 2
    with committed():
        LeadFactory(owner=officer, task_force=task_force)
    answer = client.get("/api/v1/cockpit/").json()
    assert (answer["stale"], answer["leads"]["stages"][0]["now"]["count"]) == (False, 3)
    assert refreshes == []


def test_without_a_broker_the_figures_are_computed_in_the_request(
    client, committed, county, officer, task_force, bureau_leader, monkeypatch
):
    def broker_down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(snapshots.snapshot_refresh, "delay", broker_down)
    client.force_login(bureau_leader)
    assert active_leads(client) == 2
    with committed():
        LeadFactory(owner=officer, task_force=task_force)
    try:
        assert active_leads(client) == 3
        assert broker_breaker.is_open()
    finally:
        broker_breaker.reset()


def test_fresh_computes_now(client, committed, county, officer, task_force, bureau_leader):
    client.force_login(bureau_leader)
    client.get("/map/")
    with committed():
        LeadFactory(owner=officer, task_force=task_force)
    page = client.get("/map/?fresh=1")
    assert page.context["snapshot"].stale is False
    assert 'href="?fresh=1"' in page.content.decode()


def test_a_writer_reads_its_own_uncommitted_writes(
    client, county, officer, task_force, bureau_leader, computed
):
    client.force_login(bureau_leader)
    assert active_leads(client) == 2
    LeadFactory(owner=officer, task_force=task_force)  # not committed: this transaction's
    assert active_leads(client) == 3
    assert active_leads(client) == 3
    assert len(computed) == 3  # nothing kept while the transaction has written


def test_a_reader_moved_out_of_a_task_force_never_gets_the_old_figures(
    client, committed, county, officer, leader, refreshes
):
    client.force_login(officer)
    with committed():
        LeadFactory(owner=leader, task_force=county)
    assert active_leads(client) == 3
    with committed():
        county.members.remove(officer)
    assert active_leads(client) == 2  # their own two only, computed now, not marked stale
    assert refreshes == []


def test_sign_ins_and_notices_change_no_figure(client, county, bureau_leader, officer, computed):
    client.force_login(bureau_leader)
    client.get("/cockpit/")
    version = snapshots.FIGURES.current()
    client.force_login(officer)  # saves last_login
    Notice.objects.create(recipient=officer, kind="mention", title="t", ref="lead:1")
    assert snapshots.FIGURES.current() == version
    client.force_login(bureau_leader)
    client.get("/cockpit/")
    assert computed == [("cockpit", bureau_leader.pk)]


def test_a_bulk_import_renews_the_figures_version(committed, county, officer):
    from crm.imports import _insert
    from leads.models import Lead

    version = snapshots.FIGURES.current()
    lead = LeadFactory.build(
        owner=officer, created_by=officer, task_force=county, company_name="批量导入企业有限公司"
    )
    with committed():
        _insert([lead])
    assert Lead.objects.filter(company_name="批量导入企业有限公司").exists()
    assert snapshots.FIGURES.current() != version


def test_an_unreadable_kept_entry_is_computed_again(client, county, bureau_leader, computed):
    client.force_login(bureau_leader)
    client.get("/map/")
    with mock.patch.object(snapshots.cache, "get", side_effect=ValueError("an old pickle")):
        assert snapshots._kept("any-key") is None
    cache.set(snapshots._key("atlas", bureau_leader, {}), "not a snapshot")
    client.get("/map/")
    assert computed == [("atlas", bureau_leader.pk)] * 2


def test_a_write_rolled_back_does_not_hide_the_next_one(committed, county, officer, task_force):
    version = snapshots.FIGURES.current()
    with committed():
        with pytest.raises(RuntimeError), transaction.atomic():
            LeadFactory(owner=officer, task_force=task_force)
            raise RuntimeError("refused")
        assert not snapshots.FIGURES.written_in_this_transaction()  # dropped with the savepoint
        LeadFactory(owner=officer, task_force=task_force)
        assert snapshots.FIGURES.written_in_this_transaction()
    assert snapshots.FIGURES.current() != version


def test_the_report_page_is_kept_and_its_export_computed_now(
    client, committed, county, officer, task_force, bureau_leader, computed, refreshes
):
    client.force_login(bureau_leader)
    query = "kind=month&scope=county"
    assert "数据计算于" in client.get(f"/reports/?{query}").content.decode()
    client.get(f"/reports/?{query}")
    client.get(f"/api/v1/reports/?{query}")
    assert computed == [("report", bureau_leader.pk)]
    with committed():
        LeadFactory(owner=officer, task_force=task_force)
    answer = client.get(f"/api/v1/reports/?{query}").json()
    assert answer["stale"] is True and len(refreshes) == 1
    assert client.get(f"/reports/export.xlsx?{query}").status_code == 200
    assert len(computed) == 1  # the export computes without keeping (not through snapshots)


def test_a_report_scope_taken_away_is_refused_before_anything_kept_is_shown(
    client, committed, county, leader, task_force, computed
):
    client.force_login(leader)
    query = f"kind=month&scope=tf-{task_force.pk}"
    assert client.get(f"/reports/?{query}").status_code == 200
    with committed():
        task_force.leader = UserFactory(role=User.Role.LEADER)
        task_force.save()
        task_force.members.remove(leader)
    assert client.get(f"/reports/?{query}").status_code == 403
