"""The global search (top bar, ``/search/``, ``/api/v1/search/``): leads, projects, 对上争取
applications and target enterprises, each kind through its own list's FilterSet over what the
reader sees, grouped by kind, counted as the list counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm.registry import search_sources
from crm.search import QUERY_MAX_LENGTH, SCAN_LIMIT
from leads.models import Lead, TargetEnterprise
from projects.models import Project, SupportApplication
from tests.factories import LeadFactory, TargetEnterpriseFactory, make_credit_code
from tests.projects.conftest import ProjectFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bigram column exists on PostgreSQL only"
)

KINDS = ["leads", "projects", "support", "targets"]
LEAD_CODE = make_credit_code(4242)
PROJECT_CODE = make_credit_code(4343)


def application(*, owner, task_force=None, title: str, **kwargs) -> SupportApplication:
    return SupportApplication.objects.create(
        title=title,
        fund_source=SupportApplication.FundSource.CENTRAL_BUDGET,
        owner=owner,
        task_force=task_force,
        status_changed_on=timezone.localdate(),
        created_by=owner,
        **kwargs,
    )


@pytest.fixture
def records(officer, other_officer, task_force, other_task_force):
    """One record of each kind in the officer's task force and one in another task force."""
    mine = {
        "leads": LeadFactory(
            company_name="虎林绿都米业有限公司",
            credit_code=LEAD_CODE,
            contact_name="王建国",
            contact_phone="13945678901",
            owner=officer,
            task_force=task_force,
        ),
        "projects": ProjectFactory(
            name="绿都米业精深加工项目",
            enterprise_name="虎林绿都米业有限公司",
            credit_code=PROJECT_CODE,
            owner=officer,
            task_force=task_force,
        ),
        "support": application(
            title="米业园区道路中央预算内投资", owner=officer, task_force=task_force
        ),
        "targets": TargetEnterpriseFactory(
            company_name="五常米业集团",
            contact_hint="经王建国引荐",
            owner=officer,
            task_force=task_force,
        ),
    }
    theirs = {
        "leads": LeadFactory(
            company_name="完达山米业有限公司", owner=other_officer, task_force=other_task_force
        ),
        "projects": ProjectFactory(
            name="完达山米业二期", owner=other_officer, task_force=other_task_force
        ),
        "support": application(
            title="米业冷链省级专项资金", owner=other_officer, task_force=other_task_force
        ),
        "targets": TargetEnterpriseFactory(
            company_name="乳业米业联合体", owner=other_officer, task_force=other_task_force
        ),
    }
    return mine, theirs


def page(client, user, query: str):
    client.force_login(user)
    return client.get(reverse("search"), {"q": query})


def by_kind(response) -> dict:
    return {result.source.key: result for result in response.context["results"]}


def titles(result) -> list[str]:
    return [hit.title for hit in result.hits]


# --- scope and grouping -------------------------------------------------------------------


def test_an_officer_finds_only_their_task_forces_records_grouped_by_kind(client, officer, records):
    mine, theirs = records

    response = page(client, officer, "米业")

    assert response.status_code == 200
    results = by_kind(response)
    assert list(results) == KINDS
    for kind in KINDS:
        assert results[kind].total == 1
        assert titles(results[kind]) == [str(mine[kind])]
    body = response.content.decode()
    for record in theirs.values():
        assert str(record) not in body


def test_another_officer_finds_only_theirs(client, other_officer, records):
    _mine, theirs = records

    results = by_kind(page(client, other_officer, "米业"))

    for kind in KINDS:
        assert titles(results[kind]) == [str(theirs[kind])]


def test_a_bureau_leader_finds_every_task_forces_records(client, bureau_leader, records):
    results = by_kind(page(client, bureau_leader, "米业"))

    assert [results[kind].total for kind in KINDS] == [2, 2, 2, 2]


def test_a_task_force_leader_finds_their_task_forces_records(client, leader, records):
    mine, _theirs = records

    results = by_kind(page(client, leader, "米业"))

    assert {kind: titles(results[kind]) for kind in KINDS} == {
        kind: [str(record)] for kind, record in mine.items()
    }


LIST_COUNTS = {
    "leads": lambda context: context["page"].paginator.count,
    "projects": lambda context: context["page"].paginator.count,
    "support": lambda context: len(context["applications"]),
    "targets": lambda context: context["page"].paginator.count,
}


