"""Job functions for tests that run real workers (importable by the worker process)."""

from __future__ import annotations

import time

from app.jobs.context import services


def slow(seconds: float, marker: str) -> str:
    """Count a start under ``marker``, sleep, then record the finish."""
    svc = services()
    svc.redis.incr(f"{marker}:starts")
    time.sleep(seconds)
    svc.redis.set(f"{marker}:done", "1")
    return "slept"
