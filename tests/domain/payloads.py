"""Real Afterpay payloads (afterpay.md §11, verbatim apart from whitespace) and builders.

E3 is an excerpt in the reference ("consumer, billing, shipping, courier and discounts
omitted for brevity"); it is used exactly as excerpted.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.domain.afterpay import (
    Consumer,
    Contact,
    Discount,
    EventType,
    Item,
    Money,
    OrderDetails,
    Payment,
    PaymentEvent,
    PaymentState,
    PaymentStatus,
    Refund,
)

E1: dict[str, Any] = {
    "id": "400123851542",
    "token": "003.gb393bn1r2v3a0kotv4mlhgof8d5ondm01ldj793gneduppe",
    "status": "APPROVED",
    "created": "2020-04-09T15:26:53.140Z",
    "originalAmount": {"amount": "30.00", "currency": "GBP"},
    "openToCaptureAmount": {"amount": "0.00", "currency": "GBP"},
    "paymentState": "CAPTURED",
    "merchantReference": "ref-5e8f3ea1a27c0",
    "refunds": [],
    "orderDetails": {
        "consumer": {
            "phoneNumber": "07123123456",
            "givenNames": "Testy",
            "surname": "Testerson",
            "email": "name@example.com",
        },
        "courier": {},
        "items": [],
        "discounts": [],
    },
    "events": [
        {
            "id": "1aJG2lUme9AEyz12sN3zhpnrDqU",
            "created": "2020-04-09T15:27:57.308Z",
            "expires": "2020-04-11T03:27:57.308Z",
            "type": "AUTH_APPROVED",
            "amount": {"amount": "30.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
        {
            "id": "1aJGmEpQdiZGRX4tfpxernxRoLd",
            "created": "2020-04-09T15:33:59.338Z",
            "expires": None,
            "type": "CAPTURED",
            "amount": {"amount": "30.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
    ],
}

E2: dict[str, Any] = {
    "id": "400123851519",
    "token": "003.gdekaou4h9e4nnkf1ejjip26ghmi9aeflhchg7oi9nddc771",
    "status": "APPROVED",
    "created": "2020-04-08T09:44:33.231Z",
    "originalAmount": {"amount": "30.00", "currency": "GBP"},
    "openToCaptureAmount": {"amount": "0.00", "currency": "GBP"},
    "paymentState": "CAPTURED",
    "merchantReference": "ref-5e8d9ce279fdd",
    "refunds": [
        {"amount": {"amount": "20.00", "currency": "GBP"}, "refundId": "3221", "refundedAt": "2020-04-08T13:37:46.639Z"}
    ],
    "orderDetails": {
        "consumer": {
            "phoneNumber": "07855782357",
            "givenNames": "Testy",
            "surname": "Testerson",
            "email": "bmcmanus+clearpay-customer@inviqa.com",
        },
        "courier": {},
        "items": [],
        "discounts": [],
    },
    "events": [
        {
            "id": "1aFls8coGVgpTC9QvrK6mpnjaH8",
            "created": "2020-04-08T09:50:26.135Z",
            "expires": "2020-04-09T21:50:26.135Z",
            "type": "AUTH_APPROVED",
            "amount": {"amount": "30.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
        {
            "id": "1aGDMrB7wL2rrc27joIIcNdEFRV",
            "created": "2020-04-08T13:36:31.139Z",
            "expires": None,
            "type": "CAPTURED",
            "amount": {"amount": "10.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
        {
            "id": "1aGDWRxyqHMzEnBtfLwA0XBAwYQ",
            "created": "2020-04-08T13:37:47.222Z",
            "expires": None,
            "type": "VOIDED",
            "amount": {"amount": "20.00", "currency": "GBP"},
            "paymentEventMerchantReference": None,
        },
    ],
}

E3: dict[str, Any] = {
    "id": "100203444519",
    "token": "002.em5vos7eumu87po1a7sstik3le2rrdhipspg9i8hak9ba756",
    "status": "APPROVED",
    "created": "2023-12-07T13:55:49.208Z",
    "originalAmount": {"amount": "74.93", "currency": "USD"},
    "openToCaptureAmount": {"amount": "74.93", "currency": "USD"},
    "paymentState": "AUTH_APPROVED",
    "merchantReference": "000326025",
    "refunds": [],
    "orderDetails": {
        "items": [
            {
                "name": "AE AirFlex 360 Skinny Jean",
                "sku": "0035448345",
                "quantity": 1,
                "price": {"amount": "74.93", "currency": "USD"},
            }
        ],
        "shippingAmount": {"amount": "0.00", "currency": "USD"},
        "taxAmount": {"amount": "0.00", "currency": "USD"},
    },
    "events": [
        {
            "id": "2ZDXLYkDejYZknHpQgXaXNSkQn5",
            "created": "2023-12-07T13:59:27.668Z",
            "expires": "2023-12-14T13:59:27.667Z",
            "type": "AUTH_APPROVED",
            "amount": {"amount": "74.93", "currency": "USD"},
            "paymentEventMerchantReference": None,
        }
    ],
}

#: A realistic AU order: items, shipping, a discount and GST (used by schema and mapping tests).
AU_ORDER: dict[str, Any] = {
    "id": "500000000101",
    "token": "001.aaaabbbbccccddddeeeeffffgggghhhhiiiijjjjkkkkllll",
    "status": "APPROVED",
    "created": "2024-03-01T01:00:00.000Z",
    "originalAmount": {"amount": "104.90", "currency": "AUD"},
    "openToCaptureAmount": {"amount": "0.00", "currency": "AUD"},
    "paymentState": "CAPTURED",
    "merchantReference": "WEB-1001",
    "refunds": [],
    "orderDetails": {
        "consumer": {"email": "jo@example.com", "givenNames": "Jo", "surname": "Citizen", "phoneNumber": "0400000000"},
        "billing": {
            "name": "Jo Citizen",
            "line1": "1 George St",
            "area1": "Sydney",
            "region": "NSW",
            "postcode": "2000",
            "countryCode": "AU",
        },
        "shipping": {
            "name": "Jo Citizen",
            "line1": "2 Pitt St",
            "line2": "Level 3",
            "area1": "Sydney",
            "region": "NSW",
            "postcode": "2000",
            "countryCode": "AU",
            "phoneNumber": "0411111111",
        },
        "courier": {},
        "items": [
            {"name": "Linen shirt", "sku": "SHIRT-L", "quantity": 2, "price": {"amount": "39.95", "currency": "AUD"}},
            {"name": "Socks", "sku": "SOCKS", "quantity": 1, "price": {"amount": "25.00", "currency": "AUD"}},
        ],
        "discounts": [{"displayName": "WELCOME10", "amount": {"amount": "10.00", "currency": "AUD"}}],
        "shippingAmount": {"amount": "10.00", "currency": "AUD"},
        "taxAmount": {"amount": "9.54", "currency": "AUD"},
    },
    "events": [
        {
            "id": "2aAuth000000000000000000001",
            "created": "2024-03-01T01:00:01.000Z",
            "expires": "2024-03-14T01:00:01.000Z",
            "type": "AUTH_APPROVED",
            "amount": {"amount": "104.90", "currency": "AUD"},
            "paymentEventMerchantReference": None,
        },
        {
            "id": "2aCapt000000000000000000001",
            "created": "2024-03-01T01:00:02.000Z",
            "expires": None,
            "type": "CAPTURED",
            "amount": {"amount": "104.90", "currency": "AUD"},
            "paymentEventMerchantReference": None,
        },
    ],
}


def payload(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with top-level keys replaced."""
    out = copy.deepcopy(base)
    out.update(changes)
    return out


