"""The lead list, detail and API list at county scale: query budgets, the kept filter choices
and their invalidation, the estimated count of the unfiltered list, and the API's fast rows.

No timings here (``manage.py benchmark`` measures them): counts of queries, and the same
figures and JSON as the slow paths.
"""

import datetime
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from crm import paging
from crm.models import Industry, TaskForce, User
from leads import selectors
from leads.models import Lead
from leads.serializers import LeadSerializer
from tests.conftest import commit_kept_versions
from tests.factories import LeadFactory, UserFactory, chain_link, make_credit_code, region

LIST_URL = reverse("leads:list")
API_URL = "/api/v1/leads/"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_class.reltuples is PostgreSQL's"
)


def make_leads(count: int, **fields) -> None:
    for number in range(count):
        LeadFactory(credit_code=make_credit_code(number + 500), rating="AB"[number % 2], **fields)


def signed_in(client, user: User):
    commit_kept_versions()  # the data made so far, as committed: its choices may be kept
    client.force_login(user)
    client.get(LIST_URL)  # renews the session and reads the filter bar's choices
    return client


# --- query budgets ----------------------------------------------------------------------------

# Session and user; the navigation's badges: overdue leads and tasks, unread notices; the
# count and the page of rows. The filter bar's choices are kept (crm.filters), the session is
# renewed at most once a minute (crm.sessions).
LIST_PAGE = 2 + 3 + 2


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_costs_eight_queries_at_most_for_a_bureau_leader(
    client, django_assert_num_queries, bureau_leader, size
):
    make_leads(size)
    signed_in(client, bureau_leader)

    # ... and the approvals waiting for a leader's decision.
    with django_assert_num_queries(LIST_PAGE + 1):
        response = client.get(LIST_URL)

    assert LIST_PAGE + 1 <= 8
    assert len(response.context["leads"]) == min(size, 25)


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_costs_eight_queries_at_most_for_an_officer(
    client, django_assert_num_queries, officer, task_force, size
):
    make_leads(size, owner=officer, task_force=task_force)
    signed_in(client, officer)

    # ... and the officer's task forces, led and member, in one query (crm.access).
    with django_assert_num_queries(LIST_PAGE + 1):
        response = client.get(LIST_URL, {"stage": "collect"})

    assert LIST_PAGE + 1 <= 8
    assert len(response.context["leads"]) == min(size, 25)


def test_a_list_row_loads_no_related_row_on_its_own(client, django_assert_num_queries, officer):
    linked = chain_link()
    make_leads(5, owner=officer, chain_link=linked, chain_role=Lead.ChainRole.FILL)
    signed_in(client, officer)

    with django_assert_num_queries(LIST_PAGE + 1):
        response = client.get(LIST_URL)

    html = response.content.decode()
    assert html.count(str(Lead.ChainRole.FILL.label)) >= 5
    assert html.count(str(Lead.Stage.COLLECT.label)) >= 5


@pytest.mark.parametrize("size", [2, 30])
def test_the_api_list_costs_the_same_for_a_bureau_leader_whatever_its_length(
    django_assert_num_queries, bureau_leader, size
):
    make_leads(size, chain_link=chain_link(), region=region())
    client = APIClient()
    client.force_login(bureau_leader)
    client.get(API_URL)

    # Session, user, the count and the page; the chain links, regions, creators and last
    # editors of the page's leads, each fetched by id (leads.selectors.lead_records).
    with django_assert_num_queries(4 + 4):
        response = client.get(API_URL)

    assert response.json()["count"] == size


# --- the filter bar's choices: kept, and read again after a change ----------------------------


def filter_options(client, name: str) -> str:
    html = client.get(LIST_URL).content.decode()
    start = html.index(f'id="filter-{name}"')
    return html[start : html.index("</select>", start)]


def test_a_new_task_force_is_offered_on_the_next_page(client, officer, leader):
    signed_in(client, officer)
    assert "新建的招商专班" not in filter_options(client, "task_force_id")

    added = TaskForce.objects.create(code="new-tf", name="新建的招商专班", leader=leader)

    assert f'<option value="{added.pk}">新建的招商专班</option>' in filter_options(
        client, "task_force_id"
    )


def test_a_renamed_or_deleted_industry_changes_the_choices(client, officer):
    signed_in(client, officer)
    rice = Industry.objects.create(code="rice-x", name="大米加工", sort_order=1)
    assert "大米加工" in filter_options(client, "industry")

    rice.name = "稻米精深加工"
    rice.save()
    assert "稻米精深加工" in filter_options(client, "industry")
    assert "大米加工" not in filter_options(client, "industry")

    rice.delete()
    assert "稻米精深加工" not in filter_options(client, "industry")


def test_a_deactivated_user_is_offered_as_inactive(client, officer):
    colleague = UserFactory(username="zhao", full_name="赵专员")
    signed_in(client, officer)
    assert "赵专员</option>" in filter_options(client, "owner_id")

    colleague.is_active = False
    colleague.save(update_fields=["is_active"])

    assert "赵专员（已停用）" in filter_options(client, "owner_id")


