"""The Afterpay Payment as the domain sees it: frozen dataclasses with ``Decimal`` money.

The shapes follow afterpay.md §4 (Payment, Order Details, Consumer, Contact, Item, Discount,
Refund, Payment Event). Field names are Python's; ``app/afterpay/schemas.py`` maps them to
and from the API's camelCase JSON. Timestamps are timezone-aware UTC ``datetime`` values.

Collections are tuples so that a Payment is immutable all the way down; "absent" and "empty"
lists are the same thing here, as they are in Afterpay's responses (``"items" : [ ]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class PaymentStatus(StrEnum):
    """Order ``status`` (afterpay.md §4): whether Afterpay approved the consumer."""

    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


class PaymentState(StrEnum):
    """``paymentState`` (afterpay.md §4). ``EXPIRED`` is missing from the v2 spec's enum but is
    real: the Update Payment doc lists it and Magento checks for it."""

    AUTH_APPROVED = "AUTH_APPROVED"
    AUTH_DECLINED = "AUTH_DECLINED"
    PARTIALLY_CAPTURED = "PARTIALLY_CAPTURED"
    CAPTURED = "CAPTURED"
    CAPTURE_DECLINED = "CAPTURE_DECLINED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


class EventType(StrEnum):
    """Payment event ``type`` (afterpay.md §4)."""

    AUTH_APPROVED = "AUTH_APPROVED"
    AUTH_DECLINED = "AUTH_DECLINED"
    CAPTURED = "CAPTURED"
    CAPTURE_DECLINED = "CAPTURE_DECLINED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


class CourierPriority(StrEnum):
    """Courier ``priority`` (afterpay.md §3.2 Update courier)."""

    STANDARD = "STANDARD"
    EXPRESS = "EXPRESS"


@dataclass(frozen=True)
class Money:
    """``{"amount": "10.00", "currency": "AUD"}``: a 2-dp amount and its ISO 4217 currency."""

    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Consumer:
    """The shopper (afterpay.md §4 Consumer); ``email`` is the key the bridge matches on."""

    email: str
    given_names: str | None = None
    surname: str | None = None
    phone_number: str | None = None

    @property
    def full_name(self) -> str | None:
        """``"<givenNames> <surname>"`` with blanks dropped, or None when both are empty."""
        name = " ".join(part.strip() for part in (self.given_names, self.surname) if part and part.strip())
        return name or None


@dataclass(frozen=True)
class Contact:
    """A billing or shipping address (afterpay.md §4 Contact).

    ``area1`` is the suburb (AU), town or city (NZ), postal town (UK) or city (US/CA);
    ``region`` the state (AU/US), region (NZ), county (UK) or province (CA).
    """

    name: str | None = None
    line1: str | None = None
    line2: str | None = None
    area1: str | None = None
    area2: str | None = None
    region: str | None = None
    postcode: str | None = None
    country_code: str | None = None
    phone_number: str | None = None


@dataclass(frozen=True)
class Item:
    """One order item. ``price`` is the UNIT price (tax-inclusive in AU/NZ) and must never be
    multiplied by ``quantity`` on the way in (afterpay.md §4 Item)."""

    name: str
    quantity: int
    price: Money
    sku: str | None = None
    page_url: str | None = None
    image_url: str | None = None
    categories: tuple[tuple[str, ...], ...] = ()
    estimated_shipment_date: str | None = None
    preorder: bool | None = None


@dataclass(frozen=True)
class Discount:
    """An order-level discount (afterpay.md §4 Discount): a positive amount taken off."""

    amount: Money
    display_name: str | None = None


@dataclass(frozen=True)
class Courier:
    """Shipping courier details; real responses often carry an empty ``{}`` (afterpay.md §4)."""

    shipped_at: datetime | None = None
    name: str | None = None
    tracking: str | None = None
    priority: CourierPriority | None = None


@dataclass(frozen=True)
class OrderDetails:
    """What the shopper bought (afterpay.md §4 Order Details).

    ``tax_amount`` is "the included tax amount, after applying all discounts"; in AU/NZ it is
    the GST inside ``originalAmount`` (afterpay.md §9).
    """

    consumer: Consumer | None = None
    billing: Contact | None = None
    shipping: Contact | None = None
    courier: Courier | None = None
    items: tuple[Item, ...] = ()
    discounts: tuple[Discount, ...] = ()
    tax_amount: Money | None = None
    shipping_amount: Money | None = None


@dataclass(frozen=True)
class PaymentEvent:
    """One entry of ``events[]`` (afterpay.md §4 Payment Event)."""

    id: str
    created: datetime
    type: EventType
    amount: Money
    expires: datetime | None = None
    payment_event_merchant_reference: str | None = None


@dataclass(frozen=True)
class Refund:
    """One entry of ``refunds[]`` (afterpay.md §4 Refund).

    Entries that a void creates carry only ``amount``, ``refund_id`` and ``refunded_at``
    (afterpay.md §4, §12, example E2); they are not refunds. See ``app.domain.ledger``.
    """

    amount: Money
    refund_id: str
    refunded_at: datetime
    request_id: str | None = None
    merchant_reference: str | None = None
    refund_merchant_reference: str | None = None


@dataclass(frozen=True)
class Payment:
    """A permanent Afterpay order as ``GET /v2/payments/{id}`` returns it (afterpay.md §4)."""

    id: str
    status: PaymentStatus
    created: datetime
    original_amount: Money
    payment_state: PaymentState
    token: str | None = None
    open_to_capture_amount: Money | None = None
    merchant_reference: str | None = None
    refunds: tuple[Refund, ...] = ()
    order_details: OrderDetails | None = None
    events: tuple[PaymentEvent, ...] = ()

    @property
    def currency(self) -> str:
        """The payment's currency (every Money of one payment shares it, afterpay.md §2)."""
        return self.original_amount.currency

    @property
    def details(self) -> OrderDetails:
        """``order_details``, or an empty one when the payment has none."""
        return self.order_details if self.order_details is not None else OrderDetails()
