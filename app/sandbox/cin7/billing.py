"""Invoice, credit note and payments of a simple sale (cin7.md A9, A10, A11).

* ``POST /sale/invoice`` needs the order AUTHORISED and the invoice still DRAFT or NOT AVAILABLE.
  On a simple sale the invoice's ``TaskID`` is the sale ID (cin7.md A9, UNVERIFIED but universal
  integrator practice). ``Lines`` or ``AdditionalCharges`` left out are copied from the order
  (UNVERIFIED, cin7.md "Unverified" item 3); revenue ``Account`` defaults to the sale's
  DefaultAccount. ``PUT`` authorises a draft (``{SaleID, TaskID, Status: "AUTHORISED"}``).
* ``POST /sale/creditnote`` needs the invoice AUTHORISED or PAID. A sale has a list of credit-note
  tasks, oldest first ([APIB] L24383-L24390): ``TaskID`` = the sale ID writes the first one
  (created if missing); the empty GUID creates a new one, whose task ID is the sale ID if it is
  the first, else a fresh GUID, and then the sale becomes an Advanced Sale (cin7.md A5: a second
  document of a kind converts a simple sale, as a second fulfilment does; UNVERIFIED for credit
  notes); the task ID of an existing credit note overwrites it while it is DRAFT. Each has its own
  CR- number. Restock lines put shipped goods back on hand when that credit note is authorised.
* ``POST /sale/payment``: PAYMENT needs an authorised invoice, REFUND an authorised credit note
  (its ``TaskID`` names the credit-note task), PREPAYMENT an authorised quote with order and
  invoice not yet authorised ([APIB] L24574-L24578); the amount may not exceed what is
  outstanding (for a refund: on that credit note). The invoice becomes PAID when fully paid.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from app.sandbox.cin7 import payloads, stock
from app.sandbox.cin7.errors import NotFoundError, RuleError, ValidationError
from app.sandbox.cin7.lines import LineReader
from app.sandbox.cin7.models import (
    AUTHORISED,
    PAID,
    Charge,
    CreditNote,
    Invoice,
    Line,
    Payment,
    RestockLine,
    Sale,
)
from app.sandbox.cin7.money import ZERO
from app.sandbox.cin7.ordering import EDITABLE, post_status, sale_for_write
from app.sandbox.cin7.payloads import Event
from app.sandbox.cin7.statuses import invoice_status, totals
from app.sandbox.cin7.store import Cin7Store, new_id
from app.sandbox.cin7.wire import EMPTY_GUID, Fields

PAYMENT_KINDS = ("PAYMENT", "PREPAYMENT", "REFUND")


def _task_is_sale(body: Fields, sale: Sale, what: str) -> None:
    task_id = body.required_guid("TaskID")
    if task_id == EMPTY_GUID:
        if sale.advanced:
            raise ValidationError(
                f"TaskID {EMPTY_GUID} creates an additional {what} task: the sandbox simulates several credit "
                f"notes per sale, but one {what}, whose TaskID is the SaleID."
            )
        raise ValidationError(
            f"TaskID {EMPTY_GUID} creates an additional {what} task, which only Advanced sales have: "
            f"on a simple sale the {what} TaskID is the SaleID."
        )
    if task_id != sale.id:
        where = "in the sandbox" if sale.advanced else "on a simple sale"
        raise ValidationError(f"{what.capitalize()} task {task_id} not found: {where} it is the SaleID.")


def _copied_lines(sale: Sale) -> list[Line]:
    copies = []
    for item in sale.order.lines:
        duplicate = copy.copy(item)
        duplicate.account = sale.default_account
        duplicate.backorder_quantity = ZERO
        copies.append(duplicate)
    return copies


def _copied_charges(sale: Sale) -> list[Charge]:
    copies = []
    for item in sale.order.charges:
        duplicate = copy.copy(item)
        duplicate.account = sale.default_account
        copies.append(duplicate)
    return copies


def post_invoice(store: Cin7Store, body: Fields, *, tax_validation: str) -> tuple[Sale, list[Event]]:
    """POST /sale/invoice."""
    sale = sale_for_write(store, body)
    if sale.order.status != AUTHORISED:
        raise RuleError("Order is not authorised: authorise the order before creating the invoice.")
    if sale.invoice is not None and invoice_status(sale) not in EDITABLE:
        raise RuleError(
            f"Invoice status is {invoice_status(sale)}: only a DRAFT or NOT AVAILABLE invoice can be posted."
        )
    _task_is_sale(body, sale, "invoice")
    status = post_status(body)
    invoice_date = body.datetime("InvoiceDate", required=True)
    due_date = body.datetime("InvoiceDueDate", required=True)
    reader = LineReader(store, sale, tax_validation=tax_validation, with_account=True)
    items = body.objects("Lines")
    charge_items = body.objects("AdditionalCharges")
    lines = reader.lines(items) if items is not None else _copied_lines(sale)
    charges = reader.charges(charge_items) if charge_items is not None else _copied_charges(sale)
    if status == AUTHORISED and not lines and not charges:
        raise ValidationError("The invoice has no lines: send Lines or AdditionalCharges to authorise it.")
    rate = body.decimal("CurrencyConversionRate", places=4)
    display = sale.billing_address.display_lines() if sale.billing_address else (None, None)
    invoice = sale.invoice or Invoice(task_id=sale.id)
    invoice.lines, invoice.charges = lines, charges
    invoice.status = status
    invoice.memo = body.text("Memo", max_length=1024) or ""
    invoice.combine_additional_charges = body.boolean("CombineAdditionalCharges")
    invoice.invoice_date, invoice.due_date = invoice_date, due_date
    invoice.conversion_rate = rate if rate is not None else sale.currency_rate
    invoice.billing_line1 = body.text("BillingAddressLine1", max_length=256) or display[0]
    invoice.billing_line2 = body.text("BillingAddressLine2", max_length=256) or display[1]
    if not invoice.number:
        invoice.number = store.next_number("INV")
    sale.invoice = invoice
    store.touch(sale)
    store.sales[sale.id] = sale
    return sale, [payloads.invoice_authorised(store, sale)] if status == AUTHORISED else []


def put_invoice(store: Cin7Store, body: Fields, *, tax_validation: str) -> tuple[Sale, list[Event]]:
    """PUT /sale/invoice: change a draft invoice; absent collections stay, ``[]`` deletes them."""
    sale = sale_for_write(store, body)
    if sale.invoice is None:
        raise RuleError("Invoice does not exist: create it with POST /sale/invoice.")
    if invoice_status(sale) not in EDITABLE:
        raise RuleError(f"Invoice status is {invoice_status(sale)}: only a DRAFT invoice can be changed.")
    if sale.order.status != AUTHORISED:
        raise RuleError("Order is not authorised.")
    _task_is_sale(body, sale, "invoice")
    invoice = sale.invoice
    status = post_status(body) if body.given("Status") else invoice.status
    reader = LineReader(store, sale, tax_validation=tax_validation, with_account=True)
    items = body.objects("Lines")
    charge_items = body.objects("AdditionalCharges")
    if items is not None:
        invoice.lines = reader.lines(items)
    if charge_items is not None:
        invoice.charges = reader.charges(charge_items)
    if status == AUTHORISED and not invoice.lines and not invoice.charges:
        raise ValidationError("The invoice has no lines: send Lines or AdditionalCharges to authorise it.")
    if body.given("InvoiceDate"):
        invoice.invoice_date = body.datetime("InvoiceDate")
    if body.given("InvoiceDueDate"):
        invoice.due_date = body.datetime("InvoiceDueDate")
    if body.has("Memo"):
        invoice.memo = body.text("Memo", max_length=1024) or ""
    if invoice.invoice_date is None or invoice.due_date is None:
        raise ValidationError("InvoiceDate and InvoiceDueDate are required.")
    invoice.status = status
    store.touch(sale)
    store.sales[sale.id] = sale
    return sale, [payloads.invoice_authorised(store, sale)] if status == AUTHORISED else []


def post_credit_note(store: Cin7Store, body: Fields, *, tax_validation: str) -> tuple[Sale, CreditNote, list[Event]]:
    """POST /sale/creditnote: create a credit-note task or overwrite a DRAFT one."""
    sale = sale_for_write(store, body)
    if sale.invoice is None or invoice_status(sale) not in (AUTHORISED, PAID):
        raise RuleError("Invoice is not authorised: a credit note needs an AUTHORISED or PAID invoice.")
    task_id = body.required_guid("TaskID")
    existing = _credit_note_task(sale, task_id)
    if existing is not None and existing.status not in EDITABLE:
        raise RuleError(
            f"Credit note {existing.number} is {existing.status}: only a DRAFT credit note can be posted again. "
            f"Send TaskID {EMPTY_GUID} to create another credit note."
        )
    invoice_number = body.required_text("CreditNoteInvoiceNumber")
    if invoice_number.strip() != sale.invoice.number:
        raise ValidationError(f"CreditNoteInvoiceNumber: Invoice '{invoice_number}' not found on this sale.")
    status = post_status(body)
    credit_date = body.datetime("CreditNoteDate", required=True)
    assert credit_date is not None
    reader = LineReader(store, sale, tax_validation=tax_validation, with_account=True)
    lines = reader.lines(body.objects("Lines") or [])
    charges = reader.charges(body.objects("AdditionalCharges") or [])
    if not lines and not charges:
        raise ValidationError("The credit note has no lines: send Lines or AdditionalCharges.")
    restocked: dict[str, Decimal] = {}
    restock = [_restock_line(store, sale, item, restocked) for item in body.objects("Restock") or []]
    rate = body.decimal("CreditNoteConversionRate", places=4)
    # The first credit note's task is the sale itself; later ones get their own task ID.
    note = existing or CreditNote(task_id=new_id() if sale.credit_notes else sale.id)
    note.lines, note.charges, note.restock = lines, charges, restock
    _check_credit_total(sale, note)
    note.status = status
    note.memo = body.text("Memo", max_length=1024) or ""
    note.combine_additional_charges = body.boolean("CombineAdditionalCharges")
    note.invoice_number = sale.invoice.number
    note.credit_date = credit_date
    note.conversion_rate = rate if rate is not None else sale.currency_rate
    if existing is None:
        note.number = store.next_number("CR")
        if sale.credit_notes:
            sale.advanced = True  # a second credit note: Simple -> Advanced Sale (UNVERIFIED)
            store.task_index[note.task_id] = sale.id
        sale.credit_notes.append(note)
    store.touch(sale)
    store.sales[sale.id] = sale
    if status != AUTHORISED:
        return sale, note, []
    events = [payloads.credit_note_authorised(sale, note)]
    changed = stock.restock(store, sale, note, credit_date)
    stock_event = payloads.stock_changed(store, changed) if changed else None
    return sale, note, events + ([stock_event] if stock_event else [])


def _credit_note_task(sale: Sale, task_id: str) -> CreditNote | None:
    """The credit note a POST names; None when it asks for a new one."""
    if task_id == EMPTY_GUID:
        return None
    note = sale.credit_note(task_id)
    if note is None and task_id != sale.id:
        raise ValidationError(
            f"Credit note task {task_id} not found on this sale: send the SaleID for its first credit note, "
            f"the TaskID of one of its credit notes, or {EMPTY_GUID} for a new one."
        )
    return note


def _check_credit_total(sale: Sale, note: CreditNote) -> None:
    """A credit note may not take the invoice below zero together with the other authorised ones."""
    assert sale.invoice is not None
    invoice_total = totals(sale, sale.invoice).total
    others = sum((totals(sale, n).total for n in sale.authorised_credit_notes if n is not note), ZERO)
    if totals(sale, note).total + others <= invoice_total:
        return
    if not others:
        raise RuleError("The credit note's Total is more than the invoice's Total.")
    raise RuleError(
        f"The credit note's Total is more than is left to credit on the invoice: {max(invoice_total - others, ZERO)} "
        "(the invoice's Total less its other authorised credit notes)."
    )


def _restock_line(store: Cin7Store, sale: Sale, item: Fields, restocked: dict[str, Decimal]) -> RestockLine:
    """One Restock line; ``restocked`` adds up this credit note's quantities per product."""
    where = item.where
    product_id = item.guid("ProductID")
    sku = item.text("SKU", max_length=50)
    product = store.products.get(product_id) if product_id else (store.product_by_sku(sku) if sku else None)
    if product is None:
        raise ValidationError(f"{where}: an existing product's SKU or ProductID is required.")
    if not product.is_stock:
        raise ValidationError(f"{where}: {product.sku} is a service and can not be restocked.")
    quantity = item.required_decimal("Quantity", places=4)
    if quantity < 1:
        raise ValidationError(f"{where}: Quantity must be 1 or more.")
    if not sale.shipped:
        raise RuleError("Nothing has been shipped: only shipped goods can be restocked.")
    # Shipped less what authorised credit notes have already put back, less earlier lines of this one.
    restocked[product.id] = restocked.get(product.id, ZERO) + quantity
    if restocked[product.id] > stock.shipped_quantity(sale, product.id):
        raise RuleError(f"{where}: more {product.sku} to restock than was shipped.")
    location_id = item.guid("RestockLocationID") or item.guid("LocationID")
    location_name = item.text("RestockLocation", max_length=256) or item.text("Location", max_length=256)
    if location_id is not None:
        location = store.locations.get(location_id)
    elif location_name:
        location = store.location_named(location_name)
    else:
        location = store.locations[sale.location_id]
    if location is None:
        raise ValidationError(f"{where}: restock location not found.")
    return RestockLine(product.id, product.sku, product.name, location.id, location.name, quantity)


