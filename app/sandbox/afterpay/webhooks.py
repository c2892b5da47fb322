"""Dispute notifications: signed exactly as afterpay.md §7 says, delivered with retries.

Signature: ``base64(HMAC-SHA256(secret, "${URL}\\n${TIME}\\n${PAYLOAD}"))`` where PAYLOAD is
the raw body and TIME the ``X-Afterpay-Request-Date`` header (UNIX seconds). What ``URL``
means is a CONFLICT in the docs (the destination URL, or the Host header in the Node sample);
``dispute_signature_url_mode`` picks one. Afterpay "retries a few times with exponential
backoff" until it gets a 200; so does this sender, from a background thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from .clock import format_timestamp


def signature(secret: str, url_part: str, timestamp: int, payload: bytes) -> str:
    """The ``X-Afterpay-Request-Signature`` value for one notification."""
    message = f"{url_part}\n{timestamp}\n".encode() + payload
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode("ascii")


def signed_url_part(url: str, mode: str) -> str:
    """What goes in the ``${URL}`` slot: the whole URL, or the Host header value."""
    return url if mode == "url" else urlsplit(url).netloc


class WebhookSender:
    """Delivers notifications in background threads and logs every attempt."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: list[dict[str, Any]] = []
        self._generation = 0

    def send(
        self, url: str, secret: str, url_mode: str, payload: dict[str, Any], attempts: int, backoff_ms: int
    ) -> None:
        """Start delivering ``payload``; returns at once."""
        with self._lock:
            generation = self._generation
        thread = threading.Thread(
            target=self._deliver,
            args=(generation, url, secret, url_mode, payload, attempts, backoff_ms),
            name="afterpay-dispute-webhook",
            daemon=True,
        )
        thread.start()

    def attempts(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far, oldest first."""
        with self._lock:
            return list(self._attempts)

    def reset(self) -> None:
        """Forget the log and abandon deliveries still retrying."""
        with self._lock:
            self._generation += 1
            self._attempts.clear()

    def _current(self, generation: int) -> bool:
        with self._lock:
            return generation == self._generation

    def _deliver(
        self,
        generation: int,
        url: str,
        secret: str,
        url_mode: str,
        payload: dict[str, Any],
        attempts: int,
        backoff_ms: int,
    ) -> None:
        body = json.dumps(payload).encode()
        host = urlsplit(url).netloc
        for attempt in range(1, attempts + 1):
            if not self._current(generation):
                return
            # Real time, not the sandbox clock: receivers compare it with their own clock to
            # refuse stale notifications (afterpay.md §7: older than 5 minutes).
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "Host": host,
                "X-Afterpay-Request-Date": str(timestamp),
                "X-Afterpay-Request-Signature": signature(secret, signed_url_part(url, url_mode), timestamp, body),
            }
            record: dict[str, Any] = {
                "url": url,
                "attempt": attempt,
                "webhookEventId": payload.get("webhook_event_id"),
                "disputeId": payload.get("dispute_id"),
                "eventType": payload.get("webhook_event_type"),
                "at": format_timestamp(datetime.now(UTC)),
            }
            try:
                response = requests.post(url, data=body, headers=headers, timeout=(3, 10), allow_redirects=False)
                record["status"] = response.status_code
                delivered = 200 <= response.status_code < 300
            except requests.RequestException as exc:
                record["status"] = None
                record["error"] = f"{type(exc).__name__}: {exc}"
                delivered = False
            with self._lock:
                if generation != self._generation:
                    return
                self._attempts.append(record)
            if delivered:
                return
            if attempt < attempts:
                time.sleep(backoff_ms / 1000 * 2 ** (attempt - 1))
