"""Per-order sync state: the Cin7 checkpoint, cross-references, the lock and the audit trail.

One hash per Afterpay order (``<ns>:order:<id>``) holds the bridge's checkpoint — the
``Cin7Sale`` snapshot of what it knows Cin7 holds, rewritten after every write — and, while a
non-idempotent write is on the wire, which one (``pending``). A job that finds ``pending``
set (its predecessor crashed, or the answer was lost) reads the truth back from Cin7 before
it writes again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis

from app.domain.sync import Cin7Sale
from app.store.keys import Keys

log = logging.getLogger(__name__)

LOCK_SECONDS = 60
"""The lock's lease. A live job renews it every third of that (a job may wait minutes for
Cin7 call slots under a backlog); a killed job's lock frees itself within a lease."""

PREFLIGHT_SECONDS = 900
"""How long a batch look-up's "no Cin7 sale has this ExternalID" stays usable."""

AUDIT_PER_ORDER = 200
MESSAGES_PER_ORDER = 20
AUDIT_GLOBAL = 100_000

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class OrderBusy(Exception):
    """Another job holds this order's lock; try again shortly."""


@dataclass
class OrderRecord:
    """What the bridge knows about one order's Cin7 side.

    Attributes:
        snapshot: the checkpoint: what Cin7 holds as of the bridge's last write or read.
        pending: the write that was sent but not confirmed, if any.
        info: what GET /v1/orders shows besides (state, last action, last sync ...).
    """

    order_id: str
    snapshot: Cin7Sale | None = None
    pending: str | None = None
    info: dict[str, str] = field(default_factory=dict)

    @property
    def sale_id(self) -> str | None:
        return self.snapshot.sale_id if self.snapshot is not None else self.info.get("saleId")


