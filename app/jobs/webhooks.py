"""Keeping Cin7's webhooks alive, and catching up on what they missed.

Cin7 gives a failing webhook six attempts over about 76 minutes, then switches it off without
telling anyone (cin7.md A13). Every few minutes this job compares Cin7's list with what the
bridge registered, re-enables or re-creates what is missing, and — because events were lost
meanwhile — lists the sales Cin7 changed since the webhooks were last known healthy and queues
a look at each Afterpay one. An event dropped at time *t* was still being retried until
*t* + 76 minutes, so "healthy at *h*" means nothing before *h* - 80 minutes was lost.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from app.alerts import Alert
from app.cin7.client import Cin7Client
from app.cin7.webhooks import ensure_webhooks, webhook_token
from app.jobs.context import services
from app.jobs.reverse import enqueue_cin7_sale
from app.services import Services
from app.store.locks import short_lock
from app.store.registration import WebhookRegistration
from app.store.stock import StockCache

log = logging.getLogger(__name__)

JOB_TIMEOUT = 600
RETRY_HORIZON = timedelta(minutes=80)
"""Longer than Cin7's whole retry schedule (1 + 5 + 10 + 15 + 20 + 25 minutes)."""


def catch_up(svc: Services, cin7: Cin7Client, since: datetime) -> int:
    """Queue a look at every Afterpay sale Cin7 changed since ``since``; returns how many."""
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sale_ids = [str(row["SaleID"]) for row in cin7.iter_sales(UpdatedSince=stamp) if row.get("ExternalID")]
    pipe = svc.rq_redis.pipeline()
    for sale_id in sale_ids:
        enqueue_cin7_sale(svc, sale_id, "catch-up", pipeline=pipe)
    pipe.execute()
    return len(sale_ids)


def check_cin7_webhooks() -> dict[str, Any]:
    """Re-enable deactivated webhooks and catch up on the gap (scheduled every 5 minutes)."""
    svc = services()
    registration = WebhookRegistration(svc.redis, svc.keys)
    current = registration.get()
    if not current.get("url"):
        return {"skipped": "no webhooks registered (bridge cin7 register-webhooks --url ...)"}
    with short_lock(svc.redis, svc.keys("cin7", "webhooks", "lock"), seconds=JOB_TIMEOUT, wait=0) as held:
        if not held:
            return {"skipped": "a check is already running"}
        now = datetime.now(UTC)
        cin7 = svc.cin7_client()
        check = ensure_webhooks(
            cin7, current["url"], webhook_token(svc.settings), auth=current.get("auth", "bearerauth")
        )
        result: dict[str, Any] = check.to_dict()
        if check.gap:
            healthy = registration.healthy_at() or now
            since = healthy - RETRY_HORIZON
            result["caughtUpSince"] = since.isoformat()
            result["caughtUp"] = catch_up(svc, cin7, since)
            result["stockCacheCleared"] = StockCache(svc.redis, svc.keys).clear()
            broken = ", ".join(check.reactivated + check.created)
            text = (
                f"Cin7 webhooks {broken} were off or missing; the bridge re-enabled them and queued"
                f" {result['caughtUp']} sale(s) changed since {since:%Y-%m-%d %H:%M} UTC."
            )
            log.warning("cin7 webhooks repaired", extra={"report": result})
            svc.alerter().send(Alert(kind="cin7.webhooks", subject="webhooks-repaired", text=text))
        registration.healthy(now)
        registration.checked(now, "repaired" if check.gap else "healthy")
        result["apiCalls"] = cin7.calls
        return result
