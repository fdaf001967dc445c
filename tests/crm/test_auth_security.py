"""Locked-down sign-in (issue 8 item 3): lockout and throttle, expiring and revocable API tokens,
idle sessions, password validators, and the sign-in entries of the security log."""

import datetime
import runpy
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import ApiToken, SecurityEvent
from crm.tokens import RevokeReason, token_create, token_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
TOKEN_URL = "/api/v1/auth/token/"
REVOKE_URL = "/api/v1/auth/token/revoke/"
LEADS_URL = "/api/v1/leads/"
PASSWORD = "pass12345"
OFFICE = "10.1.2.3"
LOCK_TEXT = "登录失败次数过多，账户已暂时锁定，请 15 分钟后再试或联系管理员解锁。"


@pytest.fixture(autouse=True)
def lockout_defaults(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_MINUTES = 15
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    settings.API_TOKEN_THROTTLE_RATE = "1000/min"


def web_login(client, username: str, password: str, address: str = OFFICE):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def api_login(username: str, password: str, address: str = OFFICE, **extra):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password, **extra}, REMOTE_ADDR=address
    )


def api_get(key: str):
    return APIClient().get(LEADS_URL, HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=OFFICE)


def events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


# --- lockout on the login page -------------------------------------------------------------


def test_five_wrong_passwords_lock_the_login_and_the_right_one_is_then_refused(client, officer):
    answers = [web_login(client, "officer", "wrong").status_code for _ in range(5)]

    assert answers == [200, 200, 200, 200, 429]
    refused = web_login(client, "officer", PASSWORD)
    assert refused.status_code == 429
    assert LOCK_TEXT in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_one_username_at_one_address_only(client, officer, other_officer):
    for _ in range(5):
        web_login(client, "officer", "wrong")

    # A colleague behind the same NAT address, and the same user from another address, get in.
    assert web_login(client, "other", PASSWORD).status_code == 302
    client.logout()
    assert web_login(client, "officer", PASSWORD, address="10.9.9.9").status_code == 302


