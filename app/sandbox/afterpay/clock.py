"""The simulator's notion of "now": real UTC time plus an offset that tests can move forward.

Auth expiry, the checkout token lifetime, the refund and reversal windows and the idempotency
replay window all read this clock, so ``POST /_sandbox/clock`` can make days pass in a test.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta


class SandboxClock:
    """A UTC clock with an adjustable offset; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta()

    def now(self) -> datetime:
        """The simulated current time, truncated to milliseconds (the API's precision)."""
        with self._lock:
            offset = self._offset
        return truncate_ms(datetime.now(UTC) + offset)

    @property
    def offset(self) -> timedelta:
        """How far the simulated clock runs ahead of real time."""
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        """Move the simulated time forward by ``seconds`` (never backwards)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = timedelta()


def truncate_ms(moment: datetime) -> datetime:
    """``moment`` without sub-millisecond digits, so stored and serialised times compare equal."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def format_timestamp(moment: datetime) -> str:
    """Serialise as the API does: UTC, millisecond precision, ``Z`` (afterpay.md §2)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time, with ``Z`` or an offset, into aware UTC.

    A bare date means midnight UTC and a time without a zone is taken as UTC (afterpay.md §2:
    "Everything is stored and returned in UTC"). Raises ValueError when ``text`` is not ISO 8601.
    """
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return truncate_ms(parsed.astimezone(UTC))
