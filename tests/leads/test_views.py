"""The lead pages: rendering per role, scope, forms, moves, follow-ups, htmx partials, export."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.models import ChangeLog
from leads.models import FollowUp, Lead, LeadTransition
from tests.factories import LeadFactory, channel, industry, make_credit_code

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lead(officer, task_force):
    return LeadFactory(
        company_name="虎林金禾米业有限公司",
        owner=officer,
        task_force=task_force,
        credit_code=make_credit_code(1),
    )


@pytest.fixture
def other_lead(other_officer, other_task_force):
    return LeadFactory(
        company_name="完达山乳业外班企业", owner=other_officer, task_force=other_task_force
    )


def form_data(**overrides):
    data = {
        "company_name": "黑龙江新禾农业科技有限公司",
        "credit_code": "",
        "industry": industry("rice").pk,
        "channel": channel("townsman").pk,
        "chain_role": "",
        "referrer_kind": "",
        "rating": "",
        "planned_investment": "3000",
        "intent": "建设稻米深加工生产线",
    }
    data.update(overrides)
    return data


def edit_data(lead, **overrides):
    data = form_data(
        company_name=lead.company_name,
        credit_code=lead.credit_code,
        industry=lead.industry_id,
        channel=lead.channel_id,
        owner=lead.owner_id or "",
        task_force=lead.task_force_id or "",
        planned_investment="",
        intent=lead.intent,
        version=lead.version,
    )
    data.update(overrides)
    return data


# --- rendering and access -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "leader", "bureau_leader", "admin_user"])
@pytest.mark.parametrize(
    "url_name", ["leads:list", "leads:pipeline", "leads:create", "leads:detail", "leads:edit"]
)
def test_lead_pages_render_for_each_role(client, request, lead, role, url_name):
    client.force_login(request.getfixturevalue(role))
    args = [lead.pk] if url_name in ("leads:detail", "leads:edit") else []
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert "招商线索管理系统" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/leads/", "/leads/pipeline/", "/leads/new/", "/leads/export/", "/leads/1/"]
)
def test_anonymous_user_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("method", "url_name", "data"),
    [
        ("get", "leads:detail", {}),
        ("get", "leads:edit", {}),
        ("post", "leads:edit", {"company_name": "x"}),
        ("get", "leads:transition", {"to": "dropped"}),
        ("post", "leads:transition", {"to": "dropped", "reason": "x"}),
        ("post", "leads:follow_up_create", {"summary": "x", "method": "phone"}),
    ],
)
def test_lead_outside_scope_answers_404(client, other_officer, lead, method, url_name, data):
    client.force_login(other_officer)
    response = getattr(client, method)(reverse(url_name, args=[lead.pk]), data)
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.COLLECT
    assert not FollowUp.objects.exists()


def test_list_shows_only_leads_in_scope(client, officer, lead, other_lead):
    client.force_login(officer)
    content = client.get(reverse("leads:list")).content.decode()
    assert lead.company_name in content
    assert other_lead.company_name not in content


# --- list: filters, sorting, pagination, htmx -----------------------------------------------


def test_list_filters_kept_in_url_and_htmx_gets_the_partial(client, officer, task_force):
    LeadFactory(company_name="米业甲", owner=officer, task_force=task_force, rating="A")
    LeadFactory(company_name="米业乙", owner=officer, task_force=task_force, rating="C")
    client.force_login(officer)

    response = client.get(reverse("leads:list"), {"rating": "A"}, **HTMX)

    content = response.content.decode()
    assert "<html" not in content
    assert "米业甲" in content and "米业乙" not in content
    assert 'href="/leads/export/?rating=A"' in content


def test_htmx_sort_updates_the_filter_bars_ordering_out_of_band(client, officer, lead):
    client.force_login(officer)
    response = client.get(reverse("leads:list"), {"ordering": "-rating"}, **HTMX)
    content = response.content.decode()
    assert 'id="filter-ordering" value="-rating" hx-swap-oob="true"' in content


def test_full_page_renders_on_htmx_history_restore(client, officer, lead):
    client.force_login(officer)
    response = client.get(
        reverse("leads:list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_sort_header_toggles_direction(client, officer, lead):
    client.force_login(officer)
    content = client.get(reverse("leads:list"), {"ordering": "company_name"}).content.decode()
    assert "?ordering=-company_name" in content
    content = client.get(reverse("leads:list"), {"ordering": "-company_name"}).content.decode()
    assert '?ordering=company_name"' in content


def test_pagination_keeps_other_params(client, officer, task_force):
    for number in range(30):
        LeadFactory(company_name=f"分页企业{number}", owner=officer, task_force=task_force)
    client.force_login(officer)
    response = client.get(reverse("leads:list"), {"q": "分页"})
    content = response.content.decode()
    assert response.context["page"].paginator.num_pages == 2
    assert len(response.context["leads"]) == 25
    assert "?q=%E5%88%86%E9%A1%B5&amp;page=2" in content


def test_overdue_lead_is_marked(client, officer, task_force):
    LeadFactory(
        company_name="逾期企业",
        owner=officer,
        task_force=task_force,
        next_follow_up_on=timezone.localdate() - timezone.timedelta(days=3),
    )
    client.force_login(officer)
    content = client.get(reverse("leads:list")).content.decode()
    assert "逾期 3 天" in content


# --- export ---------------------------------------------------------------------------------


def test_export_xlsx_is_scoped_and_filtered(client, officer, lead, other_lead, task_force):
    LeadFactory(company_name="另一家米业", owner=officer, task_force=task_force, rating="C")
    client.force_login(officer)

    response = client.get(reverse("leads:export"), {"q": "金禾"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "企业名称"  # under the title row
    assert [row[0] for row in rows[2:-1]] == [lead.company_name]  # above the 合计 row


def test_export_csv_is_scoped(client, officer, lead, other_lead):
    client.force_login(officer)
    response = client.get(reverse("leads:export"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    names = [row[0] for row in csv.reader(io.StringIO(text))][2:-1]
    assert names == [lead.company_name]


def test_bureau_leader_exports_everything(client, bureau_leader, lead, other_lead):
    client.force_login(bureau_leader)
    response = client.get(reverse("leads:export"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert other_lead.company_name in text and lead.company_name in text


# --- create and edit ------------------------------------------------------------------------


def test_create_with_bad_credit_code_shows_chinese_message(client, officer):
    client.force_login(officer)
    bad = make_credit_code(7)[:-1] + ("0" if make_credit_code(7)[-1] != "0" else "1")

    response = client.post(reverse("leads:create"), form_data(credit_code=bad))

    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"] == [
        "统一社会信用代码校验位不正确，请核对是否抄错。"
    ]
    assert "校验位不正确" in response.content.decode()
    assert not Lead.objects.exists()


def test_create_saves_through_the_service(client, officer, task_force):
    client.force_login(officer)
    response = client.post(
        reverse("leads:create"),
        form_data(credit_code=make_credit_code(3).lower(), task_force=task_force.pk),
    )
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == lead.get_absolute_url()
    assert lead.owner == officer
    assert lead.credit_code == make_credit_code(3)
    assert lead.stage == Lead.Stage.COLLECT
    assert ChangeLog.objects.filter(object_id=lead.pk, action="create").exists()


def test_duplicate_credit_code_is_refused_naming_the_task_force(client, officer, other_lead):
    other_lead.credit_code = make_credit_code(5)
    other_lead.save()
    client.force_login(officer)

    response = client.post(reverse("leads:create"), form_data(credit_code=make_credit_code(5)))

    assert response.status_code == 400
    [message] = response.context["form"].errors["credit_code"]
    assert "乳业专班" in message
    assert other_lead.company_name not in response.content.decode()
    assert Lead.objects.count() == 1


def test_similar_name_warns_then_saves_when_confirmed(client, officer, lead):
    client.force_login(officer)
    data = form_data(company_name="虎林金禾米业股份有限公司")

    response = client.post(reverse("leads:create"), data)

    assert response.status_code == 400
    assert response.context["duplicate_warning"]
    assert "仍然保存（确认不是同一家企业）" in response.content.decode()
    assert Lead.objects.count() == 1

    response = client.post(reverse("leads:create"), {**data, "confirm_duplicate_name": "on"})

    assert response.status_code == 302
    assert Lead.objects.count() == 2


def test_officer_cannot_file_into_a_foreign_task_force(client, officer, other_task_force):
    client.force_login(officer)
    response = client.post(reverse("leads:create"), form_data(task_force=other_task_force.pk))
    assert response.status_code == 400
    assert "task_force" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_edit_saves_and_the_change_shows_on_the_timeline(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:edit", args=[lead.pk]), edit_data(lead, planned_investment="8800")
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.version == 2
    content = client.get(lead.get_absolute_url()).content.decode()
    assert "计划投资（万元）" in content
    assert '<span class="change-new">8800</span>' in content


def test_edit_with_stale_version_is_a_conflict_that_keeps_the_input(client, officer, lead):
    client.force_login(officer)
    stale = edit_data(lead, company_name="我改的名字有限公司", intent="我写的意向")
    Lead.objects.filter(pk=lead.pk).update(version=lead.version + 1)

    response = client.post(reverse("leads:edit", args=[lead.pk]), stale)

    assert response.status_code == 409
    content = response.content.decode()
    assert "刚刚被" in content
    assert 'value="我改的名字有限公司"' in content
    assert "我写的意向" in content
    assert response.context["form_version"] == lead.version + 1
    lead.refresh_from_db()
    assert lead.company_name == "虎林金禾米业有限公司"


# --- moves ----------------------------------------------------------------------------------


def test_refused_move_shows_the_reason(client, officer, task_force):
    lead = LeadFactory(owner=officer, task_force=task_force)
    client.force_login(officer)

    response = client.post(
        reverse("leads:transition", args=[lead.pk]),
        {"to": "screen", "version": lead.version},
        follow=True,
    )

    assert "进入「筛选」需要有效的统一社会信用代码" in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.COLLECT


def test_detail_shows_why_a_move_is_not_open(client, officer, task_force):
    lead = LeadFactory(owner=officer, task_force=task_force)
    client.force_login(officer)
    content = client.get(lead.get_absolute_url()).content.decode()
    assert "disabled" in content
    assert "进入「筛选」需要有效的统一社会信用代码" in content


def test_move_without_js_redirects_with_a_message(client, officer, lead):
    lead.due_diligence_note = "已核实"
    lead.save()
    client.force_login(officer)

    response = client.post(
        reverse("leads:transition", args=[lead.pk]), {"to": "screen", "version": lead.version}
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.SCREEN
    assert LeadTransition.objects.filter(lead=lead, to_stage="screen").exists()


def test_htmx_move_from_detail_redirects_on_success(client, officer, lead):
    lead.due_diligence_note = "已核实"
    lead.save()
    client.force_login(officer)
    response = client.post(
        reverse("leads:transition", args=[lead.pk]),
        {"to": "screen", "version": lead.version, "from": "detail"},
        **HTMX,
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == lead.get_absolute_url()


def test_htmx_refused_move_from_detail_sends_only_the_message(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:transition", args=[lead.pk]),
        {"to": "screen", "version": lead.version, "from": "detail"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    content = response.content.decode()
    assert 'hx-swap-oob="true"' in content
    assert "核实情况" in content


def test_move_with_stale_version_is_a_conflict(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:transition", args=[lead.pk]),
        {"to": "dropped", "reason": "暂缓", "version": lead.version + 5},
        follow=True,
    )
    assert "刚刚被" in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.COLLECT


def test_move_needing_a_reason_asks_for_it(client, officer, lead):
    client.force_login(officer)
    url = reverse("leads:transition", args=[lead.pk])

    dialog = client.get(url, {"to": "dropped"}, **HTMX)
    page = client.get(url, {"to": "dropped"})

    assert "<html" not in dialog.content.decode()
    assert 'name="reason"' in dialog.content.decode()
    assert "<html" in page.content.decode()
    assert 'name="reason"' in page.content.decode()


def test_drop_without_reason_is_refused(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:transition", args=[lead.pk]), {"to": "dropped"}, follow=True
    )
    assert "搁置线索需要填写原因" in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.COLLECT


def test_pipeline_htmx_move_returns_the_board(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:transition", args=[lead.pk]),
        {"to": "dropped", "reason": "企业暂停投资", "from": "pipeline", "filters": "q=金禾"},
        **HTMX,
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="pipeline-board"' in content
    assert 'data-filters="q=%E9%87%91%E7%A6%BE"' in content
    columns = {column.stage: column for column in response.context["columns"]}
    assert [card.pk for card in columns["dropped"].leads] == [lead.pk]
    assert "已将" in content


def test_pipeline_refused_move_returns_the_card_to_its_place(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:transition", args=[lead.pk]),
        {"to": "dock", "from": "pipeline"},
        **HTMX,
    )
    columns = {column.stage: column for column in response.context["columns"]}
    assert [card.pk for card in columns["collect"].leads] == [lead.pk]
    assert "阶段必须逐级推进" in response.content.decode()


def test_leader_moves_a_screened_lead_to_dock(client, leader, officer, task_force):
    lead = LeadFactory(owner=officer, task_force=task_force, stage="screen", rating="A")
    client.force_login(leader)
    client.post(reverse("leads:transition", args=[lead.pk]), {"to": "dock"})
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.DOCK


def test_officer_may_not_approve_dock(client, officer, task_force):
    lead = LeadFactory(owner=officer, task_force=task_force, stage="screen", rating="A")
    client.force_login(officer)
    response = client.post(reverse("leads:transition", args=[lead.pk]), {"to": "dock"}, follow=True)
    assert "须由专班负责人或局领导审批" in response.content.decode()


def test_pipeline_counts_and_htmx_filter(client, officer, task_force):
    LeadFactory(company_name="看板甲", owner=officer, task_force=task_force, stage="screen")
    LeadFactory(company_name="看板乙", owner=officer, task_force=task_force)
    client.force_login(officer)

    response = client.get(reverse("leads:pipeline"), {"q": "甲"}, **HTMX)

    counts = {column.stage: column.count for column in response.context["columns"]}
    assert counts == {"collect": 0, "screen": 1, "dock": 0, "serve": 0, "dropped": 0}
    assert "<html" not in response.content.decode()


def test_pipeline_page_and_fragment_vary_on_hx_request(client, officer):
    client.force_login(officer)
    for extra in ({}, HTMX):
        assert "HX-Request" in client.get(reverse("leads:pipeline"), **extra)["Vary"]


def test_pipeline_move_outcome_is_a_toast_beside_the_card(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:transition", args=[lead.pk]), {"to": "dock", "from": "pipeline"}, **HTMX
    )
    html = response.content.decode()
    assert f'data-anchor="lead-{lead.pk}"' in html and "board-toast-error" in html
    assert "HX-Request" in response["Vary"]


def test_pipeline_refusal_inside_the_reason_dialog_answers_the_dialog(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:transition", args=[lead.pk]),
        {"to": "dropped", "reason": "  ", "from": "pipeline", "dialog": "1"},
        **HTMX,
    )
    assert response["HX-Retarget"] == "#dialog-content"
    html = response.content.decode()
    assert "搁置线索需要填写原因" in html and 'id="pipeline-board"' not in html


def test_pipeline_card_menu_greys_closed_moves_with_the_reason(client, officer, task_force):
    LeadFactory(company_name="未核实企业", owner=officer, task_force=task_force, credit_code="")
    client.force_login(officer)
    response = client.get(reverse("leads:pipeline"))
    card = response.context["columns"][0].leads[0]
    moves = {move.to: move for move in card.moves}
    assert "统一社会信用代码" in moves["screen"].problem
    assert moves["dropped"].problem is None and moves["dropped"].needs_dialog
    assert 'data-dialog-moves="dropped "' in response.content.decode()
    # the menu's entries come when it first opens
    menu = client.get(reverse("leads:card_menu"), {"pk": card.pk, "version": card.version})
    assert "card-menu-item is-closed" in menu.content.decode()


# --- follow-ups -----------------------------------------------------------------------------


def test_follow_up_updates_the_lead(client, officer, lead):
    client.force_login(officer)
    today = timezone.localdate()
    next_date = today + timezone.timedelta(days=7)

    response = client.post(
        reverse("leads:follow_up_create", args=[lead.pk]),
        {
            "occurred_on": today.isoformat(),
            "method": "visit",
            "summary": "走访企业",
            "participants": "王招商",
            "next_follow_up_on": next_date.isoformat(),
        },
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.last_follow_up_on == today
    assert lead.next_follow_up_on == next_date
    assert "走访企业" in client.get(lead.get_absolute_url()).content.decode()


def test_follow_up_errors_come_back_inline_for_htmx(client, officer, lead):
    client.force_login(officer)
    today = timezone.localdate()
    response = client.post(
        reverse("leads:follow_up_create", args=[lead.pk]),
        {
            "occurred_on": today.isoformat(),
            "method": "phone",
            "summary": "",
            "next_follow_up_on": (today - timezone.timedelta(days=1)).isoformat(),
        },
        **HTMX,
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<form id="follow-up-form"') or "follow-up-form" in content
    assert "<html" not in content
    assert "下次跟进日期不能早于本次跟进日期" in content
    assert response.context["follow_up_form"].errors["summary"]
    assert not FollowUp.objects.exists()


def test_future_follow_up_date_is_refused_next_to_the_field(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:follow_up_create", args=[lead.pk]),
        {
            "occurred_on": (timezone.localdate() + timezone.timedelta(days=2)).isoformat(),
            "method": "phone",
            "summary": "提前记录",
        },
    )
    assert response.status_code == 400
    assert response.context["follow_up_form"].errors["occurred_on"] == ["跟进日期不能晚于今天。"]


def test_htmx_follow_up_success_reloads_the_detail(client, officer, lead):
    client.force_login(officer)
    response = client.post(
        reverse("leads:follow_up_create", args=[lead.pk]),
        {"occurred_on": timezone.localdate().isoformat(), "method": "phone", "summary": "电话"},
        **HTMX,
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == lead.get_absolute_url()
