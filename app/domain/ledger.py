"""What happened to an Afterpay payment's money: captures, voids, expiries, real refunds.

``read_ledger`` turns a Payment's ``paymentState``, ``openToCaptureAmount``, ``events[]`` and
``refunds[]`` into amounts the mapping (and the sync and reconcile code) can trust:

* captured = Σ CAPTURED events; voided = Σ VOIDED + EXPIRED events; open =
  openToCaptureAmount; refunded = Σ REAL refunds (mapping rule 1).
* A void also prepends an entry to ``refunds[]`` (afterpay.md §3.2 Void, §4, §12, example E2).
  Such an entry is not money given back, and is recognised by ``match_void_entries``.
* The bridge's state (paid, partially_paid, authorised, voided, expired, declined) follows
  from the amounts first and ``paymentState`` second, so it does not depend on which of the
  plausible states Afterpay reports after an auth expires part-captured (afterpay.md §4, §13).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from app.domain.afterpay import EventType, Payment, PaymentEvent, PaymentState, PaymentStatus, Refund
from app.domain.money import ZERO, cents, format_amount

T = TypeVar("T")


class OrderState(StrEnum):
    """The bridge's view of an order (DESIGN.md §3.1 ``state``)."""

    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    AUTHORISED = "authorised"
    VOIDED = "voided"
    EXPIRED = "expired"
    DECLINED = "declined"


#: afterpay.md §4: the states in which Afterpay refused the consumer or the capture.
DECLINED_STATES = frozenset({PaymentState.AUTH_DECLINED, PaymentState.CAPTURE_DECLINED})
#: Events that take money off the authorisation without capturing it.
CANCELLING_EVENTS = frozenset({EventType.VOIDED, EventType.EXPIRED})


@dataclass(frozen=True)
class Capture:
    """Money taken from the consumer: one CAPTURED event (or an inferred capture, see below).

    ``key`` is the event id, the natural key the payment's Cin7 ``Reference`` is built from.
    A payment in a captured state with no CAPTURED event at all gets one inferred capture
    keyed ``capture`` dated at the payment's ``created`` (the immediate-capture flow).
    """

    key: str
    amount: Decimal
    at: datetime
    inferred: bool = False


@dataclass(frozen=True)
class Cancellation:
    """Money taken off the authorisation before capture: a VOIDED or EXPIRED event."""

    type: EventType
    amount: Decimal
    at: datetime
    key: str


@dataclass(frozen=True)
class Ledger:
    """The amounts of one payment, all 2-dp ``Decimal`` in the payment's currency."""

    state: OrderState
    currency: str
    original: Decimal
    captured: Decimal
    voided: Decimal
    open: Decimal
    refunded: Decimal
    captures: tuple[Capture, ...]
    cancellations: tuple[Cancellation, ...]
    refunds: tuple[Refund, ...]
    void_entries: tuple[Refund, ...]
    warnings: tuple[str, ...]

    @property
    def voided_by_void(self) -> Decimal:
        """The part of ``voided`` that VOIDED events took off."""
        return sum((c.amount for c in self.cancellations if c.type is EventType.VOIDED), ZERO)

    @property
    def voided_by_expiry(self) -> Decimal:
        """The part of ``voided`` that the auth's expiry (EXPIRED events) took off."""
        return sum((c.amount for c in self.cancellations if c.type is EventType.EXPIRED), ZERO)


def is_void_entry_shape(refund: Refund) -> bool:
    """Whether a refund entry has the shape of a void-made one: no requestId, no
    merchantReference and no refundMerchantReference (afterpay.md §4 Refund, E2)."""
    return not (refund.request_id or refund.merchant_reference or refund.refund_merchant_reference)


def match_void_entries(
    refunds: Sequence[Refund], events: Sequence[PaymentEvent], window_seconds: int
) -> tuple[tuple[Refund, ...], tuple[Refund, ...]]:
    """Split ``refunds`` into (real refunds, void entries).

    A refund entry is a void entry when all of these hold (afterpay.md §12 "cross-check
    against VOIDED events with the same amount and time"):

    1. it has the void-made shape (``is_void_entry_shape``);
    2. a VOIDED or EXPIRED event has the same amount;
    3. its ``refundedAt`` is within ``window_seconds`` of that event's ``created``, either
       way (in E2 the entry is 0.6 s *before* the event);
    4. that event has not already claimed another entry: each event accounts for at most one.

    Events are taken in time order and each claims the closest eligible entry (ties: the
    earlier entry, then the first in the list), so the split is deterministic. An entry
    that matches no event is a real refund: a Business Hub refund can also lack references
    (afterpay.md §12), and counting it keeps the money visible.
    """
    candidates = [i for i, r in enumerate(refunds) if is_void_entry_shape(r)]
    claimed: set[int] = set()
    cancelling = sorted(
        (e for e in events if e.type in CANCELLING_EVENTS),
        key=lambda e: e.created,
    )
    window = timedelta(seconds=window_seconds)
    for event in cancelling:
        best: tuple[timedelta, datetime, int] | None = None
        for i in candidates:
            if i in claimed or refunds[i].amount.amount != event.amount.amount:
                continue
            gap = abs(refunds[i].refunded_at - event.created)
            if gap > window:
                continue
            key = (gap, refunds[i].refunded_at, i)
            if best is None or key < best:
                best = key
        if best is not None:
            claimed.add(best[2])
    real = tuple(r for i, r in enumerate(refunds) if i not in claimed)
    entries = tuple(r for i, r in enumerate(refunds) if i in claimed)
    return real, entries


