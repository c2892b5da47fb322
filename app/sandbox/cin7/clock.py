"""The simulator's notion of "now": real UTC time plus an offset that tests can move forward.

The throttle's rolling window, every timestamp the API returns and the webhook delivery schedule
all read this clock, so ``POST /_sandbox/clock`` can make a minute pass without waiting for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """A UTC clock with an adjustable, forward-only offset; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """The simulated current time (timezone-aware UTC)."""
        with self._lock:
            offset = self._offset
        return datetime.now(UTC) + offset

    @property
    def offset(self) -> timedelta:
        """How far the simulated clock runs ahead of real time."""
        with self._lock:
            return self._offset

    def on_advance(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever the clock jumps (the webhook scheduler re-checks what is due)."""
        self._listeners.append(listener)

    def advance(self, seconds: float) -> None:
        """Move the simulated time forward by ``seconds`` (never backwards)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        for listener in self._listeners:
            listener()

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = timedelta()
