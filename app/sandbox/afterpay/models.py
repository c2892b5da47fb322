"""The simulator's records: checkouts, payments with their events and refund entries.

Money is integer cents; times are aware UTC datetimes truncated to milliseconds. Records are
plain dataclasses: the store hands writers a copy and swaps it in when the write succeeds, so a
reader always sees one consistent version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class PaymentState(StrEnum):
    """``paymentState`` (afterpay.md §4; EXPIRED is missing from the spec's enum but real)."""

    AUTH_APPROVED = "AUTH_APPROVED"
    AUTH_DECLINED = "AUTH_DECLINED"
    PARTIALLY_CAPTURED = "PARTIALLY_CAPTURED"
    CAPTURED = "CAPTURED"
    CAPTURE_DECLINED = "CAPTURE_DECLINED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


class EventType(StrEnum):
    """Payment event ``type`` (afterpay.md §4)."""

    AUTH_APPROVED = "AUTH_APPROVED"
    AUTH_DECLINED = "AUTH_DECLINED"
    CAPTURED = "CAPTURED"
    CAPTURE_DECLINED = "CAPTURE_DECLINED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


class RefundKind(StrEnum):
    """Why an entry is in ``refunds[]``: only REFUND is money the merchant chose to give back."""

    REFUND = "refund"
    VOID = "void"  # afterpay.md §3.2: a void prepends a refund entry
    EXPIRY = "expiry"  # only with expiry_adds_refund_entry
    REVERSAL = "reversal"


class Decision(StrEnum):
    """What the consumer did on the Afterpay checkout pages."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"


@dataclass
class PaymentEvent:
    """One entry of ``events[]``."""

    id: str
    type: EventType
    created: datetime
    amount: int
    expires: datetime | None = None
    merchant_reference: str | None = None


@dataclass
class RefundEntry:
    """One entry of ``refunds[]``; void-made entries carry only amount, refundId and refundedAt."""

    refund_id: str
    amount: int
    refunded_at: datetime
    kind: RefundKind = RefundKind.REFUND
    request_id: str | None = None
    merchant_reference: str | None = None
    refund_merchant_reference: str | None = None


@dataclass
class Payment:
    """A permanent order record (afterpay.md §4 Payment)."""

    id: str
    token: str
    status: str  # APPROVED | DECLINED
    created: datetime
    currency: str
    original_amount: int
    open_to_capture: int
    state: PaymentState
    merchant_reference: str | None
    order_details: dict[str, Any]
    events: list[PaymentEvent] = field(default_factory=list)
    refunds: list[RefundEntry] = field(default_factory=list)
    reversed: bool = False
    # "capture" (immediate) or "auth" (deferred); None for payments made by /_sandbox/payments.
    flow: str | None = None
    # time.monotonic() after which the search service "knows" the order (search_index_lag_ms).
    visible_at: float = 0.0

    @property
    def captured(self) -> int:
        """Total of CAPTURED events."""
        return sum(e.amount for e in self.events if e.type is EventType.CAPTURED)

    @property
    def refunded(self) -> int:
        """Money given back after capture: refunds and reversals, not void or expiry entries."""
        return sum(r.amount for r in self.refunds if r.kind in (RefundKind.REFUND, RefundKind.REVERSAL))

    @property
    def auth_expires(self) -> datetime | None:
        """``expires`` of the AUTH_APPROVED event, when there is one."""
        return next((e.expires for e in self.events if e.type is EventType.AUTH_APPROVED), None)

    @property
    def expired(self) -> bool:
        """Whether the auth has run out (an EXPIRED event was recorded)."""
        return any(e.type is EventType.EXPIRED for e in self.events)


@dataclass
class Checkout:
    """A checkout created by ``POST /v2/checkouts``: temporary until captured or authorised."""

    token: str
    created: datetime
    expires: datetime
    currency: str
    amount: int
    request: dict[str, Any]
    order_details: dict[str, Any]
    decision: Decision = Decision.PENDING
    payment_id: str | None = None
    reversed: bool = False
