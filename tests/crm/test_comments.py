"""Comments and @mentions: who may be mentioned (only people who see the record, for each
role), how names are read, the comment box and its "@" list, the timelines, the API, and the
detail pages' query budgets."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm import attachments, comments
from crm.exceptions import DomainError, NotFound
from crm.models import Comment, User
from projects.models import SupportApplication
from tests.crm.test_attachments import PDF, upload
from tests.factories import LeadFactory, UserFactory
from tests.leads.test_query_budgets import LAYOUT, SCOPE
from tests.projects.conftest import ProjectFactory


@pytest.fixture
def colleague(task_force) -> User:
    user = UserFactory(username="zhang_tong", full_name="张同事")
    task_force.members.add(user)
    return user


@pytest.fixture
def lead(officer, task_force):
    return LeadFactory(owner=officer, task_force=task_force, company_name="虎林绿都米业有限公司")


def say(record, actor, body) -> Comment:
    return comments.comment_add(record=record, actor=actor, body=body)


def htmx(client):
    client.defaults["HTTP_HX_REQUEST"] = "true"
    return client


# --- who may be mentioned --------------------------------------------------------------------

# Whether a mention of each role in a comment on a lead of ``task_force`` owned by ``officer``
# is accepted (the person sees the lead) or refused.
MENTIONABLE = {
    "colleague_in_task_force": True,
    "leader_of_task_force": True,
    "bureau_leader": True,
    "admin": True,
    "officer_of_other_task_force": False,
    "leader_of_other_task_force": False,
}


@pytest.fixture
def person(
    request, colleague, leader, bureau_leader, admin_user, other_officer, other_task_force
) -> User:
    return {
        "colleague_in_task_force": colleague,
        "leader_of_task_force": leader,
        "bureau_leader": bureau_leader,
        "admin": admin_user,
        "officer_of_other_task_force": other_officer,
        "leader_of_other_task_force": other_task_force.leader,
    }[request.param]


@pytest.mark.parametrize("person", list(MENTIONABLE), indirect=True)
def test_only_people_who_see_the_record_can_be_mentioned(lead, officer, person, request):
    role = request.node.callspec.params["person"]
    body = f"@{person.full_name} 请看一下企业的用地需求"

    if MENTIONABLE[role]:
        comment = say(lead, officer, body)
        assert comments.comment_mentions(comment) == [person]
    else:
        with pytest.raises(DomainError) as refused:
            say(lead, officer, body)
        assert refused.value.message == (
            f"「{person}」看不到这条线索，不能@TA。如需TA参与，请联系专班负责人。"
        )
        assert refused.value.field_errors == {"body": [refused.value.message]}
        assert not Comment.objects.exists()


def test_a_mention_by_user_name_or_by_a_name_run_on_into_the_text(lead, officer, colleague, leader):
    comment = say(lead, officer, "@zhang_tong 明天去考察，@米业专班负责人请确认行程")

    assert set(comments.comment_mentions(comment)) == {colleague, leader}


def test_the_longest_matching_name_wins(lead, officer, task_force):
    short = UserFactory(username="wang", full_name="王志")
    longer = UserFactory(username="wangzs", full_name="王志深")
    task_force.members.add(short, longer)

    comment = say(lead, officer, "请@王志深跟进")

    assert comments.comment_mentions(comment) == [longer]


def test_an_email_address_and_a_name_of_nobody_stay_plain_text(lead, officer, other_officer):
    comment = say(
        lead, officer, f"企业邮箱 {other_officer.username}@example.cn，@不存在的人 不用管"
    )

    assert comments.comment_mentions(comment) == []


def test_two_readers_with_one_name_must_be_told_apart_by_user_name(
    lead, officer, task_force, colleague
):
    namesake = UserFactory(username="zhang_tong2", full_name="张同事")
    task_force.members.add(namesake)

    with pytest.raises(DomainError) as refused:
        say(lead, officer, "@张同事 请处理")
    comment = say(lead, officer, "@zhang_tong2 请处理")

    assert "@zhang_tong、@zhang_tong2" in refused.value.message
    assert comments.comment_mentions(comment) == [namesake]


def test_a_namesake_who_cannot_see_does_not_block_the_one_who_can(
    lead, officer, colleague, other_task_force
):
    outsider = UserFactory(username="zhang_other", full_name="张同事")
    other_task_force.members.add(outsider)

    comment = say(lead, officer, "@张同事 请处理")

    assert comments.comment_mentions(comment) == [colleague]


def test_the_author_and_inactive_people_are_not_mentioned(lead, officer, task_force):
    gone = UserFactory(username="gone", full_name="已离岗", is_active=False)
    task_force.members.add(gone)

    comment = say(lead, officer, f"@{officer.full_name} 自己记一下，@已离岗 的资料已交接")

    assert comments.comment_mentions(comment) == []


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "请填写评论内容。"),
        ("   \n ", "请填写评论内容。"),
        ("长" * 2001, "评论最多 2000 个字，现在有 2001 个字。"),
        ("有\x00控制字符", "评论不能包含控制字符。"),
    ],
)
def test_empty_too_long_or_garbled_comments_are_refused(lead, officer, body, message):
    with pytest.raises(DomainError) as refused:
        say(lead, officer, body)

    assert refused.value.message == message


def test_a_comment_on_a_record_the_author_no_longer_sees_is_refused(lead, other_officer):
    with pytest.raises(NotFound):
        say(lead, other_officer, "你好")


def test_mention_hooks_hear_of_the_people_mentioned_inside_the_transaction(
    lead, officer, colleague
):
    heard = []
    comments.mention_hooks.append(lambda comment, people: heard.append((comment.pk, people)))
    try:
        comment = say(lead, officer, "@张同事 请跟进")
        say(lead, officer, "没有提醒任何人")
    finally:
        comments.mention_hooks.pop()

    assert heard == [(comment.pk, [colleague])]


def test_applications_take_no_comments(officer, task_force):
    application = SupportApplication.objects.create(
        title="灌区改造",
        fund_source="special_bonds",
        amount_requested=500,
        owner=officer,
        task_force=task_force,
        status_changed_on=timezone.localdate(),
        created_by=officer,
    )

    with pytest.raises(NotFound):
        say(application, officer, "备注")
    assert comments.comment_box(application) is None


# --- the comment box and its "@" list ----------------------------------------------------------


def test_the_comment_box_posts_and_reloads_the_page_with_who_was_told(
    client, lead, officer, colleague
):
    htmx(client).force_login(officer)
    url = reverse("comment_create", args=["leads.lead", lead.pk])

    response = client.post(url, {"body": "@张同事 周五前把考察报告发我"})

    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "评论已发表，已提醒：张同事。" in page
    assert '<span class="mention">@张同事</span> 周五前把考察报告发我' in page


def test_a_refused_comment_comes_back_in_the_box_with_the_text_kept(
    client, lead, officer, other_officer
):
    htmx(client).force_login(officer)
    body = f"@{other_officer.full_name} 请协助"

    response = client.post(reverse("comment_create", args=["leads.lead", lead.pk]), {"body": body})

    page = response.content.decode()
    assert response.status_code == 200
    assert "看不到这条线索" in page
    assert body in page
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "user, status", [("other_officer", 404), ("bureau_leader", 204), ("leader", 204)]
)
def test_who_may_comment_is_who_sees_the_record(client, lead, user, status, request):
    htmx(client).force_login(request.getfixturevalue(user))

    response = client.post(
        reverse("comment_create", args=["leads.lead", lead.pk]), {"body": "请抓紧推进"}
    )

    assert response.status_code == status


def test_the_mention_list_offers_only_people_who_see_the_record(
    client, lead, officer, colleague, leader, other_officer, bureau_leader
):
    client.force_login(officer)
    url = reverse("mention_candidates", args=["leads.lead", lead.pk])

    everyone = client.get(url).json()["results"]
    narrowed = client.get(url, {"q": "张"}).json()["results"]

    usernames = {person["username"] for person in everyone}
    assert {colleague.username, leader.username, bureau_leader.username} <= usernames
    assert officer.username not in usernames  # not oneself
    assert other_officer.username not in usernames
    assert narrowed == [{"username": "zhang_tong", "name": "张同事", "insert": "张同事"}]


def test_the_mention_list_inserts_the_user_name_when_two_readers_share_a_name(
    client, lead, officer, colleague, task_force
):
    task_force.members.add(UserFactory(username="zhang_tong2", full_name="张同事"))
    client.force_login(officer)

    found = client.get(
        reverse("mention_candidates", args=["leads.lead", lead.pk]), {"q": "张同事"}
    ).json()["results"]

    assert [person["insert"] for person in found] == ["zhang_tong", "zhang_tong2"]


def test_the_mention_list_of_a_record_outside_the_scope_is_404(client, lead, other_officer):
    client.force_login(other_officer)

    response = client.get(reverse("mention_candidates", args=["leads.lead", lead.pk]))

    assert response.status_code == 404


# --- timelines ---------------------------------------------------------------------------------


def test_the_lead_and_project_timelines_show_comments_with_their_author(
    client, lead, officer, colleague, task_force
):
    project = ProjectFactory(owner=officer, task_force=task_force, name="绿色食品产业园")
    say(lead, officer, "企业下周来考察")
    say(project, colleague, f"@{officer.full_name} 土地指标已落实")
    client.force_login(officer)

    lead_page = client.get(lead.get_absolute_url())
    project_page = client.get(project.get_absolute_url())

    entry = next(e for e in lead_page.context["timeline"] if e.kind == "comment")
    assert (entry.actor, entry.item.body) == (officer, "企业下周来考察")
    html = project_page.content.decode()
    assert f'<span class="mention">@{officer.full_name}</span> 土地指标已落实' in html
    assert 'data-mention-url="/records/projects.project/' in html


def test_a_comment_is_shown_escaped(client, lead, officer):
    say(lead, officer, "<script>alert(1)</script> @<b>")
    client.force_login(officer)

    page = client.get(lead.get_absolute_url()).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


# --- the API -----------------------------------------------------------------------------------


def test_the_api_lists_and_posts_comments_with_their_mentions(officer, colleague, lead):
    api = APIClient()
    api.force_authenticate(officer)
    url = f"/api/v1/leads/{lead.pk}/comments/"

    created = api.post(url, {"body": "@zhang_tong 请补充材料"}, format="json")
    listed = api.get(url)

    assert created.status_code == 201
    assert created.json()["mentions"] == [
        {"id": colleague.pk, "username": "zhang_tong", "name": "张同事"}
    ]
    assert listed.json()["results"][0]["body"] == "@zhang_tong 请补充材料"


def test_the_api_refuses_a_mention_of_someone_who_cannot_see_and_unknown_fields(
    officer, other_officer, lead, task_force
):
    api = APIClient()
    api.force_authenticate(officer)
    project = ProjectFactory(owner=officer, task_force=task_force)

    refused = api.post(
        f"/api/v1/leads/{lead.pk}/comments/", {"body": f"@{other_officer.username}"}, format="json"
    )
    extra = api.post(
        f"/api/v1/projects/{project.pk}/comments/", {"body": "好", "author": 1}, format="json"
    )

    assert refused.status_code == 400
    assert "看不到这条线索" in refused.json()["errors"]["body"][0]
    assert extra.status_code == 400
    assert "author" in extra.json()["errors"]


def test_the_api_answers_404_for_comments_outside_the_scope(other_officer, lead):
    api = APIClient()
    api.force_authenticate(other_officer)

    assert api.get(f"/api/v1/leads/{lead.pk}/comments/").status_code == 404
    assert (
        api.post(f"/api/v1/leads/{lead.pk}/comments/", {"body": "x"}, format="json").status_code
        == 404
    )


# --- query budgets -------------------------------------------------------------------------------

# The layout's and the scope's queries are those every page costs (the lead pages' budgets).
# The project with its related rows, and the targets; its funds arrivals, progress reports,
# tasks, the task form's assignees, capital increases and applications; the timeline: moves
# and changes, then what this feature adds: comments, the people they mention, attachments.
PROJECT_DETAIL_QUERIES = LAYOUT + SCOPE + 2 + 6 + 2 + 3


@pytest.mark.parametrize("size", [1, 20])
def test_project_detail_query_budget(
    client, django_assert_num_queries, officer, colleague, task_force, size, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    project = ProjectFactory(owner=officer, task_force=task_force)
    for number in range(size):
        say(project, officer, f"@张同事 第 {number} 次督办")
        attachments.attachment_add(
            record=project, actor=officer, upload=upload(f"照片{number}.pdf", PDF)
        )
    client.force_login(officer)
    client.get(project.get_absolute_url())

    with django_assert_num_queries(PROJECT_DETAIL_QUERIES):
        response = client.get(project.get_absolute_url())

    assert len(response.context["attachment_panel"].live) == size
