"""A token bucket per integration in Redis: one round trip per event, atomic in a Lua script.

The bucket holds ``burst`` tokens and refills at ``per_minute`` a minute. The same script
returns the integration's cache generation (``keys.generation_key``) so the request path
learns, in that one round trip, whether its cached integration is stale. If Redis is down, or
hung (connect and socket timeouts of ``TIMEOUT_SECONDS``), the limiter lets the event in with a
log line: losing alerts is worse than letting a burst through. After a failure it does not ask
Redis again for ``PAUSE_AFTER_FAILURE`` seconds, so a hung Redis costs one timeout, not one a request.

An integration allowed at least ``LEASE_MIN_PER_MINUTE`` takes tokens a few at a time (a lease,
at most ``LEASE_MAX`` and what ``LEASE_SECONDS`` of its rate refills) and spends them in the
process for up to ``LEASE_SECONDS``: the Redis round trip (~80 µs of Python, 140 µs of wall time)
is then paid once every few events. The limit is still never exceeded (a lease is tokens taken
from the shared bucket; unspent ones lapse); such an integration's cache generation is then at
most ``LEASE_SECONDS`` old in another process (this process drops its leases on a bump). Below
that rate (the default 120 a minute) every event makes the round trip.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

LEASE_MIN_PER_MINUTE = 6_000
LEASE_SECONDS = 0.05
LEASE_MAX = 32
TIMEOUT_SECONDS = 0.25
PAUSE_AFTER_FAILURE = 5.0

# KEYS[1] bucket, KEYS[2] generation; ARGV[1] tokens per ms, ARGV[2] burst, ARGV[3] tokens wanted,
# ARGV[4] the fewest worth granting (1 for a lease; all of them for a request's alerts).
# Returns {tokens granted (0 when refused), milliseconds until enough tokens, generation or false}.
BUCKET_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local minimum = tonumber(ARGV[4])
local allowed = 0
local wait = 0
if tokens >= minimum then
  allowed = math.min(tonumber(ARGV[3]), math.floor(tokens))
  tokens = tokens - allowed
else
  wait = math.ceil((minimum - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, wait, redis.call('GET', KEYS[2])}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds, for the Retry-After header
    generation: str | None  # None when never bumped
    known: bool = True  # False when Redis did not answer: the generation is unknown


@lru_cache(maxsize=1)
def client() -> "redis.Redis | None":
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    return redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS,
                                health_check_interval=30)


@lru_cache(maxsize=1)
def _script():
    connection = client()
    return connection.register_script(BUCKET_SCRIPT) if connection is not None else None


def bucket_key(integration_id: int) -> str:
    return f"foghorn:ingest:bucket:{integration_id}"


def generation_key(integration_id: int) -> str:
    return f"foghorn:ingest:gen:{integration_id}"


@dataclass
class _Lease:
    remaining: int
    expires: float
    generation: str | None


_leases: dict[int, _Lease] = {}
_paused_until = [0.0]  # monotonic time before which Redis is not asked again (after a failure)
_leases_lock = threading.Lock()


def lease_size(per_minute: int, burst: int) -> int:
    """Tokens taken per round trip: 1 below ``LEASE_MIN_PER_MINUTE``."""
    if per_minute < LEASE_MIN_PER_MINUTE:
        return 1
    return max(1, min(LEASE_MAX, burst, int(per_minute / 60 * LEASE_SECONDS)))


def take(integration_id: int, *, per_minute: int, burst: int, cost: int = 1) -> Decision:
    """Take ``cost`` tokens (all or none: a request's alerts); one at a time from a lease when the
    rate is high enough (``lease_size``)."""
    wanted = lease_size(per_minute, burst) if cost == 1 else cost
    if wanted > 1 and cost == 1:
        with _leases_lock:
            lease = _leases.get(integration_id)
            if lease is not None and lease.remaining > 0 and lease.expires > time.monotonic():
                lease.remaining -= 1
                return Decision(True, 0, lease.generation)
    script = _script()
    if script is None or time.monotonic() < _paused_until[0]:
        return Decision(True, 0, None, known=False)
    rate = max(per_minute, 1) / 60000.0
    try:
        granted, wait_ms, generation = script(keys=[bucket_key(integration_id), generation_key(integration_id)],
                                              args=[repr(rate), max(burst, 1), wanted, cost])
    except redis.RedisError:
        _paused_until[0] = time.monotonic() + PAUSE_AFTER_FAILURE
        logger.warning("rate limiter unavailable (Redis down or not answering), letting events in for %ss",
                       PAUSE_AFTER_FAILURE, extra={"integration_id": integration_id}, exc_info=True)
        return Decision(True, 0, None, known=False)
    generation = generation.decode() if isinstance(generation, bytes) else generation
    granted = int(granted)
    if granted > 1 and cost == 1:
        with _leases_lock:
            _leases[integration_id] = _Lease(granted - 1, time.monotonic() + LEASE_SECONDS, generation)
    return Decision(granted > 0, max(1, math.ceil(int(wait_ms) / 1000)) if not granted else 0, generation)


def leases_clear(integration_id: int | None = None) -> None:
    """Forget this process's unspent tokens (of one integration, or all; all also ends a pause)."""
    if integration_id is None:
        _paused_until[0] = 0.0
    with _leases_lock:
        if integration_id is None:
            _opened_local.clear()
        if integration_id is None:
            _leases.clear()
        else:
            _leases.pop(integration_id, None)


def bump_generation(integration_id: int) -> None:
    """Tell every process that its cached copy of this integration is stale."""
    leases_clear(integration_id)
    connection = client()
    if connection is None:
        return
    try:
        connection.incr(generation_key(integration_id))
    except redis.RedisError:
        logger.warning("could not bump the integration cache generation", extra={"integration_id": integration_id})


def reset(integration_id: int) -> None:
    leases_clear(integration_id)
    connection = client()
    if connection is not None:
        try:
            connection.delete(bucket_key(integration_id))
        except redis.RedisError:
            logger.warning("could not reset the rate limit", extra={"integration_id": integration_id})


# KEYS[1] the integration's counter of this minute; ARGV[1] its lifetime in ms.
OPENED_SCRIPT = """
local opened = redis.call('INCR', KEYS[1])
if opened == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return opened
"""
_opened_local: dict[tuple[int, int], int] = {}


@lru_cache(maxsize=1)
def _opened_script():
    connection = client()
    return connection.register_script(OPENED_SCRIPT) if connection is not None else None


def count_new_incident(integration_id: int) -> int:
    """Count one more new incident of the integration in the current clock minute and return the
    minute's count so far (storm protection). One Redis round trip, outside any database lock.
    Without Redis (none configured, down or hung) the count is this process's own: the threshold
    then holds per process instead of overall, and storms are still grouped."""
    minute = int(time.time() // 60)
    script = _opened_script()
    if script is not None and time.monotonic() >= _paused_until[0]:
        try:
            return int(script(keys=[f"foghorn:ingest:opened:{integration_id}:{minute}"], args=[120_000]))
        except redis.RedisError:
            _paused_until[0] = time.monotonic() + PAUSE_AFTER_FAILURE
            logger.warning("storm counter unavailable (Redis down or not answering), counting in this process",
                           extra={"integration_id": integration_id}, exc_info=True)
    with _leases_lock:
        for key in [key for key in _opened_local if key[1] < minute]:
            del _opened_local[key]
        _opened_local[(integration_id, minute)] = _opened_local.get((integration_id, minute), 0) + 1
        return _opened_local[(integration_id, minute)]
