"""The 目标企业库: services (convert through the lead rules), visibility, API, pages, bad input."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from crm.exceptions import (
    ConflictError,
    DomainError,
    DuplicateError,
    DuplicateWarning,
    NotFound,
    PermissionRefused,
)
from crm.models import ChangeLog, User
from leads import selectors, services
from leads.models import Lead, TargetEnterprise
from tests.factories import (
    LeadFactory,
    TargetEnterpriseFactory,
    chain_link,
    channel,
    industry,
    make_credit_code,
    region,
)
from tests.leads.conftest import ROLE_SEES_LEAD

HTMX = {"HTTP_HX_REQUEST": "true"}
NAME = "江苏稻香源米糠油有限公司"
REASON = "补齐精深加工环节，可带动本地稻米转化"

_serials = iter(range(880_000, 890_000))


def code() -> str:
    return make_credit_code(next(_serials))


def history(target: TargetEnterprise, action: str) -> list[ChangeLog]:
    return list(
        ChangeLog.objects.filter(
            content_type=ContentType.objects.get_for_model(TargetEnterprise),
            object_id=target.pk,
            action=action,
        )
    )


def create_data(**fields) -> dict:
    return {"company_name": NAME, "chain_link": chain_link("rice-deep"), "reason": REASON, **fields}


@pytest.fixture
def own_target(officer, task_force) -> TargetEnterprise:
    return TargetEnterpriseFactory(
        company_name=NAME,
        credit_code=code(),
        region=region("yangtze-delta"),
        owner=officer,
        task_force=task_force,
    )


@pytest.fixture
def colleague_target(colleague, task_force) -> TargetEnterprise:
    return TargetEnterpriseFactory(
        company_name="广州谷润米粉食品有限公司", owner=colleague, task_force=task_force
    )


@pytest.fixture
def foreign_target(other_officer, other_task_force) -> TargetEnterprise:
    return TargetEnterpriseFactory(
        company_name="沈阳北冷链物流有限公司",
        chain_link=chain_link("dairy-cold"),
        owner=other_officer,
        task_force=other_task_force,
    )


def convert(target: TargetEnterprise, actor: User, **kwargs) -> Lead:
    return services.target_convert(target=target, actor=actor, channel=channel("chain"), **kwargs)


# --- create, update, delete ------------------------------------------------------------------


def test_officer_files_a_target_in_own_task_force_owned_by_themselves(officer, task_force):
    raw = code()

    target = services.target_create(
        actor=officer,
        data=create_data(task_force=task_force, credit_code=f" {raw.lower()} "),
    )

    assert target.owner == officer
    assert target.credit_code == raw
    assert target.company_key == "江苏稻香源米糠油"
    assert target.version == 1 and not target.is_converted
    assert len(history(target, "create")) == 1


def test_leader_files_a_target_for_a_member(leader, officer, task_force):
    target = services.target_create(
        actor=leader, data=create_data(owner=officer, task_force=task_force)
    )

    assert target.owner == officer


def test_officer_cannot_file_a_target_in_another_task_force(officer, other_task_force):
    with pytest.raises(PermissionRefused) as refused:
        services.target_create(actor=officer, data=create_data(task_force=other_task_force))

    assert "目标企业" in refused.value.message
    assert not TargetEnterprise.objects.exists()


def test_officer_cannot_give_a_target_to_a_colleague(officer, colleague, task_force):
    with pytest.raises(PermissionRefused):
        services.target_create(
            actor=officer, data=create_data(owner=colleague, task_force=task_force)
        )


def test_malformed_credit_code_is_refused_next_to_the_field(officer):
    with pytest.raises(DomainError) as refused:
        services.target_create(actor=officer, data=create_data(credit_code="91230381ABC"))

    assert "18 位" in refused.value.field_errors["credit_code"][0]


def test_credit_code_of_a_lead_is_refused_naming_only_its_task_force(
    officer, other_officer, other_task_force
):
    taken = code()
    LeadFactory(credit_code=taken, owner=other_officer, task_force=other_task_force)

    with pytest.raises(DuplicateError) as refused:
        services.target_create(actor=officer, data=create_data(credit_code=taken))

    assert refused.value.field_errors["credit_code"] == [
        "该统一社会信用代码已登记在「乳业专班」的线索中，请勿重复录入，可联系其负责人。"
    ]


def test_credit_code_of_another_target_is_refused(officer, foreign_target):
    foreign_target.credit_code = code()
    foreign_target.save()

    with pytest.raises(DuplicateError) as refused:
        services.target_create(
            actor=officer, data=create_data(credit_code=foreign_target.credit_code)
        )

    assert "「乳业专班」的目标企业" in refused.value.message


def test_similar_name_of_an_unseen_lead_warns_until_confirmed(
    officer, other_officer, other_task_force
):
    LeadFactory(
        company_name="江苏稻香源米糠油股份有限公司",
        owner=other_officer,
        task_force=other_task_force,
    )

    with pytest.raises(DuplicateWarning) as warned:
        services.target_create(actor=officer, data=create_data())
    target = services.target_create(actor=officer, data=create_data(), confirm_duplicate_name=True)

    assert warned.value.matches == ["（乳业专班 的一条线索）"]
    assert target.pk


def test_similar_name_of_a_visible_target_names_it(officer, own_target):
    with pytest.raises(DuplicateWarning) as warned:
        services.target_create(actor=officer, data=create_data())

    assert warned.value.matches == [NAME]


def test_missing_reason_and_link_are_refused_by_field(officer):
    with pytest.raises(DomainError) as refused:
        services.target_create(actor=officer, data={"company_name": "无理由企业"})

    assert set(refused.value.field_errors) >= {"reason", "chain_link"}


def test_company_name_on_two_lines_is_refused(officer):
    with pytest.raises(DomainError) as refused:
        services.target_create(actor=officer, data=create_data(company_name="两行\n企业"))

    assert "company_name" in refused.value.field_errors


def test_update_records_each_changed_field_and_bumps_the_version(officer, own_target):
    target = services.target_update(
        target=own_target,
        actor=officer,
        data={"reason": "新的理由", "chain_role": Lead.ChainRole.EXTEND},
        expected_version=1,
    )

    assert target.version == 2
    (row,) = history(target, "update")
    assert {change["field"] for change in row.changes} == {"reason", "chain_role"}


def test_update_without_changes_records_nothing(officer, own_target):
    services.target_update(target=own_target, actor=officer, data={"reason": own_target.reason})

    own_target.refresh_from_db()
    assert own_target.version == 1
    assert not history(own_target, "update")


def test_update_with_a_stale_version_is_a_conflict(officer, own_target):
    with pytest.raises(ConflictError):
        services.target_update(
            target=own_target, actor=officer, data={"reason": "x"}, expected_version=7
        )


def test_officer_cannot_move_a_target_to_another_task_force(officer, own_target, other_task_force):
    with pytest.raises(PermissionRefused):
        services.target_update(
            target=own_target, actor=officer, data={"task_force": other_task_force}
        )


def test_delete_keeps_a_snapshot_in_the_history(officer, own_target):
    pk = own_target.pk

    services.target_delete(target=own_target, actor=officer)

    assert not TargetEnterprise.objects.filter(pk=pk).exists()
    (row,) = history(own_target, "delete")
    assert {"field": "company_name", "label": "企业名称", "old": NAME, "new": ""} in row.changes


# --- convert ---------------------------------------------------------------------------------


def test_convert_creates_the_lead_through_the_lead_rules_and_links_it(
    officer, task_force, own_target
):
    lead = convert(own_target, officer)

    own_target.refresh_from_db()
    assert own_target.lead == lead and own_target.version == 2
    link = chain_link("rice-deep")
    assert (lead.company_name, lead.credit_code) == (NAME, own_target.credit_code)
    assert (lead.chain_link, lead.industry, lead.chain_role) == (
        link,
        link.chain.industry,
        own_target.chain_role,
    )
    assert (lead.region, lead.owner, lead.task_force) == (region(), officer, task_force)
    assert lead.channel == channel("chain") and lead.stage == Lead.Stage.COLLECT
    (row,) = history(own_target, "update")
    assert row.changes == [{"field": "lead", "label": "转化的线索", "old": "", "new": NAME}]
    assert ChangeLog.objects.filter(object_id=lead.pk, action="create").exists()


def test_the_lead_page_names_the_target_it_came_from(client, officer, own_target):
    lead = convert(own_target, officer)
    client.force_login(officer)

    page = client.get(lead.get_absolute_url()).content.decode()

    assert "来自目标企业库" in page
    assert f'href="/leads/targets/{own_target.pk}/"' in page


def test_a_target_the_reader_may_not_see_is_not_named_on_the_lead_page(
    client, officer, other_officer, task_force, own_target
):
    lead = convert(own_target, officer)
    TargetEnterprise.objects.filter(pk=own_target.pk).update(owner=other_officer, task_force=None)
    client.force_login(officer)

    assert "来自目标企业库" not in client.get(lead.get_absolute_url()).content.decode()


def test_converting_twice_is_refused_with_a_clear_message(officer, own_target):
    convert(own_target, officer)

    with pytest.raises(ConflictError) as refused:
        convert(own_target, officer)

    assert refused.value.message == f"「{NAME}」已转为线索，不能重复转换。"
    assert refused.value.status_code == 409
    assert Lead.objects.count() == 1


def test_convert_refuses_a_credit_code_a_lead_took_meanwhile_and_writes_nothing(
    officer, own_target, other_officer, other_task_force
):
    LeadFactory(
        credit_code=own_target.credit_code, owner=other_officer, task_force=other_task_force
    )

    with pytest.raises(DuplicateError):
        convert(own_target, officer)

    own_target.refresh_from_db()
    assert not own_target.is_converted and own_target.version == 1
    assert Lead.objects.count() == 1


def test_convert_warns_of_a_similar_lead_name_until_confirmed(officer, task_force, own_target):
    LeadFactory(company_name="江苏稻香源米糠油集团有限公司", owner=officer, task_force=task_force)

    with pytest.raises(DuplicateWarning):
        convert(own_target, officer)
    lead = convert(own_target, officer, confirm_duplicate_name=True)

    assert lead.target == own_target


def test_officer_cannot_convert_a_colleagues_target_but_the_leader_can(
    officer, leader, colleague, colleague_target
):
    problem = services.target_convert_problem(target=colleague_target, actor=officer)

    with pytest.raises(PermissionRefused) as refused:
        convert(colleague_target, officer)
    lead = convert(colleague_target, leader)
    colleague_target.refresh_from_db()

    assert problem == refused.value.message == "只有专班负责人或局领导可以把线索分配给他人。"
    assert lead.owner == colleague
    assert services.target_convert_problem(target=colleague_target, actor=leader) == (
        "已转为线索，不能重复转换。"
    )


def test_a_target_without_owner_becomes_the_converting_officers_lead(officer, task_force):
    target = TargetEnterpriseFactory(
        owner=None, task_force=task_force, created_by=officer, updated_by=officer
    )

    assert services.target_convert_problem(target=target, actor=officer) is None
    assert convert(target, officer).owner == officer


def test_converted_target_is_neither_edited_nor_deleted(officer, own_target):
    convert(own_target, officer)

    with pytest.raises(ConflictError):
        services.target_update(target=own_target, actor=officer, data={"reason": "改"})
    with pytest.raises(ConflictError) as refused:
        services.target_delete(target=own_target, actor=officer)
    assert "来源记录" in refused.value.message


def test_outsider_cannot_convert(other_officer, own_target):
    with pytest.raises(PermissionRefused):
        convert(own_target, other_officer)


# --- visibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", list(ROLE_SEES_LEAD), indirect=True)
def test_targets_follow_the_visibility_matrix(request, role_user, colleague_target):
    sees = ROLE_SEES_LEAD[request.node.callspec.params["role_user"]]

    listed = set(selectors.target_list(user=role_user).qs.values_list("pk", flat=True))

    assert (colleague_target.pk in listed) is sees
    if not sees:
        with pytest.raises(NotFound):
            selectors.target_get(user=role_user, pk=colleague_target.pk)


def test_target_list_filters_by_chain_link_chain_industry_and_converted(
    officer, own_target, task_force
):
    other = TargetEnterpriseFactory(
        chain_link=chain_link("bee-standard"), owner=officer, task_force=task_force
    )
    convert(own_target, officer)

    def listed(**filters) -> set[int]:
        return set(
            selectors.target_list(user=officer, filters=filters).qs.values_list("pk", flat=True)
        )

    assert listed(chain_link=["rice-deep"]) == {own_target.pk}
    assert listed(chain=["bee-chain"]) == {other.pk}
    assert listed(industry=["rice"]) == {own_target.pk}
    assert listed(converted="true") == {own_target.pk}
    assert listed(converted="false") == {other.pk}
    assert listed(q="稻香源") == {own_target.pk}
    assert listed(region=["yangtze-delta"]) == {own_target.pk}
    assert listed(chain_link=["no-such-link"]) == set()


# --- API -------------------------------------------------------------------------------------


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_api_lists_what_the_user_sees_with_the_pages_filters(officer, own_target, foreign_target):
    response = api(officer).get("/api/v1/targets/", {"chain_link": "rice-deep"})

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == own_target.pk
    assert (row["chain"], row["industry"], row["is_converted"]) == ("rice-chain", "rice", False)


def test_api_invalid_filter_is_a_json_400(officer):
    response = api(officer).get("/api/v1/targets/", {"chain_link": "no-such-link"})

    assert response.status_code == 400
    assert "chain_link" in response.json()["errors"]


def test_api_files_a_target_by_link_code(officer, task_force):
    response = api(officer).post(
        "/api/v1/targets/",
        {
            "company_name": NAME,
            "chain_link": "rice-deep",
            "reason": REASON,
            "task_force": task_force.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["owner"], body["chain_link"], body["lead"]) == (officer.pk, "rice-deep", None)


def test_api_refuses_read_only_and_unknown_fields_by_name(officer):
    response = api(officer).post(
        "/api/v1/targets/",
        {
            "company_name": NAME,
            "chain_link": "rice-deep",
            "reason": REASON,
            "lead": 1,
            "stage": "x",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"lead", "stage"}
    assert not TargetEnterprise.objects.exists()


def test_api_unknown_link_and_bad_credit_code_are_400_by_field(officer):
    response = api(officer).post(
        "/api/v1/targets/",
        {
            "company_name": NAME,
            "chain_link": "no-such-link",
            "reason": REASON,
            "credit_code": "123",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"chain_link", "credit_code"}


def test_api_target_outside_scope_is_404(officer, foreign_target):
    client = api(officer)

    assert client.get(f"/api/v1/targets/{foreign_target.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/targets/{foreign_target.pk}/convert/", {"channel": "chain"}, format="json"
    )
    assert response.status_code == 404


def test_api_stale_version_is_409(officer, own_target):
    response = api(officer).patch(
        f"/api/v1/targets/{own_target.pk}/", {"reason": "新理由", "version": 9}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "ConflictError"


def test_api_convert_answers_the_new_lead_and_a_second_convert_409(officer, own_target):
    client = api(officer)
    url = f"/api/v1/targets/{own_target.pk}/convert/"

    first = client.post(url, {"channel": "chain"}, format="json")
    second = client.post(url, {"channel": "chain"}, format="json")

    assert first.status_code == 201
    assert first.json()["company_name"] == NAME and first.json()["stage"] == "collect"
    assert second.status_code == 409
    assert "不能重复转换" in second.json()["detail"]


def test_api_convert_needs_a_known_channel(officer, own_target):
    client = api(officer)
    url = f"/api/v1/targets/{own_target.pk}/convert/"

    assert set(client.post(url, {}, format="json").json()["errors"]) == {"channel"}
    response = client.post(url, {"channel": "nowhere"}, format="json")
    assert response.status_code == 400 and "channel" in response.json()["errors"]


def test_api_convert_of_a_colleagues_target_by_an_officer_is_403(officer, colleague_target):
    response = api(officer).post(
        f"/api/v1/targets/{colleague_target.pk}/convert/", {"channel": "chain"}, format="json"
    )

    assert response.status_code == 403


# --- pages -----------------------------------------------------------------------------------


def test_list_page_filters_and_answers_htmx_with_the_table(
    client, officer, own_target, foreign_target
):
    client.force_login(officer)

    page = client.get(reverse("leads:target_list"))
    fragment = client.get(reverse("leads:target_list"), {"converted": "false"}, **HTMX)

    assert page.status_code == 200 and NAME in page.content.decode()
    assert foreign_target.company_name not in page.content.decode()
    assert "<html" not in fragment.content.decode() and NAME in fragment.content.decode()


def test_list_page_shows_a_bad_filter_above_an_empty_list(client, officer, own_target):
    client.force_login(officer)

    response = client.get(reverse("leads:target_list"), {"chain_link": "no-such-link"})

    assert response.status_code == 200
    assert NAME not in response.content.decode()
    assert "form-errors" in response.content.decode()


def test_create_page_prefills_the_link_the_atlas_names_and_its_task_force(
    client, officer, task_force
):
    task_force.industry = industry("rice")
    task_force.save()
    client.force_login(officer)

    response = client.get(reverse("leads:target_create"), {"chain_link": "rice-deep"})

    initial = response.context["form"].initial
    assert (initial["chain_link"], initial["task_force"]) == (chain_link("rice-deep"), task_force)


def test_create_page_saves_and_opens_the_target(client, officer, task_force):
    client.force_login(officer)

    response = client.post(
        reverse("leads:target_create"),
        {
            "company_name": NAME,
            "chain_link": chain_link("rice-deep").pk,
            "chain_role": "fill",
            "reason": REASON,
            "owner": officer.pk,
            "task_force": task_force.pk,
        },
    )

    target = TargetEnterprise.objects.get()
    assert response.status_code == 302 and response.url == target.get_absolute_url()


def test_create_page_shows_a_refusal_next_to_the_field(
    client, officer, other_officer, other_task_force
):
    taken = code()
    LeadFactory(credit_code=taken, owner=other_officer, task_force=other_task_force)
    client.force_login(officer)

    response = client.post(
        reverse("leads:target_create"),
        {
            "company_name": NAME,
            "chain_link": chain_link("rice-deep").pk,
            "reason": REASON,
            "credit_code": taken,
            "owner": officer.pk,
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"] == [
        "该统一社会信用代码已登记在「乳业专班」的线索中，请勿重复录入，可联系其负责人。"
    ]


def test_detail_page_offers_convert_or_says_why_not(client, officer, own_target, colleague_target):
    client.force_login(officer)

    own = client.get(own_target.get_absolute_url()).content.decode()
    colleagues = client.get(colleague_target.get_absolute_url()).content.decode()

    assert reverse("leads:target_convert", args=[own_target.pk]) in own
    assert "只有专班负责人或局领导可以把线索分配给他人。" in colleagues


def test_convert_dialog_converts_and_opens_the_lead(client, officer, own_target):
    client.force_login(officer)
    url = reverse("leads:target_convert", args=[own_target.pk])

    dialog = client.get(url, **HTMX)
    response = client.post(url, {"channel": channel("chain").pk, "version": 1}, **HTMX)

    assert dialog.status_code == 200 and "<html" not in dialog.content.decode()
    lead = Lead.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == lead.get_absolute_url()


def test_convert_dialog_without_a_channel_answers_the_dialog_with_the_error(
    client, officer, own_target
):
    client.force_login(officer)

    response = client.post(
        reverse("leads:target_convert", args=[own_target.pk]), {"version": 1}, **HTMX
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#dialog-content"
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert not Lead.objects.exists()


def test_convert_page_without_javascript_refuses_a_second_conversion(client, officer, own_target):
    convert(own_target, officer)
    client.force_login(officer)

    response = client.post(
        reverse("leads:target_convert", args=[own_target.pk]), {"channel": channel("chain").pk}
    )

    assert response.status_code == 409
    assert "已转为线索，不能重复转换。" in response.content.decode()


def test_edit_page_conflict_is_409_and_keeps_the_input(client, officer, own_target):
    services.target_update(target=own_target, actor=officer, data={"reason": "他人先改"})
    client.force_login(officer)

    response = client.post(
        reverse("leads:target_edit", args=[own_target.pk]),
        {
            "company_name": NAME,
            "chain_link": own_target.chain_link_id,
            "reason": "我的理由",
            "owner": officer.pk,
            "task_force": own_target.task_force_id,
            "version": 1,
        },
    )

    assert response.status_code == 409
    assert "我的理由" in response.content.decode()


def test_edit_page_of_a_converted_target_sends_back_to_it(client, officer, own_target):
    convert(own_target, officer)
    client.force_login(officer)

    response = client.get(reverse("leads:target_edit", args=[own_target.pk]))

    assert response.status_code == 302 and response.url == own_target.get_absolute_url()


def test_delete_page_deletes_and_refuses_a_converted_target(
    client, officer, task_force, own_target
):
    converted = TargetEnterpriseFactory(owner=officer, task_force=task_force)
    convert(converted, officer)
    client.force_login(officer)

    deleted = client.post(reverse("leads:target_delete", args=[own_target.pk]))
    refused = client.post(reverse("leads:target_delete", args=[converted.pk]))

    assert (
        deleted.status_code == 302
        and not TargetEnterprise.objects.filter(pk=own_target.pk).exists()
    )
    assert refused.status_code == 409 and "来源记录" in refused.content.decode()


def test_export_lists_the_filtered_targets_of_the_users_scope(
    client, officer, own_target, foreign_target
):
    client.force_login(officer)

    response = client.get(reverse("leads:target_export"), {"format": "csv", "converted": "false"})

    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:])))
    names = [row[0] for row in rows]
    assert NAME in names and foreign_target.company_name not in names
    assert "转化情况" not in text and "已转为线索" in rows[1]


def test_pages_of_a_target_outside_scope_answer_404(client, officer, foreign_target):
    client.force_login(officer)

    for name in ("target_detail", "target_edit", "target_convert", "target_delete"):
        assert client.get(reverse(f"leads:{name}", args=[foreign_target.pk])).status_code == 404


def make_targets(count: int, *, owner: User, task_force) -> None:
    for number in range(count):
        target = TargetEnterpriseFactory(owner=owner, task_force=task_force, region=region())
        if number % 2:
            convert(target, owner)


# The user's task forces (led and member, one query) for the scope, then the rows with
# everything a row shows.
SELECTOR_QUERIES = 1 + 1


@pytest.mark.parametrize("size", [2, 20])
def test_target_list_reads_its_rows_in_one_query(
    django_assert_num_queries, officer, task_force, size
):
    make_targets(size, owner=officer, task_force=task_force)
    reader = User.objects.get(pk=officer.pk)

    with django_assert_num_queries(SELECTOR_QUERIES):
        rows = [
            (
                t.chain_link.chain.industry.name,
                t.region,
                t.owner,
                t.task_force,
                t.lead,
                t.lead_visible,
            )
            for t in selectors.target_list(user=reader).qs
        ]

    assert len(rows) == size


def test_target_list_page_costs_the_same_queries_for_few_or_many(client, officer, task_force):
    client.force_login(officer)

    def queries() -> int:
        client.get(reverse("leads:target_list"))  # warm the content-type cache
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("leads:target_list"))
        return len(captured)

    make_targets(2, owner=officer, task_force=task_force)
    few = queries()
    make_targets(20, owner=officer, task_force=task_force)
    assert queries() == few


# --- admin -----------------------------------------------------------------------------------


def test_admin_saves_a_target_through_the_service(client, admin_user, officer, task_force):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:leads_targetenterprise_add"),
        {
            "company_name": NAME,
            "credit_code": "",
            "chain_link": chain_link("rice-deep").pk,
            "chain_role": "fill",
            "reason": REASON,
            "owner": officer.pk,
            "task_force": task_force.pk,
        },
    )

    assert response.status_code == 302
    target = TargetEnterprise.objects.get()
    assert target.created_by == admin_user and history(target, "create")


def test_admin_refuses_to_delete_a_converted_target(client, admin_user, officer, own_target):
    convert(own_target, officer)
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:leads_targetenterprise_delete", args=[own_target.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert TargetEnterprise.objects.filter(pk=own_target.pk).exists()
