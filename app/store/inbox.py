"""Incoming webhooks: which deliveries were already taken, and when each source last delivered.

Senders deliver at least once: Cin7 retries for about 75 minutes (cin7.md A13), Afterpay "a
few times" (afterpay.md §7). A delivery is taken once: the first sight of its key wins for
``DEDUP_SECONDS``, far longer than either retry horizon.
"""

from __future__ import annotations

from datetime import UTC, datetime

import redis

from app.store.keys import Keys

DEDUP_SECONDS = 7 * 24 * 3600


class Inbox:
    """Deduplication keys and last-delivery times, per source (``cin7``, ``afterpay-disputes``)."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._redis = client
        self._keys = keys

    def first_time(self, source: str, key: str) -> bool:
        """True the first time ``key`` is seen from ``source`` (and records it)."""
        return bool(self._redis.set(self._keys("inbox", source, key), "1", nx=True, ex=DEDUP_SECONDS))

    def forget(self, source: str, key: str) -> None:
        """Un-see ``key``: its handling failed and the sender's retry must get through."""
        self._redis.delete(self._keys("inbox", source, key))

    def touch(self, source: str, at: datetime | None = None) -> None:
        """Record a delivery from ``source``."""
        moment = at or datetime.now(UTC)
        self._redis.set(self._keys("inbox", source, "last"), moment.isoformat())

    def last(self, source: str) -> datetime | None:
        """When ``source`` last delivered, if ever."""
        value: str | None = self._redis.get(self._keys("inbox", source, "last"))  # type: ignore[assignment]
        return datetime.fromisoformat(value) if value else None
