"""Afterpay dispute notifications: checking their signature and age (afterpay.md §7).

``X-Afterpay-Request-Signature`` is ``base64(HMAC-SHA256(secret, URL + "\\n" + TIME + "\\n" +
PAYLOAD))`` with TIME the ``X-Afterpay-Request-Date`` header (UNIX seconds) and PAYLOAD the raw
body. Afterpay's text says URL is the destination URL, its Node sample uses the Host header
(a documented conflict), so both are accepted. Digests are compared as base64 text in
constant time; notifications older (or newer) than five minutes are refused, as Afterpay
recommends, so a captured one cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import datetime

MAX_AGE_SECONDS = 300
_SECONDS = re.compile(r"\d{1,12}")


class BadNotification(ValueError):
    """The notification's signature or date does not check out; the message says which."""


def sign(secret: str, url_part: str, timestamp: str, payload: bytes) -> str:
    """The signature Afterpay computes for one notification."""
    message = f"{url_part}\n{timestamp}\n".encode() + payload
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode("ascii")


def verify(
    secret: str,
    *,
    url_parts: Iterable[str],
    timestamp: str | None,
    signature: str | None,
    payload: bytes,
    now: datetime,
) -> None:
    """Raise ``BadNotification`` unless the notification is signed with ``secret`` for one of
    ``url_parts`` (the URL or Host it was sent to) and dated within five minutes of ``now``."""
    if not timestamp or not signature:
        raise BadNotification("X-Afterpay-Request-Date and X-Afterpay-Request-Signature are required")
    if not _SECONDS.fullmatch(timestamp.strip()):
        raise BadNotification("X-Afterpay-Request-Date must be UNIX seconds")
    sent = int(timestamp.strip())
    if abs(now.timestamp() - sent) > MAX_AGE_SECONDS:
        raise BadNotification(f"the notification is dated {sent}, more than {MAX_AGE_SECONDS} s from now")
    presented = signature.strip().encode()
    # Every candidate is checked (no early exit), so timing does not tell which one matched.
    matched = False
    for part in dict.fromkeys(url_parts):
        matched |= hmac.compare_digest(sign(secret, part, timestamp.strip(), payload).encode(), presented)
    if not matched:
        raise BadNotification("the signature does not match")
