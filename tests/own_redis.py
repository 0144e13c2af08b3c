"""A Redis of the test's own, on a free port, that the test stops and starts at will.

Never the developer's shared instance: outage tests point the cache, the session store and the
Celery broker at this one. It keeps an append-only file, as production does (docs/operations.md),
so what it held before a stop is back after a start.
"""

import contextlib
import shutil
import socket
import subprocess
import time

import pytest
import redis

from kapclinic.celery import app as celery_app
from kapclinic.clinic.redis_outage import REDIS
from tests.real_services import require_real_service


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self):
        return redis.Redis.from_url(self.url)


@contextlib.contextmanager
def celery_broker(url):
    """Celery publishing to `url` for real (not eagerly), as the web does in production."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = url, False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.fixture
def own_redis(settings, tmp_path):
    """Cache and sessions on a Redis this test owns (started; `.stop()` / `.start()` it)."""
    require_real_service(shutil.which("redis-server"), "redis-server is not installed")
    require_real_service(settings.REDIS_URL, "REDIS_URL is not set (production's cache settings)")
    server = OwnRedis(tmp_path)
    server.start()
    # The project's own cache configuration (production's, with REDIS_URL), moved to this port.
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": server.url,
            "KEY_PREFIX": "kap-outage-test",
        }
    }
    settings.SESSION_ENGINE = "kapclinic.clinic.session_store"
    settings.KAP_REDIS_RETRY_SECONDS = 0.3
    REDIS.reset()
    try:
        yield server
    finally:
        server.stop()
        REDIS.reset()
