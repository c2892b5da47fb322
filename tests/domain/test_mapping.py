"""Afterpay Payment → Cin7 Core documents: the real payloads and one test per mapping row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.afterpay.schemas import load_payment
from app.domain.afterpay import Consumer, Contact, EventType, Item, Payment, PaymentState, PaymentStatus
from app.domain.cin7_documents import ChargeKind, MappedOrder, cin7_datetime
from app.domain.ledger import OrderState, read_ledger
from app.domain.mapping import map_payment
from app.domain.rules import MappingRules, parse_rules
from tests.domain.invariants import assert_invariants
from tests.domain.payloads import (
    ADDRESS,
    AU_ORDER,
    E1,
    E2,
    E3,
    at,
    event,
    item,
    make_payment,
    money,
    payload,
    refund,
)

A, C, V, X = EventType.AUTH_APPROVED, EventType.CAPTURED, EventType.VOIDED, EventType.EXPIRED
D = Decimal
DEFAULT = parse_rules({})
US = parse_rules(
    {
        "cin7": {"base_currency": "USD"},
        "tax": {
            "default_rule": "Sales Tax",
            "free_rule": "Tax Exempt",
            "rates": {"Sales Tax": "8.25", "Tax Exempt": 0},
            "prices_include_tax": False,
        },
    }
)


def mapped(payment: Payment, rules: MappingRules = DEFAULT) -> MappedOrder:
    """Map and check every money invariant on the way."""
    result = map_payment(payment, rules)
    assert_invariants(payment, rules, result)
    return result


def body(payment: Payment, rules: MappingRules = DEFAULT) -> dict[str, Any]:
    return mapped(payment, rules).to_dict()


def charges(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(Description, Total, Tax) of each order charge, as strings."""
    return [(c["Description"], str(c["Total"]), str(c["Tax"])) for c in result["order"]["AdditionalCharges"]]


# -- the real payloads of afterpay.md §11 -------------------------------------------------------


def test_e1_full_capture_without_items() -> None:
    result = body(load_payment(E1))
    assert result["state"] == "paid"
    (line,) = result["order"]["Lines"]
    assert line == {
        "SKU": "AFTERPAY-ORDER",
        "Name": "Afterpay order ref-5e8f3ea1a27c0",
        "Quantity": 1,
        "Price": D("30.00"),
        "Discount": D("0.00"),
        "Tax": D("2.73"),
        "TaxRule": "GST on Income",
        "Total": D("30.00"),
    }
    assert result["order"]["AdditionalCharges"] == []
    assert result["invoice"] == {
        "Status": "AUTHORISED",
        "InvoiceDate": "2020-04-09T15:33:59Z",
        "InvoiceDueDate": "2020-04-09T15:33:59Z",
        "Memo": "Afterpay order 400123851542",
    }
    assert result["payments"] == [
        {
            "Type": "PAYMENT",
            "Amount": D("30.00"),
            "DatePaid": "2020-04-09T15:33:59Z",
            "Reference": "400123851542/1aJGmEpQdiZGRX4tfpxernxRoLd",
            "Account": "090",
        }
    ]
    assert result["creditNotes"] == []
    assert result["totals"] == {
        "currency": "GBP",
        "total": "30.00",
        "tax": "2.73",
        "captured": "30.00",
        "refunded": "0.00",
        "voided": "0.00",
        "open": "0.00",
    }
    assert result["sale"]["SaleOrderDate"] == "2020-04-09T15:26:53Z"
    warnings = result["warnings"]
    assert warnings[0] == "order has no items: one AFTERPAY-ORDER line carries the goods value 30.00"
    assert warnings[1].startswith("tax computed from GST on Income (10%)")
    assert warnings[2].startswith("unknown currency for the configured account")


def test_e2_capture_then_void_with_the_void_refund_entry() -> None:
    result = mapped(load_payment(E2))
    assert result.state is OrderState.PAID
    assert [(line.sku, line.total) for line in result.order.lines] == [("AFTERPAY-ORDER", D("30.00"))]
    (cancelled,) = result.order.additional_charges
    assert cancelled.description == "Cancelled before capture (Afterpay void)"
    assert (cancelled.price, cancelled.total, cancelled.tax) == (D("-20.00"), D("-20.00"), D("-1.82"))
    assert cancelled.kind is ChargeKind.CANCELLED
    # Refund 3221 is the void's entry, not a refund: no credit note, nothing refunded.
    ledger = read_ledger(load_payment(E2))
    assert [r.refund_id for r in ledger.void_entries] == ["3221"] and ledger.refunds == ()
    assert result.credit_notes == ()
    totals = result.to_dict()["totals"]
    assert totals == {
        "currency": "GBP",
        "total": "10.00",
        "tax": "0.91",
        "captured": "10.00",
        "refunded": "0.00",
        "voided": "20.00",
        "open": "0.00",
    }
    assert [p.amount for p in result.payments] == [D("10.00")]
    assert result.payments[0].reference == "400123851519/1aGDMrB7wL2rrc27joIIcNdEFRV"
    assert result.sale.attributes[3] == (4, "")  # refundIds: none


def test_e3_us_auth_with_items_and_zero_tax() -> None:
    payment = load_payment(E3)
    result = body(payment)
    assert result["state"] == "authorised"
    assert result["order"]["Status"] == "AUTHORISED"
    assert result["order"]["Lines"] == [
        {
            "SKU": "0035448345",
            "Name": "AE AirFlex 360 Skinny Jean",
            "Quantity": 1,
            "Price": D("74.93"),
            "Discount": D("0.00"),
            "Tax": D("0.00"),
            "TaxRule": "GST on Income",
            "Total": D("74.93"),
        }
    ]
    # shippingAmount 0.00: no charge; taxAmount 0.00: zero everywhere.
    assert result["order"]["AdditionalCharges"] == []
    assert result["invoice"] is None and result["payments"] == [] and result["creditNotes"] == []
    assert result["totals"]["total"] == "74.93" and result["totals"]["tax"] == "0.00"
    assert result["totals"]["open"] == "74.93"
    assert "customer" in result and result["customer"] == {"Name": "Web Sales", "match": {"name": "Web Sales"}}
    # The same order on a US (tax-exclusive) account.
    us = body(payment, US)
    assert us["sale"]["TaxInclusive"] is False and us["sale"]["TaxRule"] == "Sales Tax"
    assert "CurrencyRate" not in us["sale"] and not any("currency" in w for w in us["warnings"])
    assert us["totals"]["total"] == "74.93"


