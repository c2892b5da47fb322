"""Cin7 → Afterpay decisions: what a Cin7 sale's state asks of its Afterpay payment. Pure.

The reverse direction (DESIGN.md §4) is decided from *state*, never from the event that
announced it: each time anything happens to a sale, the bridge reads the whole sale and the
whole payment and asks ``reverse_plan`` what is still owed. So webhooks delivered twice, out
of order or days late all lead to the same writes, at most once each:

* **Shipped** (an authorised shipment) while Afterpay holds an open authorisation: capture the
  shipped value not yet captured (deferred capture).
* **Voided** while an authorisation is open: void what is still open.
* **Credit note authorised by a person** (one without the bridge's memo key): refund it,
  up to what Afterpay has captured and not refunded. A refund the bridge made for a credit
  note carries ``cin7:<credit note TaskID>`` as its ``refundMerchantReference`` (the origin
  tag), so a second look sees it done, and the forward sync never turns it back into a second
  credit note.

Every write carries a request key derived from the Cin7 facts behind it; the bridge turns it
into the Afterpay ``requestId``, so a retry of the same write replays instead of repeating.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.domain.afterpay import Payment
from app.domain.ledger import read_ledger
from app.domain.money import ZERO, cents

ORIGIN_PREFIX = "cin7:"
"""``refundMerchantReference`` prefix of refunds the bridge made for Cin7 credit notes."""


def origin_tag(credit_note_task: str) -> str:
    """The origin tag of the refund for Cin7 credit note ``credit_note_task``."""
    return f"{ORIGIN_PREFIX}{credit_note_task.lower()}"


def origin_of(refund_merchant_reference: str | None) -> str | None:
    """The Cin7 credit-note TaskID a refund was made for, or None for any other refund."""
    if refund_merchant_reference and refund_merchant_reference.startswith(ORIGIN_PREFIX):
        return refund_merchant_reference[len(ORIGIN_PREFIX) :].lower()
    return None


@dataclass(frozen=True)
class ShippedLine:
    """An order line, and how much of it authorised shipments have sent."""

    sku: str
    ordered: Decimal
    shipped: Decimal
    total: Decimal


def shipped_value(order_total: Decimal, lines: Sequence[ShippedLine], cancelled: Decimal = ZERO) -> Decimal:
    """The part of ``order_total`` that has shipped.

    Everything shipped is the whole order (charges such as shipping and discounts included).
    Otherwise it is the order less what has not shipped yet — the unshipped lines' value,
    of which Afterpay may already have voided ``cancelled`` (the mapping's cancellation
    charges, positive): goods Afterpay cancelled will never ship, so they must not hold back
    a capture. So the first shipment takes the charges with it, and the captures add up to
    the order total to the cent once the last box leaves.
    """
    if not lines or sum((line.total for line in lines), ZERO) <= 0:
        return ZERO
    unshipped = sum(
        (
            line.total * (line.ordered - min(line.shipped, line.ordered)) / line.ordered
            for line in lines
            if line.ordered > 0
        ),
        ZERO,
    )
    if unshipped <= 0:
        return cents(order_total)
    return cents(max(ZERO, order_total - max(ZERO, unshipped - cancelled)))


@dataclass(frozen=True)
class CreditNoteFacts:
    """An authorised credit note on the sale."""

    task_id: str
    number: str
    total: Decimal
    bridge_key: str | None
    """The key in the bridge's memo (the bridge wrote it from an Afterpay refund), or None."""


@dataclass(frozen=True)
class SaleFacts:
    """What the reverse sync needs to know about one Cin7 sale."""

    sale_id: str
    external_id: str | None
    voided: bool
    order_total: Decimal
    shipped: Decimal
    """Value of what authorised shipments sent (``shipped_value``)."""
    shipment_tasks: tuple[str, ...]
    credit_notes: tuple[CreditNoteFacts, ...]


@dataclass(frozen=True)
class CaptureShipped:
    """Deferred capture of ``amount`` (the shipped value Afterpay has not captured yet)."""

    amount: Decimal
    request_key: str
    name = "capture"


@dataclass(frozen=True)
class VoidOpen:
    """Void the open authorisation (``amount`` is what is open now, for the record)."""

    amount: Decimal
    request_key: str
    name = "void"


@dataclass(frozen=True)
class RefundCreditNote:
    """Refund ``amount`` for the Cin7 credit note ``task_id`` (number ``number``)."""

    task_id: str
    number: str
    amount: Decimal
    request_key: str
    name = "refund"


@dataclass(frozen=True)
class CannotMirror:
    """Something in Cin7 Afterpay cannot follow; a person is told (a note on the sale, an alert)."""

    reason: str
    name = "cannot-mirror"


ReverseAction = CaptureShipped | VoidOpen | RefundCreditNote | CannotMirror


def refunded_notes(payment: Payment) -> frozenset[str]:
    """TaskIDs of the Cin7 credit notes Afterpay already holds a refund for (by origin tag)."""
    return frozenset(
        origin for origin in (origin_of(r.refund_merchant_reference) for r in payment.refunds) if origin is not None
    )


def reverse_plan(
    payment: Payment, sale: SaleFacts, *, bridge_notes: Iterable[str] = (), refused: Collection[str] = ()
) -> list[ReverseAction]:
    """The Afterpay writes that make ``payment`` follow what Cin7 ``sale`` shows.

    Args:
        bridge_notes: TaskIDs of credit notes the bridge knows it wrote itself, ignored even
            if a person edited their memo.
        refused: request keys Afterpay refused for good: not asked again, and not counted on
            (a refused capture makes no room for a refund).
    """
    ledger = read_ledger(payment)
    ours = {task.lower() for task in bridge_notes}
    actions: list[ReverseAction] = []
    if sale.voided:
        void = VoidOpen(ledger.open, f"void:{sale.sale_id.lower()}")
        return [void] if ledger.open > 0 and void.request_key not in refused else []

    captured = ledger.captured
    due = min(ledger.open, sale.shipped - captured)
    if due > 0:
        tasks = ",".join(sorted(t.lower() for t in sale.shipment_tasks))
        capture = CaptureShipped(due, f"capture:{sale.sale_id.lower()}:{tasks}:{due}")
        if capture.request_key not in refused:
            actions.append(capture)
            captured += due

    refundable = captured - ledger.refunded
    done = refunded_notes(payment)
    for note in sale.credit_notes:
        task = note.task_id.lower()
        if note.bridge_key is not None or task in ours or task in done or note.total <= 0:
            continue
        amount = min(note.total, refundable)
        refund = RefundCreditNote(note.task_id, note.number, amount, f"refund:{task}:{amount}")
        if amount > 0 and refund.request_key not in refused:
            actions.append(refund)
            refundable -= amount
        elif amount > 0:
            amount = ZERO
        if amount < note.total:
            actions.append(
                CannotMirror(
                    f"credit note {note.number} is for {note.total} but Afterpay can refund only {amount} more"
                    f" of order {payment.id} (captured {ledger.captured}, refunded {ledger.refunded});"
                    " the rest was not refunded"
                )
            )
    return actions
