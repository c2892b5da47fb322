"""``POST /v1/upsert-cin7`` and ``GET /v1/orders/{afterpayOrderId}``: syncing orders on demand."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from flask import Response, current_app, g
from flask_smorest import Blueprint

from app.afterpay.schemas import PaymentSchema, dump_payment
from app.api.idempotency import idempotent, writes_pipeline
from app.api.jobs import PREFER_WAIT_DOC, JobSchema, accepted_job_response
from app.api.problems import abort_problem, documents_errors
from app.jobs.sync import enqueue_sync
from app.services import Services
from app.store.inbox import Inbox
from app.store.orders import OrderStore
from app.store.poll import OPEN, REFUNDS, PollStore
from app.store.registration import WebhookRegistration

blp = Blueprint("sync", __name__, url_prefix="/v1", description="Sync Afterpay orders into Cin7 Core.")

_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class UpsertSchema(ma.Schema):
    """Which order to sync: its Afterpay id (the worker fetches it), or the payment itself."""

    afterpayOrderId = ma.fields.String(
        validate=ma.validate.Regexp(_ORDER_ID, error="must be an Afterpay order id (letters, digits, '-', '_')"),
        metadata={"example": "400123851542"},
    )
    payment = ma.fields.Nested(
        PaymentSchema(), metadata={"description": "An Afterpay Payment exactly as GET /v2/payments/{id} returns it"}
    )

    @ma.validates_schema
    def _exactly_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("afterpayOrderId" in data) == ("payment" in data):
            raise ma.ValidationError("send exactly one of afterpayOrderId and payment")


class OrderRecordSchema(ma.Schema):
    """The bridge's record of one order."""

    afterpayOrderId = ma.fields.String()
    state = ma.fields.String(allow_none=True, metadata={"example": "paid"})
    cin7 = ma.fields.Dict(metadata={"description": "saleId, orderNumber, invoice, payments, credit notes, voided"})
    stepReached = ma.fields.String(allow_none=True, metadata={"example": "payment"})
    pendingWrite = ma.fields.String(allow_none=True, metadata={"description": "A write sent but not confirmed"})
    lastAction = ma.fields.String(allow_none=True)
    lastSyncAt = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    messages = ma.fields.List(
        ma.fields.String(), metadata={"description": "Afterpay's answers shown in the Cin7 sale's Note, oldest first"}
    )
    disputes = ma.fields.List(ma.fields.Dict(), metadata={"description": "Afterpay disputes on the order"})
    audit = ma.fields.List(ma.fields.Dict(), metadata={"description": "What the bridge did, newest first"})


class SyncStatusSchema(ma.Schema):
    """How the automatic sync is doing: the Afterpay poller and the Cin7 webhooks."""

    poll = ma.fields.Dict(
        metadata={"description": "The last poll run: what it listed, re-checked and queued, and its API calls"}
    )
    bookmark = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    watching = ma.fields.Dict(metadata={"description": "Open authorisations and refund watches being re-checked"})
    cin7Webhooks = ma.fields.Dict(metadata={"description": "Registration, last check, last delivery"})
    disputeNotifications = ma.fields.Dict()


@blp.route("/upsert-cin7", methods=["POST"])
@blp.doc(
    operationId="upsertCin7",
    summary="Sync one Afterpay order into Cin7 Core",
    parameters=[PREFER_WAIT_DOC],
)
@blp.arguments(UpsertSchema(), example={"afterpayOrderId": "400123851542"})
@idempotent(blp, "upsert-cin7")
@blp.response(202, JobSchema, headers={"Location": {"description": "The job", "schema": {"type": "string"}}})
@blp.alt_response(200, schema=JobSchema, description="With `Prefer: wait=N`: the job finished in time", success=True)
@documents_errors(
    blp, 401, 413, 415, (422, "The body breaks the schema, or the Idempotency-Key was used with another body")
)
def upsert_cin7(body: dict[str, Any]) -> Response:
    """Makes Cin7 match the Afterpay payment: creates the sale, order, invoice, payments and
    credit notes that are missing, updates what changed, voids what Afterpay voided, touches
    nothing when nothing changed. The work runs in a job (202 + `Location`); upserting the
    same order twice, under any keys, never makes a second Cin7 sale. The job's result is
    `{afterpayOrderId, cin7SaleId, cin7OrderNumber, action, state, steps, apiCalls}` with
    `action` one of created, updated, unchanged, voided, skipped."""
    services: Services = current_app.extensions["bridge"]
    payment = body.get("payment")
    order_id = payment.id if payment is not None else body["afterpayOrderId"]
    job = enqueue_sync(
        services,
        order_id,
        payment=dump_payment(payment) if payment is not None else None,
        kind="upsert-cin7",
        request_id=g.get("request_id"),
        pipeline=writes_pipeline(),
    )
    return accepted_job_response(job)


