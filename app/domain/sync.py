"""Sync decisions: what Cin7 holds for an order, and the next writes that make it match.

The per-order sync is a loop: ``plan(mapped, snapshot)`` returns the writes still needed,
the saga carries out the first, records the new snapshot (its checkpoint), and plans again
— so a crash between any two writes resumes from the last recorded one, and nothing is
ever written twice. ``Cin7Sale`` is both the checkpoint the bridge keeps in Redis and what
it reads back from Cin7 when it cannot trust its checkpoint. Pure: no I/O.

The rules (DESIGN.md §3.2, §4, §5; cin7.md A5-A12):

* No sale yet: create one (header), unless there is nothing to create (voided, expired,
  declined, or excluded by the merchant's rules).
* Afterpay voided or expired the whole order: void the Cin7 sale, unless it shipped (then a
  person must decide).
* Before the invoice exists the order may be rewritten (undo first if it was authorised);
  after it exists the order is frozen: money cancelled later becomes a credit note with no
  refund, and any other change needs a person.
* Invoice once something is captured; one PAYMENT per capture, one credit note + REFUND per
  real refund, all deduplicated on their natural keys.
* The header fields Afterpay owns (CustomerReference, the configured AdditionalAttributes,
  the Note) are brought up to date; everything else on the sale (contact, addresses,
  fulfilment) is Cin7's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from app.domain.cin7_documents import AdditionalCharge, ChargeKind, CreditNote, MappedOrder, SaleOrder, SalePayment
from app.domain.ledger import OrderState
from app.domain.money import ZERO, cents

EMPTY_TASK = "00000000-0000-0000-0000-000000000000"
"""cin7.md A11: a credit note POSTed with this TaskID becomes a new credit-note task."""

REFUND_KEY = "refund:"
CANCEL_KEY = "cancel:"
CIN7_KEY = "cin7:"
"""Key of a credit note raised in Cin7 by a person: ``cin7:<TaskID>`` (lower case)."""


@dataclass(frozen=True)
class Cin7Document:
    """An invoice or credit note as far as the sync cares: its task, number, status, money."""

    task_id: str
    number: str | None
    status: str
    total: Decimal
    tax: Decimal = ZERO
    refunded: Decimal = ZERO
    """REFUND payments against the credit note (credit notes only)."""


@dataclass(frozen=True)
class Cin7Sale:
    """What Cin7 holds for one order — the sync's checkpoint, or what it read back from Cin7.

    Attributes:
        order_digest: digest of the order's status, lines and charges (``order_digest``).
        order_base_digest: the same without cancellation charges (the invoiced part).
        order_cancelled: the money the order's cancellation charges take off (positive).
        credit_notes: authorised credit notes by the bridge's key (``refund:<id>``,
            ``cancel:<amount>``), or ``cin7:<TaskID>`` for those a person raised in Cin7.
        refund_refs: references of REFUND payments present.
        header_digest: digest of the header fields Afterpay owns.
    """

    sale_id: str
    order_number: str | None = None
    voided: bool = False
    shipped: bool = False
    currency_rate: Decimal = Decimal(1)
    order_status: str = "NOT AVAILABLE"
    order_digest: str | None = None
    order_base_digest: str | None = None
    order_cancelled: Decimal = ZERO
    invoice: Cin7Document | None = None
    payment_refs: frozenset[str] = frozenset()
    credit_notes: Mapping[str, Cin7Document] = field(default_factory=dict)
    refund_refs: frozenset[str] = frozenset()
    header_digest: str | None = None

    @property
    def cancellations_credited(self) -> Decimal:
        """Money taken off by cancellation credit notes (cancellations after invoicing)."""
        return sum((d.total for k, d in self.credit_notes.items() if k.startswith(CANCEL_KEY)), ZERO)

    def to_json(self) -> str:
        """The checkpoint as JSON text (Decimals as strings, sets as sorted lists)."""
        data = asdict(self)
        data["payment_refs"] = sorted(self.payment_refs)
        data["refund_refs"] = sorted(self.refund_refs)
        return json.dumps(data, default=str, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Cin7Sale:
        """The checkpoint back from ``to_json``."""
        data = json.loads(text)

        def document(raw: Mapping[str, Any] | None) -> Cin7Document | None:
            if raw is None:
                return None
            return Cin7Document(
                task_id=raw["task_id"],
                number=raw["number"],
                status=raw["status"],
                total=Decimal(raw["total"]),
                tax=Decimal(raw["tax"]),
                refunded=Decimal(raw.get("refunded", "0")),
            )

        notes = {key: document(raw) for key, raw in data["credit_notes"].items()}
        return cls(
            sale_id=data["sale_id"],
            order_number=data["order_number"],
            voided=data["voided"],
            shipped=data["shipped"],
            currency_rate=Decimal(data["currency_rate"]),
            order_status=data["order_status"],
            order_digest=data["order_digest"],
            order_base_digest=data["order_base_digest"],
            order_cancelled=Decimal(data["order_cancelled"]),
            invoice=document(data["invoice"]),
            payment_refs=frozenset(data["payment_refs"]),
            credit_notes={k: v for k, v in notes.items() if v is not None},
            refund_refs=frozenset(data["refund_refs"]),
            header_digest=data["header_digest"],
        )


# -- digests ------------------------------------------------------------------------------


def _digest(parts: Iterable[Any]) -> str:
    text = json.dumps(list(parts), default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _n(value: Any, places: str) -> str:
    # Cin7 may echo 8 as 8, 8.0 or 8.0000: compare numbers, not spellings.
    return str(Decimal(str(value)).quantize(Decimal(places)))


def line_key(line: Mapping[str, Any]) -> tuple[str, ...]:
    """The comparable content of an order line (as sent to, or read from, Cin7)."""
    return (
        str(line.get("SKU") or ""),
        _n(line.get("Quantity") or 0, "0.0001"),
        _n(line.get("Price") or 0, "0.0001"),
        _n(line.get("Discount") or 0, "0.01"),
        _n(line.get("Tax") or 0, "0.01"),
        _n(line.get("Total") or 0, "0.01"),
    )


def charge_key(charge: Mapping[str, Any]) -> tuple[str, ...]:
    """The comparable content of an additional charge."""
    return (
        str(charge.get("Description") or ""),
        _n(charge.get("Quantity") or 0, "0.0001"),
        _n(charge.get("Price") or 0, "0.0001"),
        _n(charge.get("Discount") or 0, "0.01"),
        _n(charge.get("Tax") or 0, "0.01"),
        _n(charge.get("Total") or 0, "0.01"),
    )


def order_digests(status: str, lines: Iterable[Mapping[str, Any]], charges: Iterable[Mapping[str, Any]],
                  cancellation_descriptions: frozenset[str]) -> tuple[str, str, Decimal]:  # fmt: skip
    """(full digest, digest without cancellation charges, money cancelled) of an order."""
    line_keys = [line_key(line) for line in lines]
    charge_list = list(charges)
    base = [charge_key(c) for c in charge_list if str(c.get("Description")) not in cancellation_descriptions]
    cancels = [c for c in charge_list if str(c.get("Description")) in cancellation_descriptions]
    cancelled = -sum((Decimal(str(c.get("Total") or 0)) for c in cancels), ZERO)
    full = [charge_key(c) for c in charge_list]
    return _digest([status, line_keys, full]), _digest([line_keys, base]), cents(cancelled)


def desired_order_digests(order: SaleOrder) -> tuple[str, str, Decimal]:
    """``order_digests`` of the order the mapping wants."""
    body = order.to_dict()
    return order_digests(body["Status"], body["Lines"], body["AdditionalCharges"], cancellation_descriptions(order))


def cancellation_descriptions(order: SaleOrder) -> frozenset[str]:
    """Descriptions of the order's cancellation charges (how they are recognised in Cin7)."""
    return frozenset(c.description for c in order.additional_charges if c.kind is ChargeKind.CANCELLED)


