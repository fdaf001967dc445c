"""The site's own error pages (templates/errors/), as served when DEBUG is off.

pytest-django runs with DEBUG off, so these are the pages users see in production.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse

from config import errors
from crm.models import User
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("status", "view"),
    [
        (400, errors.bad_request),
        (403, errors.permission_denied),
        (404, errors.page_not_found),
        (500, errors.server_error),
    ],
)
def test_each_error_status_is_answered_by_the_sites_own_page(status, view):
    assert get_resolver().resolve_error_handler(status) is view


def test_csrf_refusals_are_answered_by_the_sites_own_page(settings):
    assert settings.CSRF_FAILURE_VIEW == "config.errors.csrf_failure"


def test_unknown_address_shows_the_branded_404(client, officer):
    client.force_login(officer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response.templates[0].name == "errors/404.html"
    body = response.content.decode()
    assert "页面不存在" in body
    assert "招商线索管理系统" in body
    assert "返回我的工作台" in body


def test_a_record_out_of_reach_shows_what_was_not_found(client, officer):
    client.force_login(officer)
    response = client.get("/leads/987654/")
    assert response.status_code == 404
    assert "没有找到这条线索。" in response.content.decode()


def test_a_django_404_message_is_not_shown(rf):
    from django.http import Http404

    response = errors.page_not_found(rf.get("/x/"), Http404("No Lead matches the given query."))
    assert response.status_code == 404
    assert "No Lead matches" not in response.content.decode()


def test_a_visitor_who_is_not_signed_in_gets_the_404_too(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_404_page_follows_the_chosen_language(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert '<html lang="en">' in response.content.decode()


def test_a_forbidden_page_shows_the_branded_403(client, db):
    # A staff account without admin permissions: the admin refuses with PermissionDenied.
    user = UserFactory(username="clerk", role=User.Role.OFFICER, is_staff=True)
    client.force_login(user)
    response = client.get("/admin/crm/user/")
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_the_403_page_renders_for_any_permission_denied(rf, db):
    request = rf.get("/x/")
    response = errors.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_a_host_outside_allowed_hosts_shows_the_branded_400(client, db):
    response = client.get("/login/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_a_form_without_its_csrf_token_shows_the_branded_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "页面已过期，请重新提交" in body
    assert "DJANGO_INTRANET_HTTP=1" in body
    assert "CSRF cookie not set." in body


def test_the_500_page_needs_neither_the_database_nor_the_request():
    # No db fixture: a query here would fail the test ("Database access not allowed").
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错了" in body
    assert "css/app.css" in body


def test_an_unexpected_error_in_a_page_shows_the_branded_500(client, officer, monkeypatch):
    import dashboard.views.work

    def broken(**kwargs):
        raise RuntimeError("boom")

    client.force_login(officer)
    client.raise_request_exception = False
    monkeypatch.setattr(dashboard.views.work, "my_work", broken)
    response = client.get(reverse("dashboard:my_work"))
    assert response.status_code == 500
    assert "系统出错了" in response.content.decode()