def test_the_failure_limit_is_a_setting(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 2

    answers = [web_login(client, "officer", "wrong").status_code for _ in range(2)]

    assert answers == [200, 429]


def test_an_administrator_sees_the_lock_and_unlocks_it(client, officer):
    for _ in range(5):
        web_login(client, "officer", "wrong")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = client.__class__()
    admin.force_login(superuser)
    changelist = reverse("admin:axes_accessattempt_changelist")

    listing = admin.get(changelist)
    attempt = AccessAttempt.objects.get(username="officer")
    answer = admin.post(
        changelist,
        {"action": "unlock", "_selected_action": [attempt.pk]},
        REMOTE_ADDR="10.0.0.1",
    )

    assert listing.status_code == 200
    assert "officer" in listing.content.decode()
    assert answer.status_code == 302
    assert not AccessAttempt.objects.exists()
    [unlock] = events(Kind.UNLOCK)
    assert (unlock.actor, unlock.username, unlock.ip_address) == (superuser, "officer", "10.0.0.1")
    assert unlock.details == {"ip_address": OFFICE, "failures": 5}
    assert web_login(client, "officer", PASSWORD).status_code == 302


def test_deleting_a_lock_in_the_admin_is_an_unlock_too(client, officer):
    for _ in range(5):
        web_login(client, "officer", "wrong")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    attempt = AccessAttempt.objects.get()

    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert not AccessAttempt.objects.exists()
    assert [event.username for event in events(Kind.UNLOCK)] == ["officer"]


# --- the token endpoint --------------------------------------------------------------------


def test_the_token_endpoint_locks_like_the_login_page(officer):
    answers = [api_login("officer", "wrong").status_code for _ in range(5)]
    refused = api_login("officer", PASSWORD)

    assert answers == [400, 400, 400, 400, 429]
    assert refused.status_code == 429
    assert refused.json()["detail"] == LOCK_TEXT
    assert not ApiToken.objects.exists()


def test_the_token_endpoint_is_throttled_per_address(officer, settings):
    settings.API_TOKEN_THROTTLE_RATE = "3/min"

    answers = [api_login("officer", PASSWORD).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert api_login("officer", PASSWORD, address="10.7.7.7").status_code == 200


def test_each_sign_in_issues_a_new_token_and_both_work(officer, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    before = timezone.now()

    first = api_login("officer", PASSWORD).json()
    second = api_login("officer", PASSWORD, name="同步脚本").json()

    assert first["token"] != second["token"]
    assert len(first["token"]) == 40
    assert api_get(first["token"]).status_code == 200
    assert api_get(second["token"]).status_code == 200
    token = ApiToken.objects.get(prefix=second["token"][:8])
    assert token.name == "同步脚本"
    assert token.expires_at - before >= datetime.timedelta(days=7)
    assert token.expires_at - before < datetime.timedelta(days=7, minutes=5)


def test_an_expired_token_is_refused_with_a_reason(officer):
    token, key = token_create(user=officer)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())

    response = api_get(key)

    assert response.status_code == 401
    assert "已过期" in response.json()["detail"]


def test_a_revoked_token_is_refused_with_a_reason(officer):
    token, key = token_create(user=officer)
    token_revoke(token=token, actor=officer, reason=RevokeReason.USER)

    response = api_get(key)

    assert response.status_code == 401
    assert "已吊销" in response.json()["detail"]


def test_a_deactivated_users_token_is_refused(officer):
    _token, key = token_create(user=officer)
    officer.is_active = False
    officer.save(update_fields=["is_active"])

    assert api_get(key).status_code == 401


def test_the_revoke_endpoint_ends_the_token_it_was_called_with(officer):
    _token, key = token_create(user=officer)
    _other, other_key = token_create(user=officer)

    response = APIClient().post(REVOKE_URL, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert api_get(key).status_code == 401
    assert api_get(other_key).status_code == 200


def test_the_revoke_endpoint_needs_a_token(client, officer):
    client.force_login(officer)

    assert client.post(REVOKE_URL).status_code == 401


def test_tokens_are_stored_only_as_their_digest(officer):
    token, key = token_create(user=officer)

    assert key not in {token.key_hash, token.prefix}
    assert token.prefix == key[:8]
    assert not ApiToken.objects.filter(key_hash=key).exists()


# --- tokens die with the password and the account ------------------------------------------


def test_changing_the_password_revokes_every_token(client, officer):
    _token, key = token_create(user=officer)
    client.force_login(officer)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Hulin-Zhaoshang-2026",
            "new_password2": "Hulin-Zhaoshang-2026",
        },
    )

    assert response.status_code == 302
    assert api_get(key).status_code == 401
    assert ApiToken.objects.get().revoked_reason == RevokeReason.PASSWORD_CHANGE
    assert client.get(reverse("profile")).status_code == 200  # still signed in
    [change] = events(Kind.PASSWORD_CHANGE)
    assert (change.actor, change.username) == (officer, "officer")
    assert change.details == {"tokens_revoked": 1, "by_administrator": False}


@pytest.mark.parametrize(
    ("password", "message"),
    [("Short-1", "太短"), ("3141592653589", "只包含数字"), ("password1234", "太常见")],
)
def test_new_passwords_meet_the_validators(client, officer, password, message):
    client.force_login(officer)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["new_password2"])


def test_an_administrator_setting_the_password_revokes_the_tokens(client, officer):
    _token, key = token_create(user=officer)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[officer.pk]),
        {
            "usable_password": "true",
            "password1": "Heilongjiang-2026",
            "password2": "Heilongjiang-2026",
        },
    )

    assert response.status_code == 302
    assert api_get(key).status_code == 401
    [change] = events(Kind.PASSWORD_CHANGE)
    assert (change.actor, change.username) == (superuser, "officer")
    assert change.details["by_administrator"] is True


