"""A short mutual-exclusion lock in Redis, for work that must not run twice at once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@contextmanager
def short_lock(client: redis.Redis, key: str, *, seconds: int = 30, wait: float = 30.0) -> Iterator[bool]:
    """Hold ``key`` for the block (at most ``seconds``), waiting up to ``wait`` for it.

    Yields whether the lock was obtained: after ``wait`` the block runs anyway, because the
    callers use it to avoid duplicated *work* (two look-ups, two creates), and a stuck holder
    must not stop the sync.
    """
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    held = bool(client.set(key, token, nx=True, ex=seconds))
    while not held and time.monotonic() < deadline:
        time.sleep(0.1)
        held = bool(client.set(key, token, nx=True, ex=seconds))
    try:
        yield held
    finally:
        if held:
            client.eval(_RELEASE, 1, key, token)
