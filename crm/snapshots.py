"""Figures kept per reader and refreshed on write: the cockpit and the 图谱 answer at once.

The cockpit groups every visible lead, stage move and project several ways: at 100,000 leads
that is half a second of SQL for a bureau leader, and a leader opens it many times a day (the
meeting-room screen reloads it). So the figures a registered function computes
(``crm.registry.snapshot_kinds``) are kept in the cache per kind, reader, scope and parameters,
with the moment they were taken and the *figures version* they were taken at.

Every committed write to a record behind the figures (any model of ``FIGURE_APPS`` but the logs
in ``QUIET_MODELS``, and the 台账 import, which writes with ``COPY``) gives the version a new
value (``FIGURES``, a ``crm.versions.WriteVersion``). A reader then gets:

- the kept figures when nothing was written since they were taken;
- otherwise, for ``FIGURES_STALE_SECONDS`` after they were taken, the kept figures at once,
  marked stale (the page says when they were taken), while a worker recomputes them; the next
  read has the new figures;
- otherwise, or when no worker can be asked, or with ``fresh=True`` (the page's 刷新), figures
  computed in the request, as before.

Inside a transaction that has written such a record the figures are computed in the request and
not kept: the writer reads its own writes (and a test, which runs in one transaction, sees what
it has just created).
"""

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection, models
from django.utils import timezone

from crm.access import scope_key
from crm.models import User
from crm.registry import snapshot_kinds
from crm.versions import WriteVersion

logger = logging.getLogger(__name__)

# The apps whose records the figures are made of, and the models among them that are logs.
FIGURE_APPS = frozenset({"crm", "leads", "projects", "dashboard"})
QUIET_MODELS = frozenset(
    {
        "crm.changelog",
        "crm.reminder",
        "crm.reminderrun",
        "crm.notice",
        "crm.securityevent",
        "crm.importlog",
        "crm.apitoken",
    }
)
KEEP_SECONDS = 24 * 60 * 60  # the keys hold the day anyway
REFRESH_LOCK_SECONDS = 60


@dataclass(frozen=True)
class Snapshot:
    """Figures as computed at ``taken_at``; ``stale`` when a write has come since and a worker
    is recomputing them."""

    value: Any
    taken_at: datetime.datetime
    version: str
    stale: bool = False


# --- the figures version ---------------------------------------------------------------------


def _behind_figures(model: type[models.Model]) -> bool:
    meta = model._meta
    return meta.app_label in FIGURE_APPS and meta.label_lower not in QUIET_MODELS


FIGURES = WriteVersion("figures", watches=_behind_figures)


# --- reading and keeping snapshots -----------------------------------------------------------


def _key(kind: str, user: User, params: Mapping[str, str]) -> str:
    query = urlencode(sorted(params.items()))
    # The database's name too: one cache may serve several (see crm.versions).
    database = connection.settings_dict["NAME"]
    return f"snapshot:{database}:{kind}:{user.pk}:{scope_key(user)}:{query}"


def _take(kind: str, user: User, params: Mapping[str, str], key: str) -> Snapshot:
    """Compute the figures now and keep them under the version read before computing (a write
    committed meanwhile makes them stale, never the other way round)."""
    version = FIGURES.current()
    taken = Snapshot(
        value=snapshot_kinds.get(kind)(user, **params), taken_at=timezone.now(), version=version
    )
    cache.set(key, taken, timeout=KEEP_SECONDS)
    return taken


def _kept(key: str) -> Snapshot | None:
    try:
        kept = cache.get(key)
    except Exception:  # written by an older release whose classes have changed: recompute
        logger.warning("Dropping the unreadable snapshot %s", key, exc_info=True)
        return None
    return kept if isinstance(kept, Snapshot) else None


def _refresh_later(kind: str, user: User, params: Mapping[str, str], key: str) -> bool:
    """Ask a worker to recompute the snapshot (once at a time); False if none can be asked."""
    from crm.notifications.services import broker_breaker

    if broker_breaker.is_open():
        return False
    if not cache.add(f"{key}:refreshing", True, timeout=REFRESH_LOCK_SECONDS):
        return True  # already asked
    try:
        snapshot_refresh.delay(kind, user.pk, dict(params), f"{key}:refreshing")
    except Exception as error:  # whatever the broker library raises: compute in the request
        broker_breaker.trip()
        cache.delete(f"{key}:refreshing")
        logger.error(
            "Could not ask a worker to refresh %s (%s: %s)", key, type(error).__name__, error
        )
        return False
    return True


def snapshot(kind: str, *, user: User, params: Mapping[str, str], fresh: bool = False) -> Snapshot:
    """The figures of ``kind`` for ``user`` and ``params`` (strings, the computing function's
    keyword arguments), kept or computed as the module says."""
    if FIGURES.written_in_this_transaction():
        return Snapshot(
            value=snapshot_kinds.get(kind)(user, **params),
            taken_at=timezone.now(),
            version="",
        )
    key = _key(kind, user, params)
    kept = None if fresh else _kept(key)
    if kept is not None:
        if kept.version == FIGURES.current():
            return kept
        age = (timezone.now() - kept.taken_at).total_seconds()
        if age < settings.FIGURES_STALE_SECONDS and _refresh_later(kind, user, params, key):
            return replace(kept, stale=True)
    return _take(kind, user, params, key)


@shared_task(name="crm.snapshots.snapshot_refresh", acks_late=True, ignore_result=True)
def snapshot_refresh(kind: str, user_id: int, params: dict[str, str], lock: str) -> None:
    """Recompute one reader's snapshot after a write (asked by ``snapshot``, which holds
    ``lock`` until this is done)."""
    try:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is not None:  # under the reader's scope now, which may have changed
            _take(kind, user, params, _key(kind, user, params))
    finally:
        cache.delete(lock)
