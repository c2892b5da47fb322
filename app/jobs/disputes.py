"""The dispute job: what an Afterpay dispute notification points at, recorded where people look."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from rq import Retry
from rq.job import Job

from app.alerts import Alert, order_link
from app.jobs.context import services
from app.jobs.sync import enqueue_sync
from app.services import Services
from app.store.orders import OrderStore

RETRY = Retry(max=6, interval=[10, 30, 60, 300, 900, 1800])


def _date(epoch: Any) -> str | None:
    if not isinstance(epoch, int | float) or epoch <= 0:
        return None
    return datetime.fromtimestamp(epoch, UTC).date().isoformat()


def record_dispute(dispute_id: str, event_type: str, merchant_reference: str = "") -> dict[str, Any]:
    """Fetch dispute ``dispute_id`` from Afterpay, record it on its order, note it on the Cin7
    sale (through the order's sync) and alert a person: the merchant has 13 days to respond."""
    svc = services()
    dispute = svc.afterpay_client().get_dispute(dispute_id)
    order_id = str(dispute.get("order") or "")
    if not order_id:
        raise ValueError(f"Afterpay dispute {dispute_id} names no order")
    due = _date(dispute.get("responseDueBy"))
    record = {
        "id": dispute_id,
        "status": dispute.get("status"),
        "reason": dispute.get("reason"),
        "amount": dispute.get("amount"),
        "currency": dispute.get("currency"),
        "responseDueBy": due,
        "event": event_type,
        "merchantReference": merchant_reference or dispute.get("merchantOrderId"),
    }
    store = OrderStore(svc.redis, svc.keys)
    store.record_dispute(order_id, record)
    store.audit(order_id, "dispute", **record)
    summary = (
        f"dispute {dispute_id} {dispute.get('status')}: {str(dispute.get('reason') or '').replace('_', ' ')},"
        f" {dispute.get('amount')} {dispute.get('currency')}"
        + (f", respond by {due}" if due and dispute.get("open") else "")
    )
    store.add_message(order_id, f"Afterpay: {summary}")
    svc.alerter().send(
        Alert(
            kind="afterpay.dispute",
            subject=f"dispute:{dispute_id}:{dispute.get('status')}",
            text=f"Afterpay order {order_id} ({record['merchantReference'] or 'no reference'}): {summary}.",
            link=order_link(svc.settings.BRIDGE_PUBLIC_URL, order_id),
        )
    )
    # The sync writes the note on the Cin7 sale (the Note is the bridge's to write).
    enqueue_sync(svc, order_id, kind="dispute-note")
    return {"afterpayOrderId": order_id, "dispute": record}


def enqueue_dispute(svc: Services, dispute_id: str, event_type: str, merchant_reference: str) -> Job:
    """Queue ``record_dispute`` (no secret in its arguments: only ids)."""
    return svc.queue("default").enqueue(
        "app.jobs.disputes.record_dispute",
        dispute_id,
        event_type,
        merchant_reference,
        job_id=svc.keys.job_id("dispute", dispute_id.replace("_", "-"), uuid.uuid4().hex[:8]),
        retry=RETRY,
        result_ttl=30 * 24 * 3600,
        failure_ttl=30 * 24 * 3600,
        meta={"kind": "dispute"},
    )
