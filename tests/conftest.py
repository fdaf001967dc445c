"""Fixtures shared by every suite: a small bureau with one user of each role."""

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings

from crm.models import User
from tests.factories import TaskForceFactory, UserFactory

# CI sets REQUIRE_SERVICES=1: a test that needs Redis, a Celery worker or SMTP must then fail
# when the service is missing instead of skipping.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a newcomer's laptop, fail in CI, when a service a test needs is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: the service must be available)")
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def own_cache(tmp_path_factory) -> Iterator[None]:
    """A file cache of this test run's own: test runs side by side (and a development server)
    must not clear each other's throttle counts, kept filter choices (crm.filters) and kept
    figures (crm.snapshots). The Celery workers the tests start share it (``CACHE_DIR``)."""
    location = str(tmp_path_factory.mktemp("cache"))
    own = {**django_settings.CACHES["default"], "LOCATION": location}
    with (
        override_settings(CACHES={"default": own}),
        mock.patch.dict(os.environ, {"CACHE_DIR": location}),
    ):
        yield


def commit_kept_versions() -> None:
    """As if the test's writes so far were committed (``crm.versions``): run and drop the
    pending renewals, so that what the next requests keep (filter choices, figures) is kept as
    in production, where the test's one transaction would have been many."""
    from crm.versions import WriteVersion

    pending = [
        entry
        for entry in connection.run_on_commit
        if isinstance(getattr(entry[1], "__self__", None), WriteVersion)
    ]
    connection.run_on_commit[:] = [e for e in connection.run_on_commit if e not in pending]
    for _savepoints, renew, _robust in pending:
        renew()


@pytest.fixture(autouse=True)
def fresh_throttle_counts() -> None:
    """Each test starts with no request counted against a throttle (the token endpoint's lives
    in the cache, which would otherwise carry one test's requests into the next)."""
    cache.clear()


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Attachments are stored under a fresh directory for each test, never in ``var/media``
    (the API fuzzing uploads files too)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Hash test passwords with a cheap algorithm: the default costs seconds per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def leader(db) -> User:
    return UserFactory(username="leader", full_name="米业专班负责人", role=User.Role.LEADER)


@pytest.fixture
def officer(db) -> User:
    return UserFactory(username="officer", full_name="王招商", role=User.Role.OFFICER)


@pytest.fixture
def other_officer(db) -> User:
    """An officer of another task force, who must not see the first one's leads."""
    return UserFactory(username="other", full_name="李外班", role=User.Role.OFFICER)


@pytest.fixture
def bureau_leader(db) -> User:
    return UserFactory(username="chief", full_name="局长", role=User.Role.BUREAU_LEADER)


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(username="admin", full_name="管理员", role=User.Role.ADMIN, is_staff=True)


@pytest.fixture
def task_force(leader, officer):
    return TaskForceFactory(code="rice-tf", name="米业专班", leader=leader, members=[officer])


@pytest.fixture
def other_task_force(other_officer):
    return TaskForceFactory(code="dairy-tf", name="乳业专班", members=[other_officer])


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def module_data(django_db_blocker) -> Iterator[None]:
    """A transaction around data that a whole module's tests read, rolled back after the last.

    Use it in a module-scoped fixture (that also requests ``django_db_setup``) and write the
    shared rows inside it: each test's own transaction nests in it as a savepoint, so a test
    that writes leaves the module's rows as it found them, and nothing outlives the module
    (Django's ``TestCase.setUpTestData`` does the same per class). Passwords are hashed with
    the cheap hasher the tests use, so ``check_password`` works inside the tests.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
            yield
        transaction.set_rollback(True)


@dataclass
class HungServer:
    """A TCP server on loopback that accepts connections and never answers (a hung Redis)."""

    url: str
    port: int
    connections: list[socket.socket] = field(default_factory=list)


@pytest.fixture
def hung_server() -> Iterator[HungServer]:
    """A socket that accepts and never answers, on a random port: ``redis://`` at it hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    server = HungServer(url=f"redis://127.0.0.1:{port}/0", port=port)

    def accept() -> None:
        while True:
            try:
                conn, _address = listener.accept()
            except OSError:  # the listener was closed: the test is over
                return
            server.connections.append(conn)  # held open, never read, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
    listener.close()
    for conn in server.connections:
        conn.close()
    thread.join(timeout=5)
