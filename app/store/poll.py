"""What the Afterpay poller remembers: its bookmark, the orders it watches, what it last saw.

Afterpay sends no payment webhooks (reference/afterpay.md §7), so every change is found by
polling: new orders by creation date from a bookmark; open authorisations until they expire;
captured orders for refunds for 120 days, less and less often.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import redis

from app.store.keys import Keys

OPEN = "open"
REFUNDS = "refunds"
SEEN_SECONDS = 130 * 24 * 3600


class PollStore:
    """Bookmark, watch lists (sorted sets scored by the next check time) and seen digests."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._redis = client
        self._keys = keys

    def bookmark(self) -> datetime | None:
        """Creation time of the newest order the poller has safely handed to a job."""
        value: str | None = self._redis.get(self._keys("poll", "bookmark"))  # type: ignore[assignment]
        return datetime.fromisoformat(value) if value else None

    def set_bookmark(self, moment: datetime, *, resuming: bool = False) -> None:
        """Move the bookmark; ``resuming`` when the run stopped at its cap with more to list."""
        pipe = self._redis.pipeline()
        pipe.set(self._keys("poll", "bookmark"), moment.astimezone(UTC).isoformat())
        if resuming:
            pipe.set(self._keys("poll", "resuming"), "1")
        else:
            pipe.delete(self._keys("poll", "resuming"))
        pipe.execute()

    def resuming(self) -> bool:
        """Whether the last run stopped at its cap (the next one continues without overlap)."""
        return bool(self._redis.exists(self._keys("poll", "resuming")))

    def watch(self, which: str, order_id: str, at: datetime) -> None:
        """Check ``order_id`` again at ``at``."""
        self._redis.zadd(self._keys("poll", which), {order_id: at.timestamp()})

    def unwatch(self, which: str, order_ids: Iterable[str]) -> None:
        ids = list(order_ids)
        if ids:
            self._redis.zrem(self._keys("poll", which), *ids)

    def due(self, which: str, now: datetime, limit: int = 2500) -> list[str]:
        """Orders whose check is due, oldest due first."""
        found: list[str] = self._redis.zrangebyscore(
            self._keys("poll", which), "-inf", now.timestamp(), start=0, num=limit
        )  # type: ignore[assignment]
        return found

    def watching(self, which: str) -> int:
        return int(self._redis.zcard(self._keys("poll", which)))

    def seen(self, order_ids: list[str]) -> list[str | None]:
        """The digest last handed to a sync for each order (None when never, or long ago)."""
        if not order_ids:
            return []
        found: list[str | None] = self._redis.mget([self._keys("poll", "seen", i) for i in order_ids])  # type: ignore[assignment]
        return found

    def mark_seen(self, digests: dict[str, str]) -> None:
        # Kept as long as refunds are watched: after that nothing of the order changes.
        pipe = self._redis.pipeline(transaction=False)
        for order_id, digest in digests.items():
            pipe.set(self._keys("poll", "seen", order_id), digest, ex=SEEN_SECONDS)
        pipe.execute()

    def record_run(self, stats: dict[str, Any]) -> None:
        """Keep the last run's figures (poll cost is reported, GET /v1/sync/status)."""
        self._redis.set(self._keys("poll", "last"), json.dumps(stats, default=str))

    def last_run(self) -> dict[str, Any]:
        found: str | None = self._redis.get(self._keys("poll", "last"))  # type: ignore[assignment]
        return json.loads(found) if found else {}
