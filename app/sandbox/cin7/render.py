"""The simulator's records as Cin7 Core's JSON, key for key as the recorded examples show them.

Each function names the example it follows (``reference/examples/cin7/*.json`` or the blueprint
line). Where two examples of the same object differ, the context decides: sub-document endpoints
(``/sale/order``, ``/sale/invoice``) return lines without the product fields that the full sale
adds to every object with a ``ProductID`` ([APIB] L20440).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from app.sandbox.cin7.models import (
    AUTHORISED,
    PAID,
    Account,
    Charge,
    CreditNote,
    Customer,
    CustomerAddress,
    CustomerContact,
    Document,
    Line,
    Location,
    Payment,
    PaymentTerm,
    PickPackLine,
    Product,
    RestockLine,
    Sale,
    SaleAddress,
    TaxRule,
    Webhook,
)
from app.sandbox.cin7.statuses import SaleStatuses, invoice_paid, invoice_status, refunded, sale_statuses, totals
from app.sandbox.cin7.stock import Availability
from app.sandbox.cin7.store import Cin7Store
from app.sandbox.cin7.wire import fmt_created, fmt_date, fmt_datetime, fmt_modified, number

Json = dict[str, Any]

PAYMENT_TYPES = {"PAYMENT": "Payment", "REFUND": "Refund", "PREPAYMENT": "Prepayment"}

# The void response of the blueprint (examples/core_sale_DELETE_void_response.json) leaves out
# the combined statuses, Carrier and Transactions that GET /sale returns.
_NOT_IN_VOID_RESPONSE = (
    "CombinedPickingStatus",
    "CombinedPackingStatus",
    "CombinedShippingStatus",
    "FulFilmentStatus",
    "CombinedInvoiceStatus",
    "CombinedPaymentStatus",
    "CombinedTrackingNumbers",
    "Carrier",
)


def product_info(store: Cin7Store, product_id: str) -> Json:
    """The fields every object with a ProductID carries in a full sale ([APIB] L20440-L20460)."""
    product = store.products.get(product_id)
    info: Json = {
        "ProductLength": 0,
        "ProductWidth": 0,
        "ProductHeight": 0,
        "ProductWeight": number(product.weight) if product else 0,
        "WeightUnits": "kg",
        "DimensionsUnits": "cm",
    }
    info.update({f"ProductCustomField{n}": None for n in range(1, 11)})
    return info


def address(value: SaleAddress | None, *, shipping: bool) -> Json | None:
    """Address Model / Sale Shipping Address Model ([APIB] L29696-L29725)."""
    if value is None:
        return None
    first, second = value.display_lines()
    body: Json = {
        "DisplayAddressLine1": first,
        "DisplayAddressLine2": second,
        "Line1": value.line1,
        "Line2": value.line2,
        "City": value.city,
        "State": value.state,
        "Postcode": value.postcode,
        "Country": value.country,
    }
    if shipping:
        body.update({"Company": value.company, "Contact": value.contact, "ShipToOther": value.ship_to_other})
    return body


def line(store: Cin7Store, item: Line, kind: str, *, full: bool) -> Json:
    """A quote, order, invoice or credit-note line (kind: quote, order, invoice)."""
    body: Json = {
        "ProductID": item.product_id,
        "SKU": item.sku,
        "Name": item.name,
        "Quantity": number(item.quantity),
        "Price": number(item.price),
        "Discount": number(item.discount),
        "Tax": number(item.tax),
    }
    if kind == "invoice":
        body.update(
            {
                "Total": number(item.total),
                "AverageCost": number(item.average_cost),
                "TaxRule": item.tax_rule,
                "Account": item.account,
                "Comment": item.comment,
            }
        )
    else:
        body.update({"AverageCost": number(item.average_cost), "TaxRule": item.tax_rule, "Comment": item.comment})
        if kind == "order":
            body["DropShip"] = item.drop_ship
            if full:
                body["Backorder"] = item.backorder_quantity > 0
            body["BackorderQuantity"] = number(item.backorder_quantity)
        body["Total"] = number(item.total)
    if full:
        body.update(product_info(store, item.product_id))
    return body


def charge(item: Charge, *, with_account: bool) -> Json:
    """An additional charge; invoice and credit-note charges also name their revenue Account."""
    if with_account:
        return {
            "Description": item.description,
            "Quantity": number(item.quantity),
            "Price": number(item.price),
            "Discount": number(item.discount),
            "Tax": number(item.tax),
            "Total": number(item.total),
            "TaxRule": item.tax_rule,
            "Account": item.account,
            "Comment": item.comment,
        }
    return {
        "Description": item.description,
        "Price": number(item.price),
        "Quantity": number(item.quantity),
        "Discount": number(item.discount),
        "Tax": number(item.tax),
        "Total": number(item.total),
        "TaxRule": item.tax_rule,
        "Comment": item.comment,
    }


def payment_line(item: Payment) -> Json:
    """Sale Payment Line Model, as listed under an invoice, quote or credit note ([APIB] L29963)."""
    return {
        "ID": item.id,
        "Reference": item.reference,
        "Amount": number(item.amount),
        "DatePaid": fmt_datetime(item.date_paid),
        "Account": item.account,
        "CurrencyRate": number(item.currency_rate),
        "DateCreated": fmt_created(item.created),
    }


def payment(sale: Sale, item: Payment) -> Json:
    """``/sale/payment`` (examples/core_sale_payment_POST_response.json)."""
    is_refund = item.kind == "REFUND"
    return {
        "SaleID": sale.id,
        "TaskID": item.task_id,
        "ID": item.id,
        "SaleOrderNumber": sale.order_number,
        "InvoiceNumber": None if is_refund or sale.invoice is None else sale.invoice.number,
        "CreditNoteNumber": _refunded_note_number(sale, item),
        "Type": PAYMENT_TYPES[item.kind],
        "Reference": item.reference,
        "Amount": number(item.amount),
        "DatePaid": fmt_datetime(item.date_paid),
        "Account": item.account,
        "CurrencyRate": number(item.currency_rate),
        "DateCreated": fmt_created(item.created),
        "CreditID": None,
    }


def _refunded_note_number(sale: Sale, item: Payment) -> str | None:
    """The number of the credit note a refund was made against (by its task ID)."""
    note = sale.credit_note(item.task_id) if item.kind == "REFUND" else None
    return note.number if note else None


def sale_type(sale: Sale) -> str:
    """``Type``: a sale with a second credit note has become an Advanced Sale."""
    return "Advanced Sale" if sale.advanced else "Simple Sale"


def _totals(sale: Sale, document: Document) -> Json:
    amounts = totals(sale, document)
    return {
        "TotalBeforeTax": number(amounts.before_tax),
        "Tax": number(amounts.tax),
        "Total": number(amounts.total),
    }


def _pick_pack_line(store: Cin7Store, item: PickPackLine, *, pack: bool, full: bool) -> Json:
    body: Json = {
        "ProductID": item.product_id,
        "SKU": item.sku,
        "Name": item.name,
        "Location": item.location,
        "LocationID": item.location_id,
    }
    if pack:
        body["Box"] = item.box
    body.update({"Quantity": number(item.quantity), "BatchSN": None, "ExpiryDate": None})
    if full:
        body.update(product_info(store, item.product_id))
    return body


def ship(sale: Sale) -> Json:
    """The ship stage (``/sale/fulfilment/ship``, [APIB] L23718)."""
    fulfilment = sale.fulfilment
    assert fulfilment is not None
    return {
        "TaskID": fulfilment.task_id,
        "Status": fulfilment.ship_status,
        "RequireBy": fmt_date(fulfilment.require_by),
        "ShippingAddress": address(fulfilment.shipping_address or sale.shipping_address, shipping=True),
        "ShippingNotes": fulfilment.shipping_notes,
        "Lines": [
            {
                "ID": item.id,
                "ShipmentDate": fmt_datetime(item.shipment_date),
                "Carrier": item.carrier,
                "Boxes": item.box,
                "TrackingNumber": item.tracking_number,
                "TrackingURL": item.tracking_url,
                "IsShipped": item.is_shipped,
            }
            for item in fulfilment.ship_lines
        ],
    }


def fulfilment(store: Cin7Store, sale: Sale, statuses: SaleStatuses, *, full: bool) -> Json:
    """One Sale Fulfilment Model (simple sale: one, task ID = sale ID)."""
    task = sale.fulfilment
    assert task is not None
    return {
        "TaskID": task.task_id,
        "FulfillmentNumber": 1,
        "LinkedInvoiceNumber": sale.invoice.number if sale.invoice else None,
        "FulFilmentStatus": statuses.fulfilment,
        "Pick": {
            "Status": task.pick_status,
            "Lines": [_pick_pack_line(store, x, pack=False, full=full) for x in task.pick_lines],
        },
        "Pack": {
            "Status": task.pack_status,
            "Lines": [_pick_pack_line(store, x, pack=True, full=full) for x in task.pack_lines],
        },
        "Ship": {k: v for k, v in ship(sale).items() if k != "TaskID"},
    }


def _invoice_header(sale: Sale) -> Json:
    invoice = sale.invoice
    assert invoice is not None
    return {
        "TaskID": invoice.task_id,
        "InvoiceNumber": invoice.number,
        "Memo": invoice.memo,
        "Status": invoice_status(sale),
        "InvoiceDate": fmt_datetime(invoice.invoice_date),
        "InvoiceDueDate": fmt_datetime(invoice.due_date),
        "CurrencyConversionRate": number(invoice.conversion_rate),
        "BillingAddressLine1": invoice.billing_line1,
        "BillingAddressLine2": invoice.billing_line2,
        "LinkedFulfillmentNumber": "1" if sale.fulfilment else None,
    }


def _restock(item: RestockLine, *, with_restock_location: bool) -> Json:
    body: Json = {
        "ProductID": item.product_id,
        "SKU": item.sku,
        "Name": item.name,
        "Location": item.location,
        "LocationID": item.location_id,
        "Quantity": number(item.quantity),
        "BatchSN": None,
        "ExpiryDate": None,
    }
    if with_restock_location:
        body.update({"RestockLocation": item.location, "RestockLocationID": item.location_id})
    return body


def _credit_note_header(note: CreditNote) -> Json:
    return {
        "TaskID": note.task_id,
        "CreditNoteInvoiceNumber": note.invoice_number,
        "Memo": note.memo,
        "Status": note.status,
        "CreditNoteDate": fmt_datetime(note.credit_date),
        "CreditNoteNumber": note.number,
        "CreditNoteConversionRate": number(note.conversion_rate),
    }


def sale(store: Cin7Store, item: Sale, *, transactions: bool = False, movements: bool = True) -> Json:
    """The full sale of ``GET /sale`` (examples/core_sale_GET_response.json)."""
    statuses = sale_statuses(item)
    location = store.locations[item.location_id]
    quote = item.quote
    order = item.order
    body: Json = {
        "ID": item.id,
        "Customer": item.customer,
        "CustomerID": item.customer_id,
        "Contact": item.contact,
        "Phone": item.phone,
        "Email": item.email,
        "DefaultAccount": item.default_account,
        "SkipQuote": item.skip_quote,
        "BillingAddress": address(item.billing_address, shipping=False),
        "ShippingAddress": address(item.shipping_address, shipping=True),
        "ShippingNotes": item.shipping_notes,
        "BaseCurrency": item.base_currency,
        "CustomerCurrency": item.customer_currency,
        "TaxRule": item.tax_rule,
        "TaxCalculation": "Inclusive" if item.tax_inclusive else "Exclusive",
        "Terms": item.terms,
        "PriceTier": item.price_tier,
        "ShipBy": fmt_date(item.ship_by),
        "Location": location.name,
        "SaleOrderDate": fmt_date(item.sale_order_date),
        "LastModifiedOn": fmt_modified(item.updated),
        "Note": item.note,
        "CustomerReference": item.customer_reference,
        "COGSAmount": number(sum((m.cogs for m in item.movements), Decimal("0"))),
        "Status": statuses.status,
        "CombinedPickingStatus": statuses.picking,
        "CombinedPackingStatus": statuses.packing,
        "CombinedShippingStatus": statuses.shipping,
        "FulFilmentStatus": statuses.fulfilment,
        "CombinedInvoiceStatus": statuses.combined_invoice,
        "CombinedPaymentStatus": statuses.combined_payment,
        "CombinedTrackingNumbers": tracking_numbers(item),
        "Carrier": item.carrier,
        "CurrencyRate": number(item.currency_rate),
        "SalesRepresentative": item.sales_representative,
        "ServiceOnly": False,
        "Type": sale_type(item),
        "SourceChannel": None,
        "Quote": {
            "Memo": quote.memo,
            "Status": quote.status,
            "Prepayments": [payment_line(p) for p in item.payments_of("PREPAYMENT")],
            "Lines": [line(store, x, "quote", full=True) for x in quote.lines],
            "AdditionalCharges": [charge(c, with_account=False) for c in quote.charges],
            **_totals(item, quote),
        },
        "Order": {
            "SaleOrderNumber": item.order_number,
            "Memo": order.memo,
            "Status": order.status,
            "Lines": [line(store, x, "order", full=True) for x in order.lines],
            "AdditionalCharges": [charge(c, with_account=False) for c in order.charges],
            **_totals(item, order),
        },
        "Fulfilments": [fulfilment(store, item, statuses, full=True)] if item.fulfilment else [],
        "Invoices": [],
        "CreditNotes": [],
        "ManualJournals": {"Status": "NOT AVAILABLE", "Lines": []},
        "ExternalID": item.external_id,
        "AdditionalAttributes": {f"AdditionalAttribute{n}": item.attributes[n - 1] for n in range(1, 11)},
        "Attachments": [],
        "InventoryMovements": [],
    }
    if item.invoice is not None:
        invoice = item.invoice
        body["Invoices"] = [
            {
                **_invoice_header(item),
                "Lines": [line(store, x, "invoice", full=True) for x in invoice.lines],
                "AdditionalCharges": [charge(c, with_account=True) for c in invoice.charges],
                "Payments": [payment_line(p) for p in item.payments_of("PAYMENT")],
                **_totals(item, invoice),
                "Paid": number(invoice_paid(item)),
            }
        ]
    body["CreditNotes"] = [
        {
            **_credit_note_header(note),
            "Lines": [line(store, x, "invoice", full=True) for x in note.lines],
            "AdditionalCharges": [charge(c, with_account=True) for c in note.charges],
            "Refunds": [payment_line(p) for p in item.refunds_of(note)],
            "Restock": [_restock(x, with_restock_location=False) for x in note.restock],
            **_totals(item, note),
        }
        for note in item.credit_notes
    ]
    if movements:
        body["InventoryMovements"] = [
            {
                "TaskID": m.task_id,
                "ProductID": m.product_id,
                "Date": fmt_date(m.moved_at),
                "COGS": number(m.cogs),
                **product_info(store, m.product_id),
            }
            for m in item.movements
        ]
    else:
        del body["InventoryMovements"]
    if transactions:
        body["Transactions"] = sale_transactions(store, item)
    return body


def voided_sale(store: Cin7Store, item: Sale) -> Json:
    """``DELETE /sale`` (examples/core_sale_DELETE_void_response.json)."""
    body = sale(store, item)
    for key in _NOT_IN_VOID_RESPONSE:
        del body[key]
    return body


def tracking_numbers(item: Sale) -> str:
    """CombinedTrackingNumbers: the shipment's tracking numbers, comma separated."""
    if item.fulfilment is None:
        return ""
    return ", ".join(x.tracking_number for x in item.fulfilment.ship_lines if x.tracking_number)