def test_deactivating_an_account_in_the_admin_revokes_its_tokens(client, officer):
    token, _key = token_create(user=officer)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    joined = timezone.localtime(officer.date_joined)

    response = client.post(
        reverse("admin:crm_user_change", args=[officer.pk]),
        {
            "username": "officer",
            "full_name": officer.full_name,
            "role": officer.role,
            "department": "",
            "phone": "",
            "email": "",
            "is_staff": "",
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    token.refresh_from_db()
    assert token.revoked_reason == RevokeReason.DEACTIVATED
    assert events(Kind.TOKEN_REVOKED)[0].actor == superuser


def test_an_administrator_lists_and_revokes_tokens_in_the_admin(client, officer):
    token, key = token_create(user=officer, name="数据同步")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    changelist = reverse("admin:crm_apitoken_changelist")

    listing = client.get(changelist, {"state": "active"})
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})

    assert listing.status_code == 200
    assert token.prefix in listing.content.decode()
    assert key not in listing.content.decode()
    token.refresh_from_db()
    assert token.revoked_reason == RevokeReason.ADMIN
    assert events(Kind.TOKEN_REVOKED)[0].actor == superuser
    assert api_get(key).status_code == 401


# --- the profile page ----------------------------------------------------------------------


def test_the_profile_page_lists_the_users_tokens_only(client, officer, other_officer):
    mine, _key = token_create(user=officer, name="数据同步")
    theirs, _ = token_create(user=other_officer, name="别人的令牌")
    revoked, _ = token_create(user=officer, name="旧脚本")
    token_revoke(token=revoked, actor=officer, reason=RevokeReason.USER)
    client.force_login(officer)

    page = client.get(reverse("profile")).content.decode()

    assert f"{mine.prefix}…" in page
    assert "数据同步" in page and "旧脚本" in page and "本人吊销" in page
    assert theirs.prefix not in page
    assert reverse("profile_token_revoke", args=[mine.pk]) in page
    assert reverse("profile_token_revoke", args=[revoked.pk]) not in page
    assert reverse("password_change") in page


def test_a_token_created_on_the_profile_page_is_shown_once(client, officer):
    client.force_login(officer)

    created = client.post(reverse("profile_token_create"), {"name": "报表脚本"})
    key = created.context["new_key"]
    later = client.get(reverse("profile")).content.decode()

    assert created.status_code == 200
    assert key in created.content.decode()
    assert key not in later
    assert key[:8] in later
    assert api_get(key).status_code == 200


def test_a_token_is_revoked_from_the_profile_page(client, officer):
    token, key = token_create(user=officer)
    client.force_login(officer)

    response = client.post(reverse("profile_token_revoke", args=[token.pk]))

    assert response.status_code == 302
    assert api_get(key).status_code == 401


def test_someone_elses_token_cannot_be_revoked_from_the_profile_page(
    client, officer, other_officer
):
    token, key = token_create(user=other_officer)
    client.force_login(officer)

    response = client.post(reverse("profile_token_revoke", args=[token.pk]))

    assert response.status_code == 404
    assert api_get(key).status_code == 200


# --- sessions ------------------------------------------------------------------------------


def test_a_session_ends_after_the_idle_time_and_a_request_renews_it(client, officer):
    client.force_login(officer)

    response = client.get(reverse("profile"))

    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 120 * 60


def test_a_session_is_renewed_at_most_once_a_minute(client, officer, monkeypatch):
    client.force_login(officer)
    client.get(reverse("profile"))

    again = client.get(reverse("profile"))
    a_minute_later = time.time() + 61
    monkeypatch.setattr("crm.sessions.time", SimpleNamespace(time=lambda: a_minute_later))
    later = client.get(reverse("profile"))

    assert django_settings.SESSION_COOKIE_NAME not in again.cookies
    assert later.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 120 * 60


