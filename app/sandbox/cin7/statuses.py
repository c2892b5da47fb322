"""The sale status machine of cin7.md A5, computed from the documents after every change.

Nothing here is stored: ``sale_statuses`` derives every status and amount from the quote, order,
fulfilment, invoice, credit note and payments, so they can never disagree with each other.

Choices where the blueprint is silent (docs/sandbox-cin7.md "Choices"):

* Invoiced and fully paid but not shipped: the fulfilment-stage status (ORDERED, BACKORDERED,
  PICKED, …), as in the blueprint's own saleList example (cin7.md D1: Status ORDERED with
  CombinedInvoiceStatus INVOICED and CombinedPaymentStatus PAID).
* Shipped but not invoiced: ``SHIPPED`` (the A5 table has no row for it).
* Credit note authorised with nothing left to settle: COMPLETED if shipped, else CREDITED.
* Several credit notes (cin7.md A5 "Advanced sale"): InvoiceAmount is the invoice less every
  AUTHORISED credit note, PaidAmount the payments less every refund. ``CreditNoteStatus`` is
  AUTHORISED when every credit note is, DRAFT while one is still a draft; the sale counts as
  credited (CREDITED, ``INVOICED / CREDITED``) as soon as one is authorised.
* ``NOT REFUNDED`` means money is owed back: a credit note is authorised and PaidAmount exceeds
  InvoiceAmount. A credit note that cancels an unpaid amount (no refund) leaves the sale balanced.
* CombinedInvoiceStatus uses the values seen in the examples: NOT AVAILABLE, NOT INVOICED,
  INVOICED, INVOICED / CREDITED, VOIDED (cin7.md A5 says to keep it a free string).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.sandbox.cin7.models import AUTHORISED, DRAFT, NOT_AVAILABLE, PAID, VOIDED, CreditNote, Document, Sale
from app.sandbox.cin7.money import ZERO, Totals, document_totals


@dataclass(frozen=True)
class SaleStatuses:
    """Everything ``/saleList`` and ``/sale`` report about where a sale stands."""

    status: str
    quote: str
    order: str
    invoice: str
    credit_note: str
    picking: str
    packing: str
    shipping: str
    fulfilment: str
    combined_invoice: str
    combined_payment: str
    invoice_amount: Decimal
    paid_amount: Decimal


def totals(sale: Sale, document: Document) -> Totals:
    """TotalBeforeTax, Tax and Total of one of the sale's documents."""
    return document_totals(document.amounts(), inclusive=sale.tax_inclusive)


def invoice_paid(sale: Sale) -> Decimal:
    """What has been paid against the invoice: payments plus prepayments (applied to it)."""
    return sum((p.amount for p in sale.payments if p.kind in ("PAYMENT", "PREPAYMENT")), ZERO)


def refunded(sale: Sale, note: CreditNote | None = None) -> Decimal:
    """What has been refunded: against one credit note, or against all of them."""
    refunds = sale.payments_of("REFUND") if note is None else sale.refunds_of(note)
    return sum((p.amount for p in refunds), ZERO)


def credited_total(sale: Sale) -> Decimal:
    """The total of the sale's AUTHORISED credit notes."""
    return sum((totals(sale, n).total for n in sale.authorised_credit_notes), ZERO)


def credit_note_status(sale: Sale) -> str:
    """CreditNoteStatus: NOT AVAILABLE without credit notes, AUTHORISED once all are, else DRAFT."""
    if not sale.credit_notes:
        return NOT_AVAILABLE
    states = {n.status for n in sale.credit_notes}
    if states == {AUTHORISED}:
        return AUTHORISED
    return VOIDED if VOIDED in states else DRAFT


def invoice_status(sale: Sale) -> str:
    """The invoice's status: PAID once payments cover an authorised invoice (cin7.md A5)."""
    invoice = sale.invoice
    if invoice is None:
        return NOT_AVAILABLE
    if invoice.status == AUTHORISED:
        total = totals(sale, invoice).total
        if total > 0 and invoice_paid(sale) >= total:
            return PAID
    return invoice.status


