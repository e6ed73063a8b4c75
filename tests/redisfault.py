"""A Redis of the test's own, to stop and freeze while the rest of the suite keeps the shared test Redis."""

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assembly.celery import app
from assembly.common import cache as forgiving_cache
from assembly.common.localredis import free_port, start_local_redis


class FaultyRedis:
    """A private redis-server on one loopback port: stopped (its data gone) and started again, or frozen and thawed."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.url, self.process = start_local_redis(var_dir=self.var_dir, port=self.port)

    def stop(self) -> None:
        """Stop the server as a crash or `systemctl stop` would: connections refused, queued work lost."""
        self.process.terminate()
        self.process.wait()
        forgiving_cache._forget()

    def freeze(self) -> None:
        """Keep the port open but answer nothing, as an overloaded or swapped-out server does."""
        os.kill(self.process.pid, signal.SIGSTOP)
        forgiving_cache._forget()

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


def _point_celery_at(url: str) -> None:
    """Publish to url from now on: Celery read its broker once, and keeps connections to it in a pool."""
    app.conf.broker_url = url
    app._after_fork()


@pytest.fixture
def faulty_redis(settings) -> Iterator[FaultyRedis]:
    """The cache, the sessions' cache and the broker of this process on a Redis the test may stop or freeze.

    Workers the test starts must be given REDIS_URL=faulty_redis.url.
    """
    server = FaultyRedis(Path(os.environ["VAR_DIR"]) / f"redis-faulty-{free_port()}")
    server.start()
    shared = {
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CACHES": settings.CACHES,
    }
    shared_broker = app.conf.broker_url
    settings.REDIS_URL = server.url
    settings.CELERY_BROKER_URL = server.url
    # Overriding CACHES drops Django's cache connections, so the next use connects to this server.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    _point_celery_at(server.url)
    # Each process remembers a Redis error for REDIS_RETRY_AFTER seconds; a test starts and ends with none.
    forgiving_cache._forget()
    yield server
    # Back on the shared Redis now, not when pytest-django undoes `settings`: fixtures torn down in between
    # (tests/conftest.py clears the cache) must not reach this server, nor leave the error remembered.
    for name, value in shared.items():
        setattr(settings, name, value)
    _point_celery_at(shared_broker)
    forgiving_cache._forget()
    if server.process.poll() is None:
        server.thaw()
        server.stop()
