"""The Cin7 Core documents a payment maps to, as frozen dataclasses with ``to_dict()``.

Each ``to_dict()`` gives the body (or the part of a body) of one Cin7 Core write, with the
field names and order of the vendor's examples (reference/examples/cin7/*_POST_request.json):
customer (POST /customer, cin7.md A14), sale header (POST /sale, A7), order (POST /sale/order,
A8), invoice (POST /sale/invoice, A9), payments and refunds (POST /sale/payment, A10) and
credit notes (POST /sale/creditnote, A11). The ids Cin7 assigns (SaleID, TaskID) are the sync's
business and never appear here.

Money stays ``Decimal`` inside the dicts (Cin7 takes JSON numbers: amounts 2 dp, prices up
to 4 dp); the API layer serialises them as numbers. Dates are UTC, written
``2020-04-09T15:26:53Z`` (``cin7_datetime``). ``MappedOrder.totals`` alone uses 2-dp strings,
Afterpay's convention (DESIGN.md §3.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.domain.ledger import OrderState
from app.domain.money import ZERO, format_amount

#: DESIGN.md §3.1: the only Cin7 product targeted so far.
TARGET = "cin7-core"


def cin7_datetime(moment: datetime) -> str:
    """A UTC timestamp as written into Cin7 documents: ``2020-04-09T15:26:53Z``.

    Seconds precision: Afterpay's milliseconds are truncated (never rounded, so a time never
    moves into the next second, minute or day).
    """
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


class ChargeKind(StrEnum):
    """Why an additional charge exists; not sent to Cin7, used by invariants and the sync."""

    SHIPPING = "shipping"
    DISCOUNT = "discount"
    ADJUSTMENT = "adjustment"
    CANCELLED = "cancelled"
    REFUND = "refund"


@dataclass(frozen=True)
class Address:
    """A Cin7 address (cin7.md A7 Address Model); Afterpay ``area1`` → City, ``region`` → State."""

    line1: str
    country: str
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{Line1, Line2, City, State, Postcode, Country}``; missing parts are empty strings."""
        return {
            "Line1": self.line1,
            "Line2": self.line2 or "",
            "City": self.city or "",
            "State": self.state or "",
            "Postcode": self.postcode or "",
            "Country": self.country,
        }


@dataclass(frozen=True)
class ShippingAddress:
    """Sale shipping address (cin7.md A7 Sale Shipping Address Model).

    ``ship_to_other`` true stops Cin7 from adding the address to the customer's card: used for
    the shared customer, whose card must not collect every shopper's address.
    """

    address: Address
    contact: str | None = None
    ship_to_other: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Address fields plus ``Contact`` and ``ShipToOther``."""
        body = self.address.to_dict()
        if self.contact:
            body["Contact"] = self.contact
        body["ShipToOther"] = self.ship_to_other
        return body


@dataclass(frozen=True)
class CustomerAddress:
    """An address on a Cin7 customer card (cin7.md A14: Type Billing/Business/Shipping)."""

    address: Address
    type: str
    default_for_type: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Address fields plus ``Type`` and ``DefaultForType``."""
        return {**self.address.to_dict(), "Type": self.type, "DefaultForType": self.default_for_type}


@dataclass(frozen=True)
class CustomerContact:
    """A contact person on a Cin7 customer card (cin7.md A14 Contacts[])."""

    name: str
    email: str | None = None
    phone: str | None = None
    default: bool = True

    def to_dict(self) -> dict[str, Any]:
        """``{Name, Email?, Phone?, Default}``."""
        body: dict[str, Any] = {"Name": self.name}
        if self.email:
            body["Email"] = self.email
        if self.phone:
            body["Phone"] = self.phone
        body["Default"] = self.default
        return body


@dataclass(frozen=True)
class Customer:
    """The Cin7 customer to match by email (``ContactFilter``) or create (POST /customer)."""

    name: str
    email: str
    currency: str
    payment_term: str
    account_receivable: str
    revenue_account: str
    tax_rule: str
    location: str
    contacts: tuple[CustomerContact, ...] = ()
    addresses: tuple[CustomerAddress, ...] = ()
    sales_representative: str | None = None
    status: str = "Active"

    def to_dict(self) -> dict[str, Any]:
        """POST /customer body plus ``match: {"email"}`` (the lookup key, not sent to Cin7)."""
        body: dict[str, Any] = {
            "Name": self.name,
            "Status": self.status,
            "Currency": self.currency,
            "PaymentTerm": self.payment_term,
            "AccountReceivable": self.account_receivable,
            "RevenueAccount": self.revenue_account,
            "TaxRule": self.tax_rule,
            "Location": self.location,
        }
        if self.sales_representative:
            body["SalesRepresentative"] = self.sales_representative
        body["Contacts"] = [c.to_dict() for c in self.contacts]
        body["Addresses"] = [a.to_dict() for a in self.addresses]
        body["match"] = {"email": self.email}
        return body