class OrderStore:
    """Reads and writes order records, locks, look-up hints and audit entries under one namespace."""

    def __init__(self, client: redis.Redis, keys: Keys, *, lock_seconds: int = LOCK_SECONDS) -> None:
        self._redis = client
        self._keys = keys
        self._lock_seconds = lock_seconds
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)

    def _key(self, order_id: str) -> str:
        return self._keys("order", order_id)

    def load(self, order_id: str) -> OrderRecord:
        """The record of ``order_id`` (empty when the bridge never synced it, or Redis was lost)."""
        raw: dict[str, str] = self._redis.hgetall(self._key(order_id))  # type: ignore[assignment]
        snapshot = raw.pop("cin7", None)
        pending = raw.pop("pending", None)
        return OrderRecord(
            order_id=order_id,
            snapshot=Cin7Sale.from_json(snapshot) if snapshot else None,
            pending=pending,
            info=raw,
        )

    def checkpoint(self, order_id: str, snapshot: Cin7Sale) -> None:
        """Record what Cin7 now holds (after a write, or after reading it) and clear ``pending``."""
        pipe = self._redis.pipeline()
        fields: dict[Any, Any] = {"cin7": snapshot.to_json(), "saleId": snapshot.sale_id}
        if snapshot.order_number:
            fields["orderNumber"] = snapshot.order_number
        pipe.hset(self._key(order_id), mapping=fields)
        pipe.hdel(self._key(order_id), "pending")
        pipe.set(self._keys("xref", "cin7", snapshot.sale_id.lower()), order_id)
        pipe.execute()

    def mark_pending(self, order_id: str, step: str) -> None:
        """Note that a write for ``step`` is about to be sent (before sending it)."""
        pipe = self._redis.pipeline()
        pipe.hset(self._key(order_id), "pending", step)
        pipe.delete(self._keys("preflight", order_id))
        pipe.execute()

    def clear_pending(self, order_id: str) -> None:
        """The pending write turned out not to have happened."""
        self._redis.hdel(self._key(order_id), "pending")

    def update_info(self, order_id: str, **fields: str) -> None:
        """Set display fields (state, lastAction, lastSyncAt, ...)."""
        if fields:
            self._redis.hset(self._key(order_id), mapping=dict[Any, Any](fields))

    def order_for_sale(self, sale_id: str) -> str | None:
        """The Afterpay order id of Cin7 sale ``sale_id``, if the bridge wrote or adopted it."""
        value: str | None = self._redis.get(self._keys("xref", "cin7", sale_id.lower()))  # type: ignore[assignment]
        return value

    # -- batch look-up hints --------------------------------------------------------------

    def mark_absent(self, order_ids: Iterable[str]) -> None:
        """A batch look-up found no Cin7 sale for these orders (cin7.md A12: saves a call each)."""
        pipe = self._redis.pipeline()
        for order_id in order_ids:
            pipe.set(self._keys("preflight", order_id), "absent", ex=PREFLIGHT_SECONDS)
        pipe.execute()

    def known_absent(self, order_id: str) -> bool:
        """Whether a recent batch look-up saw no Cin7 sale for this order."""
        return self._redis.get(self._keys("preflight", order_id)) == "absent"

    # -- lock ---------------------------------------------------------------------------

    @contextmanager
    def lock(self, order_id: str, *, wait: float = 0.0) -> Iterator[None]:
        """Hold the order's lock for the block, waiting up to ``wait`` seconds for it, else
        raise ``OrderBusy``.

        A daemon thread renews the lease while the block runs, so a slow job keeps its lock
        and a killed one loses it within one lease.
        """
        key = self._keys("lock", "order", order_id)
        token = uuid.uuid4().hex
        lease_ms = self._lock_seconds * 1000
        deadline = time.monotonic() + wait
        while not self._redis.set(key, token, nx=True, px=lease_ms):
            if time.monotonic() >= deadline:
                raise OrderBusy(f"order {order_id} is being synced by another job")
            time.sleep(0.1)
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self._lock_seconds / 3):
                try:
                    self._renew(keys=[key], args=[token, lease_ms])
                except redis.RedisError:
                    log.warning("could not renew an order lock", extra={"order": order_id})

        renewer = threading.Thread(target=renew, name=f"lock-{order_id}", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join(timeout=5)
            self._release(keys=[key], args=[token])

    # -- messages for the Cin7 sale's Note ----------------------------------------------------

    def add_message(self, order_id: str, text: str) -> bool:
        """Keep an answer from Afterpay to show on the Cin7 sale; False if it is already kept."""
        key = self._keys("order", order_id, "messages")
        kept: list[str] = self._redis.lrange(key, 0, -1)  # type: ignore[assignment]
        if text in kept:
            return False
        pipe = self._redis.pipeline()
        pipe.rpush(key, text)
        pipe.ltrim(key, -MESSAGES_PER_ORDER, -1)
        pipe.execute()
        return True

    def messages(self, order_id: str) -> list[str]:
        """The kept Afterpay answers, oldest first."""
        found: list[str] = self._redis.lrange(self._keys("order", order_id, "messages"), 0, -1)  # type: ignore[assignment]
        return found

    def record_dispute(self, order_id: str, dispute: dict[str, Any]) -> None:
        """Keep the latest state of an Afterpay dispute on the order."""
        self._redis.hset(self._keys("order", order_id, "disputes"), str(dispute["id"]), json.dumps(dispute))

    def disputes(self, order_id: str) -> list[dict[str, Any]]:
        raw: dict[str, str] = self._redis.hgetall(self._keys("order", order_id, "disputes"))  # type: ignore[assignment]
        return [json.loads(value) for _key, value in sorted(raw.items())]

    def remember_note(self, order_id: str, task_id: str, key: str) -> None:
        """The bridge wrote credit note ``task_id`` for ``key`` (``refund:<id>``, ``cancel:<amount>``):
        kept for good, so the note is known as the bridge's even if a person edits its memo."""
        self._redis.hset(self._keys("order", order_id, "notes"), task_id.lower(), key)

    def known_notes(self, order_id: str) -> dict[str, str]:
        """The bridge's credit notes of the order: its key by lower-case TaskID."""
        found: dict[str, str] = self._redis.hgetall(self._keys("order", order_id, "notes"))  # type: ignore[assignment]
        return found

    def mark_refused(self, order_id: str, request_key: str) -> None:
        """Afterpay refused the write ``request_key`` for good (declined, expired, window passed)."""
        self._redis.sadd(self._keys("order", order_id, "refused"), request_key)

    def refused(self, order_id: str) -> set[str]:
        """The request keys of the writes Afterpay refused for good."""
        found: set[str] = self._redis.smembers(self._keys("order", order_id, "refused"))  # type: ignore[assignment]
        return found

    # -- audit --------------------------------------------------------------------------

    def audit(self, order_id: str, action: str, **details: Any) -> None:
        """Append an entry to the order's trail and to the deployment's capped audit stream."""
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "order": order_id,
            "action": action,
            **details,
        }
        text = json.dumps(entry, default=str)
        pipe = self._redis.pipeline()
        pipe.lpush(self._keys("order", order_id, "audit"), text)
        pipe.ltrim(self._keys("order", order_id, "audit"), 0, AUDIT_PER_ORDER - 1)
        pipe.xadd(self._keys("audit"), {"entry": text}, maxlen=AUDIT_GLOBAL, approximate=True)
        pipe.execute()

    def trail(self, order_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The order's audit entries, newest first."""
        raw: list[str] = self._redis.lrange(self._keys("order", order_id, "audit"), 0, limit - 1)  # type: ignore[assignment]
        return [json.loads(item) for item in raw]