HEADER_FIELDS = ("CustomerReference", "AdditionalAttributes", "Note")
"""The sale header fields Afterpay owns (DESIGN.md §4 field ownership); the rest is Cin7's."""


def owned_header(sale_body: Mapping[str, Any]) -> dict[str, Any]:
    """The Afterpay-owned part of a POST /sale body (or of a sale read from Cin7)."""
    attributes = sale_body.get("AdditionalAttributes") or {}
    return {
        "CustomerReference": sale_body.get("CustomerReference") or "",
        "AdditionalAttributes": {k: v for k, v in sorted(attributes.items()) if v},
        "Note": sale_body.get("Note") or "",
    }


NOTE_LIMIT = 1024
"""cin7.md A7: the sale ``Note`` is at most 1024 characters."""


def note_with_messages(note: str, messages: Iterable[str], limit: int = NOTE_LIMIT) -> str:
    """The sale Note: the mapping's text, then Afterpay's answers to the bridge's writes
    (newest last), dropping the oldest answers when the whole would not fit in ``limit``."""
    kept = list(messages)
    while kept:
        text = "\n".join([note, *kept])
        if len(text) <= limit:
            return text
        kept.pop(0)
    return note[:limit]


def header_digest(owned: Mapping[str, Any], slots: Iterable[str]) -> str:
    """Digest of the owned header, looking only at the attribute slots the bridge writes."""
    wanted = set(slots)
    attributes = {k: v for k, v in owned["AdditionalAttributes"].items() if k in wanted}
    return _digest([owned["CustomerReference"], sorted(attributes.items()), owned["Note"]])


