"""The security log (等保 2.0): one function writes it, for every kind of event.

Sign-ins, failed sign-ins, lockouts, sign-outs, token creation, use and revocation, exports,
imports and admin changes all go through ``security_event_record``. The log is append-only:
nothing updates a row, the admin shows it read-only, and ``security_log_purge`` removes only
what is older than ``SECURITY_LOG_RETENTION_DAYS`` (never less than 180 days).
"""

import datetime
import ipaddress
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from crm.models import SecurityEvent, User

MIN_RETENTION_DAYS = 180


def client_address(request: HttpRequest | None) -> str | None:
    """The client's IP address; behind a trusted proxy (``USE_X_FORWARDED_FOR``) the first
    address of ``X-Forwarded-For``."""
    if request is None:
        return None
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if _is_ip(forwarded):
            return forwarded
    remote = request.META.get("REMOTE_ADDR", "")
    return remote if _is_ip(remote) else None


def _is_ip(text: str) -> bool:
    """A header is whatever the client sent: only a real address goes into the log."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _storable(value: Any) -> Any:
    """``value`` with NUL characters removed from every string: PostgreSQL's text and JSON
    types cannot hold them, and the log must record even a request that carried one."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def security_event_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    actor: User | None = None,
    username: str = "",
    target: str = "",
    details: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Append one entry to the security log; texts are cut to their columns, never an error.

    ``actor`` defaults to the request's signed-in user; ``username`` is what was typed when
    nobody is signed in (a failed sign-in).
    """
    # A request built outside the middleware (``Client.login``, a failed sign-in) has no user.
    request_user = getattr(request, "user", None)
    if actor is None and request_user is not None and request_user.is_authenticated:
        actor = request_user
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return SecurityEvent.objects.create(
        kind=kind,
        actor=actor,
        username=_storable(username or (actor.get_username() if actor else ""))[:150],
        ip_address=client_address(request),
        user_agent=_storable(user_agent)[:300],
        target=_storable(str(target))[:200],
        details=_storable(details or {}),
    )


def retention_days() -> int:
    """How long entries are kept: the setting, never less than the legal minimum."""
    configured = getattr(settings, "SECURITY_LOG_RETENTION_DAYS", MIN_RETENTION_DAYS)
    return max(configured, MIN_RETENTION_DAYS)


def retention_cutoff(*, now: datetime.datetime | None = None) -> datetime.datetime:
    """Entries older than this moment are past retention."""
    return (now or timezone.now()) - datetime.timedelta(days=retention_days())


def security_log_expired(*, now: datetime.datetime | None = None) -> QuerySet[SecurityEvent]:
    """The entries past retention."""
    return SecurityEvent.objects.filter(occurred_at__lt=retention_cutoff(now=now))


def security_log_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the entries past retention; returns how many."""
    deleted, _ = security_log_expired(now=now).delete()
    return deleted
