"""``POST /_sandbox/payments``: store a payment directly, in any state, skipping the checkout.

The body is a Payment object as ``GET /v2/payments/{id}`` returns it. What is left out is
generated consistently with ``paymentState``; what is given is checked. Either way the payment
is built by replaying operations through ``lifecycle``, the same state machine the live API
uses, so a seeded payment is always one the API could have produced. A real payment's JSON
pasted back in round-trips unchanged, void-made refund entries included.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta
from typing import Any

from . import lifecycle
from .clock import format_timestamp, parse_timestamp
from .errors import ApiError
from .ids import checkout_token
from .lifecycle import MINIMUM_CAPTURE
from .models import EventType, Payment, PaymentState, RefundEntry, RefundKind
from .money import format_cents, parse_money
from .state import SandboxState
from .validation import order_details

SEEDABLE = tuple(s.value for s in PaymentState)
DECLINED = (PaymentState.AUTH_DECLINED, PaymentState.CAPTURE_DECLINED)
DEFAULT_CONSUMER = {"givenNames": "Sandbox", "surname": "Consumer", "email": "consumer@example.com"}
# A void's refund entry is dated within moments of its VOIDED event (afterpay.md E2: 0.6 s apart).
VOID_ENTRY_TOLERANCE = timedelta(seconds=60)


class SeedError(ValueError):
    """The body cannot describe a payment the API could have produced."""


def create(state: SandboxState, body: dict[str, Any]) -> Payment:
    """Validate ``body``, build the payment and store it; raises SeedError."""
    try:
        payment, wanted = _build(state, body)
    except ApiError as exc:
        raise SeedError(exc.message) from None
    now = state.clock.now()
    if lifecycle.expiry_due(payment, now):
        expires = format_timestamp(payment.auth_expires or now)
        lifecycle.expire(payment, state.config, state.store.refund_ids.new())
        if wanted is not None and payment.state is not wanted:
            raise SeedError(
                f"the auth expires at {expires}, before now, so this payment would be {payment.state.value}, "
                f"not {wanted.value}; give a later created (or expires), or leave paymentState out to let it expire"
            )
    if wanted is not None and payment.state is not wanted:
        raise SeedError(f"the given amounts and events produce paymentState {payment.state.value}, not {wanted.value}")
    _check_given_totals(body, payment)
    # Claim caller-chosen ids only now, so a refused body leaves them free for a corrected retry.
    if body.get("id") is not None and not state.store.order_ids.claim(payment.id):
        raise SeedError(f"a payment with id {payment.id} already exists")
    given_refund_ids = [r.refund_id for r in payment.refunds if r.refund_id in _given_refund_ids(body)]
    if not all(state.store.refund_ids.claim(refund_id) for refund_id in given_refund_ids):
        raise SeedError("a given refundId is already used")
    state.store.add_payment(payment)
    return payment


def _given_refund_ids(body: dict[str, Any]) -> set[str]:
    refunds = body.get("refunds")
    if not isinstance(refunds, list):
        return set()
    return {r["refundId"] for r in refunds if isinstance(r, dict) and isinstance(r.get("refundId"), str)}


def _build(state: SandboxState, body: dict[str, Any]) -> tuple[Payment, PaymentState | None]:
    config = state.config
    now = state.clock.now()
    wanted = _state(body)
    currency = config.currency
    original = parse_money(body.get("originalAmount"), "originalAmount", currency)
    if original <= 0:
        raise SeedError("originalAmount must be positive")
    created = _time(body.get("created"), "created")
    if created is None:
        # An EXPIRED payment needs an auth old enough to have run out.
        created = now
        if wanted is PaymentState.EXPIRED and not body.get("events"):
            created = now - timedelta(seconds=config.auth_expiry_seconds + 3600)
    if created > now:
        raise SeedError("created must not be in the future")
    payment = Payment(
        id=_id(state, body.get("id")),
        token=_token(state, body.get("token")),
        status="APPROVED",
        created=created,
        currency=currency,
        original_amount=original,
        open_to_capture=0,
        state=PaymentState.AUTH_APPROVED,
        merchant_reference=_optional_string(body, "merchantReference"),
        order_details=_details(body.get("orderDetails"), currency),
    )
    if body.get("events"):
        if body.get("capturedAmount") is not None or body.get("voidedAmount") is not None:
            raise SeedError("give either events or capturedAmount/voidedAmount, not both")
        _replay_events(state, payment, body["events"], now)
    else:
        _generate_events(state, payment, wanted or PaymentState.CAPTURED, body, now)
        wanted = wanted or PaymentState.CAPTURED
    _add_refunds(state, payment, body.get("refunds"), now)
    if body.get("status") is not None and body["status"] != payment.status:
        raise SeedError(f"status {body['status']!r} contradicts paymentState {payment.state.value} ({payment.status})")
    return payment, wanted


def _state(body: dict[str, Any]) -> PaymentState | None:
    raw = body.get("paymentState")
    if raw is None:
        return None
    if raw not in SEEDABLE:
        raise SeedError(f"paymentState must be one of {', '.join(SEEDABLE)}")
    return PaymentState(raw)


def _time(raw: Any, name: str) -> datetime | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise SeedError(f"{name} must be an ISO 8601 string")
    try:
        return parse_timestamp(raw)
    except ValueError:
        raise SeedError(f"{name} is not an ISO 8601 date-time: {raw!r}") from None


def _optional_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise SeedError(f"{name} must be a string")
    return value


def _id(state: SandboxState, raw: Any) -> str:
    if raw is None:
        return state.store.order_ids.new()
    if not isinstance(raw, str) or not re.fullmatch(r"\d{1,19}", raw):
        raise SeedError("id must be a numeric string (order ids look like 400123851542)")
    if state.store.order_ids.taken(raw):
        raise SeedError(f"a payment with id {raw} already exists")
    return raw


def _token(state: SandboxState, raw: Any) -> str:
    if raw is None:
        token = checkout_token()
        while state.store.token_taken(token):
            token = checkout_token()
        return token
    if not isinstance(raw, str) or not raw.strip():
        raise SeedError("token must be a non-empty string")
    if state.store.token_taken(raw):
        raise SeedError(f"token {raw} is already used by another checkout or payment")
    return raw


def _details(raw: Any, currency: str) -> dict[str, Any]:
    if raw is None:
        raw = {"consumer": DEFAULT_CONSUMER}
    if not isinstance(raw, dict):
        raise SeedError("orderDetails must be an object")
    return order_details(copy.deepcopy(raw), currency)


def _optional_amount(body: dict[str, Any], name: str, currency: str) -> int | None:
    if body.get(name) is None:
        return None
    return parse_money(body[name], name, currency)


def _generate_events(
    state: SandboxState, payment: Payment, wanted: PaymentState, body: dict[str, Any], now: datetime
) -> None:
    """The events of the simplest history that ends in ``wanted``."""
    config = state.config
    original = payment.original_amount
    captured = _optional_amount(body, "capturedAmount", payment.currency)
    voided = _optional_amount(body, "voidedAmount", payment.currency)
    step = iter(range(1, 1000))

    def at() -> datetime:
        # Later events follow the auth by a second each, never past the present.
        return min(payment.created + timedelta(seconds=next(step)), now)

    if wanted in DECLINED:
        if captured or voided:
            raise SeedError(f"a {wanted.value} payment has nothing captured or voided")
        lifecycle.decline(payment, wanted, payment.created)
        return
    lifecycle.authorise(payment, payment.created, payment.created + timedelta(seconds=config.auth_expiry_seconds))
    if wanted in (PaymentState.AUTH_APPROVED, PaymentState.VOIDED, PaymentState.EXPIRED):
        if captured:
            raise SeedError(f"a {wanted.value} payment has no capturedAmount (nothing was captured)")
        captured = 0
    elif wanted is PaymentState.PARTIALLY_CAPTURED:
        captured = captured if captured is not None else original // 2
        if not 0 < captured < original - (voided or 0):
            raise SeedError("a PARTIALLY_CAPTURED payment needs 0 < capturedAmount < originalAmount - voidedAmount")
    else:  # CAPTURED: whatever was not captured was voided (afterpay.md §4)
        if captured is None:
            captured = original - (voided or 0)
        if voided is None:
            voided = original - captured
        if captured <= 0 or captured + voided != original:
            raise SeedError(
                "a CAPTURED payment needs capturedAmount > 0 and capturedAmount + voidedAmount = originalAmount"
            )
    if wanted is PaymentState.VOIDED:
        if voided is not None and voided != original:
            raise SeedError("a VOIDED payment voids the whole originalAmount")
        voided = original
    if wanted is PaymentState.AUTH_APPROVED and voided is not None and voided >= original:
        raise SeedError("an AUTH_APPROVED payment keeps something open: voidedAmount < originalAmount")
    if captured:
        # Capturing everything at once is an immediate capture, without the deferred $1.00 minimum.
        lifecycle.capture(payment, captured, at(), None, minimum=1 if captured == original else MINIMUM_CAPTURE)
    if voided:
        lifecycle.void(payment, voided, at(), state.store.refund_ids.new())
    if wanted is PaymentState.EXPIRED:
        if voided:
            raise SeedError("an EXPIRED payment has no voidedAmount: its open amount expired")
        if not lifecycle.expiry_due(payment, now):
            raise SeedError(
                f"an EXPIRED payment needs created at least auth_expiry_seconds ({config.auth_expiry_seconds}) ago"
            )
        lifecycle.expire(payment, config, state.store.refund_ids.new())


def _replay_events(state: SandboxState, payment: Payment, raw: Any, now: datetime) -> None:
    """Apply the given events in order, checking each against the state machine."""
    if not isinstance(raw, list):
        raise SeedError("events must be an array")
    config = state.config
    previous = payment.created
    for index, item in enumerate(raw):
        where = f"events[{index}]"
        if not isinstance(item, dict):
            raise SeedError(f"{where} must be an object")
        try:
            kind = EventType(str(item.get("type")))
        except ValueError:
            raise SeedError(f"{where}.type must be one of {', '.join(e.value for e in EventType)}") from None
        amount = parse_money(item.get("amount"), f"{where}.amount", payment.currency)
        when = _time(item.get("created"), f"{where}.created") or min(previous + timedelta(seconds=1), now)
        if when < previous or when > now:
            raise SeedError(f"{where}.created must not be before the payment or the previous event, nor in the future")
        previous = when
        first = index == 0
        if first != (kind in (EventType.AUTH_APPROVED, EventType.AUTH_DECLINED, EventType.CAPTURE_DECLINED)):
            raise SeedError("the first event, and only the first, is AUTH_APPROVED, AUTH_DECLINED or CAPTURE_DECLINED")
        if first and amount != payment.original_amount:
            raise SeedError(f"{where}.amount must equal originalAmount")
        if kind is EventType.AUTH_APPROVED:
            expires = _time(item.get("expires"), f"{where}.expires") or when + timedelta(
                seconds=config.auth_expiry_seconds
            )
            lifecycle.authorise(payment, when, expires)
        elif kind in (EventType.AUTH_DECLINED, EventType.CAPTURE_DECLINED):
            if len(raw) > 1:
                raise SeedError("a declined payment has exactly one event")
            lifecycle.decline(payment, PaymentState(kind.value), when)
        elif kind is EventType.CAPTURED:
            lifecycle.capture(payment, amount, when, _optional_string(item, "paymentEventMerchantReference"))
        elif kind is EventType.VOIDED:
            lifecycle.void(payment, amount, when, state.store.refund_ids.new())
        else:
            if index != len(raw) - 1 or not lifecycle.expiry_due(payment, now) or amount != payment.open_to_capture:
                raise SeedError(
                    f"{where}: EXPIRED comes last, after the auth's expires, for the whole open amount "
                    f"({format_cents(payment.open_to_capture)})"
                )
            lifecycle.expire(payment, config, state.store.refund_ids.new())
        if item.get("id") is not None:
            if not isinstance(item["id"], str) or not item["id"]:
                raise SeedError(f"{where}.id must be a non-empty string")
            payment.events[-1].id = item["id"]


def _add_refunds(state: SandboxState, payment: Payment, raw: Any, now: datetime) -> None:
    """Apply given refund entries: void entries are matched to their VOIDED events, the rest refunded."""
    if raw is None:
        return
    if not isinstance(raw, list):
        raise SeedError("refunds must be an array")
    given = []
    matched: set[int] = set()
    seen_ids: set[str] = set()
    for index, item in enumerate(raw):
        where = f"refunds[{index}]"
        if not isinstance(item, dict):
            raise SeedError(f"{where} must be an object")
        amount = parse_money(item.get("amount"), f"{where}.amount", payment.currency)
        refunded_at = _time(item.get("refundedAt"), f"{where}.refundedAt")
        refund_id = item.get("refundId")
        if refund_id is not None and (not isinstance(refund_id, str) or not refund_id.isdigit()):
            raise SeedError(f"{where}.refundId must be a numeric string")
        if refund_id is not None and (state.store.refund_ids.taken(refund_id) or refund_id in seen_ids):
            raise SeedError(f"refundId {refund_id} is already used")
        if refund_id is not None:
            seen_ids.add(refund_id)
        entry = RefundEntry(
            refund_id or "",
            amount,
            refunded_at or min(payment.created + timedelta(seconds=index + 2), now),
            RefundKind.REFUND,
            _optional_string(item, "requestId"),
            _optional_string(item, "merchantReference"),
            _optional_string(item, "refundMerchantReference"),
        )
        if refunded_at is not None and not payment.created <= refunded_at <= now:
            raise SeedError(f"{where}.refundedAt must be between created and now")
        if not _adopt_void_entry(state, payment, entry, matched):
            given.append(entry)
    for entry in sorted(given, key=lambda e: e.refunded_at):
        entry.refund_id = entry.refund_id or state.store.refund_ids.new()
        try:
            lifecycle.refund(payment, entry, state.config, entry.refunded_at)
        except ApiError as exc:
            raise SeedError(f"refund of {format_cents(entry.amount)}: {exc.message}") from None
    payment.refunds.sort(key=lambda e: e.refunded_at, reverse=True)


def _adopt_void_entry(state: SandboxState, payment: Payment, entry: RefundEntry, matched: set[int]) -> bool:
    """Let a pasted void entry (amount, refundId, refundedAt only) stand for the generated one."""
    if entry.request_id or entry.merchant_reference or entry.refund_merchant_reference:
        return False
    for existing in payment.refunds:
        if existing.kind is not RefundKind.VOID or existing.amount != entry.amount or id(existing) in matched:
            continue
        if abs(existing.refunded_at - entry.refunded_at) > VOID_ENTRY_TOLERANCE:
            continue
        if entry.refund_id:
            existing.refund_id = entry.refund_id
        existing.refunded_at = entry.refunded_at
        matched.add(id(existing))
        return True
    return False


def _check_given_totals(body: dict[str, Any], payment: Payment) -> None:
    raw = body.get("openToCaptureAmount")
    if raw is None:
        return
    try:
        given = parse_money(raw, "openToCaptureAmount", payment.currency)
    except ApiError as exc:
        raise SeedError(exc.message) from None
    if given != payment.open_to_capture:
        raise SeedError(
            f"openToCaptureAmount {format_cents(given)} contradicts the history, which leaves "
            f"{format_cents(payment.open_to_capture)} open"
        )