# -- payments ---------------------------------------------------------------------------------------


def _outstanding(sale: Sale, kind: str, note: CreditNote | None, excluding: Payment | None = None) -> Decimal:
    others = [p for p in sale.payments if p is not excluding]
    if kind == "PAYMENT":
        assert sale.invoice is not None
        paid = sum((p.amount for p in others if p.kind in ("PAYMENT", "PREPAYMENT")), ZERO)
        return totals(sale, sale.invoice).total - paid
    if kind == "REFUND":
        # Each credit note is refunded on its own: only up to its Total, less its own refunds.
        assert note is not None
        refunds = (p.amount for p in others if p.kind == "REFUND" and p.task_id == note.task_id)
        return totals(sale, note).total - sum(refunds, ZERO)
    return totals(sale, sale.quote).total - sum((p.amount for p in others if p.kind == "PREPAYMENT"), ZERO)


def _check_allowed(sale: Sale, kind: str, note: CreditNote | None) -> None:
    if kind == "PAYMENT" and invoice_status(sale) not in (AUTHORISED, PAID):
        raise RuleError("Payments are available only for sales with an authorised invoice.")
    if kind == "REFUND" and (note is None or note.status != AUTHORISED):
        if note is None:
            raise RuleError("Refunds are available only for sales with an authorised credit note.")
        raise RuleError(
            f"Refunds are available only against an authorised credit note: {note.number} is {note.status}."
        )
    if kind == "PREPAYMENT":
        if sale.quote.status != AUTHORISED:
            raise RuleError("Prepayments are available only for sales with an authorised quote.")
        if sale.order.status == AUTHORISED or invoice_status(sale) in (AUTHORISED, PAID):
            raise RuleError("Prepayments are available only before the order and invoice are authorised.")


