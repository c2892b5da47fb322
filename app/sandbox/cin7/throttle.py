"""The 60-calls-per-minute limit (cin7.md A2).

One rolling 60-second window per API application, i.e. per (AccountID, ApplicationKey): every
endpoint and verb counts against it. A call over the limit does nothing and gets the configured
throttle response; whether it still uses up a slot is ``throttle_counts_rejected``.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.sandbox.cin7.clock import SandboxClock

WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class Decision:
    """Whether a call may go ahead, and if not, when a slot frees up."""

    allowed: bool
    retry_after_seconds: int = 0


class RollingWindowThrottle:
    """Counts calls per application key in a rolling window on the sandbox clock."""

    def __init__(self, clock: SandboxClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, str], deque[datetime]] = {}

    def check(self, key: tuple[str, str], limit: int, *, count_rejected: bool) -> Decision:
        """Count one call for ``key``; refuse it if ``limit`` calls already fall in the window."""
        now = self._clock.now()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - WINDOW:
                calls.popleft()
            allowed = len(calls) < limit
            if allowed or count_rejected:
                calls.append(now)
            if allowed:
                return Decision(True)
            # A slot frees when enough of the oldest calls have left the window for fewer than
            # ``limit`` to remain (rejected calls included when they count).
            frees_at = calls[len(calls) - limit] + WINDOW
            return Decision(False, max(1, math.ceil((frees_at - now).total_seconds())))

    def reset(self) -> None:
        """Forget every call."""
        with self._lock:
            self._calls.clear()
