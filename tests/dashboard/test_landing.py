"""``/`` opens each user's own page: the cockpit for those who see everything, the team page for
a task-force leader, the work page for an officer; each may still open the others in scope."""

import pytest
from django.urls import reverse

from crm.models import User
from dashboard.selectors import landing_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("officer", "dashboard:my_work"),
        ("other_officer", "dashboard:my_work"),
        ("leader", "dashboard:team"),
        ("bureau_leader", "dashboard:cockpit"),
        ("admin_user", "dashboard:cockpit"),
    ],
)
def test_the_root_sends_each_role_to_its_page(client, request, task_force, role, page):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(page)


def test_a_superuser_sees_everything_and_lands_on_the_cockpit(task_force):
    root = UserFactory(username="root", role=User.Role.OFFICER, is_superuser=True)
    assert landing_url(root) == reverse("dashboard:cockpit")


def test_a_leader_whose_task_force_is_dissolved_lands_on_the_work_page(leader, task_force):
    task_force.is_active = False
    task_force.save()
    assert landing_url(leader) == reverse("dashboard:my_work")


def test_the_root_asks_a_visitor_to_sign_in_first(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_signing_in_lands_a_leader_on_the_team_page(client, leader, task_force):
    response = client.post(
        reverse("login"), {"username": "leader", "password": "pass12345"}, follow=True
    )
    assert response.redirect_chain[0][0] == reverse("dashboard:landing")
    assert response.redirect_chain[-1][0] == reverse("dashboard:team")
    assert response.status_code == 200
    assert "专员工作情况" in response.content.decode()


def test_the_work_page_moved_to_work(client, officer):
    assert reverse("dashboard:my_work") == "/work/"
    client.force_login(officer)
    assert client.get("/", follow=True).context["work"].overdue.lead_count == 0


def test_the_root_takes_only_get(client, officer):
    client.force_login(officer)
    assert client.post("/").status_code == 405


@pytest.mark.parametrize("role", ["leader", "bureau_leader"])
def test_leaders_still_open_the_work_page(client, request, task_force, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("dashboard:my_work"))
    assert response.status_code == 200
    assert "我的逾期线索" in response.content.decode()


def test_a_bureau_leader_opens_the_team_page(client, bureau_leader, task_force):
    client.force_login(bureau_leader)
    assert client.get(reverse("dashboard:team")).status_code == 200


@pytest.mark.parametrize(
    ("role", "shown"),
    [("officer", False), ("leader", True), ("bureau_leader", True), ("admin_user", True)],
)
def test_the_team_entry_is_in_the_navigation_of_those_who_may_open_it(
    client, request, task_force, role, shown
):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("dashboard:my_work")).content.decode()
    assert (f'href="{reverse("dashboard:team")}"' in page) is shown
    assert ("专班工作" in page) is shown


def test_the_brand_links_to_the_landing_page(client, officer):
    client.force_login(officer)
    page = client.get(reverse("dashboard:my_work")).content.decode()
    assert '<a class="brand" href="/">' in page
