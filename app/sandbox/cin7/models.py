"""The simulated account's records: reference data, customers, sales and their documents.

Plain mutable dataclasses, owned by the store and changed only under its lock. Money and
quantities are Decimal; times are timezone-aware UTC. Everything that Cin7 derives (statuses,
totals, availability) is computed from these on demand, never stored twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

NOT_AVAILABLE = "NOT AVAILABLE"
DRAFT = "DRAFT"
AUTHORISED = "AUTHORISED"
VOIDED = "VOIDED"
PAID = "PAID"


# -- reference data -------------------------------------------------------------------------------


@dataclass
class Location:
    """A stock location (``/ref/location``)."""

    id: str
    name: str
    is_default: bool
    address_line1: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = "Australia"
    is_deprecated: bool = False


@dataclass
class TaxRule:
    """A taxation rule (``/ref/tax``)."""

    id: str
    name: str
    percent: Decimal
    account: str
    for_sale: bool
    for_purchase: bool
    is_active: bool = True


@dataclass
class Account:
    """A chart-of-accounts entry (``/ref/account``)."""

    code: str
    name: str
    type: str
    account_class: str
    description: str = ""
    system_account: str | None = None
    bank: str | None = None
    bank_account_id: str | None = None
    currency: str = "AUD"
    status: str = "ACTIVE"


@dataclass
class PaymentTerm:
    """A payment term (``/ref/paymentterm``)."""

    id: str
    name: str
    duration: int
    method: str
    is_default: bool = False
    is_active: bool = True


@dataclass
class Carrier:
    """A carrier (``/ref/carrier``)."""

    id: str
    description: str


@dataclass
class Product:
    """A product of the catalogue (``/product``)."""

    id: str
    sku: str
    name: str
    category: str
    type: str
    uom: str
    price: Decimal
    average_cost: Decimal
    sale_tax_rule: str | None
    barcode: str
    brand: str | None
    weight: Decimal
    last_modified: datetime
    status: str = "Active"

    @property
    def is_stock(self) -> bool:
        """Whether the product carries stock (Service products do not)."""
        return self.type == "Stock"


# -- customers ------------------------------------------------------------------------------------


@dataclass
class CustomerAddress:
    """A customer address (cin7.md A14)."""

    id: str
    line1: str
    country: str
    type: str
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    default_for_type: bool = False


@dataclass
class CustomerContact:
    """A customer contact (cin7.md A14)."""

    id: str
    name: str
    job_title: str | None = None
    phone: str | None = None
    mobile_phone: str | None = None
    fax: str | None = None
    email: str | None = None
    website: str | None = None
    comment: str | None = None
    default: bool = False
    include_in_email: bool = False


@dataclass
class Customer:
    """A customer (``/customer``)."""

    id: str
    name: str
    status: str
    currency: str
    payment_term: str
    account_receivable: str
    revenue_account: str
    tax_rule: str
    modified: datetime
    price_tier: str | None = "Tier 1"
    carrier: str | None = None
    sales_representative: str | None = None
    location: str | None = None
    discount: Decimal = Decimal("0")
    comments: str | None = None
    tax_number: str | None = None
    credit_limit: Decimal = Decimal("0")
    tags: str | None = None
    attribute_set: str | None = None
    attributes: list[str | None] = field(default_factory=lambda: [None] * 10)
    is_on_credit_hold: bool = False
    addresses: list[CustomerAddress] = field(default_factory=list)
    contacts: list[CustomerContact] = field(default_factory=list)

    def default_contact(self) -> CustomerContact | None:
        """The contact marked default, else the first one."""
        for contact in self.contacts:
            if contact.default:
                return contact
        return self.contacts[0] if self.contacts else None

    def address_of_type(self, kind: str) -> CustomerAddress | None:
        """The default address of a type (Billing, Business, Shipping), else the first of it."""
        matching = [a for a in self.addresses if a.type.lower() == kind.lower()]
        for address in matching:
            if address.default_for_type:
                return address
        return matching[0] if matching else None


# -- sales ----------------------------------------------------------------------------------------


@dataclass
class SaleAddress:
    """A billing or shipping address on a sale (Address Model / Sale Shipping Address Model)."""

    line1: str
    country: str
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    company: str | None = None
    contact: str | None = None
    ship_to_other: bool = False

    def display_lines(self) -> tuple[str, str]:
        """DisplayAddressLine1 (= Line1 + Line2) and 2 (= City + State + Postcode + Country)."""
        first = " ".join(part for part in (self.line1, self.line2) if part)
        second = " ".join(part for part in (self.city, self.state, self.postcode, self.country) if part)
        return first, second


@dataclass
class Line:
    """A product line of a quote, order, invoice or credit note."""

    product_id: str
    sku: str
    name: str
    quantity: Decimal
    price: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    tax_rule: str
    average_cost: Decimal
    comment: str = ""
    account: str | None = None
    drop_ship: bool = False
    backorder_quantity: Decimal = Decimal("0")


@dataclass
class Charge:
    """An additional charge (shipping, surcharges, discounts) of a document."""

    description: str
    price: Decimal
    quantity: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    tax_rule: str
    comment: str = ""
    account: str | None = None


@dataclass
class Document:
    """The parts every sale document shares."""

    status: str = NOT_AVAILABLE
    memo: str = ""
    combine_additional_charges: bool = False
    lines: list[Line] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)

    def amounts(self) -> list[tuple[Decimal, Decimal]]:
        """``(Total, Tax)`` of every line and charge."""
        return [(x.total, x.tax) for x in self.lines] + [(c.total, c.tax) for c in self.charges]


@dataclass
class Quote(Document):
    """The sale quote."""


@dataclass
class Order(Document):
    """The sale order."""


@dataclass
class Invoice(Document):
    """The invoice of a simple sale (its task ID is the sale ID)."""

    task_id: str = ""
    number: str = ""
    invoice_date: datetime | None = None
    due_date: datetime | None = None
    conversion_rate: Decimal = Decimal("1")
    billing_line1: str | None = None
    billing_line2: str | None = None


@dataclass
class RestockLine:
    """A credit-note line that returns stock to a location."""

    product_id: str
    sku: str
    name: str
    location_id: str
    location: str
    quantity: Decimal


@dataclass
class CreditNote(Document):
    """A credit-note task of a sale: the first one's task ID is the sale ID, later ones a fresh GUID."""

    task_id: str = ""
    number: str = ""
    invoice_number: str = ""
    credit_date: datetime | None = None
    conversion_rate: Decimal = Decimal("1")
    restock: list[RestockLine] = field(default_factory=list)


