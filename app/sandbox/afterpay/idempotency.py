"""requestId idempotency (afterpay.md §5): replay, in-flight conflicts, replay windows.

A key is (operation, order id or token, requestId[, merchantReference]). The first request
with a key marks it in flight; a duplicate arriving meanwhile gets 409 (afterpay.md §5: "the
original request is still being processed"). When the first finishes, a success (or the 402
Payment of a declined auth) is stored and replayed, status and body, to every later request
with the key until the replay window closes. Other errors are not stored: the retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

Key = tuple[str, ...]


def fingerprint(body: dict[str, Any]) -> str:
    """A digest of the request body that ignores key order and null-valued fields."""
    cleaned = {k: v for k, v in body.items() if v is not None}
    return hashlib.sha256(json.dumps(cleaned, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """A finished response that a retry receives again."""

    status: int
    body: Any
    same_body: bool


class InFlight:
    """The first request with this key has not finished yet."""


IN_FLIGHT = InFlight()


@dataclass
class _Entry:
    fingerprint: str
    done: bool = False
    status: int = 0
    body: Any = None
    stored_at: datetime | None = None
    ttl: timedelta | None = None


class IdempotencyCache:
    """Thread-safe store of requestId outcomes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Key, _Entry] = {}

    def begin(self, key: Key, digest: str, now: datetime) -> Stored | InFlight | None:
        """Claim ``key``: None when this request should run, else what to answer instead."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.done and _lapsed(entry, now):
                entry = None
            if entry is None:
                self._entries[key] = _Entry(digest)
                return None
            if not entry.done:
                return IN_FLIGHT
            return Stored(entry.status, entry.body, entry.fingerprint == digest)

    def complete(self, key: Key, status: int, body: Any, now: datetime, ttl: timedelta | None) -> None:
        """Store the outcome; ``ttl`` None keeps it for the simulator's lifetime."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.done, entry.status, entry.body, entry.stored_at, entry.ttl = True, status, body, now, ttl

    def abandon(self, key: Key) -> None:
        """Forget a claim whose request failed, so a retry runs again."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything (sandbox reset)."""
        with self._lock:
            self._entries.clear()


def _lapsed(entry: _Entry, now: datetime) -> bool:
    return entry.ttl is not None and entry.stored_at is not None and now - entry.stored_at > entry.ttl
