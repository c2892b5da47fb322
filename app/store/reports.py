"""Finished reports — reconciliations and settlement checks — kept for people to read back.

Each report is one JSON value, indexed by creation time so lists come newest first. The
newest ``KEEP`` of each kind are kept (more than a year of daily runs); older ones go.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import redis

from app.store.keys import Keys

KEEP = 500


class ReportStore:
    """Reports of one ``kind`` (``reconciliation``, ``settlement``)."""

    def __init__(self, client: redis.Redis, keys: Keys, kind: str) -> None:
        self._redis = client
        self._keys = keys
        self._kind = kind
        self._index = keys("report", kind, "index")

    def _key(self, report_id: str) -> str:
        return self._keys("report", self._kind, report_id)

    def save(self, report: dict[str, Any]) -> None:
        """Keep ``report`` (its ``id`` and ``createdAt`` name and order it), dropping the oldest."""
        created = datetime.fromisoformat(report["createdAt"].replace("Z", "+00:00")).astimezone(UTC)
        pipe = self._redis.pipeline()
        pipe.set(self._key(report["id"]), json.dumps(report, default=str))
        pipe.zadd(self._index, {report["id"]: created.timestamp()})
        pipe.execute()
        surplus: list[str] = self._redis.zrange(self._index, 0, -KEEP - 1)  # type: ignore[assignment]
        if surplus:
            pipe = self._redis.pipeline()
            pipe.delete(*(self._key(old) for old in surplus))
            pipe.zrem(self._index, *surplus)
            pipe.execute()

    def get(self, report_id: str) -> dict[str, Any] | None:
        raw: str | None = self._redis.get(self._key(report_id))  # type: ignore[assignment]
        return json.loads(raw) if raw else None

    def newest(self, *, offset: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
        """A page of reports, newest first, and how many there are."""
        ids: list[str] = self._redis.zrevrange(self._index, offset, offset + limit - 1)  # type: ignore[assignment]
        raws: list[str | None] = self._redis.mget([self._key(i) for i in ids]) if ids else []  # type: ignore[assignment]
        return [json.loads(raw) for raw in raws if raw], int(self._redis.zcard(self._index))
