"""The bridge's outgoing events: a capped stream for polling triggers, and REST-hook subscriptions.

Low-code platforms learn of what the bridge did in two ways (reference/lowcode.md): instant
triggers subscribe a URL (Zapier ``performSubscribe``, Make attach, n8n webhook lifecycle)
and get each event POSTed, signed per Standard Webhooks; polling triggers call
``GET /v1/events?since=<id>``. Event ids are Redis stream ids: stable, unique and ordered.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from app.domain.times import utc_text
from app.store.keys import Keys

EVENT_TYPES = ("order.synced", "order.failed", "reconciliation.completed", "discrepancy.found")
STREAM_MAX = 100_000


@dataclass(frozen=True)
class Event:
    """One thing that happened, as delivered and listed."""

    id: str
    type: str
    created_at: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "createdAt": self.created_at, "data": self.data}


@dataclass(frozen=True)
class Hook:
    """A REST-hook subscription: ``event`` is delivered to ``target_url``, signed with ``secret``."""

    id: str
    target_url: str
    event: str
    secret: str
    created_at: str

    def to_dict(self, *, with_secret: bool = False) -> dict[str, Any]:
        body = {"id": self.id, "targetUrl": self.target_url, "event": self.event, "createdAt": self.created_at}
        if with_secret:
            body["secret"] = self.secret
        return body


class EventLog:
    """Appends and lists events, and keeps the hook subscriptions."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._redis = client
        self._stream = keys("events")
        self._hooks = keys("hooks")

    def append(self, type_: str, data: dict[str, Any]) -> Event:
        """Record an event; returns it with its id."""
        created = utc_text(datetime.now(UTC), "milliseconds")
        fields: dict[Any, Any] = {"type": type_, "createdAt": created, "data": json.dumps(data, default=str)}
        event_id = self._redis.xadd(self._stream, fields, maxlen=STREAM_MAX, approximate=True)
        return Event(id=_text(event_id), type=type_, created_at=created, data=data)

    def get(self, event_id: str) -> Event | None:
        """The event ``event_id``, if still kept."""
        rows = self._redis.xrange(self._stream, min=event_id, max=event_id, count=1)
        return _event(rows[0]) if rows else None

    def newest_first(self, *, since: str | None = None, limit: int = 50, type_: str | None = None) -> list[Event]:
        """Events after ``since`` (an event id, exclusive), newest first."""
        low = f"({since}" if since else "-"
        events: list[Event] = []
        high = "+"
        while len(events) < limit:
            rows = self._redis.xrevrange(self._stream, max=high, min=low, count=max(limit * 2, 50))
            if not rows:
                break
            for row in rows:
                event = _event(row)
                if type_ is None or event.type == type_:
                    events.append(event)
            high = f"({_text(rows[-1][0])}"
        return events[:limit]

    # -- hooks ----------------------------------------------------------------------------

    def subscribe(self, target_url: str, event: str) -> Hook:
        """A new subscription with its own signing secret (Standard Webhooks ``whsec_``)."""
        hook = Hook(
            id=f"hook_{uuid.uuid4().hex[:16]}",
            target_url=target_url,
            event=event,
            secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
            created_at=utc_text(datetime.now(UTC)),
        )
        self._redis.hset(self._hooks, hook.id, json.dumps(hook.__dict__))
        return hook

    def hook(self, hook_id: str) -> Hook | None:
        raw: str | None = self._redis.hget(self._hooks, hook_id)  # type: ignore[assignment]
        return Hook(**json.loads(raw)) if raw else None

    def hooks(self) -> list[Hook]:
        raw: dict[str, str] = self._redis.hgetall(self._hooks)  # type: ignore[assignment]
        return sorted((Hook(**json.loads(v)) for v in raw.values()), key=lambda h: h.created_at)

    def unsubscribe(self, hook_id: str) -> bool:
        return bool(self._redis.hdel(self._hooks, hook_id))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _event(row: Any) -> Event:
    event_id, fields = row
    return Event(
        id=_text(event_id), type=fields["type"], created_at=fields["createdAt"], data=json.loads(fields["data"])
    )