def test_au_order_worked_example() -> None:
    """The worked example of docs/mapping.md, in full."""
    result = body(load_payment(AU_ORDER))
    assert result["afterpayOrderId"] == "500000000101"
    assert list(result) == [
        "afterpayOrderId",
        "target",
        "state",
        "skipReason",
        "customer",
        "sale",
        "order",
        "invoice",
        "payments",
        "creditNotes",
        "totals",
        "warnings",
    ]
    assert result["target"] == "cin7-core" and result["skipReason"] is None and result["warnings"] == []
    assert result["order"] == {
        "Status": "AUTHORISED",
        "Lines": [
            {
                "SKU": "SHIRT-L",
                "Name": "Linen shirt",
                "Quantity": 2,
                "Price": D("39.95"),
                "Discount": D("0.00"),
                "Tax": D("7.27"),
                "TaxRule": "GST on Income",
                "Total": D("79.90"),
            },
            {
                "SKU": "SOCKS",
                "Name": "Socks",
                "Quantity": 1,
                "Price": D("25.00"),
                "Discount": D("0.00"),
                "Tax": D("2.27"),
                "TaxRule": "GST on Income",
                "Total": D("25.00"),
            },
        ],
        "AdditionalCharges": [
            {
                "Description": "Shipping",
                "Price": D("10.00"),
                "Quantity": 1,
                "Discount": D("0.00"),
                "Tax": D("0.91"),
                "TaxRule": "GST on Income",
                "Total": D("10.00"),
            },
            {
                "Description": "WELCOME10",
                "Price": D("-10.00"),
                "Quantity": 1,
                "Discount": D("0.00"),
                "Tax": D("-0.91"),
                "TaxRule": "GST on Income",
                "Total": D("-10.00"),
            },
        ],
    }
    assert result["customer"] == {
        "Name": "Jo Citizen",
        "Status": "Active",
        "Currency": "AUD",
        "PaymentTerm": "30 days",
        "AccountReceivable": "610",
        "RevenueAccount": "200",
        "TaxRule": "GST on Income",
        "Location": "Main Warehouse",
        "Contacts": [{"Name": "Jo Citizen", "Email": "jo@example.com", "Phone": "0400000000", "Default": True}],
        "Addresses": [
            {
                "Line1": "1 George St",
                "Line2": "",
                "City": "Sydney",
                "State": "NSW",
                "Postcode": "2000",
                "Country": "AU",
                "Type": "Billing",
                "DefaultForType": True,
            },
            {
                "Line1": "2 Pitt St",
                "Line2": "Level 3",
                "City": "Sydney",
                "State": "NSW",
                "Postcode": "2000",
                "Country": "AU",
                "Type": "Shipping",
                "DefaultForType": True,
            },
        ],
        "match": {"email": "jo@example.com"},
    }
    assert result["sale"] == {
        "ExternalID": "500000000101",
        "Customer": "Jo Citizen",
        "Email": "jo@example.com",
        "Phone": "0400000000",
        "Contact": "Jo Citizen",
        "BillingAddress": {
            "Line1": "1 George St",
            "Line2": "",
            "City": "Sydney",
            "State": "NSW",
            "Postcode": "2000",
            "Country": "AU",
        },
        "ShippingAddress": {
            "Line1": "2 Pitt St",
            "Line2": "Level 3",
            "City": "Sydney",
            "State": "NSW",
            "Postcode": "2000",
            "Country": "AU",
            "Contact": "Jo Citizen",
            "ShipToOther": False,
        },
        "TaxInclusive": True,
        "TaxRule": "GST on Income",
        "Location": "Main Warehouse",
        "SkipQuote": True,
        "SaleOrderDate": "2024-03-01T01:00:00Z",
        "CustomerReference": "WEB-1001",
        "DefaultAccount": "200",
        "AdditionalAttributes": {
            "AdditionalAttribute1": "001.aaaabbbbccccddddeeeeffffgggghhhhiiiijjjjkkkkllll",
            "AdditionalAttribute2": "CAPTURED",
            "AdditionalAttribute3": "Afterpay",
            "AdditionalAttribute4": "",
            "AdditionalAttribute5": "jo@example.com",
        },
        "Note": "Afterpay order 500000000101 (CAPTURED)",
    }
    assert result["totals"] == {
        "currency": "AUD",
        "total": "104.90",
        "tax": "9.54",
        "captured": "104.90",
        "refunded": "0.00",
        "voided": "0.00",
        "open": "0.00",
    }


# -- order lines (mapping rule 3) -------------------------------------------------------------


def test_price_is_a_unit_price_never_multiplied() -> None:
    result = mapped(make_payment(original="150.00", items=(item("MUG", 3, "50.00"),), tax="13.64"))
    (line,) = result.order.lines
    assert (line.quantity, line.price, line.total, line.tax) == (3, D("50.00"), D("150.00"), D("13.64"))


def test_item_without_sku_uses_the_fallback_sku() -> None:
    result = mapped(make_payment(original="10.00", items=(item(None, 1, "10.00", name="Gift card"),)))
    assert result.order.lines[0].sku == "AFTERPAY-ORDER"
    assert result.order.lines[0].name == "Gift card"
    assert "item 0 'Gift card' has no sku; booked to AFTERPAY-ORDER" in result.warnings