@blp.route("/orders/<string:afterpayOrderId>")
@blp.doc(operationId="getOrder", summary="The bridge's record of one order: cross-references, progress, audit trail")
@blp.response(200, OrderRecordSchema)
@documents_errors(blp, 401, 404)
def get_order(afterpayOrderId: str) -> dict[str, Any]:
    """What the bridge knows of the order: its Cin7 sale and documents, the last step written,
    any write still unconfirmed, the last sync, and every sync action, newest first."""
    services: Services = current_app.extensions["bridge"]
    store = OrderStore(services.redis, services.keys)
    record = store.load(afterpayOrderId)
    trail = store.trail(afterpayOrderId)
    if record.snapshot is None and not record.info and not trail:
        abort_problem(404, f"The bridge has no record of Afterpay order {afterpayOrderId}.")
    snapshot = record.snapshot
    cin7: dict[str, Any] = {}
    step = None
    if snapshot is not None:
        cin7 = {
            "saleId": snapshot.sale_id,
            "orderNumber": snapshot.order_number,
            "orderStatus": snapshot.order_status,
            "invoice": snapshot.invoice.number if snapshot.invoice else None,
            "payments": sorted(snapshot.payment_refs),
            "creditNotes": {key: doc.number for key, doc in sorted(snapshot.credit_notes.items())},
            "refunds": sorted(snapshot.refund_refs),
            "voided": snapshot.voided,
        }
        step = _step(snapshot)
    return {
        "afterpayOrderId": afterpayOrderId,
        "state": record.info.get("state"),
        "cin7": cin7,
        "stepReached": step,
        "pendingWrite": record.pending,
        "lastAction": record.info.get("lastAction"),
        "lastSyncAt": record.info.get("lastSyncAt"),
        "messages": store.messages(afterpayOrderId),
        "disputes": store.disputes(afterpayOrderId),
        "audit": trail,
    }


@blp.route("/sync/status")
@blp.doc(operationId="getSyncStatus", summary="How the automatic sync is doing (poller, webhooks)")
@blp.response(200, SyncStatusSchema)
@documents_errors(blp, 401)
def sync_status() -> dict[str, Any]:
    """The last Afterpay poll (its cost in API calls and what it found), how many orders are
    being watched for captures and refunds, and the state of the Cin7 webhooks."""
    services: Services = current_app.extensions["bridge"]
    poll = PollStore(services.redis, services.keys)
    inbox = Inbox(services.redis, services.keys)
    bookmark = poll.bookmark()
    last_cin7 = inbox.last("cin7")
    last_dispute = inbox.last("afterpay-disputes")
    return {
        "poll": poll.last_run(),
        "bookmark": bookmark.isoformat() if bookmark else None,
        "watching": {"openAuthorisations": poll.watching(OPEN), "refundWatches": poll.watching(REFUNDS)},
        "cin7Webhooks": {
            **WebhookRegistration(services.redis, services.keys).get(),
            "lastDeliveryAt": last_cin7.isoformat() if last_cin7 else None,
        },
        "disputeNotifications": {"lastDeliveryAt": last_dispute.isoformat() if last_dispute else None},
    }


def _step(snapshot: Any) -> str:
    if snapshot.voided:
        return "voided"
    if snapshot.refund_refs:
        return "refunds"
    if snapshot.credit_notes:
        return "credit notes"
    if snapshot.payment_refs:
        return "payment"
    if snapshot.invoice is not None:
        return "invoice"
    if snapshot.order_digest and snapshot.order_status != "NOT AVAILABLE":
        return "order"
    return "header"