def sale_transactions(store: Cin7Store, item: Sale) -> list[Json]:
    """The sale's ledger entries (Sale Transaction Line Model, [APIB] L30002), in base currency."""
    entries: list[tuple[str, str, str, str, Decimal, Any]] = []
    rate = item.currency_rate
    if item.invoice is not None and invoice_status(item) in (AUTHORISED, PAID):
        invoice = item.invoice
        for name, total, tax, account, rule in _postings(item, invoice.lines, invoice.charges):
            entries.append((invoice.task_id, "610", account, name, total - tax if item.tax_inclusive else total, None))
            if tax:
                entries.append((invoice.task_id, "610", _tax_account(store, rule), f"{name} tax", tax, None))
    entries.extend(
        (p.task_id, p.account, "610", p.reference or "Payment", p.amount, p.date_paid)
        for p in item.payments_of("PAYMENT") + item.payments_of("PREPAYMENT")
    )
    for note in item.authorised_credit_notes:
        for name, total, tax, account, rule in _postings(item, note.lines, note.charges):
            entries.append((note.task_id, account, "610", name, total - tax if item.tax_inclusive else total, None))
            if tax:
                entries.append((note.task_id, _tax_account(store, rule), "610", f"{name} tax", tax, None))
    entries.extend(
        (p.task_id, "610", p.account, p.reference or "Refund", p.amount, p.date_paid)
        for p in item.payments_of("REFUND")
    )
    result = []
    for index, (task, debit, credit, description, amount, when) in enumerate(entries):
        effective = when or (item.invoice.invoice_date if item.invoice else item.created)
        result.append(
            {
                "TaskID": task,
                "TransactionID": str(uuid.uuid5(uuid.UUID(item.id), f"transaction:{index}")),
                "Debit": debit,
                "Credit": credit,
                "Description": description,
                "Amount": number((amount * rate).quantize(Decimal("0.01"))),
                "EffectiveDate": fmt_date(effective),
            }
        )
    return result