def test_long_sku_is_kept_with_a_warning() -> None:
    sku = "S" * 60
    result = mapped(make_payment(original="1.00", items=(item(sku, 1, "1.00"),)))
    assert result.order.lines[0].sku == sku
    assert any("longer than Cin7's 50" in w for w in result.warnings)


def test_zero_quantity_items_are_left_out() -> None:
    bad = Item(name="Ghost", sku="G", quantity=0, price=money("5.00"))
    result = mapped(make_payment(original="10.00", items=(item("A", 1, "10.00"), bad)))
    assert [line.sku for line in result.order.lines] == ["A"]
    assert any("quantity 0; left out" in w for w in result.warnings)


def test_free_gift_at_zero_price() -> None:
    result = mapped(make_payment(original="20.00", items=(item("A", 1, "20.00"), item("GIFT", 1, "0.00")), tax="1.82"))
    assert [(line.sku, line.total, line.tax) for line in result.order.lines] == [
        ("A", D("20.00"), D("1.82")),
        ("GIFT", D("0.00"), D("0.00")),
    ]


def test_fallback_line_is_configurable() -> None:
    rules = parse_rules({"fallback_product": {"sku": "WEB-ORDER", "name": "Order {merchantReference} ({id})"}})
    result = mapped(make_payment(original="12.00", merchant_reference="W-9"), rules)
    assert (result.order.lines[0].sku, result.order.lines[0].name) == ("WEB-ORDER", "Order W-9 (500000000001)")


def test_fallback_line_without_merchant_reference_names_the_order_id() -> None:
    result = mapped(make_payment(original="12.00", merchant_reference=None))
    assert result.order.lines[0].name == "Afterpay order 500000000001"
    assert result.sale.customer_reference is None


def test_fallback_line_carries_goods_net_of_shipping_and_discounts() -> None:
    result = mapped(make_payment(original="95.00", shipping="10.00", discounts=(("SAVE", "15.00"),), tax="8.64"))
    assert result.order.lines[0].total == D("100.00")
    assert [c.total for c in result.order.additional_charges] == [D("10.00"), D("-15.00")]
    assert not any("Adjustment" in w for w in result.warnings)


def test_more_than_100_items() -> None:
    items = tuple(item(f"SKU-{i}", 1 + i % 3, f"{1 + i}.99") for i in range(150))
    total = sum((i.quantity * i.price.amount for i in items), D(0))
    result = mapped(make_payment(original=f"{total}", items=items, tax=f"{(total / 11).quantize(D('0.01'))}"))
    assert len(result.order.lines) == 150


def test_quantities_in_the_hundreds_and_one_cent_items() -> None:
    items = (item("BOLT", 500, "0.01"), item("NUT", 250, "0.03"), item("PIN", 1, "0.01"))
    result = mapped(make_payment(original="12.51", items=items, tax="1.14"))
    assert [(line.quantity, line.price, line.total) for line in result.order.lines] == [
        (500, D("0.01"), D("5.00")),
        (250, D("0.03"), D("7.50")),
        (1, D("0.01"), D("0.01")),
    ]


@pytest.mark.parametrize(
    ("quantity", "price", "lines"),
    [
        (1, "0.333", [(1, "0.33", "0.33")]),
        (3, "0.3333", [(3, "0.3333", "1.00")]),
        (7, "1.23456", [(7, "1.2346", "8.64")]),
        # round(3 x 0.33335, 2) = 1.00 but 3 x 0.3334 = 1.0002 -> 1.00 as well: one line
        (3, "0.33335", [(3, "0.3334", "1.00")]),
        # 10 x 0.100049 = 1.00049 -> 1.00, but 10 x 0.1000 = 1.00: fits too
        (10, "0.100049", [(10, "0.10", "1.00")]),
        # 2 x 0.12345 = 0.2469 -> 0.25; 2 x 0.1235 = 0.247 -> 0.25: fits
        (2, "0.12345", [(2, "0.1235", "0.25")]),
        # 3 x 0.00165 = 0.00495 -> 0.00; 3 x 0.0017 = 0.0051 -> 0.01: split the last unit
        (3, "0.00165", [(2, "0.0017", "0.00"), (1, "0.00", "0.00")]),
    ],
)
def test_more_than_two_dp_prices_stay_within_the_formula(
    quantity: int, price: str, lines: list[tuple[int, str, str]]
) -> None:
    """A Payment built in code may carry sub-cent prices; Cin7's formula must still hold."""
    payment = make_payment(original="50.00", items=(Item(name="X", sku="X", quantity=quantity, price=money(price)),))
    result = mapped(payment)
    got = [(line.quantity, str(line.price), str(line.total)) for line in result.order.lines]
    assert got == lines


# -- charges (mapping rule 4) -------------------------------------------------------------------


def test_shipping_discounts_and_adjustment() -> None:
    payment = make_payment(
        original="101.00",
        items=(item("A", 1, "100.00"),),
        shipping="9.00",
        discounts=(("SPRING", "5.00"), ("", "2.00"), ("ZERO", "0.00")),
        tax="9.18",
    )
    result = body(payment)
    assert charges(result) == [
        ("Shipping", "9.00", "0.82"),
        # Largest remainder: -0.4545 floors to -0.46 (remainder 0.55 c), the others' are larger.
        ("SPRING", "-5.00", "-0.46"),
        ("Discount", "-2.00", "-0.18"),
        ("Adjustment", "-1.00", "-0.09"),
    ]
    assert result["order"]["Lines"][0]["Tax"] == D("9.09")
    assert any(w.startswith("items + shipping - discounts ≠ originalAmount 101.00") for w in result["warnings"])


def test_zero_shipping_adds_no_charge() -> None:
    result = body(make_payment(original="10.00", items=(item("A", 1, "10.00"),), shipping="0.00"))
    assert charges(result) == []


