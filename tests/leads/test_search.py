"""The lead list's free-text search: the bigram index on PostgreSQL, the plain scan elsewhere.

Whatever the path, the answer is the simple path's: every word in one of the searched fields,
case-insensitive (``crm.search.search_filter`` without a bigram column). The tests that need
the column skip on SQLite, which has none.
"""

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.search import SCAN_LIMIT, search_filter
from leads.filters import ApprovalFilterSet, LeadFilterSet
from leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bigram column exists on PostgreSQL only"
)

LEADS = [
    {"company_name": "虎林市绿都米业有限公司", "contact_name": "王建国"},
    {"company_name": "上海蓝香米业发展有限公司", "intent": "深加工 有机大米"},
    {"company_name": "黑龙江珍宝岛药业股份有限公司", "contact_phone": "0467-5460954"},
    {"company_name": "Green Rice Trading Co.", "contact_name": "Mr. Wang"},
    {"company_name": "北京稻香村食品", "credit_code": "91320000MA1XK2N1U7"},
    {"company_name": "米 业分开写的公司", "due_diligence_note": "营业执照已核实，米业为主业。"},
    {"company_name": "完达山乳业", "contact_name": "米", "contact_phone": "13945678901"},
    # 米业有限's three bigrams, apart; 厂王 only across two fields
    {"company_name": "米业加工厂", "contact_name": "王经理", "intent": "业有限责任"},
    {"company_name": "折扣100%_特价", "contact_name": "李_经理"},
]

QUERIES = [
    "米",  # one character: the scan
    "业",
    "米业",  # two: the index alone
    "厂王",  # a bigram only across two fields: none
    "米业有限",  # three or more: the index, then icontains
    "有限公司",
    "绿都米业有限公司",
    "米业 王",  # mixed lengths
    "米业 有限 上海",
    "王 米",
    "gR",  # Latin, any case, two letters and more
    "green",
    "RICE",
    "rICe tRADING",
    "mr.",
    "91",  # digits: credit code
    "9132",
    "MA1XK",
    "ma1xk2n",
    "0467",  # phone, with its dash
    "5460954",
    "139456",
    "100%",  # LIKE's wildcards are literal
    "%_",
    "_经",
    "不存在的词",
    "米业 不存在",
]


@pytest.fixture
def leads():
    return [LeadFactory(**fields) for fields in LEADS]


def search(query: str) -> list[int]:
    filterset = LeadFilterSet({"q": query}, queryset=Lead.objects.all())
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("id", flat=True))


def simple_path(query: str) -> list[int]:
    """``icontains`` over the same fields, without the bigram column."""
    plain = search_filter(Lead.objects.all(), query, fields=LeadFilterSet.search_fields)
    return sorted(plain.values_list("id", flat=True))


def copies(template: Lead, names: list[str]) -> list[Lead]:
    """Unsaved leads like ``template`` under ``names``, for ``bulk_create``."""
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Lead._meta.concrete_fields
        if not field.primary_key
    }
    return [Lead(**{**fields, "company_name": name}) for name in names]


def bigrams_of(lead: Lead) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_bigrams FROM leads_lead WHERE id = %s", [lead.pk])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_exactly_what_the_simple_path_finds(leads, query):
    assert search(query) == simple_path(query)


def test_search_finds_leads_by_each_searched_field(leads):
    assert {Lead.objects.get(pk=pk).company_name for pk in search("米业")} == {
        "虎林市绿都米业有限公司",
        "上海蓝香米业发展有限公司",
        "米 业分开写的公司",  # by its due-diligence note
        "米业加工厂",
    }
    assert len(search("米业有限")) == 1
    assert len(search("0467")) == len(search("13945678901")) == 1
    assert len(search("91320000MA1XK2N1U7")) == 1


@postgresql_only
@pytest.mark.parametrize(
    ("query", "bigrams", "confirmed"),
    [("米", 0, True), ("米业", 1, False), ("米业有限", 1, True), ("米业 王", 1, True)],
)
def test_words_of_two_characters_or_more_use_the_bigram_column(query, bigrams, confirmed):
    sql = str(LeadFilterSet({"q": query}, queryset=Lead.objects.all()).qs.query)

    assert sql.count('"search_bigrams" @> crm_search_bigrams(') == bigrams
    assert ("STRPOS(" in sql) is confirmed


@postgresql_only
def test_the_planner_reads_the_bigram_index_for_a_two_character_word():
    # Realistic rather than forced (enable_seqscan=off would only show that the index *can*
    # be used): 4,000 leads with the demo's kind of text, 1 in 200 matching, then what
    # autovacuum does after a bulk insert: fresh statistics, and the rows moved from the GIN
    # index's pending list (which the planner counts as read in full) into the index proper.
    template = LeadFactory(
        company_name="北大荒粮食加工有限公司",
        intent="拟流转5万亩耕地建设绿色水稻种植基地，订单收购本地优质稻。",
        due_diligence_note=(
            "经国家企业信用信息公示系统核实：企业成立于2014年，注册资本14600万元，登记状态存续，"
            "无经营异常和严重失信记录。实地走访企业生产基地，产能和设备情况属实。"
        ),
    )
    names = [f"虎林{n}号米业有限公司" if n % 200 == 0 else f"粮企{n}" for n in range(4000)]
    Lead.objects.bulk_create(copies(template, names))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
        cursor.execute("SELECT gin_clean_pending_list('leads_lead_search_bigrams'::regclass)")

    plan = LeadFilterSet({"q": "米业"}, queryset=Lead.objects.all()).qs.explain()

    assert "Bitmap Index Scan on leads_lead_search_bigrams" in plan
    assert "Seq Scan" not in plan