def _postings(item: Sale, lines: list[Line], charges: list[Charge]) -> list[tuple[str, Decimal, Decimal, str, str]]:
    rows = [(x.name, x.total, x.tax, x.account or item.default_account, x.tax_rule) for x in lines]
    rows += [(c.description, c.total, c.tax, c.account or item.default_account, c.tax_rule) for c in charges]
    return rows


def _tax_account(store: Cin7Store, rule_name: str) -> str:
    rule = store.tax_rule_named(rule_name)
    return rule.account if rule else "820"


def sale_row(store: Cin7Store, item: Sale) -> Json:
    """A ``/saleList`` row (examples/core_saleList_GET_response.json)."""
    statuses = sale_statuses(item)
    invoice = item.invoice
    note = item.latest_credit_note
    return {
        "SaleID": item.id,
        "OrderNumber": item.order_number,
        "Status": statuses.status,
        "OrderDate": fmt_date(item.sale_order_date or item.created),
        "InvoiceDate": fmt_datetime(invoice.invoice_date) if invoice else None,
        "Customer": item.customer,
        "CustomerID": item.customer_id,
        "InvoiceNumber": invoice.number if invoice else None,
        "CustomerReference": item.customer_reference,
        "InvoiceAmount": number(statuses.invoice_amount),
        "PaidAmount": number(statuses.paid_amount),
        "InvoiceDueDate": fmt_datetime(invoice.due_date) if invoice else None,
        "ShipBy": fmt_date(item.ship_by),
        "BaseCurrency": item.base_currency,
        "CustomerCurrency": item.customer_currency,
        "CreditNoteNumber": note.number if note else None,
        "Updated": fmt_modified(item.updated),
        "QuoteStatus": statuses.quote,
        "OrderStatus": statuses.order,
        "CombinedPickingStatus": statuses.picking,
        "CombinedPaymentStatus": statuses.combined_payment,
        "CombinedTrackingNumbers": tracking_numbers(item),
        "CombinedPackingStatus": statuses.packing,
        "CombinedShippingStatus": statuses.shipping,
        "CombinedInvoiceStatus": statuses.combined_invoice,
        "CreditNoteStatus": statuses.credit_note,
        "FulFilmentStatus": statuses.fulfilment,
        "Type": sale_type(item),
        "SourceChannel": None,
        "ExternalID": item.external_id,
        "OrderLocationID": item.location_id,
    }


