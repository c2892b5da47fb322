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


def fail_upstream(order_id: str) -> None:
    """Fail the way Cin7 refuses a bad request."""
    from app.cin7.errors import Cin7Invalid

    raise Cin7Invalid(f"Customer for order {order_id} not found", status=400, request_id="req-77", error_code=400)


def succeed() -> str:
    return "ok"
