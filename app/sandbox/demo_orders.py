"""Realistic Australian orders for the demo, as ``POST /_sandbox/payments`` bodies.

A small online homewares-and-apparel shop's week: GST-inclusive prices from the Cin7
sandbox's catalogue, free shipping over $100, a welcome discount now and then, GST-free
gift cards and pantry lines, repeat customers (as real shops have), some orders paid on
shipment (deferred auths), one partly shipped, a cancelled one, and a couple of refunds.
Deterministic: the same ``count`` and ``now`` always give the same orders.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.sandbox.cin7.seed import GST_FREE, SEED_PRODUCTS, SeedProduct

CENT = Decimal("0.01")
FREE_SHIPPING_FROM = Decimal("100.00")
SHIPPING = Decimal("9.95")
WELCOME_DISCOUNT = Decimal("10.00")


@dataclass(frozen=True)
class Shopper:
    given: str
    surname: str
    email: str
    phone: str
    line1: str
    suburb: str
    state: str
    postcode: str


SHOPPERS: tuple[Shopper, ...] = (
    Shopper("Mia", "Nguyen", "mia.nguyen@example.com.au", "0412 345 678", "12 Darling St", "Balmain", "NSW", "2041"),
    Shopper("Jack", "Thompson", "jack.t@example.com.au", "0423 111 902", "4/88 Chapel St", "Windsor", "VIC", "3181"),
    Shopper(
        "Olivia", "Smith", "olivia.smith@example.net.au", "0400 765 432", "7 Ocean Pde", "Burleigh Heads", "QLD", "4220"
    ),
    Shopper(
        "Noah", "Williams", "noah.williams@example.com.au", "0433 908 112", "21 Rundle St", "Kent Town", "SA", "5067"
    ),
    Shopper("Charlotte", "Brown", "charlotte.b@example.org.au", "0411 222 333", "3 Hay St", "Subiaco", "WA", "6008"),
    Shopper(
        "William", "Jones", "will.jones@example.com.au", "0455 010 203", "150 Elizabeth St", "Hobart", "TAS", "7000"
    ),
    Shopper(
        "Amelia", "Taylor", "amelia.taylor@example.com.au", "0422 765 100", "9 Lonsdale St", "Braddon", "ACT", "2612"
    ),
    Shopper(
        "Lucas", "Wilson", "lucas.wilson@example.com.au", "0408 555 019", "66 Mitchell St", "Darwin City", "NT", "0800"
    ),
    Shopper("Isla", "Martin", "isla.martin@example.com.au", "0419 333 871", "18 King St", "Newtown", "NSW", "2042"),
    Shopper("Henry", "Lee", "henry.lee@example.com.au", "0432 876 543", "2 Brunswick St", "Fitzroy", "VIC", "3065"),
    Shopper(
        "Grace",
        "Walker",
        "grace.walker@example.com.au",
        "0403 219 876",
        "45 James St",
        "Fortitude Valley",
        "QLD",
        "4006",
    ),
    Shopper("Leo", "Hall", "leo.hall@example.com.au", "0414 654 321", "11 Beach Rd", "Bondi", "NSW", "2026"),
)

#: Products a demo order may contain: stocked ones with enough units for a week of orders.
CATALOGUE: tuple[SeedProduct, ...] = tuple(p for p in SEED_PRODUCTS if p.product_type == "Stock" and p.stock >= 20)

#: SKUs whose sale is GST-free; the demo's mapping file lists them (tax.free_skus).
GST_FREE_SKUS: tuple[str, ...] = tuple(p.sku for p in CATALOGUE if p.tax_rule == GST_FREE)


def _money(amount: Decimal) -> dict[str, str]:
    return {"amount": f"{amount.quantize(CENT)}", "currency": "AUD"}


def _gst(taxable: Decimal) -> Decimal:
    # GST inside a GST-inclusive amount is 1/11 of it.
    return (taxable / 11).quantize(CENT, rounding=ROUND_HALF_UP)


def _contact(shopper: Shopper) -> dict[str, str]:
    return {
        "name": f"{shopper.given} {shopper.surname}",
        "line1": shopper.line1,
        "area1": shopper.suburb,
        "region": shopper.state,
        "postcode": shopper.postcode,
        "countryCode": "AU",
        "phoneNumber": shopper.phone,
    }


def demo_payments(count: int, *, now: datetime, seed: int = 2026) -> list[dict[str, Any]]:
    """``count`` payments created over the week before ``now``, oldest first."""
    rng = random.Random(seed)
    regulars = SHOPPERS[:7]
    payments: list[dict[str, Any]] = []
    for index in range(count):
        # Two orders in three come from a handful of regulars, as in a real shop.
        shopper = rng.choice(regulars) if rng.random() < 0.66 else rng.choice(SHOPPERS)
        chosen = rng.sample(CATALOGUE, k=rng.choice((1, 1, 2, 2, 3)))
        items = [(product, rng.choice((1, 1, 1, 2))) for product in chosen]
        subtotal = sum((p.price * qty for p, qty in items), Decimal(0))
        taxable = sum((p.price * qty for p, qty in items if p.tax_rule != GST_FREE), Decimal(0))
        shipping = Decimal(0) if subtotal >= FREE_SHIPPING_FROM else SHIPPING
        discount = WELCOME_DISCOUNT if subtotal > 60 and rng.random() < 0.2 else Decimal(0)
        total = subtotal + shipping - discount
        # The discount comes off the taxable share in proportion; shipping carries GST.
        taxable_after_discount = taxable - (discount * taxable / subtotal if subtotal else 0)
        tax = _gst(taxable_after_discount + shipping)
        created = now - timedelta(days=7) + timedelta(days=7) * (index + 0.5) / count
        payment: dict[str, Any] = {
            "created": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "originalAmount": _money(total),
            "merchantReference": f"#WEB-{10400 + index}",
            "orderDetails": {
                "consumer": {
                    "email": shopper.email,
                    "givenNames": shopper.given,
                    "surname": shopper.surname,
                    "phoneNumber": shopper.phone,
                },
                "billing": _contact(shopper),
                "shipping": _contact(shopper),
                "courier": {},
                "items": [
                    {
                        "name": p.name,
                        "sku": p.sku,
                        "quantity": qty,
                        "price": _money(p.price),
                        "categories": [[p.category]],
                    }
                    for p, qty in items
                ],
                "discounts": [{"displayName": "WELCOME10", "amount": _money(discount)}] if discount else [],
                "shippingAmount": _money(shipping),
                "taxAmount": _money(tax),
            },
        }
        _give_state(payment, index, items, total, created, now)
        payments.append(payment)
    return payments


def _give_state(
    payment: dict[str, Any],
    index: int,
    items: list[tuple[SeedProduct, int]],
    total: Decimal,
    created: datetime,
    now: datetime,
) -> None:
    """Most orders are captured at checkout; some wait for shipment, one is part-shipped,
    one is cancelled, and some captured ones have a return refunded."""
    slot = index % 12
    if slot in (3, 8):
        payment["paymentState"] = "AUTH_APPROVED"  # deferred: captured when Cin7 ships it
    elif slot == 5 and len(items) > 1 and total > Decimal("2.00"):
        first, qty = items[0]
        payment["paymentState"] = "PARTIALLY_CAPTURED"
        payment["capturedAmount"] = _money(min(first.price * qty, total - Decimal("1.00")))
    elif slot == 10:
        payment["paymentState"] = "VOIDED"  # cancelled before it shipped
    else:
        payment["paymentState"] = "CAPTURED"
        returned_at = created + timedelta(days=2)
        if slot in (1, 7) and returned_at < now:
            product, _qty = items[-1]
            payment["refunds"] = [
                {
                    "amount": _money(min(product.price, total)),
                    "merchantReference": f"RMA-{2000 + index}",
                    "refundedAt": returned_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                }
            ]


def existing_customers(count: int = 5) -> list[dict[str, Any]]:
    """POST /customer bodies for the shop's regulars, who were Cin7 customers before the bridge
    came (a real shop connects an existing customer base)."""
    return [
        {
            "Name": f"{s.given} {s.surname}",
            "Status": "Active",
            "Currency": "AUD",
            "PaymentTerm": "30 days",
            "AccountReceivable": "610",
            "RevenueAccount": "200",
            "TaxRule": "GST on Income",
            "Contacts": [{"Name": f"{s.given} {s.surname}", "Email": s.email, "Phone": s.phone, "Default": True}],
            "Addresses": [
                {
                    "Line1": s.line1,
                    "City": s.suburb,
                    "State": s.state,
                    "Postcode": s.postcode,
                    "Country": "AU",
                    "Type": "Billing",
                    "DefaultForType": True,
                }
            ],
        }
        for s in SHOPPERS[:count]
    ]