def quote_document(store: Cin7Store, item: Sale) -> Json:
    """``/sale/quote`` ([APIB] L22740)."""
    quote = item.quote
    return {
        "SaleID": item.id,
        "CombineAdditionalCharges": quote.combine_additional_charges,
        "Memo": quote.memo,
        "Status": quote.status,
        "Lines": [line(store, x, "quote", full=False) for x in quote.lines],
        "AdditionalCharges": [charge(c, with_account=False) for c in quote.charges],
        **_totals(item, quote),
    }


def order_document(store: Cin7Store, item: Sale) -> Json:
    """``/sale/order`` (examples/core_sale_order_POST_response.json)."""
    order = item.order
    return {
        "SaleID": item.id,
        "SaleOrderNumber": item.order_number,
        "Memo": order.memo,
        "Status": order.status,
        "Lines": [line(store, x, "order", full=False) for x in order.lines],
        "AdditionalCharges": [charge(c, with_account=False) for c in order.charges],
        **_totals(item, order),
    }


def invoice_document(store: Cin7Store, item: Sale) -> Json:
    """``/sale/invoice`` (examples/core_sale_invoice_POST_response.json)."""
    invoices = []
    if item.invoice is not None:
        invoice = item.invoice
        header = _invoice_header(item)
        invoices.append(
            {
                "TaskID": header.pop("TaskID"),
                "CombineAdditionalCharges": invoice.combine_additional_charges,
                **header,
                "Lines": [line(store, x, "invoice", full=False) for x in invoice.lines],
                "AdditionalCharges": [charge(c, with_account=True) for c in invoice.charges],
            }
        )
    return {"SaleID": item.id, "Invoices": invoices}


