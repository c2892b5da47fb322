"""The per-order sync job: every path (upsert-cin7, polling, webhooks, reconcile, backfill)
ends here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.client import Pipeline
from rq import Retry
from rq.job import Job

from app.afterpay.schemas import load_payment
from app.domain.afterpay import Payment
from app.jobs.context import services
from app.jobs.hooks import publish
from app.services import Services
from app.store.poll import PollStore
from app.sync.factory import order_sync
from app.sync.watches import schedule_watches

JOB_TIMEOUT = 300
RETRY = Retry(max=6, interval=[10, 30, 60, 300, 900, 1800])
"""Outages longer than the in-call retries (seconds) are ridden out here: about an hour in all."""


def sync_order(order_id: str, payment: dict[str, Any] | None = None) -> dict[str, Any]:
    """Make Cin7 match Afterpay order ``order_id``; ``payment`` is the Afterpay Payment JSON
    when the caller already has it (upsert-cin7 with a body), else it is fetched."""
    return run_sync(services(), order_id, load_payment(payment) if payment is not None else None)


def run_sync(svc: Services, order_id: str, payment: Payment | None = None) -> dict[str, Any]:
    """Run the saga for ``order_id`` and announce what it changed (``order.synced``)."""
    synced = order_sync(svc).sync(order_id, payment)
    if synced.payment is not None:
        schedule_watches(
            PollStore(svc.redis, svc.keys),
            [synced.payment],
            datetime.now(UTC),
            timedelta(seconds=svc.settings.BRIDGE_POLL_SECONDS),
        )
    result = synced.to_dict()
    if result["action"] in ("created", "updated", "voided"):
        publish(svc, "order.synced", result)
    return result


def enqueue_sync(
    svc: Services,
    order_id: str,
    *,
    payment: dict[str, Any] | None = None,
    kind: str = "sync",
    request_id: str | None = None,
    pipeline: Pipeline | None = None,
) -> Job:
    """Queue ``sync_order`` for ``order_id`` (on ``pipeline`` when given: written when it executes).

    Two jobs for one order are harmless (the saga is idempotent and they take turns on the
    order's lock), so the job id needs no deduplication of its own.
    """
    job_id = svc.keys.job_id("sync", order_id, uuid.uuid4().hex[:12])
    return svc.queue("sync").enqueue(
        "app.jobs.sync.sync_order",
        order_id,
        payment,
        job_id=job_id,
        job_timeout=JOB_TIMEOUT,
        retry=RETRY,
        result_ttl=7 * 24 * 3600,
        failure_ttl=30 * 24 * 3600,
        meta={"kind": kind, "orderId": order_id, **({"request_id": request_id} if request_id else {})},
        pipeline=pipeline,
    )