def test_a_sign_in_does_not_read_the_choices_again(
    client, django_assert_num_queries, officer, other_officer
):
    make_leads(2, owner=officer)
    signed_in(client, officer)
    APIClient().force_login(other_officer)  # saves other_officer's last_login only

    with django_assert_num_queries(LIST_PAGE + 1):
        client.get(LIST_URL)


def test_the_chosen_value_is_selected_and_a_region_offers_none_given(client, officer):
    signed_in(client, officer)
    given = region()

    response = client.get(LIST_URL, {"region": given.code})

    html = response.content.decode()
    assert f'<option value="{given.code}" selected>' in html
    assert '<option value="null">未填写</option>' in html


# --- the estimated count ----------------------------------------------------------------------


@pytest.fixture
def analysed(monkeypatch):
    """Estimates from three rows up, with the table's statistics current (ANALYZE)."""
    monkeypatch.setattr(paging, "ESTIMATE_MIN_ROWS", 3)

    def analyse() -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE leads_lead")

    return analyse


@postgresql_only
def test_the_unfiltered_list_of_everything_shows_the_estimate(client, bureau_leader, analysed):
    make_leads(30)
    analysed()
    client.force_login(bureau_leader)

    response = client.get(LIST_URL)

    paginator = response.context["page"].paginator
    assert paginator.estimated and paginator.count == 30
    assert "（估算）" in response.content.decode()


@postgresql_only
def test_a_filtered_list_a_narrower_reader_and_the_last_pages_are_counted_exactly(
    client, bureau_leader, officer, analysed
):
    make_leads(30, owner=officer)
    analysed()
    client.force_login(bureau_leader)

    filtered = client.get(LIST_URL, {"rating": "A"})
    last_page = client.get(LIST_URL, {"page": 2})
    client.force_login(officer)
    narrower = client.get(LIST_URL)

    for response, total in ((filtered, 15), (last_page, 30), (narrower, 30)):
        paginator = response.context["page"].paginator
        assert not getattr(paginator, "estimated", False)
        assert paginator.count == total
    assert len(last_page.context["leads"]) == 5


@postgresql_only
def test_the_api_says_when_its_count_is_an_estimate(bureau_leader, analysed):
    make_leads(120)
    analysed()
    client = APIClient()
    client.force_login(bureau_leader)

    everything = client.get(API_URL).json()
    filtered = client.get(API_URL, {"rating": "A"}).json()
    last = client.get(API_URL, {"page": "last"}).json()

    assert (everything["count"], everything["count_is_estimate"]) == (120, True)
    assert (filtered["count"], filtered["count_is_estimate"]) == (60, False)
    assert (last["count"], last["count_is_estimate"], len(last["results"])) == (120, False, 20)


def test_sqlite_and_small_tables_are_counted_exactly(bureau_leader):
    make_leads(3)
    queryset = selectors.lead_list(user=bureau_leader).qs

    paginator = paging.list_paginator(queryset, 25)

    assert not getattr(paginator, "estimated", False)
    assert paginator.count == 3


# --- the API's rows: the same JSON as DRF's own reading -------------------------------------


def drf_representation(serializer: LeadSerializer, lead: Lead) -> dict:
    return serializers.ModelSerializer.to_representation(serializer, lead)


def test_the_fast_rows_are_what_drf_would_answer(officer, task_force):
    full = LeadFactory(
        owner=officer,
        task_force=task_force,
        chain_link=chain_link(),
        chain_role=Lead.ChainRole.FILL,
        region=region(),
        rating=Lead.Rating.A,
        planned_investment=Decimal("12500.50"),
        next_follow_up_on=datetime.date(2026, 5, 3),
        last_follow_up_on=datetime.date(2026, 4, 20),
        contact_email="zhang@example.cn",
        credit_code=make_credit_code(900),
    )
    sparse = LeadFactory(
        owner=None, created_by=officer, updated_by=officer, planned_investment=None, rating=""
    )
    rows = list(selectors.lead_records(Lead.objects.filter(pk__in=[full.pk, sparse.pk])))
    serializer = LeadSerializer(rows, many=True)

    data = serializer.data

    assert len(data) == 2
    for lead, row in zip(rows, data, strict=True):
        assert row == drf_representation(serializer.child, lead)
    assert data[0]["stage_display"] == str(Lead.Stage.COLLECT.label)


def test_the_session_renewal_is_not_a_query_on_every_page(
    client, django_assert_num_queries, monkeypatch, officer
):
    make_leads(2, owner=officer)
    signed_in(client, officer)
    later = time.time() + 61
    monkeypatch.setattr("crm.sessions.time", SimpleNamespace(time=lambda: later))

    # The renewal a minute later: the session saved (savepoint, update, release).
    with django_assert_num_queries(LIST_PAGE + 1 + 3):
        client.get(LIST_URL)