def _unique(items: Iterable[T], key: Callable[[T], str], what: str, warnings: list[str]) -> list[T]:
    # afterpay.md §12: events are de-duplicated by id, refunds by refundId.
    seen: set[str] = set()
    out: list[T] = []
    for item in items:
        if key(item) in seen:
            warnings.append(f"{what} {key(item)} appears more than once; counted once")
            continue
        seen.add(key(item))
        out.append(item)
    return out


def read_ledger(payment: Payment, *, void_entry_window_seconds: int = 60) -> Ledger:
    """The amounts and state of ``payment`` (mapping rules 1 and 2; docs/mapping.md)."""
    warnings: list[str] = []
    events = _unique(payment.events, lambda e: e.id, "event", warnings)
    refund_entries = _unique(payment.refunds, lambda r: r.refund_id, "refund", warnings)
    original = cents(payment.original_amount.amount)

    captures = [
        Capture(key=e.id, amount=cents(e.amount.amount), at=e.created) for e in events if e.type is EventType.CAPTURED
    ]
    cancellations = [
        Cancellation(type=e.type, amount=cents(e.amount.amount), at=e.created, key=e.id)
        for e in events
        if e.type in CANCELLING_EVENTS
    ]
    captured = sum((c.amount for c in captures), ZERO)
    voided = sum((c.amount for c in cancellations), ZERO)
    state = payment.payment_state

    if payment.open_to_capture_amount is not None:
        open_amount = cents(payment.open_to_capture_amount.amount)
    elif state in (PaymentState.AUTH_APPROVED, PaymentState.PARTIALLY_CAPTURED):
        open_amount = max(original - captured - voided, ZERO)
    else:
        open_amount = ZERO

    declined = payment.status is PaymentStatus.DECLINED or state in DECLINED_STATES
    residual = original - captured - voided - open_amount
    if residual != 0 and not declined:
        if residual > 0 and not captures and state in (PaymentState.CAPTURED, PaymentState.PARTIALLY_CAPTURED):
            # An immediate capture may come without a CAPTURED event; the state says the money
            # was taken, so record it at the payment's creation time rather than lose it.
            captures.append(Capture(key="capture", amount=residual, at=payment.created, inferred=True))
            captured += residual
            warnings.append(
                f"paymentState {state} but no CAPTURED event: capture of {format_amount(residual)} inferred"
                " at the order's creation time"
            )
        elif residual > 0 and state in (PaymentState.VOIDED, PaymentState.EXPIRED) and not cancellations:
            kind = EventType.VOIDED if state is PaymentState.VOIDED else EventType.EXPIRED
            cancellations.append(Cancellation(type=kind, amount=residual, at=payment.created, key=kind.value.lower()))
            voided += residual
            warnings.append(f"paymentState {state} but no {kind} event: {format_amount(residual)} treated as {kind}")
        else:
            warnings.append(
                f"Afterpay amounts do not balance: originalAmount {format_amount(original)} ≠ captured"
                f" {format_amount(captured)} + voided {format_amount(voided)} + open {format_amount(open_amount)}"
            )

    real, void_entries = match_void_entries(refund_entries, events, void_entry_window_seconds)
    refunded = sum((cents(r.amount.amount) for r in real), ZERO)
    if refunded > captured:
        warnings.append(f"refunds {format_amount(refunded)} exceed the captured {format_amount(captured)}")

    if declined and captured > 0:
        warnings.append(
            f"paymentState {state} / status {payment.status} but {format_amount(captured)} was captured;"
            " mapped by the captured amount"
        )
        declined = False

    return Ledger(
        state=_state(declined, captured, open_amount, state, cancellations),
        currency=payment.currency,
        original=original,
        captured=captured,
        voided=voided,
        open=open_amount,
        refunded=refunded,
        captures=tuple(sorted(captures, key=lambda c: c.at)),
        cancellations=tuple(cancellations),
        refunds=real,
        void_entries=void_entries,
        warnings=tuple(warnings),
    )


def _state(
    declined: bool,
    captured: Decimal,
    open_amount: Decimal,
    payment_state: PaymentState,
    cancellations: Sequence[Cancellation],
) -> OrderState:
    """Mapping rule 1. Amounts decide first: an auth that expired after a partial capture is
    paid for what was captured, whatever paymentState Afterpay reports for it."""
    if declined:
        return OrderState.DECLINED
    if captured > 0:
        return OrderState.PARTIALLY_PAID if open_amount > 0 else OrderState.PAID
    if payment_state is PaymentState.VOIDED:
        return OrderState.VOIDED
    if payment_state is PaymentState.EXPIRED:
        return OrderState.EXPIRED
    if open_amount > 0:
        return OrderState.AUTHORISED
    # Nothing captured and nothing open: the auth is gone; say how it went.
    if any(c.type is EventType.EXPIRED for c in cancellations):
        return OrderState.EXPIRED
    if cancellations:
        return OrderState.VOIDED
    return OrderState.AUTHORISED
