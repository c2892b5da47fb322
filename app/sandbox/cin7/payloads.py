"""What each webhook event delivers: thin pointers with inconsistent keys, as Cin7 sends them.

One shape per event type, copied from the blueprint's examples (cin7.md A13, D7;
examples/core_webhook_payload_examples.apib.txt) including their quirks, so a receiver written
against the simulator survives the real thing:

* the sale is ``SaleID`` in most events but ``SaleTaskID`` in InvoiceAuthorised and
  ShipmentAuthorised, which also say ``OrderNumber`` where the others say ``SaleOrderNumber``;
* GUIDs are upper-case, except in the payment events, which write them lower-case;
* payment events name the invoice ``DocumentNumber`` and date it ``dd/MM/yyyy``;
* CreditNoteAuthorised's ``CreditNoteNumber`` carries a trailing space, as in the example;
* Sale/Created (newer blueprint, cin7.md D7) writes its date as ``yyyy-MM-dd`` and its flags as
  strings; Stock/AvailableStockLevelChanged delivers a bare array of availability rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.sandbox.cin7 import render
from app.sandbox.cin7.models import CreditNote, Customer, Sale
from app.sandbox.cin7.statuses import invoice_paid, totals
from app.sandbox.cin7.stock import availability
from app.sandbox.cin7.store import Cin7Store
from app.sandbox.cin7.wire import fmt_webhook_date, number


@dataclass(frozen=True)
class Event:
    """Something that happened, for the webhooks of its type."""

    type: str
    payload: Any


def _upper(guid: str) -> str:
    return guid.upper()


def _customer_fields(sale: Sale) -> dict[str, Any]:
    return {
        "CustomerName": sale.customer,
        "CustomerContactName": sale.contact,
        "CustomerContactEmail": sale.email,
    }


def sale_created(sale: Sale) -> Event:
    """Sale/Created (newer blueprint, as quoted by cin7.md D7)."""
    return Event(
        "Sale/Created",
        {
            "SaleID": _upper(sale.id),
            "SaleOrderNumber": sale.order_number,
            **_customer_fields(sale),
            "SaleRepEmail": None,
            "SaleOrderDate": (sale.sale_order_date or sale.created.date()).isoformat(),
            "TaskTypeSign": "0",
            "IsServiceOnly": "0",
            "DownloadLink": None,
            "EventType": "Sale/Created",
        },
    )


def sale_pointer(kind: str, sale: Sale) -> Event:
    """Sale/QuoteAuthorised, Sale/OrderAuthorised, Sale/Backordered: ID, number, type."""
    return Event(kind, {"SaleID": _upper(sale.id), "SaleOrderNumber": sale.order_number, "EventType": kind})


def sale_voided(sale: Sale) -> Event:
    """Sale/Voided: the customer fields come after EventType in the example."""
    return Event(
        "Sale/Voided",
        {
            "SaleID": _upper(sale.id),
            "SaleOrderNumber": sale.order_number,
            "EventType": "Sale/Voided",
            **_customer_fields(sale),
        },
    )


def sale_undone(sale: Sale) -> Event:
    """Sale/Undo: no CustomerName, unlike its neighbours."""
    return Event(
        "Sale/Undo",
        {
            "SaleID": _upper(sale.id),
            "SaleOrderNumber": sale.order_number,
            "CustomerContactName": sale.contact,
            "CustomerContactEmail": sale.email,
            "EventType": "Sale/Undo",
        },
    )


def stage_authorised(kind: str, sale: Sale, task_id: str) -> Event:
    """Sale/PickAuthorised, Sale/PackAuthorised: with the fulfilment TaskID."""
    return Event(
        kind,
        {
            "SaleID": _upper(sale.id),
            "SaleOrderNumber": sale.order_number,
            "TaskID": _upper(task_id),
            **_customer_fields(sale),
            "EventType": kind,
        },
    )


def shipment_authorised(store: Cin7Store, sale: Sale, task_id: str) -> Event:
    """Sale/ShipmentAuthorised: SaleTaskID, TenantID, OrderNumber."""
    return Event(
        "Sale/ShipmentAuthorised",
        {
            "SaleTaskID": _upper(task_id),
            "TenantID": store.tenant_id,
            "OrderNumber": sale.order_number,
            **_customer_fields(sale),
            "EventType": "Sale/ShipmentAuthorised",
        },
    )


def invoice_authorised(store: Cin7Store, sale: Sale) -> Event:
    """Sale/InvoiceAuthorised: SaleTaskID, TenantID, OrderNumber, InvoiceNumber."""
    assert sale.invoice is not None
    return Event(
        "Sale/InvoiceAuthorised",
        {
            "SaleTaskID": _upper(sale.invoice.task_id),
            "TenantID": store.tenant_id,
            "OrderNumber": sale.order_number,
            "InvoiceNumber": sale.invoice.number,
            **_customer_fields(sale),
            "EventType": "Sale/InvoiceAuthorised",
        },
    )


def credit_note_authorised(sale: Sale, note: CreditNote) -> Event:
    """Sale/CreditNoteAuthorised for one credit note: its number (with the example's trailing
    space) and its TaskID, so a sale with several credit notes fires one event per note."""
    return Event(
        "Sale/CreditNoteAuthorised",
        {
            "SaleID": _upper(sale.id),
            "SaleOrderNumber": sale.order_number,
            "CreditNoteNumber": f"{note.number} ",
            "TaskID": _upper(note.task_id),
            **_customer_fields(sale),
            "EventType": "Sale/CreditNoteAuthorised",
        },
    )


def payment_received(sale: Sale) -> Event:
    """Sale/FullPaymentReceived or Sale/PartialPaymentReceived, after a payment on the invoice.

    ``AmountPercent`` (partial only) is the share of the invoice paid so far, as a string with two
    decimals; the blueprint's single example ("0.00") does not pin down its meaning.
    """
    invoice = sale.invoice
    assert invoice is not None
    total = totals(sale, invoice).total
    paid = invoice_paid(sale)
    full = total > 0 and paid >= total
    kind = "Sale/FullPaymentReceived" if full else "Sale/PartialPaymentReceived"
    body: dict[str, Any] = {
        "SaleID": sale.id.lower(),
        "DocumentNumber": invoice.number,
        "DocumentType": "invoice",
        "DocumentDate": fmt_webhook_date(invoice.invoice_date),
        **_customer_fields(sale),
    }
    if not full:
        percent = paid * 100 / total if total > 0 else Decimal("0")
        body["AmountPercent"] = f"{percent:.2f}"
    body["EventType"] = kind
    return Event(kind, body)


def stock_changed(store: Cin7Store, product_ids: set[str]) -> Event | None:
    """Stock/AvailableStockLevelChanged: a bare array of availability rows of the changed products."""
    entries = availability(store, product_ids)
    if not entries:
        return None
    rows = []
    for entry in entries:
        row = render.availability_row(entry)
        rows.append(
            {
                "ID": row["ID"],
                "SKU": row["SKU"],
                "Name": row["Name"],
                "Barcode": row["Barcode"],
                "Location": row["Location"],
                "Bin": None,
                "Batch": None,
                "ExpiryDate": None,
                "Category": entry.product.category,
                "OnHand": number(entry.on_hand),
                "Allocated": number(entry.allocated),
                "Available": number(entry.available),
                "OnOrder": 0,
                "StockOnHand": number(entry.value),
                "MaxRows": len(entries),
            }
        )
    return Event("Stock/AvailableStockLevelChanged", rows)


def customer_updated(customer: Customer) -> Event:
    """Customer/Updated: the customer, its addresses and contacts in separate blocks."""
    full = render.customer(customer)
    header = {k: v for k, v in full.items() if k not in ("Addresses", "Contacts", "IsOnCreditHold")}
    contacts = [{"ID": c["ID"], "CustomerID": customer.id, **c} for c in full["Contacts"]]
    addresses = [{"ID": a["ID"], "CustomerID": customer.id, **a} for a in full["Addresses"]]
    return Event(
        "Customer/Updated",
        {
            "NumberOfCustomers": 1,
            "CustomerDetailsList": [{"Customer": header, "Addresses": addresses, "Contacts": contacts}],
            "EventType": "Customer/Updated",
        },
    )
