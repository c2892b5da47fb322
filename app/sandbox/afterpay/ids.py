"""Identifier generators, shaped like the ones observed in real responses (afterpay.md §2)."""

from __future__ import annotations

import base64
import secrets
import string
import threading
import uuid
from datetime import datetime

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
# Observed tokens use only 0-9a-v (base32hex), e.g. 003.gb393bn1r2v3a0kotv4mlhgof8d5ondm01ldj793gneduppe.
_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
_KSUID_EPOCH = 1_400_000_000


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def event_id(created: datetime) -> str:
    """A 27-character base62 KSUID: 4 bytes of seconds since 2014-05-13, then 16 random bytes.

    Real event ids look exactly like this (``1aJG2lUme9AEyz12sN3zhpnrDqU``), so they sort by time.
    """
    seconds = max(0, int(created.timestamp()) - _KSUID_EPOCH)
    raw = seconds.to_bytes(4, "big") + secrets.token_bytes(16)
    return _base62(int.from_bytes(raw, "big"), 27)


def checkout_token() -> str:
    """``002.`` and 48 lowercase alphanumerics; the prefix's meaning is UNVERIFIED (afterpay.md §2)."""
    return "002." + "".join(secrets.choice(_BASE32HEX) for _ in range(48))


def error_id() -> str:
    """16 hex characters, as in every recorded error body."""
    return secrets.token_hex(8)


def correlation_id() -> str:
    """26 lowercase base32 characters (the ``HTTP_CORRELATION_ID`` header)."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def dispute_id() -> str:
    """``dp_`` and 22 base62 characters, like ``dp_KvGaECApCMdsH8earUSa2V``."""
    return "dp_" + "".join(secrets.choice(_BASE62) for _ in range(22))


def webhook_event_id() -> str:
    """A UUID, as in the dispute notification example (afterpay.md E9)."""
    return str(uuid.uuid4())


class SequentialIds:
    """Increasing numeric string ids (order ids and refund ids), like the real ones.

    Real order ids grow over time (400123851519, 400123851542 ...), so a client sorting by id
    sees roughly creation order; a random start and random gaps keep tests honest.
    """

    def __init__(self, start_low: int, start_high: int, max_gap: int) -> None:
        self._max_gap = max_gap
        self._lock = threading.Lock()
        self._taken: set[str] = set()
        self._next = secrets.randbelow(start_high - start_low) + start_low

    def new(self) -> str:
        """The next unused id."""
        with self._lock:
            while True:
                self._next += 1 + secrets.randbelow(self._max_gap)
                candidate = str(self._next)
                if candidate not in self._taken:
                    self._taken.add(candidate)
                    return candidate

    def taken(self, value: str) -> bool:
        """Whether ``value`` is already in use."""
        with self._lock:
            return value in self._taken

    def claim(self, value: str) -> bool:
        """Reserve an id chosen by the caller; False when it is already taken."""
        with self._lock:
            if value in self._taken:
                return False
            self._taken.add(value)
            return True


def order_ids() -> SequentialIds:
    """12-digit order ids (afterpay.md §2: ``400123851542``)."""
    return SequentialIds(400_000_000_000, 400_900_000_000, 40)


def refund_ids() -> SequentialIds:
    """Numeric refund ids (afterpay.md §2: ``3388``; E4: ``67890123``)."""
    return SequentialIds(10_000_000, 19_000_000, 20)