@dataclass(frozen=True)
class SharedCustomer:
    """One configured customer (e.g. ``Web Sales``) for every Afterpay sale; matched by name."""

    name: str

    def to_dict(self) -> dict[str, Any]:
        """``{"Name": ..., "match": {"name": ...}}``: the sync looks it up, never creates it."""
        return {"Name": self.name, "match": {"name": self.name}}


@dataclass(frozen=True)
class SaleLine:
    """An order line (cin7.md A8 Sale Order Line Model).

    Cin7's convention, which the simulator checks to the cent: ``Total = round(Quantity x
    Price x (1 - Discount/100), 2)``; with ``TaxInclusive`` the Total includes tax and ``Tax``
    is the GST inside it, otherwise the tax comes on top.
    """

    sku: str
    name: str
    quantity: int
    price: Decimal
    tax: Decimal
    tax_rule: str
    total: Decimal
    discount: Decimal = ZERO

    def to_dict(self) -> dict[str, Any]:
        """``{SKU, Name, Quantity, Price, Discount, Tax, TaxRule, Total}``."""
        return {
            "SKU": self.sku,
            "Name": self.name,
            "Quantity": self.quantity,
            "Price": self.price,
            "Discount": self.discount,
            "Tax": self.tax,
            "TaxRule": self.tax_rule,
            "Total": self.total,
        }


@dataclass(frozen=True)
class AdditionalCharge:
    """An additional charge (cin7.md A8): shipping, a discount, an adjustment, a cancellation,
    or on a credit note the refunded amount. Same money convention as ``SaleLine``."""

    description: str
    price: Decimal
    tax: Decimal
    tax_rule: str
    total: Decimal
    kind: ChargeKind
    quantity: int = 1
    discount: Decimal = ZERO

    def to_dict(self) -> dict[str, Any]:
        """``{Description, Price, Quantity, Discount, Tax, TaxRule, Total}``."""
        return {
            "Description": self.description,
            "Price": self.price,
            "Quantity": self.quantity,
            "Discount": self.discount,
            "Tax": self.tax,
            "TaxRule": self.tax_rule,
            "Total": self.total,
        }


@dataclass(frozen=True)
class SaleOrder:
    """POST /sale/order content (cin7.md A8) without the SaleID the sync fills in."""

    status: str
    lines: tuple[SaleLine, ...]
    additional_charges: tuple[AdditionalCharge, ...]
    auto_pick_pack_ship: str | None = None

    @property
    def total(self) -> Decimal:
        """Σ line and charge Totals (tax-inclusive when the sale is)."""
        return sum((line.total for line in self.lines), ZERO) + sum((c.total for c in self.additional_charges), ZERO)

    @property
    def tax(self) -> Decimal:
        """Σ line and charge Tax."""
        return sum((line.tax for line in self.lines), ZERO) + sum((c.tax for c in self.additional_charges), ZERO)

    def to_dict(self) -> dict[str, Any]:
        """``{Status, Lines, AdditionalCharges, AutoPickPackShipMode?}``."""
        body: dict[str, Any] = {
            "Status": self.status,
            "Lines": [line.to_dict() for line in self.lines],
            "AdditionalCharges": [charge.to_dict() for charge in self.additional_charges],
        }
        if self.auto_pick_pack_ship:
            body["AutoPickPackShipMode"] = self.auto_pick_pack_ship
        return body


@dataclass(frozen=True)
class SaleInvoice:
    """POST /sale/invoice header (cin7.md A9); its lines are the order's, re-sent by the sync."""

    invoice_date: datetime
    due_date: datetime
    memo: str | None = None
    status: str = "AUTHORISED"

    def to_dict(self) -> dict[str, Any]:
        """``{Status, InvoiceDate, InvoiceDueDate, Memo?}``."""
        body: dict[str, Any] = {
            "Status": self.status,
            "InvoiceDate": cin7_datetime(self.invoice_date),
            "InvoiceDueDate": cin7_datetime(self.due_date),
        }
        if self.memo:
            body["Memo"] = self.memo
        return body


@dataclass(frozen=True)
class SalePayment:
    """POST /sale/payment (cin7.md A10): a PAYMENT against the invoice or a REFUND against a
    credit note. ``reference`` is the natural key the sync deduplicates on."""

    type: str
    amount: Decimal
    date_paid: datetime
    reference: str
    account: str

    def to_dict(self) -> dict[str, Any]:
        """``{Type, Amount, DatePaid, Reference, Account}``."""
        return {
            "Type": self.type,
            "Amount": self.amount,
            "DatePaid": cin7_datetime(self.date_paid),
            "Reference": self.reference,
            "Account": self.account,
        }


