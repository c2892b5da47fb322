"""Paging a person: a JSON POST to ``ALERT_WEBHOOK_URL`` (Slack-compatible ``text``), deduplicated.

An outage fails every job the same way; the person should hear about it once per window,
with a count of what was suppressed, not a thousand times.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
import requests

from app.store.keys import Keys

log = logging.getLogger(__name__)

DEDUP_WINDOW_SECONDS = 15 * 60


def order_link(public_url: str | None, order_id: str) -> str | None:
    """Where a person looks at an order (``GET /v1/orders/{id}``), if the bridge has a public URL."""
    return f"{public_url.rstrip('/')}/v1/orders/{order_id}" if public_url else None


@dataclass(frozen=True)
class Alert:
    """One thing a person should know about.

    Attributes:
        kind: a stable category, e.g. ``job.failed``; with ``subject`` it forms the dedup key.
        subject: what it is about, e.g. ``cin7:HTTP 400`` — alerts differing only in details
            (order ids, times) but not in subject are one alert per window.
        text: the human-readable message.
        link: where to look (the job, the report), if the bridge has a public URL.
    """

    kind: str
    subject: str
    text: str
    link: str | None = None


class Alerter:
    """Sends alerts, at most one per (kind, subject) per window."""

    def __init__(self, client: redis.Redis, keys: Keys, webhook_url: str | None, *, timeout: float = 5.0) -> None:
        self._redis = client
        self._keys = keys
        self._url = webhook_url
        self._timeout = timeout

    def send(self, alert: Alert) -> bool:
        """Deliver ``alert`` unless an equal one went out within the window; True if sent.

        Never raises: a broken alert channel must not fail the job that is reporting.
        """
        digest = hashlib.sha256(f"{alert.kind}\n{alert.subject}".encode()).hexdigest()[:24]
        gate = self._keys("alert", digest)
        suppressed_key = self._keys("alert", digest, "suppressed")
        self._redis.lpush(self._keys("alerts", "recent"), f"{datetime.now(UTC).isoformat()} {alert.kind} {alert.text}")
        self._redis.ltrim(self._keys("alerts", "recent"), 0, 199)
        if not self._redis.set(gate, "1", nx=True, ex=DEDUP_WINDOW_SECONDS):
            self._redis.incr(suppressed_key)
            self._redis.expire(suppressed_key, DEDUP_WINDOW_SECONDS * 4)
            return False
        suppressed = int(self._redis.getdel(suppressed_key) or 0)
        text = alert.text
        if suppressed:
            text += f"\n(+{suppressed} similar alert(s) suppressed in the previous {DEDUP_WINDOW_SECONDS // 60} min)"
        if alert.link:
            text += f"\n{alert.link}"
        if not self._url:
            log.warning("alert (no ALERT_WEBHOOK_URL configured)", extra={"kind": alert.kind, "text": text})
            return True
        try:
            body = {"text": text, "kind": alert.kind, **({"link": alert.link} if alert.link else {})}
            response = requests.post(self._url, json=body, timeout=self._timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            log.error("alert delivery failed", extra={"kind": alert.kind, "error": type(exc).__name__})
            # Open the gate again: the next occurrence should try the channel once more.
            self._redis.delete(gate)
            return False
        return True
