"""Personal API tokens: created, checked on every API request, revoked.

A token is 40 random hexadecimal characters, shown once and stored only as its SHA-256 digest
(``ApiToken.key_hash``) with its first eight characters (``prefix``) to tell tokens apart. It is
valid ``API_TOKEN_TTL_DAYS`` days; revoking it (the profile page, ``POST auth/token/revoke/``),
changing the password or deactivating the account ends it at once. Every creation, revocation
and the first use of each day is written to the security log (``crm.security``).
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from crm.exceptions import NotFound
from crm.models import ApiToken, SecurityEvent, User
from crm.security import security_event_record

KEY_BYTES = 20  # 40 hexadecimal characters, the length API clients already know
PREFIX_LENGTH = 8
# ``last_used_at`` is written at most this often, so a busy client costs no write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


class RevokeReason(models.TextChoices):
    """Why a token ended (``ApiToken.revoked_reason``)."""

    USER = "user", gettext_lazy("本人吊销")
    PASSWORD_CHANGE = "password_change", gettext_lazy("修改密码")
    DEACTIVATED = "deactivated", gettext_lazy("账号停用")
    ADMIN = "admin", gettext_lazy("管理员吊销")


class TokenState(models.TextChoices):
    """Whether a token still opens the API."""

    ACTIVE = "active", gettext_lazy("有效")
    EXPIRED = "expired", gettext_lazy("已过期")
    REVOKED = "revoked", gettext_lazy("已吊销")


@dataclass(frozen=True)
class TokenRow:
    """One line of the profile page's token list."""

    token: ApiToken
    state: TokenState
    revoked_reason_label: str

    @property
    def is_active(self) -> bool:
        return self.state == TokenState.ACTIVE


def key_digest(key: str) -> str:
    """The stored form of a key: its SHA-256 in hexadecimal."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_state(token: ApiToken, *, now: datetime.datetime | None = None) -> TokenState:
    if token.revoked_at is not None:
        return TokenState.REVOKED
    if token.expires_at <= (now or timezone.now()):
        return TokenState.EXPIRED
    return TokenState.ACTIVE


def _describe(token: ApiToken) -> str:
    return f"{token.prefix}… ({token.user.get_username()})"


def password_mark(user: User) -> str:
    """A keyed digest of the user's password hash (as Django ties sessions to it): a token
    issued before the password changed no longer matches, whichever way it was changed
    (profile, admin, ``manage.py changepassword``, a script)."""
    return salted_hmac("crm.tokens.password_mark", user.password, algorithm="sha256").hexdigest()


def token_create(
    *, user: User, name: str = "", request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and the key, which is never shown again."""
    key = secrets.token_hex(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:NAME_MAX_LENGTH],
        key_hash=key_digest(key),
        prefix=key[:PREFIX_LENGTH],
        password_mark=password_mark(user),
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    security_event_record(
        kind=SecurityEvent.Kind.TOKEN_CREATED,
        request=request,
        actor=user,
        target=_describe(token),
        details={
            "token_id": token.pk,
            "name": token.name,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, key


@transaction.atomic
def token_revoke(
    *,
    token: ApiToken,
    actor: User | None,
    reason: str,
    request: HttpRequest | None = None,
) -> bool:
    """End ``token`` now; ``False`` (and nothing recorded) when it was already revoked."""
    locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.revoked_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_reason"])
    token.revoked_at, token.revoked_reason = locked.revoked_at, locked.revoked_reason
    security_event_record(
        kind=SecurityEvent.Kind.TOKEN_REVOKED,
        request=request,
        actor=actor,
        username=actor.get_username() if actor else locked.user.get_username(),
        target=_describe(locked),
        details={"token_id": locked.pk, "owner": locked.user.get_username(), "reason": reason},
    )
    return True


@transaction.atomic
def tokens_revoke_for_user(
    *,
    user: User,
    reason: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Revoke every token of ``user`` that still works; returns how many."""
    live = ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    return sum(
        token_revoke(token=token, actor=actor or user, reason=reason, request=request)
        for token in live.select_related("user")
    )


def tokens_for_user(*, user: User, limit: int = 50) -> list[TokenRow]:
    """The user's tokens, newest first, with their state (for the profile page)."""
    now = timezone.now()
    reasons = dict(RevokeReason.choices)
    return [
        TokenRow(
            token=token,
            state=token_state(token, now=now),
            revoked_reason_label=str(reasons.get(token.revoked_reason, token.revoked_reason)),
        )
        for token in ApiToken.objects.filter(user=user)[:limit]
    ]


def token_for_user(*, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; someone else's is reported as not found."""
    token = ApiToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    if token is None:
        raise NotFound(_("未找到该令牌。"))
    return token


def _note_use(token: ApiToken, request: HttpRequest) -> None:
    """Stamp ``last_used_at`` (at most once a minute) and log the first use of each day.

    Conditional updates, so two requests at once stamp and log once.
    """
    now = timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = ApiToken.objects.filter(pk=token.pk)
    last = token.last_used_at
    if last is None or last < day_start:
        first_today = rows.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=day_start)
        ).update(last_used_at=now)
        if first_today:
            security_event_record(
                kind=SecurityEvent.Kind.TOKEN_USED,
                request=request,
                actor=token.user,
                target=_describe(token),
                details={"token_id": token.pk},
            )
    elif last < now - LAST_USED_RESOLUTION:
        rows.filter(last_used_at__lt=now - LAST_USED_RESOLUTION).update(last_used_at=now)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>``: a live token of an active user, or 401 saying why."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("令牌格式不正确，应为“Authorization: Token <令牌>”。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise AuthenticationFailed(_("令牌无效。")) from None
        return self.authenticate_key(key, request)

    def authenticate_key(self, key: str, request: Request) -> tuple[User, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(key_hash=key_digest(key)).first()
        if token is None:
            raise AuthenticationFailed(_("令牌无效。"))
        state = token_state(token)
        if state == TokenState.REVOKED:
            raise AuthenticationFailed(_("令牌已吊销，请重新登录获取新令牌。"))
        if state == TokenState.EXPIRED:
            raise AuthenticationFailed(_("令牌已过期，请重新登录获取新令牌。"))
        if not token.user.is_active:
            raise AuthenticationFailed(_("账号已停用。"))
        if not constant_time_compare(token.password_mark, password_mark(token.user)):
            raise AuthenticationFailed(_("密码已修改，令牌已失效，请重新登录获取新令牌。"))
        # The Django request, not DRF's: reading DRF's request.user here would re-enter this class.
        _note_use(token, request._request)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