@dataclass(frozen=True)
class CreditNote:
    """One credit note per real Afterpay refund (cin7.md A11), keyed by ``refundId``.

    Amounts on a credit note are positive: a credit note of 10.00 takes 10.00 off what the
    customer owes, and its REFUND pays 10.00 back out of the Afterpay clearing account.
    """

    reference: str
    date: datetime
    additional_charges: tuple[AdditionalCharge, ...]
    total: Decimal
    tax: Decimal
    refunds: tuple[SalePayment, ...]
    origin: str | None = None
    """The Cin7 credit-note TaskID the refund was made for (app.domain.reverse), if any."""

    def to_dict(self) -> dict[str, Any]:
        """``{Reference, CreditNoteDate, AdditionalCharges, Total, Tax, Refunds}``."""
        return {
            "Reference": self.reference,
            "CreditNoteDate": cin7_datetime(self.date),
            "AdditionalCharges": [c.to_dict() for c in self.additional_charges],
            "Total": self.total,
            "Tax": self.tax,
            "Refunds": [r.to_dict() for r in self.refunds],
        }


@dataclass(frozen=True)
class SaleHeader:
    """POST /sale body (cin7.md A7): customer, contact, addresses, defaults, attributes."""

    external_id: str
    customer: str
    tax_inclusive: bool
    tax_rule: str
    location: str
    sale_order_date: datetime
    default_account: str
    note: str
    attributes: tuple[tuple[int, str], ...] = ()
    email: str | None = None
    phone: str | None = None
    contact: str | None = None
    billing_address: Address | None = None
    shipping_address: ShippingAddress | None = None
    customer_reference: str | None = None
    sales_representative: str | None = None
    currency_rate: Decimal | None = None
    skip_quote: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The POST /sale body; optional fields that have no value are left out."""
        body: dict[str, Any] = {"ExternalID": self.external_id, "Customer": self.customer}
        if self.email:
            body["Email"] = self.email
        if self.phone:
            body["Phone"] = self.phone
        if self.contact:
            body["Contact"] = self.contact
        if self.billing_address is not None:
            body["BillingAddress"] = self.billing_address.to_dict()
        if self.shipping_address is not None:
            body["ShippingAddress"] = self.shipping_address.to_dict()
        body["TaxInclusive"] = self.tax_inclusive
        body["TaxRule"] = self.tax_rule
        body["Location"] = self.location
        body["SkipQuote"] = self.skip_quote
        body["SaleOrderDate"] = cin7_datetime(self.sale_order_date)
        if self.customer_reference:
            body["CustomerReference"] = self.customer_reference
        if self.sales_representative:
            body["SalesRepresentative"] = self.sales_representative
        body["DefaultAccount"] = self.default_account
        body["AdditionalAttributes"] = {f"AdditionalAttribute{slot}": value for slot, value in self.attributes}
        body["Note"] = self.note
        if self.currency_rate is not None:
            body["CurrencyRate"] = self.currency_rate
        return body


@dataclass(frozen=True)
class Totals:
    """The order's amounts in the payment currency (``to_dict`` gives 2-dp strings)."""

    currency: str
    total: Decimal
    tax: Decimal
    captured: Decimal
    refunded: Decimal
    voided: Decimal
    open: Decimal

    def to_dict(self) -> dict[str, Any]:
        """``{currency, total, tax, captured, refunded, voided, open}``."""
        return {
            "currency": self.currency,
            "total": format_amount(self.total),
            "tax": format_amount(self.tax),
            "captured": format_amount(self.captured),
            "refunded": format_amount(self.refunded),
            "voided": format_amount(self.voided),
            "open": format_amount(self.open),
        }


@dataclass(frozen=True)
class MappedOrder:
    """Every Cin7 Core document that should exist for one Afterpay payment (DESIGN.md §3.1)."""

    afterpay_order_id: str
    state: OrderState
    skip_reason: str | None
    customer: Customer | SharedCustomer
    sale: SaleHeader
    order: SaleOrder
    invoice: SaleInvoice | None
    payments: tuple[SalePayment, ...]
    credit_notes: tuple[CreditNote, ...]
    totals: Totals
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The ``POST /v1/map-order`` response body, keys in the documented order."""
        return {
            "afterpayOrderId": self.afterpay_order_id,
            "target": TARGET,
            "state": self.state.value,
            "skipReason": self.skip_reason,
            "customer": self.customer.to_dict(),
            "sale": self.sale.to_dict(),
            "order": self.order.to_dict(),
            "invoice": self.invoice.to_dict() if self.invoice is not None else None,
            "payments": [p.to_dict() for p in self.payments],
            "creditNotes": [c.to_dict() for c in self.credit_notes],
            "totals": self.totals.to_dict(),
            "warnings": list(self.warnings),
        }