def credit_note_document(
    store: Cin7Store, item: Sale, *, include_payments: bool, only: CreditNote | None = None
) -> Json:
    """``/sale/creditnote`` ([APIB] L24306): every credit note, oldest first, or ``only`` one.

    With ``include_payments`` each note carries its own refunds and ``CreditNoteBalance`` (its
    Total less those refunds while it is authorised, else 0).
    """
    notes = []
    for note in [only] if only is not None else item.credit_notes:
        header = _credit_note_header(note)
        body: Json = {
            "TaskID": header.pop("TaskID"),
            "CombineAdditionalCharges": note.combine_additional_charges,
            **header,
            "Lines": [line(store, x, "invoice", full=False) for x in note.lines],
            "AdditionalCharges": [charge(c, with_account=True) for c in note.charges],
            "Restock": [_restock(x, with_restock_location=True) for x in note.restock],
        }
        if include_payments:
            balance = totals(item, note).total - refunded(item, note) if note.status == AUTHORISED else Decimal("0")
            body["CreditNoteBalance"] = number(balance)
            body["Payments"] = [
                {k: v for k, v in payment(item, p).items() if k not in ("SaleID", "TaskID")}
                for p in item.refunds_of(note)
            ]
        notes.append(body)
    return {"SaleID": item.id, "CreditNotes": notes}


