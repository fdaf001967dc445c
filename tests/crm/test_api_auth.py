"""Token authentication for the REST API: obtain a token, then use it instead of a session."""

import pytest
from rest_framework.test import APIClient

from crm.models import ApiToken
from crm.tokens import key_digest, token_create
from tests.factories import LeadFactory

TOKEN_URL = "/api/v1/auth/token/"


@pytest.mark.django_db
def test_token_is_issued_for_good_credentials(officer):
    response = APIClient().post(TOKEN_URL, {"username": "officer", "password": "pass12345"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    token = ApiToken.objects.get(user=officer)
    assert token.key_hash == key_digest(body["token"])
    assert body["token"] not in (token.key_hash, token.prefix)


@pytest.mark.django_db
def test_wrong_password_gets_no_token(officer):
    response = APIClient().post(TOKEN_URL, {"username": "officer", "password": "wrong"})

    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["用户名或密码不正确。"]
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_inactive_user_gets_no_token(officer):
    officer.is_active = False
    officer.save(update_fields=["is_active"])

    response = APIClient().post(TOKEN_URL, {"username": "officer", "password": "pass12345"})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_token_authenticates_api_requests_within_the_users_scope(officer, other_officer):
    mine = LeadFactory(owner=officer)
    LeadFactory(owner=other_officer)
    client = APIClient()
    token = client.post(TOKEN_URL, {"username": "officer", "password": "pass12345"}).json()["token"]

    response = client.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


@pytest.mark.django_db
def test_token_authenticates_writes_without_csrf(officer):
    _token, key = token_create(user=officer)
    client = APIClient(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/leads/",
        {"company_name": "令牌创建企业", "industry": "rice", "channel": "townsman"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert response.status_code == 201
    assert response.json()["owner"] == officer.pk


@pytest.mark.django_db
def test_unknown_token_is_refused(officer):
    response = APIClient().get("/api/v1/leads/", HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 401
    assert response.json()["detail"]