@dataclass
class PickPackLine:
    """A picked or packed quantity of a product."""

    product_id: str
    sku: str
    name: str
    location_id: str
    location: str
    quantity: Decimal
    box: str | None = None


@dataclass
class ShipLine:
    """A shipped box."""

    id: str
    shipment_date: datetime
    box: str
    carrier: str | None = None
    tracking_number: str = ""
    tracking_url: str = ""
    is_shipped: bool = True


@dataclass
class Fulfilment:
    """The pick, pack and ship stages of a simple sale (task ID = sale ID)."""

    task_id: str
    pick_status: str = NOT_AVAILABLE
    pack_status: str = NOT_AVAILABLE
    ship_status: str = NOT_AVAILABLE
    pick_lines: list[PickPackLine] = field(default_factory=list)
    pack_lines: list[PickPackLine] = field(default_factory=list)
    ship_lines: list[ShipLine] = field(default_factory=list)
    require_by: date | None = None
    shipping_address: SaleAddress | None = None
    shipping_notes: str = ""


@dataclass
class Payment:
    """A payment, prepayment or refund recorded on a sale (``/sale/payment``)."""

    id: str
    sale_id: str
    task_id: str
    kind: str  # PAYMENT, PREPAYMENT or REFUND
    reference: str
    amount: Decimal
    date_paid: datetime
    account: str
    currency_rate: Decimal
    created: datetime


@dataclass
class Allocation:
    """Stock an authorised order holds at a location, and what it could not get (backorder)."""

    product_id: str
    location_id: str
    quantity: Decimal
    backordered: Decimal
    line_index: int


@dataclass
class Movement:
    """An inventory movement (shipment out, restock in) with its cost of goods."""

    task_id: str
    product_id: str
    location_id: str
    moved_at: datetime
    quantity: Decimal  # signed change of stock on hand: negative out (shipment), positive in (restock)
    cogs: Decimal


@dataclass
class Sale:
    """A sale: header plus documents. Statuses and amounts are derived (statuses.py)."""

    id: str
    order_number: str
    customer_id: str
    customer: str
    location_id: str
    created: datetime
    updated: datetime
    tax_rule: str
    tax_inclusive: bool
    base_currency: str
    customer_currency: str
    currency_rate: Decimal
    default_account: str
    contact: str | None = None
    phone: str | None = None
    email: str | None = None
    skip_quote: bool = False
    billing_address: SaleAddress | None = None
    shipping_address: SaleAddress | None = None
    shipping_notes: str = ""
    terms: str | None = None
    price_tier: str | None = None
    ship_by: date | None = None
    sale_order_date: date | None = None
    note: str = ""
    customer_reference: str = ""
    sales_representative: str | None = None
    carrier: str | None = None
    external_id: str | None = None
    attributes: list[str] = field(default_factory=lambda: [""] * 10)
    voided: bool = False
    quote: Quote = field(default_factory=Quote)
    order: Order = field(default_factory=Order)
    invoice: Invoice | None = None
    # Oldest first. The first credit note's task ID is the sale ID; a second one (POSTed with the
    # empty GUID) gets a fresh GUID and turns the sale into an Advanced Sale (``advanced``).
    credit_notes: list[CreditNote] = field(default_factory=list)
    advanced: bool = False
    fulfilment: Fulfilment | None = None
    payments: list[Payment] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)

    def payments_of(self, kind: str) -> list[Payment]:
        """Payments of one kind (PAYMENT, PREPAYMENT, REFUND)."""
        return [p for p in self.payments if p.kind == kind]

    def credit_note(self, task_id: str) -> CreditNote | None:
        """The credit note whose task ID is ``task_id``."""
        return next((n for n in self.credit_notes if n.task_id == task_id), None)

    @property
    def latest_credit_note(self) -> CreditNote | None:
        """The most recently created credit note (its number is the sale's ``CreditNoteNumber``)."""
        return self.credit_notes[-1] if self.credit_notes else None

    @property
    def authorised_credit_notes(self) -> list[CreditNote]:
        """The credit notes that are AUTHORISED, oldest first."""
        return [n for n in self.credit_notes if n.status == AUTHORISED]

    def refunds_of(self, note: CreditNote) -> list[Payment]:
        """The REFUND payments made against one credit note (by its task ID)."""
        return [p for p in self.payments if p.kind == "REFUND" and p.task_id == note.task_id]

    @property
    def backordered(self) -> bool:
        """Whether any order line is (still) on backorder."""
        return any(a.backordered > 0 for a in self.allocations)

    @property
    def shipped(self) -> bool:
        """Whether the shipment is authorised."""
        return self.fulfilment is not None and self.fulfilment.ship_status == AUTHORISED


@dataclass
class Webhook:
    """A webhook subscription (``/webhooks``)."""

    id: str
    type: str
    is_active: bool
    url: str
    auth_type: str
    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
