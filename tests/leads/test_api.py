"""The leads REST API: endpoints, errors as JSON, visibility, filters and the query budget."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import ChangeLog, User
from leads.models import FollowUp, Lead, LeadTransition
from tests.factories import FollowUpFactory, LeadFactory, make_credit_code

LIST_URL = "/api/v1/leads/"


def detail_url(lead: Lead) -> str:
    return f"/api/v1/leads/{lead.pk}/"


def transition_url(lead: Lead) -> str:
    return f"/api/v1/leads/{lead.pk}/transition/"


def follow_ups_url(lead: Lead) -> str:
    return f"/api/v1/leads/{lead.pk}/follow-ups/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def own_lead(officer, task_force) -> Lead:
    return LeadFactory(company_name="虎林绿源米业有限公司", owner=officer, task_force=task_force)


@pytest.fixture
def screened_lead(officer, task_force) -> Lead:
    """A lead in screen, rated A, with owner and task force: ready for the leader's approval."""
    return LeadFactory(
        company_name="黑龙江稻香食品有限公司",
        credit_code=make_credit_code(501),
        due_diligence_note="已核实营业执照",
        rating=Lead.Rating.A,
        stage=Lead.Stage.SCREEN,
        owner=officer,
        task_force=task_force,
    )


@pytest.fixture
def other_lead(other_officer, other_task_force) -> Lead:
    return LeadFactory(
        company_name="乳业外班企业", owner=other_officer, task_force=other_task_force
    )


# --- authentication and methods -------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_request_is_refused():
    response = APIClient().get(LIST_URL)

    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_put_and_delete_are_not_allowed(officer, own_lead):
    client = client_for(officer)

    assert client.put(detail_url(own_lead), {}, format="json").status_code == 405
    assert client.delete(detail_url(own_lead)).status_code == 405
    assert Lead.objects.filter(pk=own_lead.pk).exists()


# --- visibility -----------------------------------------------------------------------------


def test_officer_lists_own_and_task_force_leads(officer, leader, task_force, own_lead, other_lead):
    colleague_lead = LeadFactory(owner=leader, task_force=task_force)
    own_without_task_force = LeadFactory(owner=officer)

    response = client_for(officer).get(LIST_URL)

    assert response.status_code == 200
    assert ids(response) == {own_lead.pk, colleague_lead.pk, own_without_task_force.pk}
    assert response.json()["count"] == 3


def test_other_officer_gets_404_for_a_lead_outside_their_scope(other_officer, own_lead):
    client = client_for(other_officer)

    response = client.get(detail_url(own_lead))

    assert response.status_code == 404
    assert response.json() == {"detail": "没有找到这条线索。", "code": "NotFound"}
    assert client.patch(detail_url(own_lead), {"intent": "x"}, format="json").status_code == 404
    assert client.get(follow_ups_url(own_lead)).status_code == 404


def test_bureau_leader_lists_every_lead(bureau_leader, own_lead, other_lead):
    response = client_for(bureau_leader).get(LIST_URL)

    assert ids(response) == {own_lead.pk, other_lead.pk}


def test_task_force_leader_lists_the_leads_of_their_task_force(leader, own_lead, other_lead):
    response = client_for(leader).get(LIST_URL)

    assert ids(response) == {own_lead.pk}


def test_missing_lead_is_404(officer):
    assert client_for(officer).get("/api/v1/leads/999999/").status_code == 404


# --- retrieve -------------------------------------------------------------------------------


def test_retrieve_shows_codes_ids_names_and_decimal_strings(officer, task_force):
    lead = LeadFactory(
        owner=officer,
        task_force=task_force,
        planned_investment=Decimal("12000.50"),
        rating=Lead.Rating.B,
        next_follow_up_on=timezone.localdate() - datetime.timedelta(days=3),
    )

    body = client_for(officer).get(detail_url(lead)).json()

    assert body["id"] == lead.pk
    assert body["company_name"] == lead.company_name
    assert body["industry"] == "rice"
    assert body["industry_name"] == "米业"
    assert body["channel"] == "townsman"
    assert body["region"] is None
    assert body["chain_link"] is None
    assert body["planned_investment"] == "12000.50"
    assert body["owner"] == officer.pk
    assert body["owner_name"] == "王招商"
    assert body["task_force"] == task_force.pk
    assert body["task_force_name"] == "米业专班"
    assert body["stage"] == "collect"
    assert body["stage_display"] == "搜集"
    assert body["version"] == 1
    assert body["is_overdue"] is True
    assert body["days_overdue"] == 3
    assert "confirm_duplicate_name" not in body