def fulfilment_document(store: Cin7Store, item: Sale) -> Json:
    """``/sale/fulfilment`` ([APIB] L23070)."""
    statuses = sale_statuses(item)
    return {
        "SaleID": item.id,
        "Fulfilments": [fulfilment(store, item, statuses, full=False)] if item.fulfilment else [],
    }


def customer(item: Customer, *, product_prices: bool = False) -> Json:
    """A ``/customer`` row (examples/core_customer_GET_response.json)."""
    body: Json = {
        "ID": item.id,
        "Name": item.name,
        "Currency": item.currency,
        "PaymentTerm": item.payment_term,
        "Discount": number(item.discount),
        "TaxRule": item.tax_rule,
        "Carrier": item.carrier,
        "SalesRepresentative": item.sales_representative,
        "Location": item.location,
        "Comments": item.comments,
        "AccountReceivable": item.account_receivable,
        "RevenueAccount": item.revenue_account,
        "PriceTier": item.price_tier,
        "TaxNumber": item.tax_number,
    }
    body.update({f"AdditionalAttribute{n}": item.attributes[n - 1] for n in range(1, 11)})
    body.update(
        {
            "AttributeSet": item.attribute_set,
            "Tags": item.tags,
            "Status": item.status,
            "CreditLimit": number(item.credit_limit),
            "IsOnCreditHold": item.is_on_credit_hold,
            "LastModifiedOn": fmt_modified(item.modified),
            "Addresses": [customer_address(a) for a in item.addresses],
            "Contacts": [customer_contact(c) for c in item.contacts],
        }
    )
    if product_prices:
        body["ProductPrices"] = []
    return body