def test_shipping_rule_is_configurable() -> None:
    rules = parse_rules({"tax": {"shipping_rule": "GST Free"}})
    payment = make_payment(original="21.00", items=(item("A", 1, "11.00"),), shipping="10.00", tax="1.00")
    result = body(payment, rules)
    assert result["order"]["AdditionalCharges"][0]["TaxRule"] == "GST Free"
    assert charges(result) == [("Shipping", "10.00", "0.00")]
    assert result["order"]["Lines"][0]["Tax"] == D("1.00")


def test_void_while_authorised_takes_the_amount_off_with_its_tax() -> None:
    payment = make_payment(
        original="110.00",
        state=PaymentState.AUTH_APPROVED,
        open_amount="88.00",
        items=(item("A", 1, "88.00"), item("B", 1, "22.00")),
        tax="10.00",
        events=(event(A, "110.00", 1), event(V, "22.00", 60)),
        refunds=(refund("22.00", "900", 60.4),),
    )
    result = body(payment)
    assert result["state"] == "authorised"
    assert charges(result) == [("Cancelled before capture (Afterpay void)", "-22.00", "-2.00")]
    assert result["totals"]["total"] == "88.00" and result["totals"]["tax"] == "8.00"
    assert result["invoice"] is None and result["creditNotes"] == []


def test_expiry_after_partial_capture_is_paid_with_the_rest_cancelled() -> None:
    payment = make_payment(
        original="100.00",
        state=PaymentState.EXPIRED,
        items=(item("A", 1, "100.00"),),
        tax="9.09",
        events=(event(A, "100.00", 1), event(C, "40.00", 60), event(X, "60.00", 99_000)),
    )
    result = body(payment)
    assert result["state"] == "paid"
    assert charges(result) == [("Cancelled before capture (Afterpay auth expired)", "-60.00", "-5.45")]
    assert result["totals"]["total"] == "40.00" and result["totals"]["tax"] == "3.64"
    assert [p["Amount"] for p in result["payments"]] == [D("40.00")]


def test_void_and_expiry_each_get_a_charge_and_their_taxes_add_up() -> None:
    payment = make_payment(
        original="100.00",
        state=PaymentState.CAPTURED,
        items=(item("A", 1, "100.00"),),
        tax="9.09",
        events=(event(A, "100.00", 1), event(C, "50.00", 60), event(V, "25.00", 70), event(X, "25.00", 99_000)),
    )
    result = body(payment)
    assert charges(result) == [
        ("Cancelled before capture (Afterpay void)", "-25.00", "-2.27"),
        ("Cancelled before capture (Afterpay auth expired)", "-25.00", "-2.28"),
    ]
    assert result["totals"]["tax"] == "4.54"  # 9.09 - round(50 x 9.09 / 100) = 9.09 - 4.55


@pytest.mark.parametrize(
    ("state", "kind", "expected"), [(PaymentState.VOIDED, V, "voided"), (PaymentState.EXPIRED, X, "expired")]
)
def test_fully_cancelled_orders_still_map_their_documents(state: PaymentState, kind: EventType, expected: str) -> None:
    payment = make_payment(
        original="55.00",
        state=state,
        items=(item("A", 1, "55.00"),),
        tax="5.00",
        events=(event(A, "55.00", 1), event(kind, "55.00", 60)),
    )
    result = body(payment)
    assert result["state"] == expected
    assert result["order"]["Status"] == "DRAFT"
    assert result["invoice"] is None and result["payments"] == []
    assert result["totals"]["total"] == "0.00" and result["totals"]["tax"] == "0.00"
    assert result["totals"]["voided"] == "55.00"
    assert len(result["order"]["Lines"]) == 1


# -- GST (mapping rule 5) -----------------------------------------------------------------------


def test_tax_amount_allocation_with_gst_free_lines() -> None:
    rules = parse_rules({"tax": {"free_skus": ["BREAD"], "free_categories": ["Fresh food"]}})
    milk = Item(name="Milk", sku="MILK", quantity=1, price=money("3.00"), categories=(("Grocery", "Fresh Food"),))
    payment = make_payment(original="19.00", items=(item("TV", 1, "11.00"), item("BREAD", 1, "5.00"), milk), tax="1.00")
    result = body(payment, rules)
    assert [(line["SKU"], line["TaxRule"], str(line["Tax"])) for line in result["order"]["Lines"]] == [
        ("TV", "GST on Income", "1.00"),
        ("BREAD", "GST Free", "0.00"),
        ("MILK", "GST Free", "0.00"),
    ]


def test_rounding_residue_goes_to_the_largest_line() -> None:
    payment = make_payment(
        original="70.00", items=(item("S", 1, "10.00"), item("L1", 1, "30.00"), item("L2", 1, "30.00")), tax="6.37"
    )
    # Exact shares 0.91, 2.73, 2.73 = 6.37: no residue. With 6.38 one cent is left over.
    result = body(payment)
    assert [str(line["Tax"]) for line in result["order"]["Lines"]] == ["0.91", "2.73", "2.73"]
    payment = make_payment(
        original="70.00", items=(item("S", 1, "10.00"), item("L1", 1, "30.00"), item("L2", 1, "30.00")), tax="6.38"
    )
    result = body(payment)
    assert [str(line["Tax"]) for line in result["order"]["Lines"]] == ["0.91", "2.74", "2.73"]


def test_tax_computed_from_the_rule_when_afterpay_sends_none() -> None:
    payment = make_payment(
        original="42.00", items=(item("A", 3, "10.00"), item("B", 1, "0.05")), shipping="11.95", tax=None
    )
    result = body(payment)
    assert [str(line["Tax"]) for line in result["order"]["Lines"]] == ["2.73", "0.00"]
    assert charges(result) == [("Shipping", "11.95", "1.09")]
    assert result["totals"]["tax"] == "3.82"
    assert any(w.startswith("tax computed from GST on Income (10%)") for w in result["warnings"])


