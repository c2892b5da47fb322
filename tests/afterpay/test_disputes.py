"""Signature and age checks of Afterpay dispute notifications (afterpay.md §7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.afterpay.disputes import BadNotification, sign, verify
from app.sandbox.afterpay.webhooks import signature as sandbox_signature

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
URL = "https://bridge.example.com/v1/webhooks/afterpay/disputes"
BODY = b'{"webhook_event_id":"e1","webhook_event_type":"created","dispute_id":"dp_1","merchant_reference":"W-1"}'
STAMP = str(int(NOW.timestamp()))


def check(
    signature: str | None, *, stamp: str | None = STAMP, body: bytes = BODY, parts: tuple[str, ...] = (URL,)
) -> None:
    verify("secret", url_parts=parts, timestamp=stamp, signature=signature, payload=body, now=NOW)


def test_a_valid_signature_passes_for_the_url_or_the_host() -> None:
    check(sign("secret", URL, STAMP, BODY))
    check(sign("secret", "bridge.example.com", STAMP, BODY), parts=(URL, "bridge.example.com"))
    # The simulator signs the same way (independent code: the two must agree).
    assert sign("secret", URL, STAMP, BODY) == sandbox_signature("secret", URL, int(STAMP), BODY)


@pytest.mark.parametrize(
    ("signature", "stamp", "body", "message"),
    [
        (sign("secret", URL, STAMP, BODY), STAMP, BODY + b" ", "does not match"),  # tampered body
        (sign("other", URL, STAMP, BODY), STAMP, BODY, "does not match"),  # wrong secret
        (sign("secret", URL, str(int(STAMP) - 301), BODY), str(int(STAMP) - 301), BODY, "more than 300"),  # stale
        (sign("secret", URL, str(int(STAMP) + 301), BODY), str(int(STAMP) + 301), BODY, "more than 300"),  # future
        (None, STAMP, BODY, "required"),
        ("x", "yesterday", BODY, "UNIX seconds"),
    ],
)
def test_bad_notifications_are_refused(signature: str | None, stamp: str, body: bytes, message: str) -> None:
    with pytest.raises(BadNotification, match=message):
        check(signature, stamp=stamp, body=body)


def test_a_replayed_signature_for_another_time_fails() -> None:
    old = str(int(STAMP) - 60)
    with pytest.raises(BadNotification, match="does not match"):
        check(sign("secret", URL, old, BODY), stamp=STAMP)
