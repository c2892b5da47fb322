"""Receivers for Cin7 Core webhooks and Afterpay dispute notifications.

Both answer fast and do the work in a job: authenticate, take each delivery once (senders
retry: cin7.md A13, afterpay.md §7), queue, 200. A delivery whose queueing fails is
forgotten again and answered 503, so the sender's retry gets through.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
import redis
from flask import current_app, request
from flask_smorest import Blueprint

from app.afterpay.disputes import BadNotification, verify
from app.api.hooks import accepts, public
from app.api.problems import abort_problem, documents_errors
from app.cin7.webhooks import BadDelivery, presented_token, read_delivery, token_matches, webhook_token
from app.domain.stock import rows_by_sku
from app.jobs.disputes import enqueue_dispute
from app.jobs.reverse import enqueue_cin7_sale
from app.services import Services
from app.store.inbox import Inbox
from app.store.stock import StockCache

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1/webhooks",
    description="Receivers for Cin7 Core webhooks and Afterpay dispute notifications (their own auth).",
)

CIN7 = "cin7"
DISPUTES = "afterpay-disputes"


class WebhookAckSchema(ma.Schema):
    """The answer to a delivery: whether it was new, and what the bridge does with it."""

    accepted = ma.fields.Boolean(metadata={"description": "False for a delivery already taken (a retry)"})
    duplicate = ma.fields.Boolean()
    event = ma.fields.String(allow_none=True, metadata={"example": "Sale/ShipmentAuthorised"})
    action = ma.fields.String(metadata={"enum": ["queued", "stock-updated", "ignored", "none"], "example": "queued"})
    jobId = ma.fields.String(allow_none=True)


def _services() -> Services:
    services: Services = current_app.extensions["bridge"]
    return services


def _json_body() -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except ValueError:
        abort_problem(400, "The request body is not valid JSON.", slug="malformed-json")


@blp.route("/cin7", methods=["POST"])
@public
@accepts("*/*")
@blp.doc(
    operationId="receiveCin7Webhook",
    summary="Cin7 Core webhook receiver",
    security=[{"cin7WebhookBearer": []}, {"cin7WebhookBasic": []}],
)
@blp.response(200, WebhookAckSchema)
@documents_errors(blp, (400, "Not JSON, or not a Cin7 webhook payload"), (401, "Not the registered credentials"), 503)
def cin7_webhook() -> dict[str, Any]:
    """Takes the deliveries of the webhooks `bridge cin7 register-webhooks` registered: the
    Bearer token (or Basic password) must be the one the bridge registered. Each distinct sale
    delivery is taken once for 7 days (Cin7 retries for about 75 minutes) and queues a job that
    reads the sale from Cin7 and brings Afterpay in line (capture what shipped, void, refund a
    credit note); stock deliveries replace the `GET /v1/stock/{sku}` cache at once, every time
    (levels repeat, and Cin7 delivers in order)."""
    services = _services()
    if not token_matches(presented_token(request.headers.get("Authorization")), webhook_token(services.settings)):
        abort_problem(
            401,
            "The webhook credentials are not the ones the bridge registered with Cin7.",
            headers={"WWW-Authenticate": 'Bearer realm="cin7-webhooks"'},
        )
    try:
        delivery = read_delivery(_json_body())
    except BadDelivery as exc:
        abort_problem(400, f"Not a Cin7 webhook delivery: {exc}.")
    inbox = Inbox(services.redis, services.keys)
    answer: dict[str, Any] = {"accepted": True, "duplicate": False, "event": delivery.event_type}
    if delivery.stock_rows:
        # Never deduplicated: levels repeat (5, 4, 5) and Cin7 delivers in order, so the
        # latest rows always replace what is cached.
        StockCache(services.redis, services.keys).put_many(rows_by_sku(delivery.stock_rows))
        inbox.touch(CIN7)
        return {**answer, "action": "stock-updated"}
    key = hashlib.sha256(request.get_data()).hexdigest()
    if not inbox.first_time(CIN7, key):
        return {"accepted": False, "duplicate": True, "event": delivery.event_type, "action": "none"}
    try:
        if delivery.sale_id and delivery.event_type.startswith("Sale/"):
            answer["jobId"] = enqueue_cin7_sale(services, delivery.sale_id, delivery.event_type).id
            answer["action"] = "queued"
        else:
            answer["action"] = "ignored"
        inbox.touch(CIN7)
    except redis.RedisError:
        inbox.forget(CIN7, key)
        abort_problem(503, "The bridge could not queue the delivery; Cin7 will retry it.", slug="unavailable")
    return answer


@blp.route("/afterpay/disputes", methods=["POST"])
@public
@blp.doc(operationId="receiveAfterpayDispute", summary="Afterpay dispute notification receiver", security=[])
@blp.response(200, WebhookAckSchema)
@documents_errors(
    blp,
    (400, "Not a dispute notification"),
    (401, "Bad signature, or dated more than five minutes from now"),
    (404, "Dispute notifications are not configured"),
    503,
)
def afterpay_dispute() -> dict[str, Any]:
    """Verifies `X-Afterpay-Request-Signature` (HMAC-SHA256 with `AFTERPAY_DISPUTE_WEBHOOK_SECRET`
    over URL, `X-Afterpay-Request-Date` and the raw body), refuses notifications more than five
    minutes old, takes each `webhook_event_id` once, and queues a job that fetches the dispute,
    records it on the order (`GET /v1/orders/{id}`), notes it on the Cin7 sale and alerts."""
    services = _services()
    secret = services.settings.AFTERPAY_DISPUTE_WEBHOOK_SECRET
    if not secret:
        abort_problem(404, "Dispute notifications are not configured (AFTERPAY_DISPUTE_WEBHOOK_SECRET is not set).")
    payload = request.get_data()
    candidates = [request.url, request.base_url, request.host]
    if services.settings.BRIDGE_PUBLIC_URL:
        candidates.insert(0, services.settings.BRIDGE_PUBLIC_URL.rstrip("/") + request.path)
    try:
        verify(
            secret,
            url_parts=candidates,
            timestamp=request.headers.get("X-Afterpay-Request-Date"),
            signature=request.headers.get("X-Afterpay-Request-Signature"),
            payload=payload,
            now=datetime.now(UTC),
        )
    except BadNotification as exc:
        abort_problem(401, f"Refused: {exc}.")
    body = _json_body()
    event_id = body.get("webhook_event_id") if isinstance(body, dict) else None
    dispute_id = body.get("dispute_id") if isinstance(body, dict) else None
    if not isinstance(event_id, str) or not isinstance(dispute_id, str) or not event_id or not dispute_id:
        abort_problem(400, "A dispute notification needs webhook_event_id and dispute_id.")
    inbox = Inbox(services.redis, services.keys)
    event_type = str(body.get("webhook_event_type") or "")
    if not inbox.first_time(DISPUTES, event_id):
        return {"accepted": False, "duplicate": True, "event": event_type, "action": "none"}
    try:
        job = enqueue_dispute(services, dispute_id, event_type, str(body.get("merchant_reference") or ""))
        inbox.touch(DISPUTES)
    except redis.RedisError:
        inbox.forget(DISPUTES, event_id)
        abort_problem(503, "The bridge could not queue the notification; Afterpay will retry it.", slug="unavailable")
    return {"accepted": True, "duplicate": False, "event": event_type, "action": "queued", "jobId": job.id}