def test_zero_tax_amount_stays_zero_everywhere() -> None:
    payment = make_payment(
        original="40.00",
        items=(item("A", 1, "45.00"),),
        discounts=(("X", "5.00"),),
        tax="0.00",
        state=PaymentState.CAPTURED,
        events=(event(A, "40.00", 1), event(C, "30.00", 2), event(V, "10.00", 3)),
        refunds=(refund("10.00", "r", 9_000, request_id="q"),),
    )
    result = mapped(payment)
    assert {line.tax for line in result.order.lines} | {c.tax for c in result.order.additional_charges} == {D("0.00")}
    assert result.credit_notes[0].tax == D("0.00")
    assert result.credit_notes[0].additional_charges[0].tax_rule == "GST Free"


def test_tax_exclusive_account_with_tax_amount() -> None:
    payment = make_payment(
        original="114.63",
        currency="USD",
        items=(item("A", 2, "50.00", currency="USD"),),
        shipping="5.90",
        tax="8.73",
    )
    result = body(payment, US)
    assert result["sale"]["TaxInclusive"] is False
    line = result["order"]["Lines"][0]
    # 8.73 x 100 / 105.90 = 8.2436 and 8.73 x 5.90 / 105.90 = 0.4864: the cent left goes to shipping.
    assert (line["Total"], line["Tax"]) == (D("100.00"), D("8.24"))
    assert charges(result) == [("Shipping", "5.90", "0.49")]
    assert result["totals"]["total"] == "114.63" and result["totals"]["tax"] == "8.73"


def test_tax_exclusive_account_without_tax_amount() -> None:
    payment = make_payment(original="108.25", currency="USD", items=(item("A", 1, "100.00", currency="USD"),))
    result = body(payment, US)
    assert result["order"]["Lines"][0]["Tax"] == D("8.25")
    assert charges(result) == []
    assert result["totals"]["total"] == "108.25"


def test_tax_exclusive_gap_is_an_adjustment_carrying_its_own_tax() -> None:
    # 100.00 + 8.25 tax = 108.25 payable; the payment is 110.00, so the 1.75 gap is split into
    # an ex-tax Total and the tax on it, adding up to the gap exactly.
    payment = make_payment(original="110.00", currency="USD", items=(item("A", 1, "100.00", currency="USD"),))
    result = body(payment, US)
    assert charges(result) == [("Adjustment", "1.62", "0.13")]
    assert result["order"]["AdditionalCharges"][0]["TaxRule"] == "Sales Tax"


def test_tax_exclusive_negative_gap_takes_its_tax_back_out() -> None:
    # Shipping worth more than the whole payment (a broken storefront payload): the negative
    # adjustment removes its share of tax, so the order's tax never exceeds what is payable.
    payment = make_payment(original="0.05", currency="USD", shipping="2.12")
    result = mapped(payment, US)
    assert result.totals.total == D("0.05")
    assert D(0) <= result.totals.tax <= result.totals.total


def test_tax_exclusive_fallback_line_takes_its_tax_out() -> None:
    payment = make_payment(original="108.25", currency="USD", shipping="0.00")
    result = body(payment, US)
    (line,) = result["order"]["Lines"]
    assert (line["Total"], line["Tax"]) == (D("100.00"), D("8.25"))


def test_tax_exclusive_void_and_refund() -> None:
    payment = make_payment(
        original="108.25",
        currency="USD",
        items=(item("A", 1, "100.00", currency="USD"),),
        tax="8.25",
        events=(event(A, "108.25", 1, currency="USD"), event(C, "54.13", 2, currency="USD"),
                event(V, "54.12", 3, currency="USD")),
        refunds=(refund("10.00", "77", 9_000, request_id="q", currency="USD"),),
    )  # fmt: skip
    result = mapped(payment, US)
    (cancelled,) = result.order.additional_charges
    # Tax share 54.12 x 8.25 / 108.25 = 4.12; Total + Tax takes exactly 54.12 off.
    assert (cancelled.total, cancelled.tax) == (D("-50.00"), D("-4.12"))
    (note,) = result.credit_notes
    assert (note.total, note.tax, note.additional_charges[0].total) == (D("10.00"), D("0.76"), D("9.24"))


# -- payments and credit notes (mapping rules 6, 7) ---------------------------------------------


def test_partial_captures_are_partial_payments_against_the_whole_invoice() -> None:
    payment = make_payment(
        original="100.00",
        state=PaymentState.PARTIALLY_CAPTURED,
        open_amount="30.00",
        items=(item("A", 1, "100.00"),),
        events=(event(A, "100.00", 1), event(C, "50.00", 3600, "c1"), event(C, "20.00", 7200, "c2")),
    )
    result = body(payment)
    assert result["state"] == "partially_paid"
    assert result["invoice"]["InvoiceDate"] == cin7_datetime(at(3600))
    assert [(p["Amount"], p["Reference"]) for p in result["payments"]] == [
        (D("50.00"), "500000000001/c1"),
        (D("20.00"), "500000000001/c2"),
    ]
    assert result["totals"]["total"] == "100.00" and result["totals"]["open"] == "30.00"


def test_partially_paid_invoice_can_wait_for_the_full_capture() -> None:
    rules = parse_rules({"status_map": {"invoice_partially_paid": False}})
    payment = make_payment(
        original="100.00",
        state=PaymentState.PARTIALLY_CAPTURED,
        open_amount="50.00",
        events=(event(A, "100.00", 1), event(C, "50.00", 2)),
    )
    result = mapped(payment, rules)
    assert result.invoice is None and result.payments == ()
    assert result.order.status == "AUTHORISED"
    assert any("invoice_partially_paid: false" in w for w in result.warnings)


def test_payment_account_and_reference() -> None:
    rules = parse_rules({"cin7": {"payment_account": "091"}})
    result = mapped(make_payment(), rules)
    (payment,) = result.payments
    assert (payment.account, payment.reference, payment.date_paid) == ("091", "500000000001/ev-capture", at(2))


