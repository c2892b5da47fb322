"""Where the bridge registered its Cin7 webhooks, and when they were last known healthy."""

from __future__ import annotations

from datetime import UTC, datetime

import redis

from app.store.keys import Keys


class WebhookRegistration:
    """``url`` and ``auth`` of the registration, ``registeredAt`` and ``healthyAt`` times."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._redis = client
        self._key = keys("cin7", "webhooks")

    def record(self, url: str, auth: str) -> None:
        """Remember a registration (``bridge cin7 register-webhooks``)."""
        now = datetime.now(UTC).isoformat()
        self._redis.hset(self._key, mapping={"url": url, "auth": auth, "registeredAt": now, "healthyAt": now})

    def get(self) -> dict[str, str]:
        found: dict[str, str] = self._redis.hgetall(self._key)  # type: ignore[assignment]
        return found

    def healthy(self, at: datetime) -> None:
        """Every webhook was active at ``at``."""
        self._redis.hset(self._key, "healthyAt", at.isoformat())

    def checked(self, at: datetime, outcome: str) -> None:
        self._redis.hset(self._key, mapping={"checkedAt": at.isoformat(), "lastCheck": outcome})

    def healthy_at(self) -> datetime | None:
        value = self.get().get("healthyAt")
        return datetime.fromisoformat(value) if value else None