def sale_statuses(sale: Sale) -> SaleStatuses:
    """Derive every status of ``sale``."""
    invoice = invoice_status(sale)
    credit = credit_note_status(sale)
    invoiced = invoice in (AUTHORISED, PAID)
    credited = bool(sale.authorised_credit_notes)
    invoice_total = totals(sale, sale.invoice).total if sale.invoice and invoiced else ZERO
    credit_total = credited_total(sale)
    # cin7.md A6: InvoiceAmount = invoices - credit notes; PaidAmount = paid - refunded.
    invoice_amount = invoice_total - credit_total
    paid_amount = invoice_paid(sale) - refunded(sale)

    if sale.voided:
        return SaleStatuses(
            status=VOIDED,
            quote=sale.quote.status,
            order=sale.order.status,
            invoice=VOIDED,
            credit_note=VOIDED,
            picking=VOIDED,
            packing=VOIDED,
            shipping=VOIDED,
            fulfilment=VOIDED,
            combined_invoice=VOIDED,
            combined_payment=VOIDED,
            invoice_amount=invoice_amount,
            paid_amount=paid_amount,
        )

    ordered = sale.order.status == AUTHORISED
    fulfilment = sale.fulfilment
    pick = fulfilment.pick_status if fulfilment else NOT_AVAILABLE
    pack = fulfilment.pack_status if fulfilment else NOT_AVAILABLE
    ship = fulfilment.ship_status if fulfilment else NOT_AVAILABLE
    picking = _combined(ordered, pick, "PICKED", "PICKING", "NOT PICKED")
    packing = _combined(ordered, pack, "PACKED", "PACKING", "NOT PACKED")
    shipping = _combined(ordered, ship, "SHIPPED", "SHIPPING", "NOT SHIPPED")
    fulfilled = ("FULFILLED" if ship == AUTHORISED else "NOT FULFILLED") if ordered else NOT_AVAILABLE

    if invoiced:
        combined_invoice = "INVOICED / CREDITED" if credited else "INVOICED"
    else:
        combined_invoice = "NOT INVOICED" if ordered else NOT_AVAILABLE

    balance = invoice_amount - paid_amount
    if credited and balance < 0:
        # More has been paid than the credited invoice asks for: a refund is due.
        combined_payment = "NOT REFUNDED"
    elif invoiced:
        if paid_amount <= 0 < invoice_amount:
            combined_payment = "UNPAID"
        elif balance <= 0:
            combined_payment = "PAID"
        else:
            combined_payment = "PARTIALLY PAID"
    else:
        combined_payment = "PREPAID" if sale.payments_of("PREPAYMENT") else "UNPAID"

    return SaleStatuses(
        status=_sale_status(sale, ordered, pick, pack, ship, invoice, invoiced, credited, balance),
        quote=sale.quote.status,
        order=sale.order.status,
        invoice=invoice,
        credit_note=credit,
        picking=picking,
        packing=packing,
        shipping=shipping,
        fulfilment=fulfilled,
        combined_invoice=combined_invoice,
        combined_payment=combined_payment,
        invoice_amount=invoice_amount,
        paid_amount=paid_amount,
    )


def _combined(ordered: bool, stage: str, done: str, doing: str, waiting: str) -> str:
    if not ordered:
        return NOT_AVAILABLE
    if stage == AUTHORISED:
        return done
    if stage == DRAFT:
        return doing
    return waiting


def _sale_status(
    sale: Sale,
    ordered: bool,
    pick: str,
    pack: str,
    ship: str,
    invoice: str,
    invoiced: bool,
    credited: bool,
    balance: Decimal,
) -> str:
    # cin7.md A5 "Sale status" table, read top to bottom as the sale moves forward.
    if not ordered:
        if sale.order.status == DRAFT:
            return "ORDERING"
        if sale.quote.status == DRAFT:
            return "ESTIMATING"
        if sale.quote.status == AUTHORISED or sale.skip_quote:
            return "ESTIMATED"
        return "DRAFT"
    shipped = ship == AUTHORISED
    stage = _stage(sale, pick, pack, ship)
    if credited:
        return "COMPLETED" if balance == 0 and shipped else "CREDITED"
    if invoiced:
        if balance != 0:
            return "INVOICED"
        return "COMPLETED" if shipped else stage
    if invoice == DRAFT:
        return "INVOICING"
    return stage


def _stage(sale: Sale, pick: str, pack: str, ship: str) -> str:
    if ship == AUTHORISED:
        return "SHIPPED"
    if ship == DRAFT:
        return "SHIPPING"
    if pack == AUTHORISED:
        return "PACKED"
    if pack == DRAFT:
        return "PACKING"
    if pick == AUTHORISED:
        return "PICKED"
    if pick == DRAFT:
        return "PICKING"
    return "BACKORDERED" if sale.backordered else "ORDERED"
