"""Fixtures of the reminder engine's tests: the Celery app pointed at a given broker, the
dedicated Redis database of the tests that start real workers."""

import contextlib
import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
import pytest
from django.conf import settings

from config.celery import app as celery_app
from crm.notifications import services
from tests.conftest import skip_or_fail


@pytest.fixture(autouse=True)
def broker_breaker_closed() -> Iterator[None]:
    """Each test starts with a broker the request path is willing to try."""
    services.broker_breaker.reset()
    yield
    services.broker_breaker.reset()


def _drop_connections() -> None:
    """Close every pooled broker connection (kombu keeps its pools per URL, process-wide)."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """This process's Celery app publishing to the Redis broker at ``url``, with the
    production transport options (timeouts included), not eager; restored afterwards."""
    conf = celery_app.conf
    saved = (
        conf.CELERY_BROKER_URL,
        conf.CELERY_BROKER_TRANSPORT_OPTIONS,
        conf.CELERY_TASK_ALWAYS_EAGER,
    )
    _drop_connections()
    conf.CELERY_BROKER_URL = url
    conf.CELERY_BROKER_TRANSPORT_OPTIONS = settings.REDIS_BROKER_OPTIONS
    conf.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield
    finally:
        _drop_connections()
        (
            conf.CELERY_BROKER_URL,
            conf.CELERY_BROKER_TRANSPORT_OPTIONS,
            conf.CELERY_TASK_ALWAYS_EAGER,
        ) = saved


# The worker tests use a Redis database of their own, so they neither see nor steal other
# queues' messages: REDIS_URL's database plus this (modulo Redis's 16), so two test runs with
# different REDIS_URL databases do not consume each other's tasks either.
E2E_REDIS_DB_OFFSET = 8


def e2e_redis_url() -> str:
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    db = int(base.path.strip("/") or 0)
    return urlunsplit(base._replace(path=f"/{(db + E2E_REDIS_DB_OFFSET) % 16}"))


@pytest.fixture
def redis_broker() -> Iterator[str]:
    """Point this process's Celery app at the dedicated Redis database, then restore it."""
    import redis

    url = e2e_redis_url()
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.exceptions.RedisError as error:
        skip_or_fail(f"Redis is not reachable at {url}: {error}")
    client.flushdb()
    with celery_broker(url):
        yield url
    client.flushdb()