def _amount(body: Fields, sale: Sale, kind: str, note: CreditNote | None, excluding: Payment | None = None) -> Decimal:
    amount = body.required_decimal("Amount", places=2)
    if amount <= 0:
        raise ValidationError("Amount must be greater than 0.")
    outstanding = _outstanding(sale, kind, note, excluding)
    if amount > outstanding:
        raise RuleError(f"Amount {amount} is more than the outstanding balance of {max(outstanding, ZERO)}.")
    return amount


def _bank_account(store: Cin7Store, body: Fields) -> str:
    code = body.required_text("Account", max_length=50).strip()
    account = store.account(code)
    if account is None:
        raise ValidationError(f"Account with code '{code}' not found.")
    if account.type != "BANK":
        raise ValidationError(f"Account '{code}' is not a bank or payment account (see /ref/account/bank).")
    return code


def post_payment(store: Cin7Store, body: Fields) -> tuple[Sale, Payment, list[Event]]:
    """POST /sale/payment."""
    task_id = body.required_guid("TaskID")
    current = store.sale_of_task(task_id)
    if current is None:
        raise ValidationError(f"Sale task with TaskID {task_id} not found.")
    sale = copy.deepcopy(current)
    if sale.voided:
        raise RuleError("Sale is voided and can not be changed.")
    kind = body.required_text("Type").strip().upper()
    if kind not in PAYMENT_KINDS:
        raise ValidationError("Type must be PAYMENT, PREPAYMENT or REFUND.")
    if kind != "REFUND" and task_id != sale.id:
        raise ValidationError(
            f"TaskID {task_id} is a credit note task: a {kind} goes to the sale's own task (the SaleID)."
        )
    # A refund names its credit-note task; the SaleID names the first credit note.
    note = sale.credit_note(task_id) if kind == "REFUND" else None
    _check_allowed(sale, kind, note)
    amount = _amount(body, sale, kind, note)
    date_paid = body.datetime("DatePaid", required=True)
    assert date_paid is not None
    rate = body.decimal("CurrencyRate", places=4)
    item = Payment(
        id=new_id(),
        sale_id=sale.id,
        task_id=task_id,
        kind=kind,
        reference=body.text("Reference") or "",
        amount=amount,
        date_paid=date_paid,
        account=_bank_account(store, body),
        currency_rate=rate if rate is not None else sale.currency_rate,
        created=store.stamp(),
    )
    sale.payments.append(item)
    store.touch(sale)
    store.sales[sale.id] = sale
    store.payment_index[item.id] = sale.id
    return sale, item, [payloads.payment_received(sale)] if kind == "PAYMENT" else []


