"""Sign in and out, the profile page, the password change and the language switch."""

import pytest
from django.urls import reverse

from crm.models import User


def test_login_page_is_chinese(client, db):
    response = client.get(reverse("login"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "登录" in content and "招商线索管理系统" in content


def test_login_sends_the_user_to_their_landing_page(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "pass12345"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:landing")


def test_wrong_password_is_explained_in_chinese(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_logout_is_a_post(client, officer):
    client.force_login(officer)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("dashboard:my_work")).status_code == 302


def test_base_layout_shows_name_role_and_navigation(client, officer):
    client.force_login(officer)
    content = client.get(reverse("dashboard:my_work")).content.decode()
    for text in ("王招商", "招商专员", "线索列表", "线索看板", "新建线索", "/i18n/setlang/"):
        assert text in content
    assert "管理后台" not in content
    assert "X-CSRFToken" in content
    assert "vendor/htmx.min.js" in content


def test_staff_see_the_admin_link(client, admin_user):
    client.force_login(admin_user)
    assert "管理后台" in client.get(reverse("dashboard:my_work")).content.decode()


def test_profile_edit_saves(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("profile"),
        {"full_name": "王新名", "email": "wang@hulin.gov.cn", "phone": "0467-5821234"},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.full_name == "王新名"
    assert officer.phone == "0467-5821234"
    assert officer.receives_digests is False


def test_profile_errors_show_next_to_the_field(client, officer):
    client.force_login(officer)
    response = client.post(reverse("profile"), {"full_name": "王", "email": "not-an-email"})
    assert response.status_code == 400
    assert response.context["form"].errors["email"]


def test_password_change_keeps_the_user_signed_in(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pass12345",
            "new_password1": "Hulin-Zhaoshang-2026",
            "new_password2": "Hulin-Zhaoshang-2026",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("Hulin-Zhaoshang-2026")
    assert client.get(reverse("profile")).status_code == 200


def test_password_change_with_wrong_old_password_is_refused(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "Abc-12345-x", "new_password2": "Abc-12345-x"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["old_password"]


@pytest.mark.parametrize(("language", "text"), [("en", 'lang="en"'), ("zh-hans", 'lang="zh-hans"')])
def test_language_switch(client, officer, language, text):
    client.force_login(officer)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert text in client.get("/", follow=True).content.decode()


def test_roles_render_their_label(client, db):
    user = User.objects.create_user("lead2", password="x", role=User.Role.BUREAU_LEADER)
    client.force_login(user)
    assert "局领导" in client.get(reverse("dashboard:my_work")).content.decode()


def test_a_name_with_a_line_break_is_refused_on_the_profile(client, officer):
    """The name goes into emails, exports and history: one line (review finding)."""
    client.force_login(officer)
    response = client.post(
        reverse("profile"),
        {"full_name": "马琳\r\n=HYPERLINK(1)", "email": "a@example.cn", "phone": "1\n2"},
    )
    assert response.status_code == 400
    assert "只能填写一行文字" in response.content.decode()
    officer.refresh_from_db()
    assert officer.full_name == "王招商"
