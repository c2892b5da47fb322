"""Payment operations of the v2 API: immediate capture, auth, deferred capture, void, refund,
reversal, updates and reads, with requestId idempotency and per-payment serialisation.

Each operation validates its body, claims its idempotency key, then applies the state machine
of ``lifecycle`` to a draft under the payment's lock. ``write_delay_ms`` is spent inside that
window, so a duplicate request arriving meanwhile sees the 409 of afterpay.md §5.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from . import checkouts, errors, lifecycle, serialize
from .errors import ApiError, invalid_object
from .idempotency import IN_FLIGHT, InFlight, Key, fingerprint
from .models import Checkout, Decision, Payment, PaymentState, RefundEntry
from .money import parse_money
from .state import SandboxState
from .validation import courier, optional_bool, optional_str, required_str

# afterpay.md §5: "requests with the same requestId will return the same response for up to 24
# hours. Refund requests are an exception": those are kept for the simulator's lifetime.
REPLAY_WINDOW = timedelta(hours=24)
NUMERIC = re.compile(r"\d+")
VOID_REASONS = ("cancelledItems", "amountAdjustment")


@dataclass(frozen=True)
class Outcome:
    """The status and JSON body an operation answers with (None: no body)."""

    status: int
    body: Any


# -- reads ------------------------------------------------------------------------------------


def current(state: SandboxState, payment: Payment) -> Payment:
    """``payment`` with a due auth expiry applied (afterpay.md §12: EXPIRED is generated lazily)."""
    if not lifecycle.expiry_due(payment, state.clock.now()):
        return payment
    with state.store.edit(payment.id) as draft:
        if lifecycle.expiry_due(draft, state.clock.now()):
            lifecycle.expire(draft, state.config, state.store.refund_ids.new())
    committed = state.store.payment(payment.id)
    assert committed is not None
    return committed


def searchable(payment: Payment) -> bool:
    """Whether the search service has indexed the order yet (afterpay.md §3.2: ~3 s lag)."""
    return time.monotonic() >= payment.visible_at


def get(state: SandboxState, payment_id: str) -> Payment:
    """``GET /v2/payments/{orderId}``."""
    payment = state.store.payment(payment_id) if NUMERIC.fullmatch(payment_id) else None
    if payment is None or not searchable(payment):
        raise errors.payment_not_found()
    return current(state, payment)


def get_by_token(state: SandboxState, token: str) -> Payment:
    """``GET /v2/payments/token:{token}``."""
    payment = state.store.payment_by_token(token)
    if payment is None or not searchable(payment):
        raise errors.payment_not_found()
    return current(state, payment)


def listable(state: SandboxState) -> list[Payment]:
    """Every indexed payment, with due expiries applied."""
    return [current(state, p) for p in state.store.payments() if searchable(p)]


# -- creating payments from checkouts -----------------------------------------------------------


def capture_by_token(state: SandboxState, body: dict[str, Any]) -> Outcome:
    """``POST /v2/payments/capture``: the token is the idempotency key (afterpay.md §5)."""
    token = _token(body)
    reference = optional_str(body, "merchantReference", "merchantReference", 128)
    key: Key = ("capture", token)
    if state.store.idempotency.begin(key, "", state.clock.now()) is IN_FLIGHT:
        raise errors.conflict()
    try:
        with state.store.lock(f"token:{token}"):
            state.write_delay()
            existing = state.store.payment_by_token(token)
            if existing is not None:
                if existing.flow != "capture":
                    raise errors.invalid_token()
                # "capturing the same token twice returns the same payment"
                return Outcome(201, serialize.payment(current(state, existing)))
            checkout = checkouts.payable(state, token)
            amount = _express_amount(state, checkout, body)
            payment = _new_payment(state, checkout, amount, reference)
            now = state.clock.now()
            if checkout.decision is Decision.DECLINED:
                lifecycle.decline(payment, PaymentState(state.config.declined_capture_state), now)
            else:
                lifecycle.authorise(payment, now, now + timedelta(seconds=state.config.auth_expiry_seconds))
                # The $1.00 minimum is for deferred captures; the order limits already apply here.
                lifecycle.capture(payment, payment.original_amount, now, None, minimum=1)
            _keep(state, checkout, payment, "capture")
            return Outcome(201, serialize.payment(payment))
    finally:
        state.store.idempotency.abandon(key)


def authorise(state: SandboxState, body: dict[str, Any]) -> Outcome:
    """``POST /v2/payments/auth``: 201 AUTH_APPROVED, or 402 with a DECLINED Payment body."""
    token = _token(body)
    # afterpay.md §3.2 CONFLICT: the spec spells it requestid, real clients send requestId.
    field = "requestId" if body.get("requestId") is not None else "requestid"
    request_id = optional_str(body, field, field, 64)
    reference = optional_str(body, "merchantReference", "merchantReference", 128)

    def run() -> Outcome:
        with state.store.lock(f"token:{token}"):
            state.write_delay()
            if state.store.payment_by_token(token) is not None:
                raise errors.invalid_token()
            checkout = checkouts.payable(state, token)
            amount = _express_amount(state, checkout, body)
            payment = _new_payment(state, checkout, amount, reference)
            now = state.clock.now()
            if checkout.decision is Decision.DECLINED:
                lifecycle.decline(payment, PaymentState.AUTH_DECLINED, now)
                status = 402
            else:
                lifecycle.authorise(payment, now, now + timedelta(seconds=state.config.auth_expiry_seconds))
                status = 201
            _keep(state, checkout, payment, "auth")
            return Outcome(status, serialize.payment(payment))

    return _idempotent(state, ("auth", "", request_id) if request_id else None, body, REPLAY_WINDOW, run)


def _token(body: dict[str, Any]) -> str:
    value = body.get("token")
    if value is not None and not isinstance(value, str):
        raise invalid_object("token must be a string")
    if not value:
        raise invalid_object("token may not be empty")  # afterpay.md E6, verbatim
    return value


def _express_amount(state: SandboxState, checkout: Checkout, body: dict[str, Any]) -> int:
    """The order amount: the checkout's, or an express checkout's adjusted one (afterpay.md §3.2)."""
    express = checkout.request.get("mode") == "express"
    if body.get("amount") is None:
        if express:
            raise invalid_object("amount may not be null")
        return checkout.amount
    amount = parse_money(body.get("amount"), "amount", checkout.currency)
    adjusted = optional_bool(body, "isCheckoutAdjusted", "isCheckoutAdjusted")
    if express and adjusted:
        return amount
    if amount != checkout.amount:
        raise errors.invalid_amount("The amount does not match the amount of the checkout.")
    return amount


def _new_payment(state: SandboxState, checkout: Checkout, amount: int, reference: str | None) -> Payment:
    return Payment(
        id=state.store.order_ids.new(),
        token=checkout.token,
        status="APPROVED",
        created=state.clock.now(),
        currency=checkout.currency,
        original_amount=amount,
        open_to_capture=0,
        state=PaymentState.AUTH_APPROVED,
        # afterpay.md §3.2: a merchantReference sent at capture/auth replaces the checkout's.
        merchant_reference=reference if reference is not None else checkout.request.get("merchantReference"),
        order_details=copy.deepcopy(checkout.order_details),
        visible_at=time.monotonic() + state.config.search_index_lag_ms / 1000,
    )


def _keep(state: SandboxState, checkout: Checkout, payment: Payment, flow: str) -> None:
    payment.flow = flow
    state.store.add_payment(payment)
    checkout.payment_id = payment.id


# -- operations on an order --------------------------------------------------------------------


def capture(state: SandboxState, order_id: str, body: dict[str, Any]) -> Outcome:
    """``POST /v2/payments/{orderId}/capture`` (deferred capture, partial or full)."""
    if not NUMERIC.fullmatch(order_id):
        raise errors.payment_not_found()
    payment = state.store.payment(order_id)
    if payment is None:
        # afterpay.md §3.2: a numeric id matching no order is a 412 `error`.
        raise ApiError(412, "error", f"No order found with id {order_id}.")
    request_id = optional_str(body, "requestId", "requestId", 64)
    amount = parse_money(body.get("amount"), "amount", payment.currency)
    reference = optional_str(body, "merchantReference", "merchantReference", 128)
    event_reference = optional_str(body, "paymentEventMerchantReference", "paymentEventMerchantReference", 128)

    def run() -> Outcome:
        current(state, payment)
        with state.store.edit(order_id) as draft:
            state.write_delay()
            lifecycle.capture(draft, amount, state.clock.now(), event_reference)
            if reference is not None:
                draft.merchant_reference = reference
            return Outcome(201, serialize.payment(draft))

    return _idempotent(state, ("capture", order_id, request_id) if request_id else None, body, REPLAY_WINDOW, run)


def void(state: SandboxState, order_id: str, body: dict[str, Any]) -> Outcome:
    """``POST /v2/payments/{orderId}/void``; an empty body voids all that is open."""
    if not NUMERIC.fullmatch(order_id):
        raise errors.payment_not_found()
    payment = state.store.payment(order_id)
    if payment is None:
        # afterpay.md §3.2: recorded 500 for a void of an unknown numeric id.
        raise errors.internal_error()
    request_id = optional_str(body, "requestId", "requestId", 64)
    amount = parse_money(body["amount"], "amount", payment.currency) if body.get("amount") is not None else None
    reason = optional_str(body, "reason", "reason")
    if reason is not None and reason not in VOID_REASONS:
        raise invalid_object(f"reason must be one of {', '.join(VOID_REASONS)} or null")

    def run() -> Outcome:
        current(state, payment)
        with state.store.edit(order_id) as draft:
            state.write_delay()
            lifecycle.void(draft, amount, state.clock.now(), state.store.refund_ids.new())
            return Outcome(201, serialize.payment(draft))

    return _idempotent(state, ("void", order_id, request_id) if request_id else None, body, REPLAY_WINDOW, run)


def refund(state: SandboxState, order_id: str, body: dict[str, Any]) -> Outcome:
    """``POST /v2/payments/{orderId}/refund``; idempotent on requestId AND merchantReference."""
    if not NUMERIC.fullmatch(order_id):
        raise errors.payment_not_found()
    payment = state.store.payment(order_id)
    if payment is None:
        raise errors.precondition_failed("Afterpay payment ID not found.")
    config = state.config
    request_id = optional_str(body, "requestId", "requestId", 64)
    limit = config.refund_merchant_reference_max_length
    reference = optional_str(body, "merchantReference", "merchantReference", limit)
    event_reference = optional_str(body, "refundMerchantReference", "refundMerchantReference", 128)
    if body.get("amount") is None:
        raise invalid_object("amount may not be null")
    amount = parse_money(body["amount"], "amount", payment.currency)

    def run() -> Outcome:
        current(state, payment)
        with state.store.edit(order_id) as draft:
            state.write_delay()
            now = state.clock.now()
            entry = RefundEntry(state.store.refund_ids.new(), amount, now, request_id=request_id)
            entry.merchant_reference, entry.refund_merchant_reference = reference, event_reference
            lifecycle.refund(draft, entry, state.config, now)
            return Outcome(201, serialize.refund(entry, draft.currency))

    # afterpay.md §5: a refund is only protected when it carries both keys.
    key: Key | None = ("refund", order_id, request_id, reference) if request_id and reference else None
    return _idempotent(state, key, body, None, run)


def reverse(state: SandboxState, token: str) -> Outcome:
    """``POST /v2/payments/token:{token}/reversal``: 204 within the reversal window."""
    checkout = state.store.checkout(token)
    payment = state.store.payment_by_token(token)
    if checkout is None and payment is None:
        raise errors.invalid_token()
    window = timedelta(seconds=state.config.reversal_window_seconds)
    with state.store.lock(f"token:{token}"):
        state.write_delay()
        now = state.clock.now()
        payment = state.store.payment_by_token(token)
        if payment is not None:
            payment = current(state, payment)
            if payment.reversed:
                raise errors.precondition_failed("Payment reversal previously processed")
            if payment.status != "APPROVED" or payment.state not in (PaymentState.AUTH_APPROVED, PaymentState.CAPTURED):
                raise errors.precondition_failed("not eligible")
            if now > payment.created + window:
                raise errors.precondition_failed("Order outside reversal window")
            with state.store.edit(payment.id) as draft:
                lifecycle.reverse(draft, now, state.store.refund_ids.new())
            return Outcome(204, None)
        assert checkout is not None
        if checkout.reversed:
            raise errors.precondition_failed("Payment reversal previously processed")
        if now > checkout.expires:
            raise errors.invalid_token()
        if now > checkout.created + window:
            raise errors.precondition_failed("Order outside reversal window")
        if checkout.decision is not Decision.APPROVED and not (
            checkout.decision is Decision.PENDING and state.config.checkout_auto_approve
        ):
            raise errors.precondition_failed("not eligible")
        # v1 docs (afterpay.md §5): a reversal sent after a capture timed out wins over a capture
        # that completes later; here the later capture or auth is refused.
        checkout.reversed = True
        return Outcome(204, None)


def update_reference(state: SandboxState, order_id: str, body: dict[str, Any]) -> Outcome:
    """``PUT /v2/payments/{orderId}``: 200 (afterpay.md §3.1 #13: the spec's 201 is not what happens)."""
    payment = state.store.payment(order_id) if NUMERIC.fullmatch(order_id) else None
    if payment is None:
        raise errors.payment_not_found()
    reference = required_str(body, "merchantReference", "merchantReference", 128)
    if payment.status != "APPROVED":
        raise errors.invalid_state()  # "Only valid for APPROVED orders"
    current(state, payment)
    with state.store.edit(order_id) as draft:
        state.write_delay()
        draft.merchant_reference = reference
        return Outcome(200, serialize.payment(draft))


def update_courier(state: SandboxState, order_id: str, body: dict[str, Any]) -> Outcome:
    """``PUT /v2/payments/{orderId}/courier``: 200 with the Payment."""
    payment = state.store.payment(order_id) if NUMERIC.fullmatch(order_id) else None
    if payment is None:
        raise errors.precondition_failed("Afterpay payment ID not found.")
    details = courier(body)
    current(state, payment)
    with state.store.edit(order_id) as draft:
        state.write_delay()
        draft.order_details["courier"] = details
        return Outcome(200, serialize.payment(draft))


# -- plumbing ----------------------------------------------------------------------------------


def _idempotent(
    state: SandboxState, key: Key | None, body: dict[str, Any], ttl: timedelta | None, run: Callable[[], Outcome]
) -> Outcome:
    """Run ``run`` once per ``key``; replay its stored outcome to retries (afterpay.md §5)."""
    if key is None:
        return run()
    cache = state.store.idempotency
    digest = fingerprint(body)
    claimed = cache.begin(key, digest, state.clock.now())
    if isinstance(claimed, InFlight):
        raise errors.conflict()
    if claimed is not None:
        if not claimed.same_body and state.config.request_id_mismatch == "reject":
            # afterpay.md §5 UNVERIFIED: what a reused requestId with a different body does.
            raise invalid_object("The requestId has already been used for a different request.")
        return Outcome(claimed.status, copy.deepcopy(claimed.body))
    try:
        outcome = run()
    except BaseException:
        cache.abandon(key)
        raise
    if 200 <= outcome.status < 300 or outcome.status == 402:
        cache.complete(key, outcome.status, copy.deepcopy(outcome.body), state.clock.now(), ttl)
    else:
        cache.abandon(key)
    return outcome