def customer_address(item: CustomerAddress) -> Json:
    """A customer address as GET /customer lists it."""
    return {
        "Line1": item.line1,
        "Line2": item.line2,
        "City": item.city,
        "State": item.state,
        "Postcode": item.postcode,
        "Country": item.country,
        "Type": item.type,
        "DefaultForType": item.default_for_type,
        "ID": item.id,
    }


def customer_contact(item: CustomerContact) -> Json:
    """A customer contact as GET /customer lists it."""
    return {
        "Name": item.name,
        "JobTitle": item.job_title,
        "Phone": item.phone,
        "MobilePhone": item.mobile_phone,
        "Fax": item.fax,
        "Email": item.email,
        "Website": item.website,
        "Default": item.default,
        "Comment": item.comment,
        "IncludeInEmail": item.include_in_email,
        "ID": item.id,
    }


def product(item: Product, store: Cin7Store, *, includes: frozenset[str] = frozenset()) -> Json:
    """A ``/product`` row ([APIB] L5060); the Include* arrays only when asked for."""
    default_location = store.default_location().name
    prices = {f"Tier {n}": number(item.price if n == 1 else Decimal("0")) for n in range(1, 11)}
    body: Json = {
        "ID": item.id,
        "SKU": item.sku,
        "Name": item.name,
        "Category": item.category,
        "Brand": item.brand,
        "Type": item.type,
        "CostingMethod": "FIFO",
        "DropShipMode": "No Drop Ship",
        "DefaultLocation": default_location,
        "Length": 0,
        "Width": 0,
        "Height": 0,
        "Weight": number(item.weight),
        "UOM": item.uom,
        "WeightUnits": "kg",
        "DimensionsUnits": "cm",
        "Barcode": item.barcode,
        "MinimumBeforeReorder": 0,
        "ReorderQuantity": 0,
    }
    body.update({f"PriceTier{n}": prices[f"Tier {n}"] for n in range(1, 11)})
    body.update(
        {
            "PriceTiers": prices,
            "AverageCost": number(item.average_cost),
            "ShortDescription": "",
            "Description": "",
            "InternalNote": "",
        }
    )
    body.update({f"AdditionalAttribute{n}": "" for n in range(1, 11)})
    body.update(
        {
            "AttributeSet": None,
            "DiscountRule": None,
            "Tags": item.category,
            "Status": item.status,
            "StockLocator": "",
            "COGSAccount": None,
            "RevenueAccount": None,
            "ExpenseAccount": None,
            "InventoryAccount": None,
            "PurchaseTaxRule": None,
            "SaleTaxRule": item.sale_tax_rule,
            "LastModifiedOn": fmt_modified(item.last_modified),
            "Sellable": True,
            "PickZones": "",
            "BillOfMaterial": False,
            "AutoAssembly": False,
            "AutoDisassembly": False,
            "QuantityToProduce": 0,
            "AssemblyInstructionURL": "",
            "AssemblyCostEstimationMethod": "Average Cost",
            "CartonHeight": 0,
            "CartonWidth": 0,
            "CartonLength": 0,
            "CartonQuantity": 0,
            "CartonInnerQuantity": 0,
            "HSCode": "",
            "CountryOfOrigin": "Australia",
            "CountryOfOriginCode": "AUS",
        }
    )
    optional = {
        "includesuppliers": "Suppliers",
        "includereorderlevels": "ReorderLevels",
        "includebom": "BillOfMaterialsProducts",
        "includemovements": "Movements",
        "includeattachments": "Attachments",
        "includecustomprices": "CustomPrices",
    }
    for flag, key in optional.items():
        if flag in includes:
            body[key] = []
            if flag == "includebom":
                body["BillOfMaterialsServices"] = []
    return body


