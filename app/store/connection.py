"""Redis connections: one for RQ (bytes), one for the bridge's own keys (text)."""

from __future__ import annotations

import redis


def connect(url: str, *, decode: bool = True) -> redis.Redis:
    """A Redis client with timeouts, so a dead server fails a request instead of hanging it.

    RQ needs ``decode=False``: it stores pickled and zlib-compressed job data.
    """
    return redis.Redis.from_url(
        url,
        decode_responses=decode,
        socket_connect_timeout=5,
        socket_timeout=10,
        health_check_interval=30,
        retry_on_timeout=True,
    )
