"""Reading a Cin7 sale (``GET /sale``) into the sync's ``Cin7Sale`` snapshot."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.domain.gst_report import GstDocument
from app.domain.money import cents
from app.domain.reconcile import Cin7Row, Cin7SaleDetail
from app.domain.reverse import CreditNoteFacts, SaleFacts, ShippedLine, shipped_value
from app.domain.sync import CIN7_KEY, Cin7Document, Cin7Sale, header_digest, order_digests, owned_header

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
        number=_text(raw.get(number_key)),
        status=str(raw.get("Status") or ""),
        total=_decimal(raw.get("Total")),
        tax=_decimal(raw.get("Tax")),
        refunded=sum((_decimal(r.get("Amount")) for r in raw.get("Refunds") or []), Decimal(0)),
    )


def _text(value: Any) -> str | None:
    # Webhook payloads and some responses pad numbers ("CR-00001 "): compare trimmed text.
    return str(value).strip() if value is not None else None


def sale_snapshot(
    sale: Mapping[str, Any],
    *,
    cancellation_descriptions: frozenset[str],
    attribute_slots: Iterable[str],
    known_notes: Mapping[str, str] | None = None,
) -> Cin7Sale:
    """What Cin7 holds for one sale, in the sync's terms.

    Args:
        cancellation_descriptions: how the mapping names its cancellation charges, so they are
            told apart from the rest of the order.
        attribute_slots: the AdditionalAttribute slots the bridge writes.
        known_notes: the bridge's key of each credit note it wrote, by lower-case TaskID —
            found even when a person edited the memo that also carries it.
    """
    known = known_notes or {}
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
        if note.get("Status") not in _LIVE:
            continue
        # A credit note a person raised is kept under its task: a refund the bridge made for
        # it in Afterpay is matched to it by the refund's origin tag (app.domain.reverse).
        task = str(note.get("TaskID")).lower()
        key = known.get(task) or memo_key(note.get("Memo")) or f"{CIN7_KEY}{task}"
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


def _quantities(lines: Iterable[Mapping[str, Any]]) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for line in lines:
        sku = str(line.get("SKU") or line.get("ProductID") or "")
        found[sku] = found.get(sku, Decimal(0)) + _decimal(line.get("Quantity"))
    return found


def sale_facts(sale: Mapping[str, Any], *, cancellation_descriptions: frozenset[str] = frozenset()) -> SaleFacts:
    """What the reverse sync needs from a ``GET /sale`` answer (app.domain.reverse).

    Shipped quantities are the pack lines (else the pick lines) of every fulfilment whose
    shipment is AUTHORISED (cin7.md A10): Cin7 ships what was packed. The charges named in
    ``cancellation_descriptions`` are money Afterpay already voided.
    """
    order = sale.get("Order") or {}
    cancelled = -sum(
        (
            _decimal(charge.get("Total"))
            for charge in order.get("AdditionalCharges") or []
            if str(charge.get("Description")) in cancellation_descriptions
        ),
        Decimal(0),
    )
    ordered: dict[str, tuple[Decimal, Decimal]] = {}
    for line in order.get("Lines") or []:
        sku = str(line.get("SKU") or line.get("ProductID") or "")
        quantity, total = ordered.get(sku, (Decimal(0), Decimal(0)))
        ordered[sku] = (quantity + _decimal(line.get("Quantity")), total + _decimal(line.get("Total")))
    sent: dict[str, Decimal] = {}
    tasks: list[str] = []
    for fulfilment in sale.get("Fulfilments") or []:
        if (fulfilment.get("Ship") or {}).get("Status") != "AUTHORISED":
            continue
        tasks.append(str(fulfilment.get("TaskID")))
        pack = (fulfilment.get("Pack") or {}).get("Lines") or []
        pick = (fulfilment.get("Pick") or {}).get("Lines") or []
        for sku, quantity in _quantities(pack or pick).items():
            sent[sku] = sent.get(sku, Decimal(0)) + quantity
    lines = [ShippedLine(sku, q, sent.get(sku, Decimal(0)), total) for sku, (q, total) in ordered.items()]
    order_total = cents(_decimal(order.get("Total")))
    notes = tuple(
        CreditNoteFacts(
            task_id=str(note.get("TaskID")),
            number=_text(note.get("CreditNoteNumber")) or "",
            total=cents(_decimal(note.get("Total"))),
            bridge_key=memo_key(note.get("Memo")),
        )
        for note in sale.get("CreditNotes") or []
        if note.get("Status") in _LIVE
    )
    return SaleFacts(
        sale_id=str(sale["ID"]),
        external_id=_text(sale.get("ExternalID")) or None,
        voided=sale.get("Status") == "VOIDED",
        order_total=order_total,
        shipped=shipped_value(order_total, lines, cents(cancelled)) if tasks else Decimal("0.00"),
        shipment_tasks=tuple(tasks),
        credit_notes=notes,
    )


def reconcile_row(row: Mapping[str, Any]) -> Cin7Row:
    """A ``saleList`` row in the reconcile diff's terms (cin7.md A6)."""
    return Cin7Row(
        sale_id=str(row.get("SaleID")),
        order_number=_text(row.get("OrderNumber")),
        external_id=_text(row.get("ExternalID")) or None,
        status=str(row.get("Status") or ""),
        currency=str(row.get("CustomerCurrency") or row.get("BaseCurrency") or ""),
        invoice_amount=_decimal(row.get("InvoiceAmount")),
        paid_amount=_decimal(row.get("PaidAmount")),
    )