@pytest.mark.parametrize("user", ["officer", "bureau_leader"])
@pytest.mark.parametrize("query", ["米业", "绿都 米业", "王建国", "米"])
def test_each_kinds_count_is_its_lists_count_under_the_same_query(
    client, request, records, user, query
):
    reader = request.getfixturevalue(user)

    results = by_kind(page(client, reader, query))

    for kind, result in results.items():
        listed = client.get(result.url)
        assert listed.status_code == 200
        assert listed.context["request"].GET["q"] == query
        assert LIST_COUNTS[kind](listed.context) == result.total, kind


def test_the_full_list_links_carry_the_query(client, officer, records):
    results = by_kind(page(client, officer, "绿都 米业"))

    assert results["leads"].url == "/leads/?q=%E7%BB%BF%E9%83%BD+%E7%B1%B3%E4%B8%9A"
    assert results["projects"].url.startswith("/projects/?q=")
    assert results["support"].url.startswith("/projects/support/?q=")
    assert results["targets"].url.startswith("/leads/targets/?q=")


# --- what a query matches -----------------------------------------------------------------


def test_a_credit_code_finds_the_lead_and_the_project(client, officer, records):
    mine, _theirs = records

    lead_results = by_kind(page(client, officer, LEAD_CODE))
    project_results = by_kind(page(client, officer, PROJECT_CODE.lower()))

    assert titles(lead_results["leads"]) == [mine["leads"].company_name]
    assert titles(project_results["projects"]) == [mine["projects"].name]


def test_part_of_a_phone_number_or_a_contact_finds_the_lead(client, officer, records):
    mine, _theirs = records

    by_phone = by_kind(page(client, officer, "5678901"))
    by_contact = by_kind(page(client, officer, "王建国"))

    assert titles(by_phone["leads"]) == [mine["leads"].company_name]
    assert titles(by_contact["leads"]) == [mine["leads"].company_name]
    assert titles(by_contact["targets"]) == [mine["targets"].company_name]


def test_two_chinese_characters_find_every_kind(client, officer, records):
    results = by_kind(page(client, officer, "绿都"))

    assert titles(results["leads"]) == ["虎林绿都米业有限公司"]
    assert titles(results["projects"]) == ["绿都米业精深加工项目"]
    assert results["support"].total == results["targets"].total == 0


def test_a_hit_shows_what_tells_it_apart_and_opens_its_record(client, officer, records):
    mine, _theirs = records

    results = by_kind(page(client, officer, "米业"))

    (lead_hit,) = results["leads"].hits
    assert lead_hit.url == reverse("leads:detail", args=[mine["leads"].pk])
    assert lead_hit.badge == "搜集"
    assert lead_hit.details == (LEAD_CODE, "王建国", "13945678901", "米业专班")
    (target_hit,) = results["targets"].hits
    assert target_hit.badge == str(mine["targets"].chain_link)


def test_nothing_found_says_so(client, officer, records):
    response = page(client, officer, "不存在的企业")

    assert not response.context["found"]
    assert "没有找到与“不存在的企业”匹配的记录" in response.content.decode()


def test_a_one_character_search_counts_at_most_the_scan_limit_and_says_so(client, bureau_leader):
    template = LeadFactory(owner=bureau_leader, company_name="模板")
    copies = []
    for number in range(SCAN_LIMIT + 3):
        copy = Lead(**{f.attname: getattr(template, f.attname) for f in Lead._meta.concrete_fields})
        copy.pk, copy.company_name, copy.company_key = None, f"米业{number}号", f"米业{number}号"
        copies.append(copy)
    Lead.objects.bulk_create(copies)

    response = page(client, bureau_leader, "米")

    leads = by_kind(response)["leads"]
    assert (leads.total, leads.limited) == (SCAN_LIMIT, True)
    body = response.content.decode()
    assert f"超过 {SCAN_LIMIT} 条" in body
    assert "多输入一个字" in body
    exact = by_kind(page(client, bureau_leader, "米业"))["leads"]
    assert (exact.total, exact.limited) == (SCAN_LIMIT + 3, False)


