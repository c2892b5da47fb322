"""Records → vendor JSON, with the key order and null handling of real responses.

Key order follows the recorded bodies (afterpay.md E1-E4). Events always carry ``expires`` and
``paymentEventMerchantReference``, null when empty (E1), while refund entries and the courier
leave absent fields out (E2, ``"courier" : { }``): the real API mixes both conventions.
"""

from __future__ import annotations

from typing import Any

from .clock import format_timestamp
from .models import Checkout, Payment, PaymentEvent, RefundEntry
from .money import money


def payment(p: Payment) -> dict[str, Any]:
    """The Payment object of ``GET /v2/payments/{orderId}``."""
    body: dict[str, Any] = {
        "id": p.id,
        "token": p.token,
        "status": p.status,
        "created": format_timestamp(p.created),
        "originalAmount": money(p.original_amount, p.currency),
        "openToCaptureAmount": money(p.open_to_capture, p.currency),
        "paymentState": p.state.value,
    }
    if p.merchant_reference is not None:
        body["merchantReference"] = p.merchant_reference
    body["refunds"] = [refund(r, p.currency) for r in p.refunds]
    body["orderDetails"] = p.order_details
    body["events"] = [event(e, p.currency) for e in p.events]
    return body


def event(e: PaymentEvent, currency: str) -> dict[str, Any]:
    """A Payment Event; ``expires`` only on AUTH_APPROVED, otherwise null (afterpay.md §4)."""
    return {
        "id": e.id,
        "created": format_timestamp(e.created),
        "expires": format_timestamp(e.expires) if e.expires else None,
        "type": e.type.value,
        "amount": money(e.amount, currency),
        "paymentEventMerchantReference": e.merchant_reference,
    }


def refund(r: RefundEntry, currency: str) -> dict[str, Any]:
    """A Refund, in E4's key order; absent optional fields are left out (void entries, E2)."""
    body: dict[str, Any] = {}
    if r.request_id is not None:
        body["requestId"] = r.request_id
    body["amount"] = money(r.amount, currency)
    if r.merchant_reference is not None:
        body["merchantReference"] = r.merchant_reference
    body["refundId"] = r.refund_id
    body["refundedAt"] = format_timestamp(r.refunded_at)
    if r.refund_merchant_reference is not None:
        body["refundMerchantReference"] = r.refund_merchant_reference
    return body


def checkout_created(c: Checkout, redirect_url: str) -> dict[str, Any]:
    """The ``POST /v2/checkouts`` response (afterpay.md E8)."""
    return {"token": c.token, "expires": format_timestamp(c.expires), "redirectCheckoutUrl": redirect_url}


def checkout(c: Checkout, redirect_url: str) -> dict[str, Any]:
    """The ``GET /v2/checkouts/{token}`` response: the checkout as created, plus its token."""
    return {**checkout_created(c, redirect_url), **c.request}