def sale_detail(sale: Mapping[str, Any]) -> Cin7SaleDetail:
    """The money on a ``GET /sale`` answer, for the reconcile diff's money checks."""
    invoices = [i for i in sale.get("Invoices") or [] if i.get("Status") in _LIVE]
    notes = [n for n in sale.get("CreditNotes") or [] if n.get("Status") in _LIVE]

    def total(items: Iterable[Mapping[str, Any]], key: str = "Total") -> Decimal:
        return cents(sum((_decimal(item.get(key)) for item in items), Decimal(0)))

    return Cin7SaleDetail(
        sale_id=str(sale["ID"]),
        order_total=cents(_decimal((sale.get("Order") or {}).get("Total"))),
        invoice_total=total(invoices) if invoices else None,
        payments=total((p for i in invoices for p in i.get("Payments") or []), "Amount"),
        refunds=total((r for n in notes for r in n.get("Refunds") or []), "Amount"),
        credit_notes=total(notes),
        cancellations=total(n for n in notes if (memo_key(n.get("Memo")) or "").startswith("cancel:")),
        order_number=_text((sale.get("Order") or {}).get("SaleOrderNumber")),
    )


def _cin7_instant(value: Any) -> datetime | None:
    # cin7.md A1: Cin7's dates are UTC, written with or without the Z.
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def gst_documents(sale: Mapping[str, Any], order_id: str) -> list[GstDocument]:
    """The live invoices and credit notes of a ``GET /sale`` answer, for the GST ledger."""
    sale_id = str(sale["ID"])
    currency = str(sale.get("CustomerCurrency") or sale.get("BaseCurrency") or "")
    found: list[GstDocument] = []
    for kind, items, number_key, date_key in (
        ("invoice", sale.get("Invoices") or [], "InvoiceNumber", "InvoiceDate"),
        ("credit_note", sale.get("CreditNotes") or [], "CreditNoteNumber", "CreditNoteDate"),
    ):
        for item in items:
            at = _cin7_instant(item.get(date_key))
            if item.get("Status") not in _LIVE or at is None:
                continue
            found.append(
                GstDocument(
                    order_id=order_id,
                    sale_id=sale_id,
                    task_id=str(item.get("TaskID")),
                    kind=kind,
                    number=_text(item.get(number_key)),
                    at=at,
                    total=cents(_decimal(item.get("Total"))),
                    tax=cents(_decimal(item.get("Tax"))),
                    currency=currency,
                )
            )
    return found