def availability_row(entry: Availability) -> Json:
    """A ``/ref/productavailability`` row (examples/core_productavailability_GET_response.json)."""
    return {
        "ID": entry.product.id,
        "SKU": entry.product.sku,
        "Name": entry.product.name,
        "Barcode": entry.product.barcode or None,
        "Location": entry.location.name,
        "Bin": None,
        "Batch": None,
        "ExpiryDate": None,
        "OnHand": number(entry.on_hand),
        "Allocated": number(entry.allocated),
        "Available": number(entry.available),
        "OnOrder": 0,
        "StockOnHand": number(entry.value),
        "InTransit": 0,
    }


def tax_rule(item: TaxRule) -> Json:
    """A ``/ref/tax`` row ([APIB] L27066)."""
    return {
        "ID": item.id,
        "Name": item.name,
        "Account": item.account,
        "IsActive": item.is_active,
        "TaxInclusive": False,
        "TaxPercent": number(item.percent),
        "IsTaxForSale": item.for_sale,
        "IsTaxForPurchase": item.for_purchase,
        "Components": [
            {
                "ID": str(uuid.uuid5(uuid.UUID(item.id), "component")).upper(),
                "Name": "GST" if item.percent else "No Tax",
                "Percent": f"{item.percent:.10f}",
                "AccountCode": item.account,
                "Compound": "0",
                "ComponentOrder": "1",
            }
        ],
    }


def account(item: Account) -> Json:
    """A ``/ref/account`` row ([APIB] L852)."""
    return {
        "Code": item.code,
        "Status": item.status,
        "Name": item.name,
        "Type": item.type,
        "Description": item.description,
        "Class": item.account_class,
        "SystemAccount": item.system_account,
        "BankAccountNumber": "No Number" if item.type == "BANK" else None,
        "BankAccountId": item.bank_account_id,
        "ForPayments": item.type == "BANK",
        "DisplayName": f"{item.code}: {item.name}",
        "OldCode": None,
    }


def bank_account(item: Account) -> Json:
    """A ``/ref/account/bank`` row ([APIB] L548)."""
    return {
        "AccountID": item.bank_account_id,
        "Bank": item.bank,
        "AccountName": item.name,
        "AccountNumber": "No Number",
        "AccountCode": item.code,
        "Currency": item.currency,
        "StatementBalance": 0,
        "BalanceInDear": 0,
        "InitialBalance": 0,
    }


def location(item: Location) -> Json:
    """A ``/ref/location`` row ([APIB] L3512)."""
    return {
        "ID": item.id,
        "Name": item.name,
        "IsDefault": item.is_default,
        "IsDeprecated": item.is_deprecated,
        "Bins": None,
        "FixedAssetsLocation": False,
        "ParentID": None,
        "ParentName": None,
        "ReferenceCount": 0,
        "AddressLine1": item.address_line1,
        "AddressLine2": "",
        "AddressCitySuburb": item.city,
        "AddressStateProvince": item.state,
        "AddressZipPostCode": item.postcode,
        "AddressCountry": item.country,
        "PickZones": None,
        "IsShopfloor": False,
        "IsCoMan": False,
        "IsStaging": False,
    }


def payment_term(item: PaymentTerm) -> Json:
    """A ``/ref/paymentterm`` row ([APIB] L4733)."""
    return {
        "ID": item.id,
        "Name": item.name,
        "Duration": item.duration,
        "Method": item.method,
        "IsActive": item.is_active,
        "IsDefault": item.is_default,
    }


def webhook(item: Webhook, name: str) -> Json:
    """A ``/webhooks`` entry (examples/core_webhooks_POST_response.json)."""
    return {
        "ID": item.id,
        "Type": item.type,
        "Name": name,
        "IsActive": item.is_active,
        "ExternalURL": item.url,
        "ExternalAuthorizationType": item.auth_type,
        "ExternalUserName": item.username,
        "ExternalPassword": item.password,
        "ExternalBearerToken": item.bearer_token,
        "ExternalHeaders": [{"Key": key, "Value": value} for key, value in item.headers],
    }