# -- domain builders ----------------------------------------------------------------------

BASE_TIME = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """A UTC time ``seconds`` after BASE_TIME."""
    return BASE_TIME + timedelta(seconds=seconds)


def money(amount: str | Decimal, currency: str = "AUD") -> Money:
    """Money from a 2-dp string."""
    return Money(Decimal(amount), currency)


def event(
    kind: EventType, amount: str, seconds: float, event_id: str | None = None, currency: str = "AUD"
) -> PaymentEvent:
    """A payment event ``seconds`` after BASE_TIME."""
    return PaymentEvent(
        id=event_id or f"ev-{kind.value.lower()}-{int(seconds * 1000)}",
        created=at(seconds),
        type=kind,
        amount=money(amount, currency),
    )


def refund(
    amount: str, refund_id: str, seconds: float, *, request_id: str | None = None, currency: str = "AUD"
) -> Refund:
    """A refund entry; without ``request_id`` it has the shape of a void-made entry."""
    return Refund(amount=money(amount, currency), refund_id=refund_id, refunded_at=at(seconds), request_id=request_id)


def item(sku: str | None, quantity: int, price: str, name: str | None = None, currency: str = "AUD") -> Item:
    """An order item with a unit price."""
    return Item(name=name or f"Product {sku}", sku=sku, quantity=quantity, price=money(price, currency))


CONSUMER = Consumer(email="jo@example.com", given_names="Jo", surname="Citizen", phone_number="0400000000")
ADDRESS = Contact(
    name="Jo Citizen", line1="1 George St", area1="Sydney", region="NSW", postcode="2000", country_code="AU"
)


def make_payment(
    *,
    original: str = "100.00",
    state: PaymentState = PaymentState.CAPTURED,
    status: PaymentStatus = PaymentStatus.APPROVED,
    open_amount: str | None = "0.00",
    items: tuple[Item, ...] = (),
    shipping: str | None = None,
    discounts: tuple[tuple[str, str], ...] = (),
    tax: str | None = None,
    events: tuple[PaymentEvent, ...] | None = None,
    refunds: tuple[Refund, ...] = (),
    currency: str = "AUD",
    merchant_reference: str | None = "WEB-1001",
    consumer: Consumer | None = CONSUMER,
    billing: Contact | None = None,
    shipping_contact: Contact | None = None,
    payment_id: str = "500000000001",
) -> Payment:
    """A domain Payment; by default fully captured at once (AUTH_APPROVED + CAPTURED events)."""
    if events is None:
        events = (
            event(EventType.AUTH_APPROVED, original, 1, "ev-auth", currency),
            event(EventType.CAPTURED, original, 2, "ev-capture", currency),
        )
    return Payment(
        id=payment_id,
        token="001.token",
        status=status,
        created=BASE_TIME,
        original_amount=money(original, currency),
        open_to_capture_amount=money(open_amount, currency) if open_amount is not None else None,
        payment_state=state,
        merchant_reference=merchant_reference,
        refunds=refunds,
        events=events,
        order_details=OrderDetails(
            consumer=consumer,
            billing=billing,
            shipping=shipping_contact,
            items=items,
            discounts=tuple(Discount(amount=money(a, currency), display_name=n) for n, a in discounts),
            tax_amount=money(tax, currency) if tax is not None else None,
            shipping_amount=money(shipping, currency) if shipping is not None else None,
        ),
    )
