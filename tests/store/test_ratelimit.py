"""The shared Cin7 rate limiter against a real Redis, in one process and across several."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import redis

from app.store.ratelimit import SAFETY, SharedRateLimiter, SlotUnavailable
from tests.processes import ROOT


def _recorder() -> tuple[list[float], object]:
    slept: list[float] = []
    return slept, slept.append


def test_slots_are_spaced_evenly_at_the_safe_rate(r: redis.Redis) -> None:
    slept, sleep = _recorder()
    limiter = SharedRateLimiter(r, "t:rl", 60, sleep=sleep)  # type: ignore[arg-type]
    waits = [limiter.acquire() for _ in range(6)]
    interval = 60 / (60 * SAFETY)
    assert waits[0] == 0
    # Nothing really sleeps here, so each reservation queues one interval behind the last.
    for k, wait in enumerate(waits[1:], start=1):
        assert wait == pytest.approx(k * interval, abs=0.05)
    assert slept == waits[1:]
    assert limiter.stats().granted == 6


def test_a_slot_too_far_away_is_refused_without_reserving(r: redis.Redis) -> None:
    limiter = SharedRateLimiter(r, "t:rl", 60, sleep=lambda _s: None)
    limiter.acquire()
    with pytest.raises(SlotUnavailable) as first:
        limiter.acquire(max_wait=0.1)
    with pytest.raises(SlotUnavailable) as second:
        limiter.acquire(max_wait=0.1)
    # The refused caller reserved nothing: the next slot did not move further away.
    assert second.value.retry_after <= first.value.retry_after
    assert limiter.stats().granted == 1


def test_cool_down_holds_every_caller_back(r: redis.Redis) -> None:
    a = SharedRateLimiter(r, "t:rl", 600, sleep=lambda _s: None)
    b = SharedRateLimiter(r, "t:rl", 600, sleep=lambda _s: None)
    a.cool_down(5)
    assert b.acquire() == pytest.approx(5, abs=0.1)
    assert b.stats().cooldowns == 1


def test_separate_keys_do_not_share_a_budget(r: redis.Redis) -> None:
    a = SharedRateLimiter(r, "t:a", 60, sleep=lambda _s: None)
    b = SharedRateLimiter(r, "t:b", 60, sleep=lambda _s: None)
    a.acquire()
    assert b.acquire() == 0


_WORKER = textwrap.dedent(
    """
    import sys, time, redis
    from app.store.ratelimit import SharedRateLimiter
    url, deadline = sys.argv[1], float(sys.argv[2])
    client = redis.Redis.from_url(url)
    limiter = SharedRateLimiter(client, "t:multi", 600)
    while True:
        limiter.acquire()
        now = time.time()
        if now > deadline:
            break
        client.rpush("t:grants", repr(now))
    """
)


@pytest.mark.slow
def test_several_processes_together_never_exceed_the_limit(redis_url: str, r: redis.Redis) -> None:
    import time

    deadline = time.time() + 5
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, redis_url, repr(deadline)], cwd=ROOT) for _ in range(4)]
    for worker in workers:
        assert worker.wait(timeout=30) == 0
    grants = sorted(float(x) for x in r.lrange("t:grants", 0, -1))
    assert len(grants) > 10
    # 600/min paced at 95 % is 9.5 calls/s: no one-second window may hold more than that
    # (plus the fencepost), whichever processes made the calls.
    per_second = 600 * SAFETY / 60
    start = 0
    for end, moment in enumerate(grants):
        while grants[start] <= moment - 1.0:
            start += 1
        assert end - start + 1 <= int(per_second) + 1, f"{end - start + 1} calls within one second"
