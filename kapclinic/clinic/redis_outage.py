"""Redis is a cache and a queue, never a single point of failure for the web.

Every page works from PostgreSQL alone: `ResilientRedisCache` turns an unreachable Redis into
cache misses (reads), no-ops (writes) and "not added" (`add`, which allauth uses for its rate
limit locks and TOTP replay marks, so a new sign-in fails closed while Redis is down; a
signed-in clinician keeps working because sessions fall back to their database rows).

While Redis is down the cache stops trying for `KAP_REDIS_RETRY_SECONDS`, so a request costs no
connection attempts; the outage is logged once when it starts and once when it ends. Keys whose
write or delete could not reach Redis are remembered and deleted on recovery, so a copy that
Redis kept (a session signed out meanwhile) never comes back to life.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger("kapclinic.outage")

# Past this many remembered keys, recovery clears every key of this cache's prefix instead.
MAX_REMEMBERED_KEYS = 50_000


class RedisHealth:
    """This process's view of Redis: up, or down since when (and when to try again)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.down_since = None  # wall-clock time the outage was first noticed
        self._retry_at = 0.0
        self._stale_keys = set()
        self._overflow = False

    @property
    def is_down(self):
        return self.down_since is not None

    def should_try(self):
        """False while a recent failure says Redis is down (no connection attempt needed)."""
        return self.down_since is None or time.monotonic() >= self._retry_at

    def failed(self, error, where, stale_keys=()):
        with self._lock:
            first = self.down_since is None
            if first:
                self.down_since = time.time()
            self._retry_at = time.monotonic() + settings.KAP_REDIS_RETRY_SECONDS
            self._remember(stale_keys)
        if first:
            log.error(
                "Redis unreachable (%s: %s, first seen in %s). Pages carry on from PostgreSQL; "
                "background work (reminders, alerts) waits; new sign-ins are refused until it "
                "returns.",
                type(error).__name__,
                error,
                where,
            )

    def remember(self, keys):
        with self._lock:
            self._remember(keys)

    def _remember(self, keys):
        if self._overflow:
            return
        self._stale_keys.update(keys)
        if len(self._stale_keys) > MAX_REMEMBERED_KEYS:
            self._overflow, self._stale_keys = True, set()

    def take_stale_keys(self):
        with self._lock:
            keys, overflow = self._stale_keys, self._overflow
            self._stale_keys, self._overflow = set(), False
            return keys, overflow

    def recovered(self):
        with self._lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            log.warning("Redis reachable again after %.0f s of outage.", time.time() - since)

    def reset(self):
        """Forget any outage (tests, and a process that starts afresh)."""
        with self._lock:
            self.down_since, self._retry_at = None, 0.0
            self._stale_keys, self._overflow = set(), False


REDIS = RedisHealth()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, but one `redis.Redis` per connection pool instead of a new one per
    command: each new one sets up its ~340 response callbacks, about a tenth of a signed-in
    request's CPU here. A `redis.Redis` holds no connection of its own and is thread-safe."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that answers as an empty cache while Redis is unreachable.

    Only a missed `set` or `delete` can leave Redis holding a value that is now wrong, so only
    their keys are remembered for recovery; a missed `add` or `touch` leaves a value that is
    still right (or expires sooner).
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _guard(self, where, fallback, call, stale_keys=()):
        if not REDIS.should_try():
            REDIS.remember(stale_keys)
            return fallback
        try:
            if REDIS.is_down:
                self._recover()
            return call()
        except RedisError as error:
            REDIS.failed(error, where, stale_keys)
            return fallback

    def _recover(self):
        """First call after an outage: drop what may be stale, then count Redis as back."""
        keys, overflow = REDIS.take_stale_keys()
        try:
            client = self._cache.get_client(write=True)
            if overflow:
                for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
                    client.delete(key)
            elif keys:
                client.delete(*keys)
        except RedisError:
            REDIS.remember(keys)
            raise
        REDIS.recovered()

    def _key(self, key, version):
        return self.make_and_validate_key(key, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # "Not added": a lock or a one-time mark cannot be taken, so callers fail closed.
        return self._guard(
            "cache.add",
            False,
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
        )

    def get(self, key, default=None, version=None):
        return self._guard(
            "cache.get",
            default,
            lambda: super(ResilientRedisCache, self).get(key, default, version),
        )

    def get_and_touch(self, key, timeout, default=None, version=None):
        """`get` that also gives a found key `timeout` more seconds, in one round trip (GETEX);
        like `touch`, never recreates a missing key."""

        def call():
            made = self.make_and_validate_key(key, version=version)
            value = self._cache.get_client(made, write=True).getex(
                made, ex=self.get_backend_timeout(timeout)
            )
            return default if value is None else self._cache._serializer.loads(value)

        return self._guard("cache.get_and_touch", default, call)

    def get_and_touch_with(self, key, timeout, others, default=None, version=None):
        """`get_and_touch(key)` and `get_many(others)` in one round trip (a pipeline): the
        session and the principal of the login it names are read together on every page."""
        if not others:
            return self.get_and_touch(key, timeout, default, version), {}

        def call():
            made = self.make_and_validate_key(key, version=version)
            named = {self.make_and_validate_key(other, version=version): other for other in others}
            pipe = self._cache.get_client(made, write=True).pipeline(transaction=False)
            pipe.getex(made, ex=self.get_backend_timeout(timeout))
            pipe.mget(list(named))
            value, values = pipe.execute()
            loads = self._cache._serializer.loads
            pairs = zip(named, values, strict=True)
            found = {named[made]: loads(v) for made, v in pairs if v is not None}
            return (default if value is None else loads(value)), found

        return self._guard("cache.get_and_touch", (default, {}), call)

    def get_many(self, keys, version=None):
        return self._guard(
            "cache.get_many", {}, lambda: super(ResilientRedisCache, self).get_many(keys, version)
        )

    def has_key(self, key, version=None):
        return self._guard(
            "cache.has_key", False, lambda: super(ResilientRedisCache, self).has_key(key, version)
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            "cache.set",
            None,
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            [self._key(key, version)],
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        keys = [self._key(key, version) for key in data]
        failed = self._guard(
            "cache.set_many",
            None,
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            keys,
        )
        return list(data) if failed is None else failed

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            "cache.touch",
            False,
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
        )

    def delete(self, key, version=None):
        return self._guard(
            "cache.delete",
            False,
            lambda: super(ResilientRedisCache, self).delete(key, version),
            [self._key(key, version)],
        )

    def delete_many(self, keys, version=None):
        made = [self._key(key, version) for key in keys]
        return self._guard(
            "cache.delete_many",
            None,
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            made,
        )

    def clear(self):
        return self._guard("cache.clear", False, lambda: super(ResilientRedisCache, self).clear())
