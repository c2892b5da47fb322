"""Disputes (afterpay.md §7): the record, its store, its JSON, and its notifications.

Timestamps are epoch seconds as in the documented example (afterpay.md E10), although the
harvested spec types them as strings; ``responseDueBy`` is -1 once a dispute is closed (E10).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .ids import dispute_id, webhook_event_id
from .money import format_cents

if TYPE_CHECKING:
    from .state import SandboxState

REASONS = (
    "product_not_received",
    "product_unacceptable",
    "credit_not_processed",
    "order_canceled",
    "duplicate",
    "incorrect_amount",
    "paid_by_other_means",
    "fraudulent",
    "fraudulent_merchant",
)
STATUSES = ("needs_response", "under_review", "won", "lost", "merchant_refunded", "merchant_voided")
EVIDENCE_FIELDS = (
    "productDescription",
    "refundPolicy",
    "refundPolicyDisclosure",
    "refundRefusalExplanation",
    "shippingDocumentation",
    "shippingAddress",
    "shippingDate",
    "shippingCarrier",
    "shippingTrackingNumber",
    "uncategorizedFile",
    "uncategorizedText",
)
RESPONSE_WINDOW = timedelta(days=13)  # afterpay.md §7: the merchant has 13 days to submit evidence


@dataclass
class Dispute:
    """One dispute on one order."""

    id: str
    order_id: str
    merchant_order_id: str
    amount: int
    currency: str
    captured: int
    reason: str
    created_at: datetime
    transaction_date: datetime
    opening_note: str
    status: str = "needs_response"
    updated_at: datetime | None = None
    closing_reason: str | None = None
    closing_note: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        """No final decision yet."""
        return self.status in ("needs_response", "under_review")

    def to_json(self) -> dict[str, Any]:
        """The dispute object, in the key order of afterpay.md E10."""
        return {
            "id": self.id,
            "order": self.order_id,
            "amount": format_cents(self.amount),
            "currency": self.currency,
            "status": self.status,
            "reason": self.reason,
            "open": self.open,
            "responseDueBy": int((self.created_at + RESPONSE_WINDOW).timestamp()) if self.open else -1,
            "openingNote": self.opening_note,
            "openingNoteAttachments": [],
            "merchantOrderId": self.merchant_order_id,
            "transactionDate": int(self.transaction_date.timestamp()),
            "createdAt": int(self.created_at.timestamp()),
            "updatedAt": int((self.updated_at or self.created_at).timestamp()),
            "closingReason": self.closing_reason,
            "closingNote": self.closing_note,
            # Afterpay only collects the money once the merchant loses (afterpay.md §7).
            "settlementAmount": format_cents(-self.amount if self.status == "lost" else 0),
            "meta": {"transactionAmount": format_cents(self.captured), "orderType": "ONLINE"},
        }


class DisputeStore:
    """Disputes by id, newest last; mutate a dispute only under ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._disputes: dict[str, Dispute] = {}

    def add(self, dispute: Dispute) -> None:
        """Keep a new dispute."""
        with self.lock:
            self._disputes[dispute.id] = dispute

    def get(self, dispute_id: str) -> Dispute | None:
        """The dispute with ``dispute_id``."""
        with self.lock:
            return self._disputes.get(dispute_id)

    def all(self) -> list[Dispute]:
        """Every dispute, oldest first."""
        with self.lock:
            return list(self._disputes.values())


def notify(state: SandboxState, dispute: Dispute, event_type: str) -> bool:
    """Send the ``created``/``updated`` notification (afterpay.md E9) if a webhook is configured."""
    config = state.config
    if not config.dispute_webhook_url or not config.dispute_webhook_secret:
        return False
    payload = {
        "webhook_event_id": webhook_event_id(),
        "webhook_event_type": event_type,
        "dispute_id": dispute.id,
        "merchant_reference": dispute.merchant_order_id,
    }
    state.webhooks.send(
        config.dispute_webhook_url,
        config.dispute_webhook_secret,
        config.dispute_signature_url_mode,
        payload,
        config.dispute_webhook_attempts,
        config.dispute_webhook_backoff_ms,
    )
    return True


def open_dispute(
    state: SandboxState,
    order_id: str,
    merchant_reference: str | None,
    captured: int,
    currency: str,
    transaction_date: datetime,
    reason: str,
    amount: int,
    note: str,
) -> Dispute:
    """Open a dispute on an order, keep it, and notify the merchant (``created``)."""
    dispute = Dispute(
        id=dispute_id(),
        order_id=order_id,
        # afterpay.md E9: the notification carries the merchant's reference; E10 shows the order id
        # in merchantOrderId when there is none.
        merchant_order_id=merchant_reference or order_id,
        amount=amount,
        currency=currency,
        captured=captured,
        reason=reason,
        created_at=state.clock.now(),
        transaction_date=transaction_date,
        opening_note=note,
    )
    state.disputes.add(dispute)
    notify(state, dispute, "created")
    return dispute


def accept(state: SandboxState, dispute: Dispute) -> bool:
    """The merchant accepts the dispute: it is lost (afterpay.md §7). False when already closed."""
    state.write_delay()
    with state.disputes.lock:
        if not dispute.open:
            return False
        dispute.status = "lost"
        dispute.closing_reason = "merchant_accepted"
        dispute.closing_note = "The merchant accepted the dispute."
        dispute.updated_at = state.clock.now()
    notify(state, dispute, "updated")
    return True


def submit_evidence(state: SandboxState, dispute: Dispute, evidence: dict[str, str]) -> bool:
    """Evidence is accepted once, while the dispute needs a response. False otherwise."""
    state.write_delay()
    with state.disputes.lock:
        if dispute.status != "needs_response":
            return False
        dispute.evidence = dict(evidence)
        dispute.status = "under_review"
        dispute.updated_at = state.clock.now()
    notify(state, dispute, "updated")
    return True
