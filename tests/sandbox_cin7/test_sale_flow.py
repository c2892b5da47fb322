"""The sale lifecycle: the 4-write fully paid sale, statuses, amounts and /saleList (cin7.md A5, A6, A12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.sandbox_cin7.conftest import Cin7, charge, line


def _lines() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    lines = [line("TEE-ORG-WHT-M", 2, "39.95"), line("SERUM-VITC-30", 1, "54.00", discount="10")]
    charges = [charge("Shipping", "9.95")]
    return lines, charges


def test_a_fully_paid_simple_sale_takes_exactly_four_writes(cin7: Cin7) -> None:
    lines, charges = _lines()
    header = {
        "Customer": "Web Sales",
        "Location": "Main Warehouse",
        "SkipQuote": True,
        "TaxInclusive": True,
        "TaxRule": "GST on Income",
        "ExternalID": "400123851542",
        "CustomerReference": "WEB-1001",
        "SaleOrderDate": "2024-05-01T09:15:00Z",
        "SalesRepresentative": "Afterpay Bridge",
        "Note": "Paid with Afterpay",
        "Email": "jo@example.com",
        "Contact": "Jo Citizen",
        "AdditionalAttributes": {"AdditionalAttribute1": "tok_abc", "AdditionalAttribute2": "CAPTURED"},
    }
    sale = cin7.ok(cin7.post("sale", header))
    sale_id = sale["ID"]
    assert sale["Status"] == "ESTIMATED"
    assert sale["Type"] == "Simple Sale"
    assert sale["TaxCalculation"] == "Inclusive"
    assert sale["ExternalID"] == "400123851542"
    assert sale["SaleOrderDate"] == "2024-05-01T00:00:00"
    assert sale["AdditionalAttributes"]["AdditionalAttribute1"] == "tok_abc"
    assert sale["Order"]["SaleOrderNumber"].startswith("SO-")

    order = cin7.ok(cin7.order(sale_id, lines, charges))
    # 2 x 39.95 = 79.90 (tax 7.26); 54.00 less 10 % = 48.60 (tax 4.42); shipping 9.95 (tax 0.90)
    assert (order["Total"], order["Tax"], order["TotalBeforeTax"]) == (138.45, 12.58, 125.87)
    assert order["Status"] == "AUTHORISED"
    row = cin7.row(sale_id)
    assert (row["Status"], row["OrderStatus"], row["CombinedPickingStatus"]) == ("ORDERED", "AUTHORISED", "NOT PICKED")
    assert (row["InvoiceAmount"], row["CombinedInvoiceStatus"]) == (0, "NOT INVOICED")

    invoice = cin7.ok(cin7.invoice(sale_id))["Invoices"][0]
    assert invoice["TaskID"] == sale_id
    assert invoice["Status"] == "AUTHORISED"
    assert [x["SKU"] for x in invoice["Lines"]] == ["TEE-ORG-WHT-M", "SERUM-VITC-30"]
    assert {x["Account"] for x in invoice["Lines"] + invoice["AdditionalCharges"]} == {"200"}
    row = cin7.row(sale_id)
    assert (row["Status"], row["InvoiceAmount"], row["PaidAmount"]) == ("INVOICED", 138.45, 0)
    assert (row["CombinedInvoiceStatus"], row["CombinedPaymentStatus"]) == ("INVOICED", "UNPAID")
    assert row["InvoiceNumber"] == invoice["InvoiceNumber"]

    payment = cin7.ok(cin7.pay(sale_id, 138.45))
    assert (payment["Type"], payment["InvoiceNumber"], payment["Amount"]) == (
        "Payment",
        invoice["InvoiceNumber"],
        138.45,
    )

    writes = [r for r in cin7.sandbox("GET", "requests").json()["requests"] if r["method"] != "GET"]
    assert [(r["method"], r["path"]) for r in writes] == [
        ("POST", "/ExternalApi/v2/sale"),
        ("POST", "/ExternalApi/v2/sale/order"),
        ("POST", "/ExternalApi/v2/sale/invoice"),
        ("POST", "/ExternalApi/v2/sale/payment"),
    ]
    full = cin7.sale(sale_id)
    assert full["Invoices"][0]["Status"] == "PAID"
    assert full["Invoices"][0]["Paid"] == 138.45
    assert full["Invoices"][0]["Payments"][0]["Reference"] == "afterpay-100100"
    assert full["CombinedPaymentStatus"] == "PAID"
    # Invoiced and fully paid but not shipped: the fulfilment stage, as in cin7.md D1.
    assert full["Status"] == "ORDERED"
    row = cin7.row(sale_id)
    assert (row["InvoiceAmount"], row["PaidAmount"]) == (138.45, 138.45)

    cin7.ok(cin7.post("sale/fulfilment/ship", {"TaskID": sale_id, "Status": "AUTHORISED"}))
    assert cin7.row(sale_id)["Status"] == "COMPLETED"


def test_partial_payments_and_the_outstanding_balance(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("CANDLE-SOY-EUC", 2, "32.50")]))
    cin7.ok(cin7.invoice(sale_id))
    first = cin7.ok(cin7.pay(sale_id, 40))
    row = cin7.row(sale_id)
    assert (row["CombinedPaymentStatus"], row["PaidAmount"], row["Status"]) == ("PARTIALLY PAID", 40, "INVOICED")
    too_much = cin7.pay(sale_id, 25.01)
    assert too_much.status_code == 400
    assert "outstanding balance of 25.00" in too_much.json()[0]["Exception"]
    cin7.ok(cin7.pay(sale_id, 25))
    assert cin7.row(sale_id)["CombinedPaymentStatus"] == "PAID"
    assert cin7.pay(sale_id, 0.01).status_code == 400

    payments = cin7.ok(cin7.get("sale/payment", SaleID=sale_id))
    assert isinstance(payments, list)
    assert [p["Amount"] for p in payments] == [40, 25]
    changed = cin7.ok(cin7.put("sale/payment", {"ID": first["ID"], "Amount": 30, "Reference": "fixed"}))
    assert (changed["Amount"], changed["Reference"]) == (30, "fixed")
    assert cin7.row(sale_id)["CombinedPaymentStatus"] == "PARTIALLY PAID"
    assert cin7.ok(cin7.delete("sale/payment", ID=first["ID"])) == {"Success": True}
    assert cin7.row(sale_id)["PaidAmount"] == 25
    assert cin7.delete("sale/payment", ID=first["ID"]).status_code == 404


def test_updated_advances_on_every_change_and_drives_updated_since(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    stamps = [cin7.row(sale_id)["Updated"]]
    cin7.ok(cin7.order(sale_id, [line("MUG-STONE-4PK", 1, "49.95")]))
    stamps.append(cin7.row(sale_id)["Updated"])
    cin7.ok(cin7.invoice(sale_id))
    stamps.append(cin7.row(sale_id)["Updated"])
    cin7.ok(cin7.pay(sale_id, 49.95))
    stamps.append(cin7.row(sale_id)["Updated"])
    cin7.ok(cin7.put("sale", {"ID": sale_id, "Note": "gift wrap"}))
    stamps.append(cin7.row(sale_id)["Updated"])
    parsed = [datetime.fromisoformat(s.replace("Z", "+00:00")) for s in stamps]
    assert parsed == sorted(parsed)
    assert len(set(parsed)) == len(parsed)
    assert all(s.endswith("Z") for s in stamps)

    other = cin7.new_sale()["ID"]
    cin7.advance(3600)
    later = (datetime.now(UTC) + timedelta(seconds=1800)).isoformat()
    cin7.ok(cin7.put("sale", {"ID": sale_id, "Note": "changed an hour later"}))
    since = cin7.ok(cin7.get("saleList", UpdatedSince=later))["SaleList"]
    assert [r["SaleID"] for r in since] == [sale_id]
    until = cin7.ok(cin7.get("saleList", UpdatedUntil=later))["SaleList"]
    assert [r["SaleID"] for r in until] == [other]
    created = cin7.ok(cin7.get("saleList", CreatedSince=later))["SaleList"]
    assert created == []


def test_sale_list_filters(cin7: Cin7) -> None:
    draft = cin7.new_sale(ExternalID="AP-1001", CustomerReference="WEB-1001")["ID"]
    ordered = cin7.new_sale(ExternalID="AP-10011", CustomerReference="WEB-1002", Location="Sydney Store")["ID"]
    cin7.ok(cin7.order(ordered, [line("SOCK-BMB-3PK", 1, "24.95")]))
    paid = cin7.new_sale(ExternalID="ap-1001", CustomerReference="shop-77")["ID"]
    cin7.ok(cin7.order(paid, [line("SOCK-BMB-3PK", 2, "24.95")], AutoPickPackShipMode="AUTOPICKPACK"))
    invoice_number = cin7.ok(cin7.invoice(paid))["Invoices"][0]["InvoiceNumber"]
    cin7.ok(cin7.pay(paid, 49.90))
    voided = cin7.new_sale(CustomerReference="void-me", ShipBy="2024-06-01")["ID"]
    cin7.ok(cin7.delete("sale", ID=voided, Void="true"))

    def ids(**params: object) -> list[str]:
        return [r["SaleID"] for r in cin7.ok(cin7.get("saleList", **params))["SaleList"]]

    assert ids() == [draft, ordered, paid, voided]  # oldest first, stable
    # cin7.md C2: ExternalID is exact (and case-sensitive); Search is a case-insensitive substring.
    assert ids(ExternalID="AP-1001") == [draft]
    assert ids(ExternalID="AP-100") == []
    assert ids(Search="web-100") == [draft, ordered]
    assert ids(Search="AP-1001") == []  # ExternalID is not among the searched fields
    assert ids(Search=invoice_number.lower()) == [paid]
    assert ids(Search="voided") == [voided]
    assert ids(Search="SO-0000") == [draft, ordered, paid, voided]
    assert ids(Status="ORDERED") == [ordered]
    assert ids(Status="packed") == [paid]
    assert ids(QuoteStatus="NOT AVAILABLE") == [draft, ordered, paid]
    assert ids(QuoteStatus="VOIDED") == [voided]
    assert ids(OrderStatus="AUTHORISED") == [ordered, paid]
    assert ids(OrderStatus="VOIDED") == [voided]
    assert ids(CombinedInvoiceStatus="INVOICED") == [paid]
    assert ids(CombinedPaymentStatus="PAID") == [paid]
    assert ids(CombinedPaymentStatus="VOIDED") == [voided]
    assert ids(CreditNoteStatus="NOT AVAILABLE") == [draft, ordered, paid]
    assert ids(CombinedPickStatus="PICKED") == [paid]
    assert ids(CombinedPackStatus="NOT PACKED") == [ordered]
    assert ids(CombinedShippingStatus="NOT SHIPPED") == [ordered, paid]
    assert ids(ReadyForShipping="true") == [paid]
    sydney = cin7.ok(cin7.get("ref/location", Name="Sydney"))["LocationList"][0]["ID"]
    assert ids(OrderLocationID=sydney) == [ordered]
    assert ids(ShipBy="2024-12-31") == []  # the only sale with a ShipBy is voided: nothing to ship
    cin7.ok(cin7.put("sale", {"ID": draft, "ShipBy": "2024-06-30"}))
    assert ids(ShipBy="2024-12-31") == [draft]
    assert ids(ShipBy="2024-06-01") == []
    page = cin7.ok(cin7.get("saleList", Limit=2, Page=2))
    assert page["Total"] == 4
    assert [r["SaleID"] for r in page["SaleList"]] == [paid, voided]


def test_sale_list_rows_carry_every_documented_field(cin7: Cin7) -> None:
    sale_id = cin7.new_sale(ExternalID="X-1")["ID"]
    row = cin7.row(sale_id)
    assert set(row) == {
        "SaleID", "OrderNumber", "Status", "OrderDate", "InvoiceDate", "Customer", "CustomerID", "InvoiceNumber",
        "CustomerReference", "InvoiceAmount", "PaidAmount", "InvoiceDueDate", "ShipBy", "BaseCurrency",
        "CustomerCurrency", "CreditNoteNumber", "Updated", "QuoteStatus", "OrderStatus", "CombinedPickingStatus",
        "CombinedPackingStatus", "CombinedShippingStatus", "FulFilmentStatus", "CombinedInvoiceStatus",
        "CreditNoteStatus", "CombinedPaymentStatus", "Type", "CombinedTrackingNumbers", "SourceChannel",
        "ExternalID", "OrderLocationID",
    }  # fmt: skip
    assert (row["Type"], row["BaseCurrency"], row["Customer"]) == ("Simple Sale", "AUD", "Web Sales")


def test_statuses_through_the_quote_path(cin7: Cin7) -> None:
    sale_id = cin7.new_sale(SkipQuote=False)["ID"]
    assert cin7.row(sale_id)["Status"] == "DRAFT"
    quote = {"SaleID": sale_id, "Status": "DRAFT", "Lines": [line("CAP-LIN-SAND", 1, "34.95")]}
    cin7.ok(cin7.post("sale/quote", quote))
    assert (cin7.row(sale_id)["Status"], cin7.row(sale_id)["QuoteStatus"]) == ("ESTIMATING", "DRAFT")
    cin7.ok(cin7.post("sale/quote", {**quote, "Status": "AUTHORISED"}))
    assert cin7.row(sale_id)["Status"] == "ESTIMATED"
    assert cin7.ok(cin7.get("sale/quote", SaleID=sale_id))["Total"] == 34.95
    cin7.ok(cin7.order(sale_id, [line("CAP-LIN-SAND", 1, "34.95")], Status="DRAFT"))
    assert cin7.row(sale_id)["Status"] == "ORDERING"
    cin7.ok(cin7.order(sale_id, [line("CAP-LIN-SAND", 1, "34.95")]))
    assert cin7.row(sale_id)["Status"] == "ORDERED"
    cin7.ok(cin7.invoice(sale_id, Status="DRAFT"))
    assert (cin7.row(sale_id)["Status"], cin7.row(sale_id)["CombinedInvoiceStatus"]) == ("INVOICING", "NOT INVOICED")
    cin7.ok(cin7.put("sale/invoice", {"SaleID": sale_id, "TaskID": sale_id, "Status": "AUTHORISED"}))
    assert cin7.row(sale_id)["Status"] == "INVOICED"


def test_prepayment_on_an_authorised_quote(cin7: Cin7) -> None:
    sale_id = cin7.new_sale(SkipQuote=False)["ID"]
    cin7.ok(
        cin7.post(
            "sale/quote",
            {"SaleID": sale_id, "Status": "AUTHORISED", "Lines": [line("GIFT-50", 1, "50.00", rule="GST Free")]},
        )
    )
    prepayment = cin7.ok(cin7.pay(sale_id, 50, kind="PREPAYMENT"))
    assert prepayment["Type"] == "Prepayment"
    assert cin7.row(sale_id)["CombinedPaymentStatus"] == "PREPAID"
    assert cin7.put("sale/payment", {"ID": prepayment["ID"], "Amount": 40}).status_code == 400
    cin7.ok(cin7.order(sale_id, [line("GIFT-50", 1, "50.00", rule="GST Free")]))
    assert cin7.pay(sale_id, 1, kind="PREPAYMENT").status_code == 400
    cin7.ok(cin7.invoice(sale_id))
    row = cin7.row(sale_id)
    assert (row["CombinedPaymentStatus"], row["PaidAmount"]) == ("PAID", 50)
    assert cin7.sale(sale_id)["Quote"]["Prepayments"][0]["Amount"] == 50