def test_inferred_capture_has_a_stable_reference() -> None:
    result = mapped(make_payment(events=()))
    assert [p.reference for p in result.payments] == ["500000000001/capture"]
    assert result.invoice is not None and result.invoice.invoice_date == at(0)


def test_very_long_ids_give_a_hashed_reference_within_256_characters() -> None:
    long_id = "e" * 300
    result = mapped(make_payment(events=(event(A, "100.00", 1), event(C, "100.00", 2, long_id))))
    reference = result.payments[0].reference
    assert len(reference) <= 256 and reference.startswith("500000000001/")
    assert (
        reference
        == mapped(make_payment(events=(event(A, "100.00", 1), event(C, "100.00", 2, long_id)))).payments[0].reference
    )


def test_real_refunds_become_credit_notes() -> None:
    payment = make_payment(
        original="110.00",
        items=(item("A", 1, "110.00"),),
        tax="10.00",
        refunds=(refund("22.00", "3388", 86_400, request_id="req-1"), refund("11.00", "3390", 172_800)),
    )
    result = body(payment)
    assert result["creditNotes"] == [
        {
            "Reference": "3388",
            "CreditNoteDate": "2024-03-02T01:00:00Z",
            "AdditionalCharges": [
                {
                    "Description": "Afterpay refund 3388",
                    "Price": D("22.00"),
                    "Quantity": 1,
                    "Discount": D("0.00"),
                    "Tax": D("2.00"),
                    "TaxRule": "GST on Income",
                    "Total": D("22.00"),
                }
            ],
            "Total": D("22.00"),
            "Tax": D("2.00"),
            "Refunds": [
                {
                    "Type": "REFUND",
                    "Amount": D("22.00"),
                    "DatePaid": "2024-03-02T01:00:00Z",
                    "Reference": "500000000001/refund/3388",
                    "Account": "090",
                }
            ],
        },
        {
            # A bare refund (no references, e.g. made in the Business Hub) far from any void.
            "Reference": "3390",
            "CreditNoteDate": "2024-03-03T01:00:00Z",
            "AdditionalCharges": [
                {
                    "Description": "Afterpay refund 3390",
                    "Price": D("11.00"),
                    "Quantity": 1,
                    "Discount": D("0.00"),
                    "Tax": D("1.00"),
                    "TaxRule": "GST on Income",
                    "Total": D("11.00"),
                }
            ],
            "Total": D("11.00"),
            "Tax": D("1.00"),
            "Refunds": [
                {
                    "Type": "REFUND",
                    "Amount": D("11.00"),
                    "DatePaid": "2024-03-03T01:00:00Z",
                    "Reference": "500000000001/refund/3390",
                    "Account": "090",
                }
            ],
        },
    ]
    assert result["totals"]["refunded"] == "33.00"
    assert result["sale"]["AdditionalAttributes"]["AdditionalAttribute4"] == "3388,3390"


def test_refunds_without_an_invoice_are_reported() -> None:
    payment = make_payment(
        state=PaymentState.AUTH_APPROVED,
        open_amount="100.00",
        events=(event(A, "100.00", 1),),
        refunds=(refund("5.00", "1", 50, request_id="q"),),
    )
    result = mapped(payment)
    assert result.credit_notes == ()
    assert "refunds 1 not credited: the order has no invoice" in result.warnings
    assert "refunds 5.00 exceed the captured 0.00" in result.warnings


def test_declined_orders_have_no_invoice_and_no_payments() -> None:
    payment = make_payment(
        status=PaymentStatus.DECLINED,
        state=PaymentState.AUTH_DECLINED,
        events=(event(EventType.AUTH_DECLINED, "100.00", 1),),
    )
    result = body(payment)
    assert result["state"] == "declined" and result["order"]["Status"] == "DRAFT"
    assert result["invoice"] is None and result["payments"] == [] and result["creditNotes"] == []
    assert result["skipReason"] is None


# -- header, customer and configuration (mapping rules 8-12) -----------------------------------


@pytest.mark.parametrize(
    ("transform", "reference", "expected"),
    [
        ({}, "#1001", "#1001"),
        ({"strip_prefix": "#"}, "#1001", "1001"),
        ({"strip_prefix": "#"}, "1001", "1001"),
        ({"regex": {"pattern": r"^WEB-0*", "replace": ""}}, "WEB-0042", "42"),
        ({"regex": {"pattern": r"(\d+)", "replace": r"N\1"}}, "A-7", "A-N7"),
        ({"template": "AP-{merchantReference}"}, "1001", "AP-1001"),
        ({"strip_prefix": "#", "template": "{merchantReference}/{id}"}, "#9", "9/500000000001"),
        ({"template": "{merchantReference}"}, None, None),
        ({"template": "AP-{id}"}, None, "AP-500000000001"),
    ],
)
def test_customer_reference_transforms(transform: dict[str, Any], reference: str | None, expected: str | None) -> None:
    rules = parse_rules({"transforms": {"customer_reference": transform}})
    assert mapped(make_payment(merchant_reference=reference), rules).sale.customer_reference == expected


def test_long_values_are_truncated_with_a_warning() -> None:
    rules = parse_rules({"transforms": {"note": "{merchantReference}{merchantReference}{merchantReference}"}})
    result = mapped(make_payment(merchant_reference="R" * 400), rules)
    assert result.sale.customer_reference == "R" * 256
    assert len(result.sale.note) == 1024
    assert "CustomerReference truncated to Cin7's 256 characters" in result.warnings
    assert "Note truncated to Cin7's 1024 characters" in result.warnings