def find_payment(store: Cin7Store, payment_id: str) -> tuple[Sale, Payment]:
    """The sale and payment of a payment ID (NotFoundError when unknown)."""
    sale = store.sales.get(store.payment_index.get(payment_id, ""))
    item = next((p for p in sale.payments if p.id == payment_id), None) if sale else None
    if sale is None or item is None:
        raise NotFoundError(f"Payment with ID {payment_id} not found.")
    return sale, item


def put_payment(store: Cin7Store, body: Fields) -> tuple[Sale, Payment]:
    """PUT /sale/payment: change Reference, Amount, DatePaid, Account or CurrencyRate."""
    payment_id = body.required_guid("ID")
    try:
        current, original = find_payment(store, payment_id)
    except NotFoundError:
        raise ValidationError(f"Payment with ID {payment_id} not found.") from None
    if original.kind == "PREPAYMENT":
        raise RuleError("A payment of type Prepayment can not be modified.")
    sale = copy.deepcopy(current)
    item = next(p for p in sale.payments if p.id == payment_id)
    if body.given("Amount"):
        note = sale.credit_note(item.task_id) if item.kind == "REFUND" else None
        item.amount = _amount(body, sale, item.kind, note, excluding=item)
    if body.given("DatePaid"):
        date_paid = body.datetime("DatePaid")
        assert date_paid is not None
        item.date_paid = date_paid
    if body.given("Account"):
        item.account = _bank_account(store, body)
    if body.has("Reference"):
        item.reference = body.text("Reference") or ""
    if body.given("CurrencyRate"):
        item.currency_rate = body.required_decimal("CurrencyRate", places=4)
    store.touch(sale)
    store.sales[sale.id] = sale
    return sale, item


def delete_payment(store: Cin7Store, payment_id: str) -> None:
    """DELETE /sale/payment?ID=: the invoice is unpaid again by that amount."""
    sale, item = find_payment(store, payment_id)
    sale.payments.remove(item)
    del store.payment_index[payment_id]
    store.touch(sale)
