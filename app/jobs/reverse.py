"""The Cin7 → Afterpay job: one look at a Cin7 sale after a webhook (or a catch-up) named it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.client import Pipeline
from rq import Retry
from rq.job import Job

from app.jobs.context import services
from app.jobs.sync import JOB_TIMEOUT, run_sync
from app.services import Services
from app.sync.factory import reverse_sync

RETRY = Retry(max=6, interval=[10, 30, 60, 300, 900, 1800])
RECENT = timedelta(hours=2)


def handle_cin7_sale(sale_id: str, event_type: str | None = None) -> dict[str, Any]:
    """Make Afterpay follow Cin7 sale ``sale_id`` (capture, void, refund), then bring the
    Cin7 sale up to date with Afterpay's answer (the forward sync)."""
    svc = services()
    handled = reverse_sync(svc).handle_sale(sale_id)
    result = handled.to_dict()
    result["event"] = event_type
    if handled.not_found and event_type != "catch-up":
        # The id may name a task of an Advanced Sale rather than the sale (cin7.md A13 leaves
        # SaleTaskID unexplained): look at every Afterpay sale Cin7 changed lately instead.
        from app.jobs.webhooks import catch_up

        result["caughtUp"] = catch_up(svc, svc.cin7_client(), datetime.now(UTC) - RECENT)
    order_id = result.get("afterpayOrderId")
    if order_id and not result.get("ignored"):
        result["sync"] = run_sync(svc, order_id)
    return result


def enqueue_cin7_sale(svc: Services, sale_id: str, event_type: str | None, *, pipeline: Pipeline | None = None) -> Job:
    """Queue ``handle_cin7_sale``. Two jobs for one sale are harmless: each reads the sale
    afresh and they take turns on the order's lock."""
    return svc.queue("sync").enqueue(
        "app.jobs.reverse.handle_cin7_sale",
        sale_id,
        event_type,
        job_id=svc.keys.job_id("cin7sale", sale_id.lower(), uuid.uuid4().hex[:12]),
        job_timeout=JOB_TIMEOUT,
        retry=RETRY,
        result_ttl=7 * 24 * 3600,
        failure_ttl=30 * 24 * 3600,
        meta={"kind": "cin7-event", "saleId": sale_id, "event": event_type},
        pipeline=pipeline,
    )
