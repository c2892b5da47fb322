"""The GST ledger: every Cin7 invoice and credit note of an Afterpay sale, and every Afterpay
fee, by the moment it happened — what the month-end GST summary adds up.

Documents are recorded when the bridge writes them (an invoice when Afterpay captures, a
credit note per refund or late cancellation) and when it first sees one a person raised in
Cin7; fees come from uploaded settlement files. Each is kept under its UTC instant, so a
month is cut in whatever time zone the report asks for (Australia/Sydney by default: an
order captured at 2026-11-30T14:00Z belongs to December's BAS). A voided sale's documents
leave the ledger. Entries are keyed by what they are (sale and task; settlement row), so
recording one twice, or uploading a settlement file twice, counts it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import redis

from app.domain.gst_report import FeeEntry, GstDocument
from app.store.keys import Keys


class GstLedger:
    """Documents and fees in time-ordered sets, with their details alongside."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._redis = client
        self._keys = keys

    def record(self, document: GstDocument, *, replace: bool = True) -> None:
        """Keep ``document``; with ``replace`` False an entry already kept wins (a document
        the bridge wrote knows its moment better than a read-back date)."""
        details = self._keys("gst", "doc")
        if not replace and self._redis.hexists(details, document.key):
            return
        pipe = self._redis.pipeline()
        pipe.hset(details, document.key, document.to_json())
        pipe.zadd(self._keys("gst", "docs"), {document.key: document.at.timestamp()})
        pipe.sadd(self._keys("gst", "sale", document.sale_id.lower()), document.key)
        pipe.execute()

    def sync_sale(self, sale_id: str, live: Iterable[GstDocument]) -> None:
        """Make the ledger hold exactly ``live`` for the sale, as Cin7 shows it now: documents
        voided or undone since leave, new ones (a person's credit note) join at Cin7's dates,
        and those the bridge recorded keep the moment it recorded."""
        documents = list(live)
        kept: set[str] = self._redis.smembers(self._keys("gst", "sale", sale_id.lower()))  # type: ignore[assignment]
        stale = kept - {d.key for d in documents}
        if stale:
            pipe = self._redis.pipeline()
            pipe.hdel(self._keys("gst", "doc"), *stale)
            pipe.zrem(self._keys("gst", "docs"), *stale)
            pipe.srem(self._keys("gst", "sale", sale_id.lower()), *stale)
            pipe.execute()
        for document in documents:
            self.record(document, replace=False)

    def forget_sale(self, sale_id: str) -> None:
        """A voided sale carries no GST: drop its documents."""
        index = self._keys("gst", "sale", sale_id.lower())
        members: set[str] = self._redis.smembers(index)  # type: ignore[assignment]
        if not members:
            return
        pipe = self._redis.pipeline()
        pipe.hdel(self._keys("gst", "doc"), *members)
        pipe.zrem(self._keys("gst", "docs"), *members)
        pipe.delete(index)
        pipe.execute()

    def documents(self, start: datetime, end: datetime) -> list[GstDocument]:
        """Documents dated in ``[start, end)``, oldest first."""
        return [GstDocument.from_json(raw) for raw in self._between("docs", "doc", start, end)]

    def record_fees(self, fees: Iterable[FeeEntry]) -> int:
        """Keep settlement fees; returns how many were new."""
        entries = list(fees)
        if not entries:
            return 0
        details = self._keys("gst", "fee")
        pipe = self._redis.pipeline()
        for entry in entries:
            pipe.hsetnx(details, entry.key, entry.to_json())
            pipe.zadd(self._keys("gst", "fees"), {entry.key: entry.at.timestamp()})
        results = pipe.execute()
        return sum(1 for result in results[::2] if result)

    def fees(self, start: datetime, end: datetime) -> list[FeeEntry]:
        """Fees dated in ``[start, end)``, oldest first."""
        return [FeeEntry.from_json(raw) for raw in self._between("fees", "fee", start, end)]

    def _between(self, index: str, details: str, start: datetime, end: datetime) -> list[str]:
        keys: list[str] = self._redis.zrangebyscore(  # type: ignore[assignment]
            self._keys("gst", index), start.timestamp(), f"({end.timestamp()}"
        )
        if not keys:
            return []
        found: list[Any] = self._redis.hmget(self._keys("gst", details), keys)
        return [raw for raw in found if raw]
