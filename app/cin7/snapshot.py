"""Reading a Cin7 sale (``GET /sale``) into the sync's ``Cin7Sale`` snapshot."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from app.domain.sync import Cin7Document, Cin7Sale, header_digest, order_digests, owned_header

_MEMO_KEY = re.compile(r"\bbridge:((?:refund|cancel):\S+)")
_SHIPPED = frozenset({"SHIPPED", "PARTIALLY SHIPPED"})
_LIVE = frozenset({"AUTHORISED", "PAID"})


def credit_note_memo(key: str, text: str) -> str:
    """The Memo the bridge writes on its credit notes: a human sentence plus the key it is found by."""
    return f"{text} [bridge:{key}]"


def memo_key(memo: str | None) -> str | None:
    """The bridge's key in a credit note's Memo, or None for a credit note a person raised."""
    match = _MEMO_KEY.search(memo or "")
    return match.group(1).rstrip("]") if match else None


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def _document(raw: Mapping[str, Any], number_key: str) -> Cin7Document:
    return Cin7Document(
        task_id=str(raw.get("TaskID")),
        number=raw.get(number_key),
        status=str(raw.get("Status") or ""),
        total=_decimal(raw.get("Total")),
        tax=_decimal(raw.get("Tax")),
    )


def sale_snapshot(
    sale: Mapping[str, Any], *, cancellation_descriptions: frozenset[str], attribute_slots: Iterable[str]
) -> Cin7Sale:
    """What Cin7 holds for one sale, in the sync's terms.

    Args:
        cancellation_descriptions: how the mapping names its cancellation charges, so they are
            told apart from the rest of the order.
        attribute_slots: the AdditionalAttribute slots the bridge writes.
    """
    order = sale.get("Order") or {}
    full, base, cancelled = order_digests(
        str(order.get("Status") or "NOT AVAILABLE"),
        order.get("Lines") or [],
        order.get("AdditionalCharges") or [],
        cancellation_descriptions,
    )
    invoices = [i for i in sale.get("Invoices") or [] if i.get("Status") in _LIVE]
    # An invoice's Payments are its PAYMENT lines; the line model carries no Type (cin7.md A10).
    payment_refs = {
        str(p.get("Reference")) for invoice in sale.get("Invoices") or [] for p in invoice.get("Payments") or []
    }
    notes: dict[str, Cin7Document] = {}
    refund_refs: set[str] = set()
    for note in sale.get("CreditNotes") or []:
        refund_refs.update(str(r.get("Reference")) for r in note.get("Refunds") or [])
        key = memo_key(note.get("Memo"))
        if key is not None and note.get("Status") in _LIVE:
            notes[key] = _document(note, "CreditNoteNumber")
    return Cin7Sale(
        sale_id=str(sale["ID"]),
        order_number=order.get("SaleOrderNumber"),
        voided=sale.get("Status") == "VOIDED",
        shipped=sale.get("CombinedShippingStatus") in _SHIPPED,
        currency_rate=_decimal(sale.get("CurrencyRate") or 1),
        order_status=str(order.get("Status") or "NOT AVAILABLE"),
        order_digest=full,
        order_base_digest=base,
        order_cancelled=cancelled,
        invoice=_document(invoices[0], "InvoiceNumber") if invoices else None,
        payment_refs=frozenset(payment_refs),
        credit_notes=notes,
        refund_refs=frozenset(refund_refs),
        header_digest=header_digest(owned_header(sale), attribute_slots),
    )
