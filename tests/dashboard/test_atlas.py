"""The 招商图谱: each link's figures, gaps, visibility, the lists behind the figures, the query
budget and the API."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from crm.models import ChainLink, IndustryChain, User
from dashboard.atlas import MAP_STATUSES, atlas, link_figures, link_page
from leads.models import Lead
from leads.selectors import lead_list
from projects.models import Project
from projects.selectors import project_list
from tests.factories import LeadFactory, TargetEnterpriseFactory, chain_link
from tests.projects.conftest import ProjectFactory, signed_project

pytestmark = pytest.mark.django_db

Stage = Lead.Stage


def figures_of(user: User, code: str):
    for row in atlas(user=user):
        for figures in row.links:
            if figures.link.code == code:
                return figures
    raise AssertionError(code)


@pytest.fixture
def bureau(officer, task_force, other_officer, other_task_force):
    """Leads, projects, targets and local enterprises on the rice chain's links.

    稻米加工 (rice-milling): the officer's leads (two collect 补链, one dock 强链, one dropped),
    a foreign task force's screen lead, a signed, a producing and a terminated project, two
    local enterprises, an open and a converted target. 精深加工 (rice-deep): two open targets and
    a dropped lead only. 绿色种植 (rice-planting): a local enterprise only. 良种繁育: nothing.
    """
    milling = chain_link("rice-milling")
    milling.local_enterprises = "中粮米业（虎林）有限公司\n\n  虎林市绿都米业有限公司 \n"
    milling.save()
    planting = chain_link("rice-planting")
    planting.local_enterprises = "虎林市绿野水稻种植专业合作社联合社"
    planting.save()
    mine = {"owner": officer, "task_force": task_force, "chain_link": milling}
    LeadFactory(**mine, chain_role=Lead.ChainRole.FILL)
    LeadFactory(**mine, chain_role=Lead.ChainRole.FILL)
    converted_lead = LeadFactory(**mine, stage=Stage.DOCK, chain_role=Lead.ChainRole.STRENGTHEN)
    LeadFactory(**mine, stage=Stage.DROPPED, chain_role=Lead.ChainRole.FILL)
    LeadFactory(
        owner=other_officer, task_force=other_task_force, chain_link=milling, stage=Stage.SCREEN
    )
    LeadFactory(
        owner=officer,
        task_force=task_force,
        chain_link=chain_link("rice-deep"),
        stage=Stage.DROPPED,
    )
    signed_project(owner=officer, task_force=task_force, chain_link=milling)
    ProjectFactory(
        owner=officer,
        task_force=task_force,
        chain_link=milling,
        status=Project.Status.PRODUCING,
        enterprise_name="虎林市绿都米业有限公司",
        total_investment=Decimal("12000"),
    )
    ProjectFactory(
        owner=officer,
        task_force=task_force,
        chain_link=milling,
        status=Project.Status.TERMINATED,
        total_investment=Decimal("5000"),
    )
    ProjectFactory(
        owner=other_officer,
        task_force=other_task_force,
        chain_link=milling,
        status=Project.Status.COMMENCED,
        enterprise_name="外班投产前企业",
    )
    TargetEnterpriseFactory(owner=officer, task_force=task_force, chain_link=milling)
    TargetEnterpriseFactory(
        owner=officer, task_force=task_force, chain_link=milling, lead=converted_lead
    )
    for _number in range(2):
        TargetEnterpriseFactory(
            owner=officer, task_force=task_force, chain_link=chain_link("rice-deep")
        )


def test_links_run_left_to_right_in_chain_order(bureau, bureau_leader):
    rows = atlas(user=bureau_leader)

    assert [row.chain.code for row in rows][:4] == [
        "rice-chain",
        "pharma-chain",
        "dairy-chain",
        "bee-chain",
    ]
    assert [fig.link.code for fig in rows[0].links] == [
        "rice-seed",
        "rice-planting",
        "rice-milling",
        "rice-deep",
        "rice-brand",
    ]


def test_a_links_figures_count_active_leads_open_projects_anchors_and_targets(bureau, officer):
    milling = figures_of(officer, "rice-milling")

    assert milling.leads_by_stage == {Stage.COLLECT: 2, Stage.DOCK: 1}
    assert milling.lead_count == 3
    assert milling.role_counts == {"extend": 0, "fill": 2, "strengthen": 1}
    assert milling.projects_by_status == {"signed": 1, "producing": 1}
    assert milling.investment == Decimal("22000")  # 10,000 signed + 12,000 producing
    assert milling.local_enterprises == ["中粮米业（虎林）有限公司", "虎林市绿都米业有限公司"]
    assert milling.anchors == milling.local_enterprises  # the producing one is already named
    assert (milling.targets_open, milling.targets_converted) == (1, 1)
    assert not milling.is_gap and not milling.targets_without_leads


def test_a_link_with_nothing_local_no_active_lead_and_no_project_is_a_gap(bureau, officer):
    assert figures_of(officer, "rice-seed").is_gap
    assert not figures_of(officer, "rice-planting").is_gap  # a local enterprise is a base
    deep = figures_of(officer, "rice-deep")
    assert deep.is_gap  # a dropped lead is no work on the link
    assert deep.targets_without_leads and deep.targets_open == 2


def test_a_terminated_project_does_not_fill_a_gap(officer, task_force):
    ProjectFactory(
        owner=officer,
        task_force=task_force,
        chain_link=chain_link("rice-brand"),
        status=Project.Status.TERMINATED,
    )

    assert figures_of(officer, "rice-brand").is_gap


def test_producing_projects_of_the_link_are_local_anchors(officer, task_force):
    ProjectFactory(
        owner=officer,
        task_force=task_force,
        chain_link=chain_link("rice-brand"),
        status=Project.Status.PRODUCING,
        enterprise_name="黑龙江虎林大米产业发展有限公司",
    )

    brand = figures_of(officer, "rice-brand")

    assert brand.anchors == ["黑龙江虎林大米产业发展有限公司"]
    assert not brand.is_gap


def test_every_figure_is_within_what_the_reader_sees(bureau, officer, bureau_leader, other_officer):
    mine = figures_of(officer, "rice-milling")
    everything = figures_of(bureau_leader, "rice-milling")
    theirs = figures_of(other_officer, "rice-milling")

    assert Stage.SCREEN not in mine.leads_by_stage
    assert everything.leads_by_stage[Stage.SCREEN] == 1 and everything.lead_count == 4
    assert everything.project_count == 3 and mine.project_count == 2
    assert (theirs.lead_count, theirs.project_count, theirs.target_count) == (1, 1, 0)
    # the local enterprises are reference data: everyone reads them
    assert theirs.local_enterprises == mine.local_enterprises


def test_an_inactive_chain_is_not_on_the_map(bureau, bureau_leader, client):
    IndustryChain.objects.filter(code="bee-chain").update(is_active=False)
    client.force_login(bureau_leader)

    assert "bee-chain" not in [row.chain.code for row in atlas(user=bureau_leader)]
    link = chain_link("bee-honey")
    assert client.get(reverse("dashboard:atlas_link", args=[link.pk])).status_code == 404


# --- the lists behind the figures ------------------------------------------------------------


@pytest.mark.parametrize("reader", ["officer", "bureau_leader", "other_officer"])
def test_the_counts_on_the_map_are_the_lengths_of_the_lists_they_open(
    request, bureau, client, reader
):
    user = request.getfixturevalue(reader)
    client.force_login(user)

    def count(url: str, **params) -> int:
        response = client.get(url, params)
        assert response.status_code == 200
        return response.context["page"].paginator.count

    for code in ("rice-milling", "rice-deep", "rice-seed"):
        figures = figures_of(user, code)
        page_url = reverse("dashboard:atlas_link", args=[figures.link.pk])
        for stage in figures.stages:
            assert count(reverse("leads:list"), chain_link=code, stage=stage.key) == stage.count
            linked = client.get(page_url, {"stage": stage.key}).context["leads"]
            assert linked.paginator.count == stage.count
        for role in figures.roles:
            linked = client.get(page_url, {"chain_role": role.key}).context["leads"]
            assert linked.paginator.count == role.count
        assert client.get(page_url).context["leads"].paginator.count == figures.lead_count
        for status in MAP_STATUSES:
            shown = count(reverse("projects:list"), chain_link=code, status=status)
            assert shown == figures.projects_by_status.get(status, 0)
        assert len(client.get(page_url).context["page"].projects) == figures.project_count
        targets = reverse("leads:target_list")
        assert count(targets, chain_link=code, converted="false") == figures.targets_open
        assert count(targets, chain_link=code, converted="true") == figures.targets_converted


def test_the_link_page_shows_the_gap_the_lists_and_the_local_enterprises(bureau, officer, client):
    client.force_login(officer)

    deep = client.get(reverse("dashboard:atlas_link", args=[chain_link("rice-deep").pk]))
    milling = client.get(reverse("dashboard:atlas_link", args=[chain_link("rice-milling").pk]))

    assert deep.status_code == milling.status_code == 200
    assert "atlas-gap-box" in deep.content.decode()
    assert "已列 2 家目标企业，尚无在办线索" in deep.content.decode()
    text = milling.content.decode()
    assert "atlas-gap-box" not in text and "中粮米业（虎林）有限公司" in text
    assert "2.2 亿元" in text  # 22,000 万元 shown to leaders in 亿元


def test_the_map_page_marks_gaps_and_links_each_cell_to_its_page(bureau, officer, client):
    client.force_login(officer)

    response = client.get(reverse("dashboard:atlas"))

    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('class="atlas-link is-gap"') == sum(
        fig.is_gap for row in atlas(user=officer) for fig in row.links
    )
    assert reverse("dashboard:atlas_link", args=[chain_link("rice-deep").pk]) in text
    assert "线索、项目和目标企业只统计您可见的范围" in text


def test_an_unknown_link_and_a_bad_stage_are_answered_plainly(bureau, officer, client):
    client.force_login(officer)
    milling = reverse("dashboard:atlas_link", args=[chain_link("rice-milling").pk])

    assert client.get(reverse("dashboard:atlas_link", args=[999_999])).status_code == 404
    response = client.get(milling, {"stage": "nowhere"})
    assert response.status_code == 200
    assert response.context["leads"].paginator.count == 0
    assert response.context["lead_filter_errors"]


# --- query budget ----------------------------------------------------------------------------

# The links, then one grouped query each for leads, projects, producing enterprises, targets.
ATLAS_QUERIES = 5
# An officer's scope: the task forces they lead and belong to, one query per request.
SCOPE = 1


def grow(size: int, *, officer, task_force) -> None:
    """``size`` leads, projects and targets on every rice link."""
    for link in ChainLink.objects.filter(chain__code="rice-chain"):
        for number in range(size):
            LeadFactory(owner=officer, task_force=task_force, chain_link=link, chain_role="fill")
            ProjectFactory(
                owner=officer,
                task_force=task_force,
                chain_link=link,
                status=Project.Status.PRODUCING if number % 2 else Project.Status.NEGOTIATING,
            )
            TargetEnterpriseFactory(owner=officer, task_force=task_force, chain_link=link)


@pytest.mark.parametrize("size", [1, 8])
def test_the_map_costs_a_fixed_number_of_queries(
    django_assert_num_queries, officer, task_force, bureau_leader, size
):
    grow(size, officer=officer, task_force=task_force)
    reader = User.objects.get(pk=officer.pk)
    seed = chain_link("rice-seed").pk

    with django_assert_num_queries(ATLAS_QUERIES + SCOPE):
        rows = atlas(user=reader)
    with django_assert_num_queries(ATLAS_QUERIES):
        atlas(user=bureau_leader)
    with django_assert_num_queries(ATLAS_QUERIES):
        figures = link_figures(user=reader, pk=seed)

    assert rows[0].links[0].lead_count == figures.lead_count == size


@pytest.mark.parametrize("size", [1, 8])
def test_a_links_page_reads_its_lists_in_a_fixed_number_of_queries(
    django_assert_num_queries, officer, task_force, size
):
    grow(size, officer=officer, task_force=task_force)
    reader = User.objects.get(pk=officer.pk)
    seed = chain_link("rice-seed").pk

    # the figures; the project and target FilterSets each check the link's code; then the
    # projects and the targets, each in one query with what a row shows
    with django_assert_num_queries(ATLAS_QUERIES + SCOPE + 2 + 2):
        page = link_page(user=reader, pk=seed)
        rows = [(t.owner, t.lead, t.region) for t in page.targets]
        rows += [(p.task_force, p.status) for p in page.projects]

    assert len(page.targets) == size and len(page.projects) == size


def test_the_pages_cost_the_same_queries_for_few_or_many(client, officer, task_force):
    client.force_login(officer)
    milling = reverse("dashboard:atlas_link", args=[chain_link("rice-milling").pk])

    def queries() -> tuple[int, int]:
        counts = []
        for url in (reverse("dashboard:atlas"), milling):
            client.get(url)  # warm the content-type cache like a running server
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts[0], counts[1]

    grow(1, officer=officer, task_force=task_force)
    few = queries()
    grow(6, officer=officer, task_force=task_force)
    assert queries() == few


# --- API -------------------------------------------------------------------------------------


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_api_answers_the_maps_figures(bureau, officer):
    response = api(officer).get("/api/v1/atlas/")

    assert response.status_code == 200
    chains = response.json()["chains"]
    rice = chains[0]
    assert (rice["code"], rice["industry"]) == ("rice-chain", "rice")
    links = {link["code"]: link for link in rice["links"]}
    milling = links["rice-milling"]
    assert milling["leads"] == {
        "total": 3,
        "by_stage": {"collect": 2, "screen": 0, "dock": 1, "serve": 0},
        "by_role": {"extend": 0, "fill": 2, "strengthen": 1},
    }
    assert milling["projects"]["total"] == 2
    assert milling["projects"]["by_status"]["producing"] == 1
    assert milling["projects"]["total_investment"] == "22000.00"
    assert milling["local_enterprises"] == ["中粮米业（虎林）有限公司", "虎林市绿都米业有限公司"]
    assert milling["producing_enterprises"] == ["虎林市绿都米业有限公司"]
    assert milling["targets"] == {"open": 1, "converted": 1}
    assert links["rice-deep"]["is_gap"] and links["rice-deep"]["targets_without_leads"]
    assert rice["gap_count"] == 3  # 良种繁育, 精深加工, 品牌营销与冷链物流


def test_the_api_counts_within_the_callers_scope(bureau, other_officer, bureau_leader):
    def milling(user: User) -> dict:
        rice = api(user).get("/api/v1/atlas/").json()["chains"][0]
        return next(link for link in rice["links"] if link["code"] == "rice-milling")

    assert milling(other_officer)["leads"]["total"] == 1
    assert milling(bureau_leader)["leads"]["total"] == 4


def test_the_api_needs_a_signed_in_caller(bureau):
    response = APIClient().get("/api/v1/atlas/")

    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_the_lead_and_project_lists_filter_by_chain_link_code(officer, task_force):
    milling = chain_link("rice-milling")
    lead = LeadFactory(owner=officer, task_force=task_force, chain_link=milling)
    LeadFactory(owner=officer, task_force=task_force, chain_link=chain_link("rice-deep"))
    project = ProjectFactory(owner=officer, task_force=task_force, chain_link=milling)
    ProjectFactory(owner=officer, task_force=task_force)

    leads = lead_list(user=officer, filters={"chain_link": ["rice-milling"]})
    projects = project_list(user=officer, filters={"chain_link": ["rice-milling"]})

    assert list(leads.qs) == [lead]
    assert list(projects.qs) == [project]
    unknown = lead_list(user=officer, filters={"chain_link": ["no-such-link"]})
    assert not unknown.is_valid() and not unknown.qs.exists()