# --- create ---------------------------------------------------------------------------------


def test_create_logs_a_lead_in_collect_owned_by_the_caller(officer, task_force):
    payload = {
        "company_name": "上海稻丰米业有限公司",
        "credit_code": make_credit_code(7),
        "industry": "rice",
        "channel": "townsman",
        "region": "yangtze-delta",
        "chain_link": "rice-milling",
        "chain_role": "fill",
        "planned_investment": "8000.00",
        "task_force": task_force.pk,
        "contact_name": "张经理",
    }

    response = client_for(officer).post(LIST_URL, payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    lead = Lead.objects.get(pk=body["id"])
    assert lead.stage == Lead.Stage.COLLECT
    assert lead.owner == officer
    assert lead.created_by == officer
    assert lead.region.code == "yangtze-delta"
    assert lead.chain_link.code == "rice-milling"
    assert lead.planned_investment == Decimal("8000.00")
    assert body["planned_investment"] == "8000.00"
    assert body["chain_link"] == "rice-milling"
    assert ChangeLog.objects.filter(object_id=lead.pk, action="create").count() == 1


def test_create_refuses_read_only_fields_by_name(officer):
    response = client_for(officer).post(
        LIST_URL,
        {
            "company_name": "只读字段测试企业",
            "industry": "rice",
            "channel": "townsman",
            "stage": "serve",
            "version": 9,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"].keys() == {"stage"}
    assert not Lead.objects.filter(company_name="只读字段测试企业").exists()


def test_create_refuses_a_wrong_credit_code_in_chinese(officer):
    code = make_credit_code(8)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")

    response = client_for(officer).post(
        LIST_URL,
        {
            "company_name": "校验位错误企业",
            "industry": "rice",
            "channel": "townsman",
            "credit_code": wrong,
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["credit_code"] == ["统一社会信用代码校验位不正确，请核对是否抄错。"]
    assert body["detail"] == "输入有误，请检查标出的字段。"
    assert not Lead.objects.exists()


def test_create_reports_every_bad_field(officer):
    response = client_for(officer).post(
        LIST_URL,
        {
            "industry": "no-such-industry",
            "channel": "townsman",
            "planned_investment": "-5",
            "rating": "Z",
        },
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"company_name", "industry", "planned_investment", "rating"}
    assert errors["company_name"] == ["该字段是必填项。"]
    assert "no-such-industry" in errors["industry"][0]


def test_create_refuses_a_duplicate_credit_code_naming_the_task_force(officer, other_lead):
    code = make_credit_code(9)
    Lead.objects.filter(pk=other_lead.pk).update(credit_code=code)

    response = client_for(officer).post(
        LIST_URL,
        {
            "company_name": "另一家企业",
            "industry": "rice",
            "channel": "townsman",
            "credit_code": code,
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "DuplicateError"
    assert "乳业专班" in body["errors"]["credit_code"][0]
    assert "乳业外班企业" not in body["detail"]


def test_similar_name_warns_until_confirmed(officer, own_lead):
    payload = {"company_name": "虎林 绿源米业", "industry": "rice", "channel": "townsman"}
    client = client_for(officer)

    warned = client.post(LIST_URL, payload, format="json")

    assert warned.status_code == 400
    body = warned.json()
    assert body["code"] == "DuplicateWarning"
    assert body["matches"] == ["虎林绿源米业有限公司"]
    assert Lead.objects.count() == 1

    confirmed = client.post(LIST_URL, {**payload, "confirm_duplicate_name": True}, format="json")

    assert confirmed.status_code == 201
    assert Lead.objects.count() == 2


def test_officer_may_not_create_a_lead_for_someone_else(officer, other_officer):
    response = client_for(officer).post(
        LIST_URL,
        {
            "company_name": "代建企业",
            "industry": "rice",
            "channel": "townsman",
            "owner": other_officer.pk,
        },
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["errors"]["owner"] == ["只能由专班负责人分配给他人。"]


# --- update ---------------------------------------------------------------------------------


def test_patch_changes_fields_and_records_history(officer, own_lead):
    response = client_for(officer).patch(
        detail_url(own_lead),
        {"rating": "A", "planned_investment": "5000", "region": "pearl-delta", "version": 1},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["rating"] == "A"
    assert body["planned_investment"] == "5000.00"
    assert body["region"] == "pearl-delta"
    assert body["version"] == 2
    change = ChangeLog.objects.get(object_id=own_lead.pk, action="update")
    assert {item["field"] for item in change.changes} == {"rating", "planned_investment", "region"}


def test_patch_refuses_the_stage_instead_of_ignoring_it(officer, own_lead):
    response = client_for(officer).patch(
        detail_url(own_lead), {"stage": "serve", "intent": "建厂"}, format="json"
    )

    assert response.status_code == 400
    assert "stage" in response.json()["detail"]
    own_lead.refresh_from_db()
    assert own_lead.stage == Lead.Stage.COLLECT
    assert own_lead.intent != "建厂"


def test_patch_with_a_stale_version_is_a_conflict(officer, own_lead):
    Lead.objects.filter(pk=own_lead.pk).update(version=3)

    response = client_for(officer).patch(
        detail_url(own_lead), {"intent": "新意向", "version": 2}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "ConflictError"
    assert "刚刚被" in body["detail"]
    own_lead.refresh_from_db()
    assert own_lead.intent == ""


def test_patch_giving_the_lead_away_without_the_right_is_403(officer, other_officer, own_lead):
    response = client_for(officer).patch(
        detail_url(own_lead), {"owner": other_officer.pk}, format="json"
    )

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "PermissionRefused"
    assert body["errors"]["owner"] == ["只能由专班负责人分配给他人。"]
    own_lead.refresh_from_db()
    assert own_lead.owner == officer


def test_patch_bad_field_is_400_per_field(officer, own_lead):
    response = client_for(officer).patch(
        detail_url(own_lead), {"credit_code": "123", "channel": "nowhere"}, format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["credit_code"] == ["统一社会信用代码应为 18 位，当前为 3 位。"]
    assert "channel" in errors


def test_patch_similar_name_needs_confirmation(officer, own_lead, task_force):
    second = LeadFactory(company_name="虎林黑土农业", owner=officer, task_force=task_force)
    client = client_for(officer)

    warned = client.patch(detail_url(second), {"company_name": "虎林绿源米业"}, format="json")
    confirmed = client.patch(
        detail_url(second),
        {"company_name": "虎林绿源米业", "confirm_duplicate_name": True},
        format="json",
    )

    assert warned.status_code == 400
    assert warned.json()["code"] == "DuplicateWarning"
    assert confirmed.status_code == 200
    assert confirmed.json()["company_name"] == "虎林绿源米业"


# --- transitions ----------------------------------------------------------------------------


def test_officer_moves_a_verified_lead_to_screen(officer, own_lead):
    Lead.objects.filter(pk=own_lead.pk).update(
        credit_code=make_credit_code(11), due_diligence_note="营业执照、纳税情况已核实"
    )

    response = client_for(officer).post(
        transition_url(own_lead), {"to": "screen", "version": 1}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "screen"
    assert response.json()["version"] == 2
    move = LeadTransition.objects.get(lead=own_lead)
    assert (move.from_stage, move.to_stage, move.actor) == ("collect", "screen", officer)


def test_skipping_a_stage_is_refused_with_the_reason(officer, own_lead):
    response = client_for(officer).post(transition_url(own_lead), {"to": "dock"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "TransitionRefused"
    assert body["detail"] == "不能从「搜集」直接移到「对接」：阶段必须逐级推进，不能跳过。"
    assert not LeadTransition.objects.exists()


def test_leader_approves_screen_to_dock(leader, screened_lead):
    response = client_for(leader).post(transition_url(screened_lead), {"to": "dock"}, format="json")

    assert response.status_code == 200
    assert response.json()["stage"] == "dock"


def test_officer_may_not_approve_screen_to_dock(officer, screened_lead):
    response = client_for(officer).post(
        transition_url(screened_lead), {"to": "dock"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "进入「对接」须由专班负责人或局领导审批。"
    screened_lead.refresh_from_db()
    assert screened_lead.stage == Lead.Stage.SCREEN


def test_dropping_needs_a_reason(officer, own_lead):
    client = client_for(officer)

    refused = client.post(transition_url(own_lead), {"to": "dropped"}, format="json")
    dropped = client.post(
        transition_url(own_lead), {"to": "dropped", "reason": "企业已在外地落户"}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["detail"] == "搁置线索需要填写原因。"
    assert dropped.status_code == 200
    assert LeadTransition.objects.get(lead=own_lead).reason == "企业已在外地落户"


def test_transition_with_a_stale_version_is_a_conflict(leader, screened_lead):
    response = client_for(leader).post(
        transition_url(screened_lead), {"to": "dock", "version": 7}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "ConflictError"
    screened_lead.refresh_from_db()
    assert screened_lead.stage == Lead.Stage.SCREEN


def test_the_second_of_two_identical_moves_is_a_conflict(leader, bureau_leader, screened_lead):
    first = client_for(leader).post(transition_url(screened_lead), {"to": "dock"}, format="json")
    second = client_for(bureau_leader).post(
        transition_url(screened_lead), {"to": "dock"}, format="json"
    )

    assert first.status_code == 200
    assert second.status_code == 409
    assert "已经处于「对接」阶段" in second.json()["detail"]
    assert LeadTransition.objects.filter(lead=screened_lead).count() == 1


def test_unknown_target_stage_is_a_field_error(officer, own_lead):
    response = client_for(officer).post(transition_url(own_lead), {"to": "heaven"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["to"]


def test_moving_a_lead_outside_the_scope_is_404(other_officer, own_lead):
    response = client_for(other_officer).post(
        transition_url(own_lead), {"to": "dropped", "reason": "x"}, format="json"
    )

    assert response.status_code == 404
    own_lead.refresh_from_db()
    assert own_lead.stage == Lead.Stage.COLLECT


# --- follow-ups -----------------------------------------------------------------------------


def test_follow_ups_are_listed_newest_first(officer, own_lead):
    today = timezone.localdate()
    older = FollowUpFactory(lead=own_lead, occurred_on=today - datetime.timedelta(days=5))
    newer = FollowUpFactory(lead=own_lead, occurred_on=today, method=FollowUp.Method.VISIT)

    response = client_for(officer).get(follow_ups_url(own_lead))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["id"] for row in results] == [newer.pk, older.pk]
    assert results[0]["method"] == "visit"
    assert results[0]["method_display"] == "走访"
    assert results[0]["created_by"] == officer.pk


def test_recording_a_follow_up_updates_the_lead(officer, own_lead):
    today = timezone.localdate()
    next_date = today + datetime.timedelta(days=10)

    response = client_for(officer).post(
        follow_ups_url(own_lead),
        {
            "occurred_on": today.isoformat(),
            "method": "inspection",
            "summary": "企业来虎林考察园区",
            "participants": "王招商、张经理",
            "next_follow_up_on": next_date.isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["lead"] == own_lead.pk
    own_lead.refresh_from_db()
    assert own_lead.last_follow_up_on == today
    assert own_lead.next_follow_up_on == next_date
    assert FollowUp.objects.get(lead=own_lead).created_by == officer


def test_follow_up_in_the_future_is_refused_on_the_field(officer, own_lead):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client_for(officer).post(
        follow_ups_url(own_lead),
        {"occurred_on": tomorrow.isoformat(), "method": "phone", "summary": "电话"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"occurred_on": ["跟进日期不能晚于今天。"]}
    assert not FollowUp.objects.exists()


def test_follow_up_without_summary_or_method_is_refused(officer, own_lead):
    response = client_for(officer).post(
        follow_ups_url(own_lead),
        {"occurred_on": timezone.localdate().isoformat(), "method": "pigeon"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"summary", "method"}


# --- filters --------------------------------------------------------------------------------


def test_list_filters_by_stage_and_free_text(officer, own_lead, screened_lead):
    client = client_for(officer)

    by_stage = client.get(LIST_URL, {"stage": "screen"})
    by_text = client.get(LIST_URL, {"q": "绿源"})
    both = client.get(LIST_URL, {"stage": "screen", "q": "绿源"})

    assert ids(by_stage) == {screened_lead.pk}
    assert ids(by_text) == {own_lead.pk}
    assert ids(both) == set()


def test_list_filters_by_industry_code_and_overdue(officer, task_force):
    today = timezone.localdate()
    overdue_rice = LeadFactory(owner=officer, next_follow_up_on=today - datetime.timedelta(days=1))
    LeadFactory(owner=officer, next_follow_up_on=today + datetime.timedelta(days=1))
    dairy = LeadFactory(owner=officer)
    Lead.objects.filter(pk=dairy.pk).update(
        industry=dairy.industry.__class__.objects.get(code="dairy")
    )
    client = client_for(officer)

    assert ids(client.get(LIST_URL, {"industry": "dairy"})) == {dairy.pk}
    assert ids(client.get(LIST_URL, {"industry": "rice", "overdue": "true"})) == {overdue_rice.pk}


def test_list_ordering(officer):
    first = LeadFactory(owner=officer, planned_investment=Decimal("10"))
    second = LeadFactory(owner=officer, planned_investment=Decimal("30"))
    third = LeadFactory(owner=officer, planned_investment=Decimal("20"))

    response = client_for(officer).get(LIST_URL, {"ordering": "-planned_investment"})

    assert [row["id"] for row in response.json()["results"]] == [second.pk, third.pk, first.pk]


def test_bad_filter_values_are_400_with_the_filter_errors(officer):
    response = client_for(officer).get(LIST_URL, {"stage": "limbo", "created_after": "yesterday"})

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "筛选条件有误。"
    assert set(body["errors"]) == {"stage", "created_after"}


# --- query budget ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 25])
def test_list_runs_a_fixed_number_of_queries(
    size, officer, leader, task_force, django_assert_num_queries
):
    for serial in range(size):
        owner = officer if serial % 2 else leader
        LeadFactory(owner=owner, task_force=task_force, credit_code=make_credit_code(serial))
    client = client_for(officer)
    client.get(LIST_URL)  # the first request after signing in also renews the session

    # session, user, the officer's led and member task forces (one query), the count and the
    # page; who created and last changed the leads (fetched by id: leads.selectors.lead_records;
    # the leads have no chain link or region to fetch).
    with django_assert_num_queries(5 + 2):
        response = client.get(LIST_URL)

    assert len(response.json()["results"]) == size


def test_list_filters_by_task_force_and_owner_ids(officer, leader, task_force, own_lead):
    own_without_task_force = LeadFactory(owner=officer)
    leaders_lead = LeadFactory(owner=leader, task_force=task_force)
    client = client_for(officer)

    by_task_force = client.get(LIST_URL, {"task_force_id": task_force.pk})
    by_owner = client.get(LIST_URL, {"owner_id": officer.pk})

    assert ids(by_task_force) == {own_lead.pk, leaders_lead.pk}
    assert ids(by_owner) == {own_lead.pk, own_without_task_force.pk}


@pytest.mark.parametrize("suffix", ["", "transition/", "follow-ups/"])
def test_browsable_api_pages_render(officer, own_lead, suffix):
    url = LIST_URL if not suffix else f"{detail_url(own_lead)}{suffix}"

    response = client_for(officer).get(url, HTTP_ACCEPT="text/html")

    assert response.status_code == (405 if suffix == "transition/" else 200)
    assert response["Content-Type"].startswith("text/html")


def test_browsable_api_detail_page_renders(officer, own_lead):
    response = client_for(officer).get(detail_url(own_lead), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert own_lead.company_name in response.content.decode()
