"""Sandbox-only controls for this simulator (no credentials), beside the shared
``/_sandbox/faults``, ``/_sandbox/requests`` and ``/_sandbox/reset`` (DESIGN.md §7)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from .. import checkouts, disputes, seed, serialize
from ..clock import format_timestamp
from ..config import ConfigError
from ..errors import ApiError
from ..models import Decision
from ..money import format_cents, parse_money
from ..state import SandboxState, sandbox
from .http import plain_json, read_sandbox_body, sandbox_error, vendor_json

bp = Blueprint("afterpay_sandbox", __name__)


@bp.get("/_sandbox/config")
def get_config() -> Response:
    """The configuration in force."""
    return plain_json(sandbox().config.to_json())


@bp.post("/_sandbox/config")
def update_config() -> Response:
    """Change some fields at runtime; all or nothing, 400 naming the bad field."""
    body = read_sandbox_body()
    if body is None:
        return sandbox_error("send a JSON object of config fields to change")
    try:
        config = sandbox().update_config(body)
    except ConfigError as exc:
        return sandbox_error(str(exc))
    return plain_json(config.to_json())


def _clock(state: SandboxState) -> dict[str, Any]:
    return {"now": format_timestamp(state.clock.now()), "offsetSeconds": state.clock.offset.total_seconds()}


@bp.get("/_sandbox/clock")
def get_clock() -> Response:
    """The simulated time and how far it is ahead of real time."""
    return plain_json(_clock(sandbox()))


@bp.post("/_sandbox/clock")
def advance_clock() -> Response:
    """``{"advance_seconds": N}`` moves the simulated time forward."""
    body = read_sandbox_body()
    seconds = body.get("advance_seconds") if body else None
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        return sandbox_error("send {'advance_seconds': N} with N a non-negative number")
    state = sandbox()
    state.clock.advance(seconds)
    return plain_json(_clock(state))


@bp.post("/_sandbox/payments")
def create_payment() -> Response:
    """Store a payment in any state (see ``seed``); 201 with the Payment as the API serves it."""
    body = read_sandbox_body()
    if body is None:
        return sandbox_error("send a Payment object (at least originalAmount)")
    try:
        payment = seed.create(sandbox(), body)
    except seed.SeedError as exc:
        return sandbox_error(str(exc))
    return vendor_json(serialize.payment(payment), 201)


def _decide(token: str, decision: Decision) -> Response:
    try:
        checkout = checkouts.decide(sandbox(), token, decision)
    except LookupError as exc:
        return sandbox_error(str(exc), 404)
    except ValueError as exc:
        return sandbox_error(str(exc), 409)
    return plain_json({"token": checkout.token, "decision": checkout.decision.value})


@bp.post("/_sandbox/checkouts/<token>/approve")
def approve_checkout(token: str) -> Response:
    """The consumer confirms and the payment will be approved."""
    return _decide(token, Decision.APPROVED)


@bp.post("/_sandbox/checkouts/<token>/decline")
def decline_checkout(token: str) -> Response:
    """The consumer confirms but the payment will be declined (afterpay.md §10: CVV 051)."""
    return _decide(token, Decision.DECLINED)


@bp.post("/_sandbox/disputes")
def open_dispute() -> Response:
    """``{"orderId", "reason", "amount"?, "openingNote"?}``: the consumer disputes an order."""
    state = sandbox()
    body = read_sandbox_body()
    if body is None or not isinstance(body.get("orderId"), str):
        return sandbox_error("send {'orderId': '...', 'reason': '...'} (amount and openingNote optional)")
    payment = state.store.payment(body["orderId"])
    if payment is None or payment.status != "APPROVED":
        return sandbox_error(f"no approved payment with id {body['orderId']}", 404)
    reason = body.get("reason")
    if reason not in disputes.REASONS:
        return sandbox_error(f"reason must be one of {', '.join(disputes.REASONS)}")
    disputable = payment.captured or payment.original_amount
    amount = disputable
    raw_amount = body.get("amount")
    if raw_amount is not None:
        raw_money = raw_amount if isinstance(raw_amount, dict) else {"amount": raw_amount, "currency": payment.currency}
        try:
            amount = parse_money(raw_money, "amount", payment.currency)
        except ApiError as exc:
            return sandbox_error(exc.message)
        if not 0 < amount <= disputable:
            return sandbox_error(f"amount must be more than 0.00 and at most {format_cents(disputable)}")
    note = body.get("openingNote") or f"Sandbox dispute: {reason.replace('_', ' ')}."
    if not isinstance(note, str):
        return sandbox_error("openingNote must be a string")
    dispute = disputes.open_dispute(
        state,
        payment.id,
        payment.merchant_reference,
        payment.captured,
        payment.currency,
        payment.created,
        reason,
        amount,
        note,
    )
    return vendor_json(dispute.to_json(), 201)


@bp.get("/_sandbox/disputes/deliveries")
def dispute_deliveries() -> Response:
    """Every dispute notification attempt: url, attempt, status (None when unreachable), at."""
    return plain_json({"deliveries": sandbox().webhooks.attempts()})
