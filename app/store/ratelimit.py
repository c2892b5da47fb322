"""One Cin7 rate limiter for the whole deployment, shared through Redis.

Cin7 Core allows 60 calls per minute per API application, all endpoints and verbs in one
window (reference/cin7.md A2), and every web and worker process of a deployment uses the
same application. The limiter is GCRA (reference/reliability.md §3.1): one theoretical
arrival time (TAT) per key, advanced atomically by a Lua script that reads the clock with
Redis ``TIME``, so no worker's clock matters. Callers *reserve* a slot and sleep until it
comes, which spaces calls evenly instead of bursting and then stalling.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

SAFETY = 0.95
"""Share of the published limit the bridge uses. Pacing at exactly 60/min leaves no room for
network jitter pushing two calls into one of Cin7's windows; 5 % spare keeps throttles at
zero while still using ≥ 90 % of the quota under a backlog."""

_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then
  return {0, wait}
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1000)
redis.call('INCR', KEYS[2])
return {1, wait}
"""

_COOLDOWN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ts = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ts > tat then
  redis.call('SET', KEYS[1], until_ts, 'PX', math.ceil((until_ts - now) / 1000) + 1000)
end
redis.call('INCR', KEYS[2])
return until_ts - now
"""


class SlotUnavailable(Exception):
    """No call slot within the caller's maximum wait; ``retry_after`` says when one frees up."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"rate limit: next slot in {retry_after:.1f} s")


@dataclass(frozen=True)
class LimiterStats:
    """Counters since the key was created: slots granted and cooldowns triggered by throttles."""

    granted: int
    cooldowns: int


class SharedRateLimiter:
    """Paces calls to ``limit_per_minute * SAFETY`` across every process using ``key``."""

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        limit_per_minute: int,
        *,
        burst: int = 1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._key = key
        self._granted_key = f"{key}:granted"
        self._cooldowns_key = f"{key}:cooldowns"
        per_second = limit_per_minute * SAFETY / 60
        self.interval_us = math.ceil(1_000_000 / per_second)
        # burst 1 = strictly even spacing: any 60 s window then holds at most the paced count.
        self._tolerance_us = self.interval_us * (burst - 1)
        self._reserve = client.register_script(_RESERVE)
        self._cooldown = client.register_script(_COOLDOWN)
        self._sleep = sleep

    def acquire(self, max_wait: float = 300.0) -> float:
        """Reserve the next slot and sleep until it comes; returns the seconds waited.

        Raises:
            SlotUnavailable: when the slot is more than ``max_wait`` seconds away (nothing
                is reserved then, so a caller who gives up costs the others nothing).
        """
        granted, wait_us = self._reserve(
            keys=[self._key, self._granted_key], args=[self.interval_us, self._tolerance_us, int(max_wait * 1_000_000)]
        )
        wait = int(wait_us) / 1_000_000
        if not granted:
            raise SlotUnavailable(wait)
        if wait > 0:
            self._sleep(wait)
        return wait

    def cool_down(self, seconds: float) -> None:
        """Hold every process off for ``seconds`` (after Cin7 throttled us despite the pacing)."""
        self._cooldown(keys=[self._key, self._cooldowns_key], args=[int(seconds * 1_000_000)])

    def stats(self) -> LimiterStats:
        """Granted slots and cooldowns so far."""
        granted, cooldowns = self._client.mget(self._granted_key, self._cooldowns_key)
        return LimiterStats(int(granted or 0), int(cooldowns or 0))
