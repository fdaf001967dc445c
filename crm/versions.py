"""Values in the shared cache that change after every committed write to chosen models.

What is kept of the database between requests (the filter bars' choices, ``crm.filters``; the
cockpit's figures, ``crm.snapshots``) is kept with the version it was read at, and trusted while
the version has not changed. A ``WriteVersion`` watches saves, deletions and many-to-many
changes of its models and takes a new random value:

- at once, for a write outside a transaction;
- at the commit, for a write inside one (once per transaction; a rollback, also to the savepoint
  that wrote, drops it). Until then ``written_in_this_transaction`` is true and whoever reads
  in that transaction must compute afresh rather than keep anything: the writer reads its own
  writes, and a test, which runs in one transaction, sees what it has just created.

Bulk writes that send no signal (``COPY``, ``bulk_create``) call ``record_write`` themselves.
The key holds the database's name: one cache may serve several databases (a developer's demo
and benchmark databases, the test databases).
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

# A user saved for these fields only (a sign-in, a password change) changes nothing kept.
SIGN_IN_FIELDS = frozenset({"last_login", "password"})


class WriteVersion:
    """A version named ``name`` of the models ``watches`` accepts; ``timeout`` (seconds) also
    renews it when nothing is written, for processes whose cache the writer does not share."""

    def __init__(
        self,
        name: str,
        *,
        watches: Callable[[type[models.Model]], bool],
        timeout: int | None = None,
    ) -> None:
        self.name = name
        self.watches = watches
        self.timeout = timeout

    def _key(self) -> str:
        return f"version:{self.name}:{connection.settings_dict['NAME']}"

    def current(self) -> str:
        """The version now (a new one if none is set or it was evicted)."""
        version = cache.get(self._key())
        if version is None:
            version = self.renew()
        return version

    def renew(self) -> str:
        """A new value: everything kept before is older than it now."""
        version = uuid.uuid4().hex
        cache.set(self._key(), version, self.timeout)
        return version

    def written_in_this_transaction(self) -> bool:
        """Whether the open transaction has written a watched record (its commit renews)."""
        return connection.in_atomic_block and any(
            callback == self.renew for _savepoints, callback, _robust in connection.run_on_commit
        )

    def record_write(self) -> None:
        """A watched record changed: renew now outside a transaction, at its commit inside."""
        if not connection.in_atomic_block:
            self.renew()
        elif not self.written_in_this_transaction():
            transaction.on_commit(self.renew)

    def _on_write(self, sender: type[models.Model], **kwargs: Any) -> None:
        if not self.watches(sender):
            return
        update_fields = kwargs.get("update_fields")
        if update_fields and set(update_fields) <= SIGN_IN_FIELDS:
            return
        self.record_write()

    def connect(self) -> None:
        """Watch the signals (from ``AppConfig.ready``)."""
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(
                self._on_write, weak=False, dispatch_uid=f"crm.versions.{self.name}.{id(signal)}"
            )