def test_note_template() -> None:
    rules = parse_rules({"transforms": {"note": "{consumerEmail} paid {amount} {currency} ({state}, {status})"}})
    assert mapped(make_payment(), rules).sale.note == "jo@example.com paid 100.00 AUD (paid, APPROVED)"


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("boss@acme.com", "Alice"),  # exact rule, listed first
        ("BOSS@ACME.COM", "Alice"),  # emails compare case-insensitively
        ("jo@acme.com", "Bob"),  # *@domain
        ("jo@acme.com.au", "Carol"),  # no suffix match on a longer domain
        ("jo@other.org", "Carol"),  # default
    ],
)
def test_sales_representative_rules(email: str, expected: str) -> None:
    rules = parse_rules(
        {
            "sales_reps": {
                "default": "Carol",
                "rules": [{"email": "boss@acme.com", "name": "Alice"}, {"email": "*@acme.com", "name": "Bob"}],
            }
        }
    )
    result = mapped(make_payment(consumer=Consumer(email=email)), rules)
    assert result.sale.sales_representative == expected
    assert result.to_dict()["customer"]["SalesRepresentative"] == expected


def test_no_sales_representative_leaves_the_field_out() -> None:
    result = body(make_payment())
    assert "SalesRepresentative" not in result["sale"] and "SalesRepresentative" not in result["customer"]


def test_cin7_reference_data_is_configurable() -> None:
    rules = parse_rules(
        {
            "cin7": {"location": "Sydney DC", "default_account": "4000", "payment_account": "1090"},
            "tax": {"default_rule": "GST", "free_rule": "Exempt", "rates": {"GST": 10, "Exempt": 0}},
            "customer": {"payment_term": "Prepaid", "account_receivable": "1100", "revenue_account": "4000"},
        }
    )
    result = body(make_payment(), rules)
    assert (result["sale"]["Location"], result["sale"]["DefaultAccount"], result["sale"]["TaxRule"]) == (
        "Sydney DC",
        "4000",
        "GST",
    )
    assert result["payments"][0]["Account"] == "1090"
    customer = result["customer"]
    assert (customer["PaymentTerm"], customer["AccountReceivable"], customer["RevenueAccount"]) == (
        "Prepaid",
        "1100",
        "4000",
    )


def test_attribute_slots() -> None:
    rules = parse_rules(
        {"attributes": {"slots": {1: None, "2": "state", 6: "events", 7: "courierTracking", 10: "captured"}}}
    )
    attributes = body(make_payment(), rules)["sale"]["AdditionalAttributes"]
    assert attributes == {
        "AdditionalAttribute2": "paid",
        "AdditionalAttribute3": "Afterpay",
        "AdditionalAttribute4": "",
        "AdditionalAttribute5": "jo@example.com",
        "AdditionalAttribute6": "AUTH_APPROVED 100.00, CAPTURED 100.00",
        "AdditionalAttribute7": "",
        "AdditionalAttribute10": "100.00",
    }


def test_every_attribute_source_has_a_value_and_long_ones_are_truncated() -> None:
    from app.domain.rules import ATTRIBUTE_SOURCES

    slots = dict(zip(range(1, 11), list(ATTRIBUTE_SOURCES)[:10], strict=True))
    rules = parse_rules({"attributes": {"slots": slots}})
    result = mapped(make_payment(consumer=Consumer(email="x" * 300 + "@example.com")), rules)
    assert [slot for slot, _ in result.sale.attributes] == list(range(1, 11))
    assert dict(result.sale.attributes)[5] == "x" * 256
    assert "AdditionalAttribute5 (consumerEmail) truncated to Cin7's 256 characters" in result.warnings
    slots = dict(zip(range(1, 8), list(ATTRIBUTE_SOURCES)[10:], strict=True))
    result = mapped(make_payment(), parse_rules({"attributes": {"slots": slots}}))
    assert dict(result.sale.attributes)[1] == "paid"


def test_addresses_and_contact() -> None:
    nz = Contact(
        name="Aroha",
        line1="5 Queen St",
        line2="Unit 2",
        area1="Auckland",
        area2="Ponsonby",
        region="Auckland",
        postcode="1011",
        country_code="NZ",
        phone_number="021000000",
    )
    partial = Contact(name="Someone", area1="Nowhere")
    result = mapped(make_payment(consumer=None, billing=nz, shipping_contact=partial))
    sale = result.to_dict()["sale"]
    assert sale["BillingAddress"]["Line2"] == "Unit 2, Ponsonby"
    assert sale["Contact"] == "Aroha" and sale["Phone"] == "021000000"
    assert "ShippingAddress" not in sale and "Email" not in sale
    assert "shipping address has no line1 or countryCode; left out" in result.warnings


def test_shared_customer_mode() -> None:
    rules = parse_rules({"customer": {"mode": "shared", "shared_name": "Afterpay Sales"}})
    result = body(make_payment(shipping_contact=ADDRESS), rules)
    assert result["customer"] == {"Name": "Afterpay Sales", "match": {"name": "Afterpay Sales"}}
    sale = result["sale"]
    assert (sale["Customer"], sale["Email"], sale["Contact"]) == ("Afterpay Sales", "jo@example.com", "Jo Citizen")
    assert sale["ShippingAddress"]["ShipToOther"] is True


def test_per_consumer_customer_name_template_and_fallbacks() -> None:
    rules = parse_rules({"customer": {"name": "{consumerName} <{consumerEmail}>"}})
    assert mapped(make_payment(), rules).sale.customer == "Jo Citizen <jo@example.com>"
    nameless = make_payment(consumer=Consumer(email="x@example.com"))
    assert body(nameless)["customer"]["Name"] == "x@example.com"
    blank = parse_rules({"customer": {"name": "{surname}"}})
    assert body(nameless, blank)["customer"]["Name"] == "x@example.com"
    assert body(nameless, blank)["sale"]["Customer"] == "x@example.com"


def test_per_consumer_without_consumer_falls_back_to_the_shared_customer() -> None:
    result = mapped(make_payment(consumer=None))
    assert result.to_dict()["customer"] == {"Name": "Web Sales", "match": {"name": "Web Sales"}}
    assert result.sale.customer == "Web Sales"
    assert "no consumer on the order: booked to the shared customer 'Web Sales'" in result.warnings