# -- actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateSale:
    """POST /sale (the customer is resolved by the saga first)."""

    name = "header"


@dataclass(frozen=True)
class SaveOrder:
    """POST /sale/order, after an undo when the order is authorised and must change."""

    undo_first: bool
    name = "order"


@dataclass(frozen=True)
class SaveInvoice:
    """POST /sale/invoice with the order's lines."""

    name = "invoice"


@dataclass(frozen=True)
class AddPayment:
    """POST /sale/payment PAYMENT for one capture."""

    payment: SalePayment
    name = "payment"


@dataclass(frozen=True)
class AddCreditNote:
    """POST /sale/creditnote (a new task) for a refund or a cancellation after invoicing."""

    key: str
    note: CreditNote
    name = "creditnote"


@dataclass(frozen=True)
class AddRefund:
    """POST /sale/payment REFUND against the credit note ``key``."""

    key: str
    refund: SalePayment
    name = "refund"


@dataclass(frozen=True)
class UpdateHeader:
    """PUT /sale with the Afterpay-owned header fields."""

    name = "header-update"


@dataclass(frozen=True)
class VoidSale:
    """DELETE /sale?Void=true."""

    name = "void"


@dataclass(frozen=True)
class NeedsPerson:
    """Something the sync must not decide alone; the saga alerts and stops for this order."""

    reason: str
    name = "needs-person"


Action = (
    CreateSale
    | SaveOrder
    | SaveInvoice
    | AddPayment
    | AddCreditNote
    | AddRefund
    | UpdateHeader
    | VoidSale
    | NeedsPerson
)


def _cancellation_note(mapped: MappedOrder, amount: Decimal, tax: Decimal, when: Any) -> CreditNote:
    charge = AdditionalCharge(
        description="Cancelled after invoicing (Afterpay void)",
        price=amount,
        tax=tax,
        tax_rule=mapped.sale.tax_rule,
        total=amount,
        kind=ChargeKind.CANCELLED,
    )
    return CreditNote(
        reference="cancellation", date=when, additional_charges=(charge,), total=amount, tax=tax, refunds=()
    )


