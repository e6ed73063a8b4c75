"""The shared cache on Redis, which a person never pays for when Redis is stopped or frozen.

Everything kept in this cache may be lost: sessions live in the database only, rate-limit counts only
slow guessing down. So an error from Redis reads as a miss and a write is dropped. After an error the
cache stops asking Redis for REDIS_RETRY_AFTER seconds, so a frozen Redis costs one request at most
REDIS_TIMEOUT per process in that time, not every request.

allauth's rate limits take a lock with `add` before counting; while Redis is down `add` fails, so
every limited action (log-in, sign-up, password reset, guest sign-up) is refused: they fail closed.
"""

import logging
import time

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# When this process may ask Redis again (time.monotonic()); 0 while Redis answers.
_resting_until = 0.0


def redis_unreachable() -> bool:
    """Whether the cache saw Redis fail in the last REDIS_RETRY_AFTER seconds, from this process's memory."""
    return time.monotonic() < _resting_until


# When this process last asked Redis whether it answers, for the organizers' banner.
_probed_at = float("-inf")


def redis_unreachable_lately() -> bool:
    """Whether Redis fails now, asked at most once every REDIS_RETRY_AFTER seconds by this process.

    Pages need not touch Redis (sessions live in the database), so the banner asks it itself, cheaply.
    """
    global _probed_at
    now = time.monotonic()
    if not redis_unreachable() and now - _probed_at >= settings.REDIS_RETRY_AFTER:
        _probed_at = now
        from django.core.cache import cache

        cache.has_key("redis-probe")
    return redis_unreachable()


def _fail(error: redis.RedisError) -> None:
    global _resting_until
    if not redis_unreachable():
        logger.warning("cache: Redis did not answer (%s); working without it for a while", type(error).__name__)
    _resting_until = time.monotonic() + settings.REDIS_RETRY_AFTER


def _recover() -> None:
    global _resting_until
    _resting_until = 0.0


def _forget() -> None:
    """Forget what this process learnt of Redis: the next check asks it again (for tests that break it)."""
    global _probed_at
    _recover()
    _probed_at = float("-inf")


class ForgivingRedisCache(RedisCache):
    """Django's RedisCache, with Redis errors turned into misses and dropped writes."""

    def _call(self, method: str, fallback, *args, **kwargs):
        if redis_unreachable():
            return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except redis.RedisError as error:
            _fail(error)
            return fallback
        _recover()
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", None, key, delta, version)
        if result is None:
            raise ValueError(f"Key {key!r} not found.")
        return result

    def clear(self):
        return self._call("clear", False)


def count_in_window(kind: str, who: str, *, seconds: int) -> int:
    """Count one more event of `kind` by `who` in the current window of `seconds`; return the window's count.

    `who` (an address, a phone number) is kept only as a keyed hash, and only for the window. 0 when the count
    cannot be kept (Redis away, or the window's key expiring between two calls): callers let the event through.
    """
    from django.core.cache import cache
    from django.utils.crypto import salted_hmac

    digest = salted_hmac(f"assembly.window.{kind}", who, algorithm="sha256").hexdigest()[:24]
    key = f"window:{kind}:{digest}:{int(time.time() // seconds)}"
    try:
        return 1 if cache.add(key, 1, timeout=seconds + 60) else cache.incr(key)
    except ValueError:
        return 0
    except Exception:
        logger.warning("cache: could not count a %s", kind)
        return 0
