"""Cached Cin7 availability per SKU, refreshed by ``Stock/AvailableStockLevelChanged`` webhooks.

Cin7 has no ``ModifiedSince`` for availability (cin7.md A15) and 60 calls a minute for the
whole deployment, so a checkout must not call it per page view: rows are kept per SKU for
``ttl`` seconds, and a webhook replaces a SKU's rows as soon as Cin7 reports a change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import redis

from app.store.keys import Keys

DEFAULT_TTL = 300
WEBHOOK_TTL = 3600
"""Rows pushed by Cin7 are trusted longer: any later change would be pushed too."""


class StockCache:
    """Availability rows per SKU, with when and how they were obtained."""

    def __init__(self, client: redis.Redis, keys: Keys, *, ttl: int = DEFAULT_TTL) -> None:
        self._redis = client
        self._keys = keys
        self._ttl = ttl

    def _key(self, sku: str) -> str:
        return self._keys("stock", sku)

    def get(self, sku: str) -> dict[str, Any] | None:
        """``{"rows": [...], "asOf": iso, "source": "cin7"|"webhook"}`` or None."""
        raw: str | None = self._redis.get(self._key(sku))  # type: ignore[assignment]
        return json.loads(raw) if raw else None

    def put(self, sku: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Keep the rows just read from Cin7 for ``ttl`` seconds; returns the entry."""
        entry = _entry(rows, "cin7")
        self._redis.set(self._key(sku), json.dumps(entry, default=str), ex=self._ttl)
        return entry

    def put_many(self, grouped: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Replace the rows of every SKU in ``grouped`` (one webhook delivery), in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        for sku, rows in grouped.items():
            pipe.set(self._key(sku), json.dumps(_entry(rows, "webhook"), default=str), ex=WEBHOOK_TTL)
        pipe.execute()

    def clear(self) -> int:
        """Drop every cached SKU (after a gap in webhooks, when pushed rows may be stale)."""
        found = list(self._redis.scan_iter(match=self._keys("stock", "*"), count=1000))
        return int(self._redis.delete(*found)) if found else 0


def _entry(rows: Sequence[Mapping[str, Any]], source: str) -> dict[str, Any]:
    return {"rows": list(rows), "asOf": datetime.now(UTC).isoformat(timespec="seconds"), "source": source}