@pytest.mark.parametrize(
    ("currency", "rates", "rate", "warned"),
    [
        ("AUD", {}, None, False),
        ("NZD", {"NZD": "0.92"}, D("0.92"), False),
        ("NZD", {}, None, True),
    ],
)
def test_currency(currency: str, rates: dict[str, str], rate: Decimal | None, warned: bool) -> None:
    rules = parse_rules({"cin7": {"currency_rates": rates}})
    result = mapped(make_payment(currency=currency), rules)
    assert result.sale.currency_rate == rate
    assert result.totals.currency == currency
    assert any(w.startswith("unknown currency for the configured account") for w in result.warnings) is warned
    assert ("CurrencyRate" in result.to_dict()["sale"]) is (rate is not None)


@pytest.mark.parametrize(
    ("sync_rules", "reference", "reason"),
    [
        ({}, "WEB-1", None),
        ({"min_amount": "100.00"}, "WEB-1", None),
        ({"min_amount": "100.01"}, "WEB-1", "originalAmount 100.00 AUD is below sync_rules.min_amount 100.01"),
        ({"max_amount": 99}, "WEB-1", "originalAmount 100.00 AUD is above sync_rules.max_amount 99.00"),
        ({"currencies": ["NZD"]}, "WEB-1", "currency AUD is not in sync_rules.currencies (NZD)"),
        ({"reference_prefixes": ["WEB-", "POS-"]}, "POS-1", None),
        (
            {"reference_prefixes": ["POS-"]},
            "WEB-1",
            "merchantReference 'WEB-1' does not start with any of sync_rules.reference_prefixes (POS-)",
        ),
        (
            {"exclude_reference_prefixes": ["TEST-"]},
            "TEST-1",
            "merchantReference 'TEST-1' starts with 'TEST-' (sync_rules.exclude_reference_prefixes)",
        ),
        (
            {"min_amount": 500, "currencies": ["USD"]},
            "WEB-1",
            "originalAmount 100.00 AUD is below sync_rules.min_amount 500.00; "
            "currency AUD is not in sync_rules.currencies (USD)",
        ),
    ],
)
def test_sync_rules_set_a_skip_reason(sync_rules: dict[str, Any], reference: str, reason: str | None) -> None:
    result = mapped(make_payment(merchant_reference=reference), parse_rules({"sync_rules": sync_rules}))
    assert result.skip_reason == reason
    assert result.order.lines and result.invoice is not None  # documents are computed all the same


@pytest.mark.parametrize(
    ("status_map", "state", "events", "open_amount", "expected"),
    [
        ({}, PaymentState.AUTH_APPROVED, ((A, "100.00"),), "100.00", "AUTHORISED"),
        ({"authorised": "DRAFT"}, PaymentState.AUTH_APPROVED, ((A, "100.00"),), "100.00", "DRAFT"),
        ({"voided": "AUTHORISED"}, PaymentState.VOIDED, ((A, "100.00"), (V, "100.00")), "0.00", "AUTHORISED"),
        ({"expired": "AUTHORISED"}, PaymentState.EXPIRED, ((A, "100.00"), (X, "100.00")), "0.00", "AUTHORISED"),
        ({"authorised": "DRAFT"}, PaymentState.CAPTURED, ((A, "100.00"), (C, "100.00")), "0.00", "AUTHORISED"),
    ],
)
def test_status_map(
    status_map: dict[str, str],
    state: PaymentState,
    events: tuple[tuple[EventType, str], ...],
    open_amount: str,
    expected: str,
) -> None:
    payment = make_payment(
        state=state, open_amount=open_amount, events=tuple(event(k, a, i + 1) for i, (k, a) in enumerate(events))
    )
    assert mapped(payment, parse_rules({"status_map": status_map})).order.status == expected


def test_declined_status_is_configurable() -> None:
    rules = parse_rules({"status_map": {"declined": "AUTHORISED"}})
    payment = make_payment(status=PaymentStatus.DECLINED, state=PaymentState.AUTH_DECLINED, events=())
    assert mapped(payment, rules).order.status == "AUTHORISED"


def test_auto_pick_pack_ship_only_for_paid_orders() -> None:
    rules = parse_rules({"cin7": {"auto_pick_pack_ship": "AUTOPICKPACKSHIP"}})
    assert body(make_payment(), rules)["order"]["AutoPickPackShipMode"] == "AUTOPICKPACKSHIP"
    authorised = make_payment(state=PaymentState.AUTH_APPROVED, open_amount="100.00", events=(event(A, "100.00", 1),))
    assert "AutoPickPackShipMode" not in body(authorised, rules)["order"]
    assert "AutoPickPackShipMode" not in body(make_payment())["order"]


def test_invoice_due_days_and_memo() -> None:
    rules = parse_rules({"invoice": {"due_days": 7, "memo": None}})
    invoice = body(make_payment(), rules)["invoice"]
    assert invoice == {
        "Status": "AUTHORISED",
        "InvoiceDate": "2024-03-01T01:00:02Z",
        "InvoiceDueDate": "2024-03-08T01:00:02Z",
    }


def test_dates_are_utc_seconds_and_never_from_a_clock() -> None:
    payment = load_payment(payload(AU_ORDER, created="2024-03-01T10:59:59.999+10:00"))
    result = map_payment(payment, DEFAULT).to_dict()
    assert result["sale"]["SaleOrderDate"] == "2024-03-01T00:59:59Z"
    assert map_payment(payment, DEFAULT).to_dict() == result


def test_mapping_accepts_an_order_with_nothing_but_the_required_fields() -> None:
    minimal = {
        "id": "1",
        "status": "APPROVED",
        "created": "2024-01-01T00:00:00Z",
        "originalAmount": {"amount": "10.00", "currency": "AUD"},
        "paymentState": "CAPTURED",
    }
    result = mapped(load_payment(minimal))
    assert result.state is OrderState.PAID and result.totals.captured == D("10.00")
    assert result.sale.customer == "Web Sales"