def test_the_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("PASSWORD_MIN_LENGTH", "12")
    monkeypatch.setenv("AXES_FAILURE_LIMIT", "8")
    monkeypatch.setenv("API_TOKEN_TTL_DAYS", "14")

    loaded = runpy.run_path(str(Path(django_settings.BASE_DIR) / "config" / "settings.py"))

    assert loaded["SESSION_COOKIE_AGE"] == 30 * 60
    assert loaded["AXES_FAILURE_LIMIT"] == 8
    assert loaded["API_TOKEN_TTL_DAYS"] == 14
    [length] = [v for v in loaded["AUTH_PASSWORD_VALIDATORS"] if "Length" in v["NAME"]]
    assert length["OPTIONS"] == {"min_length": 12}


# --- the security log ----------------------------------------------------------------------


def test_a_web_sign_in_and_sign_out_are_logged_once_each(client, officer):
    web_login(client, "officer", PASSWORD)
    client.post(reverse("logout"), REMOTE_ADDR=OFFICE)

    [login] = events(Kind.LOGIN)
    [logout] = events(Kind.LOGOUT)
    assert (login.actor, login.username, login.ip_address) == (officer, "officer", OFFICE)
    assert (logout.actor, logout.ip_address) == (officer, OFFICE)


def test_a_failed_sign_in_logs_the_typed_username_and_address(client, db):
    web_login(client, "nobody-here", "guess")

    [failed] = events(Kind.LOGIN_FAILED)
    assert (failed.actor, failed.username, failed.ip_address) == (None, "nobody-here", OFFICE)
    assert "guess" not in str(failed.details)


def test_a_lockout_is_logged_once_however_often_the_locked_user_tries(client, officer):
    for _ in range(5):
        web_login(client, "officer", "wrong")
    for _ in range(3):
        web_login(client, "officer", PASSWORD)
    api_login("officer", PASSWORD)

    [lockout] = events(Kind.LOCKOUT)
    assert (lockout.username, lockout.ip_address) == ("officer", OFFICE)
    assert lockout.details["failures"] == 5
    assert len(events(Kind.LOGIN_FAILED)) == 9


def test_token_creation_use_and_revocation_are_logged(officer):
    key = api_login("officer", PASSWORD).json()["token"]
    for _ in range(3):
        api_get(key)
    APIClient().post(REVOKE_URL, HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=OFFICE)

    for kind in (Kind.TOKEN_CREATED, Kind.TOKEN_USED, Kind.TOKEN_REVOKED):
        [event] = events(kind)
        assert (event.actor, event.username, event.ip_address) == (officer, "officer", OFFICE)
        assert event.target == f"{key[:8]}… (officer)"
    assert not events(Kind.LOGIN)  # the API's sign-in is the token's creation


def test_token_use_is_stamped_once_a_minute_and_logged_once_a_day(officer, monkeypatch):
    token, key = token_create(user=officer)
    morning = timezone.make_aware(datetime.datetime(2026, 6, 1, 9, 0))
    clock = {"now": morning}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])

    api_get(key)
    clock["now"] = morning + datetime.timedelta(seconds=30)
    api_get(key)
    token.refresh_from_db()
    stamped_at_first = token.last_used_at
    clock["now"] = morning + datetime.timedelta(minutes=5)
    api_get(key)
    token.refresh_from_db()
    stamped_later = token.last_used_at
    clock["now"] = morning + datetime.timedelta(days=1)
    api_get(key)

    assert stamped_at_first == morning
    assert stamped_later == morning + datetime.timedelta(minutes=5)
    assert len(events(Kind.TOKEN_USED)) == 2


def test_a_password_changed_any_other_way_kills_the_tokens_too(officer):
    """``manage.py changepassword`` or a script calls ``set_password`` directly (review
    finding): the token is tied to the password it was issued under."""
    _token, key = token_create(user=officer, name="脚本")
    assert api_get(key).status_code == 200
    officer.set_password("another-long-passphrase")
    officer.save(update_fields=["password"])
    response = api_get(key)
    assert response.status_code == 401
    assert "密码已修改" in response.json()["detail"]