@postgresql_only
def test_the_database_computes_the_bigrams_upper_cased_without_whitespace():
    lead = LeadFactory(company_name="Ab 米业", intent="uv\tw\x0bx\fy\rz\nq")

    assert bigrams_of(lead) == ["AB", "UV", "米业"]


def test_a_bulk_created_lead_is_found():
    template = LeadFactory(company_name="模板企业")

    (created,) = Lead.objects.bulk_create(copies(template, ["虎林珍宝米业有限公司"]))

    assert search("珍宝") == search("珍宝米业") == [created.pk]


def test_a_raw_update_changes_what_is_found():
    lead = LeadFactory(company_name="虎林绿都米业有限公司")

    Lead.objects.filter(pk=lead.pk).update(company_name="虎林完达山乳业有限公司")

    assert search("米业") == search("绿都") == []
    assert search("乳业") == search("完达山乳业") == [lead.pk]


@postgresql_only
def test_the_migration_drops_and_restores_the_column_and_index():
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(("leads", "0006_search_bigrams"))
    before = executor.loader.project_state(("leads", "0005_target_enterprise"))
    migration = executor.loader.get_migration("leads", "0006_search_bigrams")
    add_bigrams = migration.operations[0]

    # Everything runs in the test's transaction (PostgreSQL's DDL is transactional).
    with transaction.atomic(), connection.schema_editor(atomic=False) as editor:
        add_bigrams.database_backwards("leads", editor, state, before)
        columns = {
            c.name
            for c in connection.introspection.get_table_description(
                connection.cursor(), "leads_lead"
            )
        }
        assert "search_bigrams" not in columns
        add_bigrams.database_forwards("leads", editor, before, state)

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'leads_lead'")
        assert any("gin (search_bigrams)" in row[0] for row in cursor.fetchall())
    lead = LeadFactory(company_name="绿都米业")
    assert search("米业") == [lead.pk]


# --- the list page: one-character searches are limited, the rest counted exactly -------------


def clone_leads(count: int, *, owner, company_name: str = "米业{n}号") -> None:
    template = LeadFactory(owner=owner, company_name="模板")
    template.delete()
    names = [company_name.format(n=number) for number in range(count)]
    Lead.objects.bulk_create(copies(template, names))


def test_a_one_character_search_lists_the_first_matches_and_says_so(client, bureau_leader):
    clone_leads(SCAN_LIMIT + 5, owner=bureau_leader)
    client.force_login(bureau_leader)

    response = client.get(reverse("leads:list"), {"q": "米", "page": 2})

    page = response.context["page"]
    assert page.paginator.limited
    assert page.paginator.count == SCAN_LIMIT
    expected = list(
        LeadFilterSet({"q": "米"}, queryset=Lead.objects.all()).qs.values_list("id", flat=True)
    )
    assert [lead.pk for lead in page.object_list] == expected[25:50]
    body = response.content.decode()
    assert f"超过 {SCAN_LIMIT} 条" in body
    assert "多输入一个字" in body


@pytest.mark.parametrize("number", ["0", "abc", "99999999999999999999", "-1"])
def test_a_one_character_search_takes_any_page_number(client, bureau_leader, number):
    clone_leads(30, owner=bureau_leader)
    client.force_login(bureau_leader)

    response = client.get(reverse("leads:list"), {"q": "米", "page": number})

    assert response.status_code == 200
    assert len(response.context["leads"]) in (5, 25)


def test_a_one_character_search_with_few_matches_is_counted_exactly(client, bureau_leader):
    clone_leads(30, owner=bureau_leader)
    client.force_login(bureau_leader)

    response = client.get(reverse("leads:list"), {"q": "号"})

    page = response.context["page"]
    assert not page.paginator.limited
    assert page.paginator.count == 30
    assert "共 30 条" in response.content.decode()


def test_a_search_with_a_longer_word_is_counted_exactly(client, bureau_leader):
    clone_leads(SCAN_LIMIT + 5, owner=bureau_leader)
    client.force_login(bureau_leader)

    response = client.get(reverse("leads:list"), {"q": "米 米业"})

    assert not getattr(response.context["page"].paginator, "limited", False)
    assert response.context["page"].paginator.count == SCAN_LIMIT + 5


def test_only_a_list_with_a_bigram_column_limits_one_character_searches():
    assert LeadFilterSet({"q": "米 王"}).search_scans
    assert not LeadFilterSet({"q": "米业 王"}).search_scans
    assert not LeadFilterSet({}).search_scans
    assert not ApprovalFilterSet({"q": "米"}).search_scans


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("query", ["米业", "米", "有限公司 号"])
def test_a_search_costs_the_list_no_extra_query(
    client, django_assert_num_queries, bureau_leader, size, query
):
    clone_leads(size, owner=bureau_leader, company_name="虎林米业{n}号有限公司")
    client.force_login(bureau_leader)
    client.get(reverse("leads:list"))  # warm the content-type cache like a running server
    with CaptureQueriesContext(connection) as unfiltered:
        client.get(reverse("leads:list"))

    with django_assert_num_queries(len(unfiltered)):
        response = client.get(reverse("leads:list"), {"q": query})

    assert len(response.context["leads"]) == min(size, 25)