# --- bad queries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "请输入要查找的企业名称"),
        ("   ", "请输入要查找的企业名称"),
        ("米" * (QUERY_MAX_LENGTH + 1), f"请不超过 {QUERY_MAX_LENGTH} 个字"),
        ("米业\x00", "无法识别的字符"),
    ],
)
def test_an_empty_or_too_long_query_explains_and_searches_nothing(
    client, officer, records, query, message
):
    client.force_login(officer)

    response = client.get(reverse("search"), {"q": query})

    assert response.status_code == 200
    assert response.context["results"] == []
    assert message in response.content.decode()


def test_the_dropdown_of_an_empty_box_is_empty(client, officer, records):
    client.force_login(officer)

    response = client.get(reverse("search_suggest"), {"q": ""}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_the_dropdown_waits_for_a_second_character_and_the_page_does_not(client, officer, records):
    client.force_login(officer)

    dropdown = client.get(reverse("search_suggest"), {"q": "米"}, HTTP_HX_REQUEST="true")
    page = client.get(reverse("search"), {"q": "米"})

    assert dropdown.context["results"] == []
    assert "再输入一个字即可查找" in dropdown.content.decode()
    assert by_kind(page)["leads"].total == 1


def test_the_dropdown_explains_a_too_long_query(client, officer):
    client.force_login(officer)

    response = client.get(reverse("search_suggest"), {"q": "米" * (QUERY_MAX_LENGTH + 1)})

    assert f"请不超过 {QUERY_MAX_LENGTH} 个字" in response.content.decode()


def test_the_dropdown_lists_the_first_hits_of_each_kind_with_their_lists(client, officer, records):
    mine, theirs = records
    client.force_login(officer)

    response = client.get(reverse("search_suggest"), {"q": "米业"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.headers["Vary"].count("HX-Request") == 1
    for kind in KINDS:
        assert str(mine[kind]) in body
        assert str(theirs[kind]) not in body
    assert 'href="/leads/?q=%E7%B1%B3%E4%B8%9A"' in body
    assert 'href="/search/?q=%E7%B1%B3%E4%B8%9A"' in body
    assert 'role="option"' in body


def test_the_search_needs_a_signed_in_user(client):
    for name in ("search", "search_suggest"):
        response = client.get(reverse(name), {"q": "米业"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_every_page_has_the_search_box_in_the_top_bar(client, officer):
    client.force_login(officer)

    body = client.get(reverse("dashboard:my_work")).content.decode()

    assert 'action="/search/"' in body
    assert 'hx-get="/search/suggest/"' in body
    assert "js/search.js" in body
    assert "css/search.css" in body


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
def api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


def test_the_api_answers_grouped_results_in_the_callers_scope(api, records):
    mine, _theirs = records

    response = api.get("/api/v1/search/", {"q": "米业", "limit": 5})

    assert response.status_code == 200
    data = response.json()
    assert data["q"] == "米业"
    assert [group["kind"] for group in data["groups"]] == KINDS
    assert [group["label"] for group in data["groups"]] == ["线索", "项目", "对上争取", "目标企业"]
    for group, kind in zip(data["groups"], KINDS, strict=True):
        assert group["total"] == 1
        assert group["limited"] is False
        assert [hit["title"] for hit in group["results"]] == [str(mine[kind])]
        assert group["results"][0]["id"] == mine[kind].pk
        assert group["results"][0]["url"] == mine[kind].get_absolute_url()
    assert data["groups"][0]["url"] == "/leads/?q=%E7%B1%B3%E4%B8%9A"
    assert data["groups"][0]["results"][0]["details"] == [
        LEAD_CODE,
        "王建国",
        "13945678901",
        "米业专班",
    ]


def test_the_api_finds_by_phone_and_credit_code(api, records):
    mine, _theirs = records

    by_phone = api.get("/api/v1/search/", {"q": "13945678901"}).json()
    by_code = api.get("/api/v1/search/", {"q": PROJECT_CODE}).json()

    assert by_phone["groups"][0]["results"][0]["id"] == mine["leads"].pk
    assert by_code["groups"][1]["results"][0]["id"] == mine["projects"].pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": " "}, "q"),
        ({"q": "米" * (QUERY_MAX_LENGTH + 1)}, "q"),
        ({"q": "米业", "limit": "0"}, "limit"),
        ({"q": "米业", "limit": "51"}, "limit"),
        ({"q": "米业", "limit": "abc"}, "limit"),
        ({"q": "米业", "limit": "1.5"}, "limit"),
    ],
)
def test_the_api_refuses_a_bad_query_naming_the_field(api, params, field):
    response = api.get("/api/v1/search/", params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "DomainError"
    assert list(body["errors"]) == [field]


def test_the_api_needs_authentication():
    response = APIClient().get("/api/v1/search/", {"q": "米业"})

    assert response.status_code in (401, 403)
    assert "detail" in response.json()


# --- cost ---------------------------------------------------------------------------------


def more_records(count: int, *, officer, task_force) -> None:
    for number in range(count):
        LeadFactory(company_name=f"米业{number}号", owner=officer, task_force=task_force)
        ProjectFactory(name=f"米业项目{number}", owner=officer, task_force=task_force)
        application(title=f"米业申报{number}", owner=officer, task_force=task_force)
        TargetEnterpriseFactory(
            company_name=f"目标米业{number}号", owner=officer, task_force=task_force
        )


@pytest.mark.parametrize("size", [1, 12])
@pytest.mark.parametrize("query", ["米业", "米"])
def test_a_search_costs_one_count_and_one_page_per_kind(
    django_assert_num_queries, officer, task_force, records, size, query
):
    more_records(size, officer=officer, task_force=task_force)

    # The reader's task forces (led and member of, one query: crm.access), then per kind.
    with django_assert_num_queries(1 + 2 * len(KINDS)):
        results = search_sources.search(user=officer, query=query, limit=10)

    assert [result.total for result in results] == [size + 1] * len(KINDS)
    assert {len(result.hits) for result in results} == {min(size + 1, 10)}


@pytest.mark.parametrize("view", ["search", "search_suggest"])
def test_the_page_and_the_dropdown_cost_the_same_at_any_size(
    client, officer, task_force, records, view
):
    client.force_login(officer)
    client.get(reverse(view), {"q": "米业"})  # warm caches like a running server
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(view), {"q": "米业"})
    more_records(12, officer=officer, task_force=task_force)

    with CaptureQueriesContext(connection) as large:
        client.get(reverse(view), {"q": "米业"})

    assert len(large) == len(small)


# --- the bigram index on every kind (PostgreSQL) ------------------------------------------


def _bulk(model, count: int, make) -> None:
    model.objects.bulk_create([make(number) for number in range(count)])


@postgresql_only
@pytest.mark.parametrize("kind", ["projects", "support", "targets"])
def test_the_planner_reads_each_kinds_bigram_index_for_a_two_character_word(
    officer, task_force, kind
):
    # As for leads (tests/leads/test_search.py): 4,000 rows, 1 in 200 matching, fresh
    # statistics and the GIN pending list flushed, as autovacuum leaves them.
    def name(number: int) -> str:
        return f"虎林{number}号米业" if number % 200 == 0 else f"粮企{number}"

    if kind == "projects":
        project = ProjectFactory(
            owner=officer, category=Project.Category.LIVELIHOOD, credit_code=""
        )
        fields = {f.attname: getattr(project, f.attname) for f in Project._meta.concrete_fields}

        def make(number: int) -> Project:
            return Project(**{**fields, "id": None, "name": name(number)})

        model, table = Project, "projects_project"
    elif kind == "support":
        row = application(title="模板", owner=officer)
        fields = {
            f.attname: getattr(row, f.attname) for f in SupportApplication._meta.concrete_fields
        }

        def make(number: int) -> SupportApplication:
            return SupportApplication(**{**fields, "id": None, "title": name(number)})

        model, table = SupportApplication, "projects_supportapplication"
    else:
        target = TargetEnterpriseFactory(owner=officer)
        fields = {
            f.attname: getattr(target, f.attname) for f in TargetEnterprise._meta.concrete_fields
        }

        def make(number: int) -> TargetEnterprise:
            return TargetEnterprise(
                **{**fields, "id": None, "company_name": name(number), "company_key": name(number)}
            )

        model, table = TargetEnterprise, "leads_targetenterprise"
    _bulk(model, 4000, make)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"SELECT gin_clean_pending_list('{table}_search_bigrams'::regclass)")
    source = next(source for source in search_sources if source.key == kind)

    plan = source.filterset({"q": "米业"}, model.objects.all()).qs.explain()

    assert f"Bitmap Index Scan on {table}_search_bigrams" in plan
    assert "Seq Scan" not in plan
