"""Sign-in events in the security log, and the account changes that end a user's tokens.

Django's auth signals (``user_logged_in``, ``user_logged_out``, ``user_login_failed``) and
django-axes' ``user_locked_out`` are the integration points these frameworks offer; the
receivers below only record, and ``CrmConfig.ready`` connects them. Unlocking and password
changes are explicit calls from the admin and the password pages.
"""

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from crm.models import SecurityEvent, User
from crm.security import security_event_record
from crm.tokens import RevokeReason, tokens_revoke_for_user


def lockout_message() -> str:
    """What a locked-out user reads, on the login page and from the API."""
    return _("登录失败次数过多，账户已暂时锁定，请 %(minutes)s 分钟后再试或联系管理员解锁。") % {
        "minutes": settings.AXES_COOLOFF_MINUTES
    }


def _path(request: HttpRequest | None) -> str:
    return getattr(request, "path", "") or ""


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    security_event_record(
        kind=SecurityEvent.Kind.LOGIN, request=request, actor=user, details={"path": _path(request)}
    )


def on_logged_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None:  # signing out without a session
        return
    security_event_record(
        kind=SecurityEvent.Kind.LOGOUT,
        request=request,
        actor=user,
        details={"path": _path(request)},
    )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Who was tried, from where; Django has already masked the password in ``credentials``."""
    username = str(credentials.get(User.USERNAME_FIELD) or "")
    security_event_record(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        request=request,
        username=username,
        details={"path": _path(request)},
    )


def on_locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    """The attempt that crossed the limit; axes signals again at every try during the lock,
    when it has not counted the failure (``axes_failures_since_start`` stays unset)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    security_event_record(
        kind=SecurityEvent.Kind.LOCKOUT,
        request=request,
        username=username or "",
        target=f"{username or ''} @ {ip_address or ''}",
        details={
            "path": _path(request),
            "failures": failures,
            "cool_off_minutes": settings.AXES_COOLOFF_MINUTES,
        },
    )


@transaction.atomic
def lockouts_clear(
    *, attempts: QuerySet[AccessAttempt], actor: User, request: HttpRequest | None = None
) -> int:
    """Unlock: delete the failed-attempt records, one ``unlock`` log entry each."""
    cleared = 0
    for attempt in attempts.select_for_update():
        security_event_record(
            kind=SecurityEvent.Kind.UNLOCK,
            request=request,
            actor=actor,
            username=attempt.username or "",
            target=f"{attempt.username or ''} @ {attempt.ip_address or ''}",
            details={
                "ip_address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
        )
        attempt.delete()
        cleared += 1
    return cleared


def password_changed(*, user: User, actor: User, request: HttpRequest | None = None) -> int:
    """After a password change (by the user or an administrator): the user's tokens die and the
    log records who changed it. Returns how many tokens were revoked."""
    revoked = tokens_revoke_for_user(
        user=user, reason=RevokeReason.PASSWORD_CHANGE, actor=actor, request=request
    )
    security_event_record(
        kind=SecurityEvent.Kind.PASSWORD_CHANGE,
        request=request,
        actor=actor,
        username=user.get_username(),
        target=user.get_username(),
        details={"tokens_revoked": revoked, "by_administrator": actor.pk != user.pk},
    )
    return revoked
