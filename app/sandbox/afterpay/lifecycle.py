"""The payment state machine of afterpay.md §4, as functions over a Payment draft.

Each function checks the preconditions of one operation, raising the errors afterpay.md §3.2
records for it, then applies it: appending events, prepending refund entries and moving
``paymentState`` and ``openToCaptureAmount`` together, so they are always consistent. The same
functions build payments for ``POST /_sandbox/payments``, so a seeded payment is one the live
API could have produced.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import errors
from .config import AfterpaySandboxConfig
from .errors import ApiError, invalid_amount
from .ids import event_id
from .models import EventType, Payment, PaymentEvent, PaymentState, RefundEntry, RefundKind
from .money import describe

MINIMUM_CAPTURE = 100  # afterpay.md §3.2: "Minimum capture is $1.00"


def authorise(payment: Payment, at: datetime, expires: datetime) -> None:
    """Record the approved auth of the whole amount (the first event of every approved payment)."""
    payment.events.append(PaymentEvent(event_id(at), EventType.AUTH_APPROVED, at, payment.original_amount, expires))
    payment.open_to_capture = payment.original_amount
    payment.state = PaymentState.AUTH_APPROVED


def decline(payment: Payment, state: PaymentState, at: datetime) -> None:
    """Record a declined payment: a permanent order with DECLINED status (afterpay.md §3.2)."""
    payment.status = "DECLINED"
    payment.state = state
    payment.open_to_capture = 0
    payment.events.append(PaymentEvent(event_id(at), EventType(state.value), at, payment.original_amount))


def expiry_due(payment: Payment, now: datetime) -> bool:
    """Whether the auth has run out with money still open to capture."""
    expires = payment.auth_expires
    return (
        payment.state in (PaymentState.AUTH_APPROVED, PaymentState.PARTIALLY_CAPTURED)
        and payment.open_to_capture > 0
        and expires is not None
        and expires <= now
    )


def expire(payment: Payment, config: AfterpaySandboxConfig, refund_id: str) -> None:
    """Auto-void what is still open when the auth expires (afterpay.md §4).

    The EXPIRED event is dated at the moment of expiry, not when the simulator noticed, so a
    lazily generated event looks exactly like one generated on time.
    """
    at = payment.auth_expires
    assert at is not None
    remaining = payment.open_to_capture
    payment.events.append(PaymentEvent(event_id(at), EventType.EXPIRED, at, remaining))
    if config.expiry_adds_refund_entry:
        payment.refunds.insert(0, RefundEntry(refund_id, remaining, at, RefundKind.EXPIRY))
    payment.open_to_capture = 0
    if payment.captured == 0:
        payment.state = PaymentState.EXPIRED
    else:
        payment.state = PaymentState(config.expired_partial_capture_state)


def _check_open(payment: Payment) -> None:
    """Preconditions shared by deferred capture and void, in the order of afterpay.md §3.2."""
    if payment.status == "DECLINED":
        raise errors.invalid_state()
    if payment.expired:
        raise errors.payment_expired()
    if payment.state is PaymentState.VOIDED:
        raise errors.payment_voided()
    if payment.open_to_capture == 0:
        # afterpay.md §4: "Once openToCapture is 0, every further capture or void fails (410)".
        raise errors.payment_captured()


def capture(payment: Payment, amount: int, at: datetime, reference: str | None, minimum: int = MINIMUM_CAPTURE) -> None:
    """Capture ``amount`` (afterpay.md §3.2 Deferred capture); ``minimum`` applies to deferred captures."""
    _check_open(payment)
    if amount < minimum:
        raise invalid_amount(f"Capture amount must be at least {describe(minimum, payment.currency)}.")
    if amount > payment.open_to_capture:
        raise invalid_amount(
            f"Capture amount {describe(amount, payment.currency)} exceeded open to capture amount "
            f"{describe(payment.open_to_capture, payment.currency)}."
        )
    payment.events.append(PaymentEvent(event_id(at), EventType.CAPTURED, at, amount, None, reference))
    payment.open_to_capture -= amount
    payment.state = PaymentState.CAPTURED if payment.open_to_capture == 0 else PaymentState.PARTIALLY_CAPTURED


def void(payment: Payment, amount: int | None, at: datetime, refund_id: str) -> int:
    """Void ``amount`` (all that is open when None) and return the amount voided.

    afterpay.md §3.2/§4/E2: appends a VOIDED event AND prepends a refund entry carrying only
    amount, refundId and refundedAt; at zero open, AUTH_APPROVED becomes VOIDED and
    PARTIALLY_CAPTURED becomes CAPTURED; a partial void keeps the state.
    """
    _check_open(payment)
    if amount is None:
        amount = payment.open_to_capture
    if amount <= 0:
        raise invalid_amount("Void amount must be greater than zero.")
    if amount > payment.open_to_capture:
        # afterpay.md §3.2: "Void amount USD 999.00 exceeded open to capture amount USD 40.00."
        raise invalid_amount(
            f"Void amount {describe(amount, payment.currency)} exceeded open to capture amount "
            f"{describe(payment.open_to_capture, payment.currency)}."
        )
    payment.refunds.insert(0, RefundEntry(refund_id, amount, at, RefundKind.VOID))
    payment.events.append(PaymentEvent(event_id(at), EventType.VOIDED, at, amount))
    payment.open_to_capture -= amount
    if payment.open_to_capture == 0:
        payment.state = PaymentState.VOIDED if payment.captured == 0 else PaymentState.CAPTURED
    return amount


def refundable(payment: Payment) -> int:
    """Captured money not yet given back (void entries are not refunds)."""
    return payment.captured - payment.refunded


def refund(payment: Payment, entry: RefundEntry, config: AfterpaySandboxConfig, now: datetime) -> None:
    """Refund captured money (afterpay.md §3.2 Refund); never changes ``paymentState`` (§4)."""
    if payment.status == "DECLINED":
        raise errors.precondition_failed("Payment is not eligible for refund: the order was declined.")
    if payment.captured == 0:
        raise errors.precondition_failed("Payment is not eligible for refund: no funds have been captured.")
    if now > payment.created + timedelta(days=config.refund_window_days):
        days = config.refund_window_days
        raise ApiError(422, "refund_timelimit_exceeded", f"Refunds are not accepted {days} days after the order.")
    if entry.amount <= 0:
        raise invalid_amount("Refund amount must be greater than zero.")
    available = refundable(payment)
    if entry.amount > available:
        raise invalid_amount(
            f"Refund amount {describe(entry.amount, payment.currency)} exceeded refundable amount "
            f"{describe(available, payment.currency)}."
        )
    payment.refunds.insert(0, entry)


def reverse(payment: Payment, at: datetime, refund_id: str) -> None:
    """Reverse an order (afterpay.md §3.2 Reversal): void an open auth, give back a capture.

    The real API cancels asynchronously; the simulator applies the outcome at once.
    """
    payment.reversed = True
    if payment.state is PaymentState.AUTH_APPROVED:
        void(payment, None, at, refund_id)
    else:
        payment.refunds.insert(0, RefundEntry(refund_id, refundable(payment), at, RefundKind.REVERSAL))