def plan(mapped: MappedOrder, snapshot: Cin7Sale | None, *, attribute_slots: Iterable[str]) -> list[Action]:
    """The writes still needed for Cin7 to match ``mapped``, in the order they must happen."""
    nothing_captured = mapped.totals.captured == 0
    if snapshot is None:
        if mapped.skip_reason or mapped.state in (OrderState.DECLINED, OrderState.VOIDED, OrderState.EXPIRED):
            return []
        return [CreateSale()]
    if snapshot.voided:
        if mapped.state in (OrderState.VOIDED, OrderState.EXPIRED):
            return []
        return [NeedsPerson(f"the Cin7 sale is voided but Afterpay shows the order {mapped.state.value}")]
    if mapped.state in (OrderState.VOIDED, OrderState.EXPIRED) and nothing_captured:
        if snapshot.shipped:
            return [NeedsPerson(f"Afterpay {mapped.state.value} the order but Cin7 has shipped it")]
        return [VoidSale()]

    actions: list[Action] = []
    full, base, cancelled = desired_order_digests(mapped.order)
    if snapshot.invoice is None:
        if snapshot.order_digest != full:
            actions.append(SaveOrder(undo_first=snapshot.order_status == "AUTHORISED"))
    else:
        if snapshot.order_base_digest != base:
            return [NeedsPerson("the order's lines changed in Afterpay after Cin7 invoiced it")]
        already = snapshot.order_cancelled + snapshot.cancellations_credited
        if cancelled > already:
            cancel_charges = [c for c in mapped.order.additional_charges if c.kind is ChargeKind.CANCELLED]
            cancel_tax = -sum((c.tax for c in cancel_charges), ZERO)
            share = cancelled - already
            tax = cents(cancel_tax * share / cancelled) if cancelled else ZERO
            key = f"{CANCEL_KEY}{cancelled}"
            if key not in snapshot.credit_notes:
                invoice = mapped.invoice
                when = invoice.invoice_date if invoice is not None else mapped.sale.sale_order_date
                actions.append(AddCreditNote(key, _cancellation_note(mapped, share, tax, when)))

    if mapped.invoice is not None and snapshot.invoice is None:
        actions.append(SaveInvoice())
    actions.extend(AddPayment(p) for p in mapped.payments if p.reference not in snapshot.payment_refs)
    for note in mapped.credit_notes:
        key = f"{REFUND_KEY}{note.reference}"
        mirrored = f"{CIN7_KEY}{note.origin}" if note.origin else None
        if key not in snapshot.credit_notes and mirrored in snapshot.credit_notes:
            # Afterpay's refund was made by the bridge for a credit note a person raised in
            # Cin7: that note is the refund's credit note (no echo). Record the REFUND on it,
            # unless the person already did.
            assert mirrored is not None
            if snapshot.credit_notes[mirrored].refunded == 0:
                actions.extend(AddRefund(mirrored, r) for r in note.refunds if r.reference not in snapshot.refund_refs)
        elif key not in snapshot.credit_notes:
            actions.append(AddCreditNote(key, note))
        else:
            actions.extend(AddRefund(key, r) for r in note.refunds if r.reference not in snapshot.refund_refs)
    wanted_header = header_digest(owned_header(mapped.sale.to_dict()), attribute_slots)
    if snapshot.header_digest != wanted_header:
        actions.append(UpdateHeader())
    return actions


def expected_cin7_amounts(mapped: MappedOrder) -> tuple[Decimal, Decimal]:
    """(InvoiceAmount, PaidAmount) Cin7's sale list should show once the order is synced:
    invoiced less credited (refunds and later cancellations), and paid less refunded."""
    totals = mapped.totals
    invoiced = totals.total - totals.refunded if mapped.invoice is not None else ZERO
    return cents(invoiced), cents(totals.captured - totals.refunded)
