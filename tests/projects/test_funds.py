"""The 到位资金 ledger: every change of a project's funds in place is dated and recorded."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.exceptions import DomainError, PermissionRefused
from projects import selectors, services
from projects.models import FundsArrival, Project
from tests.projects.conftest import signed_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(task_force, officer) -> Project:
    return signed_project(owner=officer, task_force=task_force)


def test_recording_an_arrival_adds_it_to_the_project_total(signed, officer, fixed_today):
    services.funds_arrival_record(
        project=signed, actor=officer, amount=Decimal("2000"), arrived_on=fixed_today, note="首期"
    )
    services.funds_arrival_record(
        project=signed,
        actor=officer,
        amount=Decimal("-500"),
        arrived_on=fixed_today,
        note="核减重复登记",
    )
    signed.refresh_from_db()
    assert signed.funds_in_place == Decimal("1500")
    assert signed.version == 3
    assert [a.amount for a in selectors.funds_arrivals(project=signed)] == [
        Decimal("-500"),
        Decimal("2000"),
    ]


@pytest.mark.parametrize(
    ("amount", "days_ahead", "field"),
    [(Decimal(0), 0, "amount"), (Decimal("-1"), 0, "amount"), (Decimal(10), 1, "arrived_on")],
)
def test_refused_arrivals_change_nothing(signed, officer, fixed_today, amount, days_ahead, field):
    with pytest.raises(DomainError) as refused:
        services.funds_arrival_record(
            project=signed,
            actor=officer,
            amount=amount,
            arrived_on=fixed_today + datetime.timedelta(days=days_ahead),
        )
    assert field in refused.value.field_errors
    signed.refresh_from_db()
    assert signed.funds_in_place == 0
    assert not FundsArrival.objects.exists()


def test_someone_outside_the_scope_cannot_record(signed, other_officer, fixed_today):
    with pytest.raises(PermissionRefused):
        services.funds_arrival_record(
            project=signed, actor=other_officer, amount=Decimal(5), arrived_on=fixed_today
        )


def test_editing_the_total_records_the_difference_today(signed, officer, fixed_today):
    services.project_update(project=signed, actor=officer, data={"funds_in_place": Decimal(300)})
    services.project_update(project=signed, actor=officer, data={"funds_in_place": Decimal(250)})
    assert list(FundsArrival.objects.values_list("amount", "arrived_on").order_by("id")) == [
        (Decimal(300), fixed_today),
        (Decimal(-50), fixed_today),
    ]


def test_arrivals_are_summed_by_period_and_month(signed, officer, fixed_today):
    for day, amount in [
        (datetime.date(2025, 12, 31), 100),
        (datetime.date(2026, 1, 5), 200),
        (datetime.date(2026, 1, 20), 300),
        (datetime.date(2026, 3, 1), 400),
    ]:
        services.funds_arrival_record(
            project=signed, actor=officer, amount=Decimal(amount), arrived_on=day
        )
    visible = Project.objects.visible_to(officer)
    year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert selectors.funds_arrived(visible, *year) == Decimal(900)
    assert selectors.funds_by_month(visible, *year) == {
        datetime.date(2026, 1, 1): Decimal(500),
        datetime.date(2026, 3, 1): Decimal(400),
    }
    assert selectors.funds_arrived(Project.objects.none(), *year) == 0


def test_the_project_page_records_an_arrival(client, signed, officer, fixed_today):
    client.force_login(officer)
    url = reverse("projects:funds_arrival", args=[signed.pk])
    response = client.post(url, {"arrived_on": "2026-11-20", "amount": "1200", "note": ""})
    assert response.status_code == 302
    page = client.get(signed.get_absolute_url())
    assert "1,200 万元" in page.content.decode()
    bad = client.post(url, {"arrived_on": "2026-11-20", "amount": "0"}, follow=True)
    assert "到位金额不能为零" in bad.content.decode()


def test_the_api_lists_and_records_arrivals(client, signed, officer, other_officer, fixed_today):
    client.force_login(officer)
    url = f"/api/v1/projects/{signed.pk}/funds/"
    created = client.post(
        url, {"arrived_on": "2026-11-01", "amount": "800"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert client.get(url).json()["results"][0]["amount"] == "800.00"
    refused = client.post(
        url, {"arrived_on": "2026-11-01", "amount": "-900"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "amount" in refused.json()["errors"]
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
