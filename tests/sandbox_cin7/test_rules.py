"""Business rules and validation of sale writes (cin7.md A7-A11, the money convention)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.sandbox_cin7.conftest import Cin7, charge, error_text, line

TEE = ("TEE-ORG-WHT-M", 1, "39.95")


def _invoiced(cin7: Cin7) -> str:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(*TEE)]))
    cin7.ok(cin7.invoice(sale_id))
    return str(sale_id)


# -- sale header ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"Customer": "Web Sales"}, "Location is required."),
        ({"Customer": "Web Sales", "Location": "Melbourne"}, "Location 'Melbourne' not found."),
        ({"Location": "Main Warehouse"}, "Customer or CustomerID is required."),
        (
            {"Customer": "Nobody", "Location": "Main Warehouse"},
            "Customer 'Nobody' not found. Create it with POST /customer first.",
        ),
        (
            {"CustomerID": "6c18f8e9-90e1-418f-aebc-1219e67e4b9c", "Location": "Main Warehouse"},
            "Customer with ID 6c18f8e9-90e1-418f-aebc-1219e67e4b9c not found.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "TaxRule": "VAT"},
            "TaxRule: Tax rule 'VAT' not found.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "TaxRule": "GST on Expenses"},
            "TaxRule: Tax rule 'GST on Expenses' is not applicable to sales.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "SkipQuote": "maybe"},
            "SkipQuote must be true or false.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "ExternalID": "x" * 257},
            "ExternalID must be at most 256 characters long.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "Phone": "1" * 51},
            "Phone must be at most 50 characters long.",
        ),
        (
            {
                "Customer": "Web Sales",
                "Location": "Main Warehouse",
                "AdditionalAttributes": {"AdditionalAttribute11": "x"},
            },
            "AdditionalAttributes.AdditionalAttribute11: use AdditionalAttribute1 to AdditionalAttribute10.",
        ),
        (
            {
                "Customer": "Web Sales",
                "Location": "Main Warehouse",
                "AdditionalAttributes": {"AdditionalAttribute3": "x" * 257},
            },
            "AdditionalAttributes.AdditionalAttribute3 must be at most 256 characters long.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "BillingAddress": {"Line1": "1 Main St"}},
            "BillingAddress.Country is required.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "SaleType": "Advanced"},
            "SaleType 'Advanced' is not simulated: the sandbox models Simple sales only.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "ServiceOnly": True},
            "ServiceOnly sales are not simulated: the sandbox models Simple sales only.",
        ),
        (
            {"Customer": "Web Sales", "Location": "Main Warehouse", "SaleOrderDate": "yesterday"},
            "SaleOrderDate must be an ISO 8601 date such as 2024-05-01T00:00:00.",
        ),
    ],
)
def test_sale_post_validation(cin7: Cin7, body: dict[str, object], message: str) -> None:
    response = cin7.post("sale", body)
    assert response.status_code == 400
    assert response.json() == [{"ErrorCode": 400, "Exception": message}]
    assert cin7.ok(cin7.get("saleList"))["Total"] == 0


def test_customer_id_wins_over_the_name_as_in_the_blueprint_example(cin7: Cin7) -> None:
    sale = cin7.new_sale(CustomerID=cin7.web_sales_id(), Customer="Test")
    assert sale["Customer"] == "Web Sales"
    assert sale["Email"] == "websales@demo-retail.example"  # defaults from the customer's contact
    assert sale["Terms"] == "Due on receipt"
    assert sale["BillingAddress"]["Line1"] == "12 Distribution Drive"


def test_a_foreign_currency_customer_needs_a_currency_rate(cin7: Cin7) -> None:
    customer = {
        "Name": "Kiwi Retail Ltd",
        "Status": "Active",
        "Currency": "NZD",
        "PaymentTerm": "30 days",
        "AccountReceivable": "610",
        "RevenueAccount": "200",
        "TaxRule": "GST Free",
    }
    cin7.ok(cin7.post("customer", customer))
    refused = cin7.post("sale", {"Customer": "Kiwi Retail Ltd", "Location": "Main Warehouse"})
    assert refused.status_code == 400
    assert "CurrencyRate is required" in error_text(refused)
    sale = cin7.ok(
        cin7.post("sale", {"Customer": "Kiwi Retail Ltd", "Location": "Main Warehouse", "CurrencyRate": "0.92"})
    )
    assert (sale["CurrencyRate"], sale["CustomerCurrency"], sale["BaseCurrency"]) == (0.92, "NZD", "AUD")


def test_put_updates_the_header_but_not_a_voided_sale(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    updated = cin7.ok(
        cin7.put("sale", {"ID": sale_id, "CustomerReference": "WEB-2", "ExternalID": "AP-2", "Note": "n"})
    )
    assert (updated["CustomerReference"], updated["ExternalID"], updated["Note"]) == ("WEB-2", "AP-2", "n")
    refused = cin7.put("sale", {"ID": sale_id, "Location": "Nowhere", "Note": "not applied"})
    assert refused.status_code == 400
    assert cin7.sale(sale_id)["Note"] == "n"  # a refused PUT changes nothing
    cin7.ok(cin7.order(sale_id, [line(*TEE)]))
    assert "can not be changed after the order is authorised" in error_text(
        cin7.put("sale", {"ID": sale_id, "Location": "Sydney Store"})
    )
    assert "TaxInclusive can not be changed" in error_text(cin7.put("sale", {"ID": sale_id, "TaxInclusive": False}))
    cin7.ok(cin7.delete("sale", ID=sale_id, Void="true"))
    voided = cin7.put("sale", {"ID": sale_id, "Note": "too late"})
    assert voided.status_code == 400
    assert error_text(voided) == "Sale is voided and can not be changed."


# -- state machine refusals -------------------------------------------------------------------------


def test_order_needs_skip_quote_or_an_authorised_quote(cin7: Cin7) -> None:
    sale_id = cin7.new_sale(SkipQuote=False)["ID"]
    refused = cin7.order(sale_id, [line(*TEE)])
    assert refused.status_code == 400
    assert error_text(refused).startswith("Quote is not authorised")
    cin7.ok(cin7.post("sale/quote", {"SaleID": sale_id, "Status": "AUTHORISED", "Lines": [line(*TEE)]}))
    cin7.ok(cin7.order(sale_id, [line(*TEE)]))


def test_quote_on_a_skip_quote_sale_is_refused(cin7: Cin7) -> None:
    sale_id = cin7.new_sale(SkipQuote=True)["ID"]
    refused = cin7.post("sale/quote", {"SaleID": sale_id, "Status": "DRAFT", "Lines": [line(*TEE)]})
    assert refused.status_code == 400
    assert "SkipQuote = true" in error_text(refused)


def test_an_authorised_document_can_not_be_posted_again(cin7: Cin7) -> None:
    sale_id = cin7.new_sale(SkipQuote=False)["ID"]
    cin7.ok(cin7.post("sale/quote", {"SaleID": sale_id, "Status": "AUTHORISED", "Lines": [line(*TEE)]}))
    assert cin7.post("sale/quote", {"SaleID": sale_id, "Status": "DRAFT", "Lines": [line(*TEE)]}).status_code == 400
    cin7.ok(cin7.order(sale_id, [line(*TEE)]))
    again = cin7.order(sale_id, [line(*TEE)])
    assert error_text(again) == "Order status is AUTHORISED: only a DRAFT or NOT AVAILABLE order can be posted."
    cin7.ok(cin7.invoice(sale_id))
    assert cin7.invoice(sale_id).status_code == 400
    assert cin7.put("sale/invoice", {"SaleID": sale_id, "TaskID": sale_id, "Status": "AUTHORISED"}).status_code == 400


def test_invoice_needs_an_authorised_order(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    assert error_text(cin7.invoice(sale_id)).startswith("Order is not authorised")
    cin7.ok(cin7.order(sale_id, [line(*TEE)], Status="DRAFT"))
    assert cin7.invoice(sale_id).status_code == 400


def test_invoice_task_id_is_the_sale_id(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(*TEE)]))
    empty = cin7.invoice(sale_id, TaskID="00000000-0000-0000-0000-000000000000")
    assert empty.status_code == 400
    assert "only Advanced sales have" in error_text(empty)
    other = cin7.invoice(sale_id, TaskID="b039f19e-66f8-4309-a4b1-abf928303c88")
    assert "on a simple sale it is the SaleID" in error_text(other)
    for missing in ("InvoiceDate", "InvoiceDueDate", "Status"):
        body = {
            "SaleID": sale_id,
            "TaskID": sale_id,
            "Status": "AUTHORISED",
            "InvoiceDate": "2024-05-01",
            "InvoiceDueDate": "2024-05-31",
        }
        del body[missing]
        assert error_text(cin7.post("sale/invoice", body)) == f"{missing} is required."


def test_payment_needs_an_authorised_invoice(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(*TEE)]))
    refused = cin7.pay(sale_id, 10)
    assert refused.status_code == 400
    assert error_text(refused) == "Payments are available only for sales with an authorised invoice."
    cin7.ok(cin7.invoice(sale_id, Status="DRAFT"))
    assert cin7.pay(sale_id, 10).status_code == 400


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Account": "200"}, "Account '200' is not a bank or payment account (see /ref/account/bank)."),
        ({"Account": "999"}, "Account with code '999' not found."),
        ({"Amount": 10.001}, "Amount must have at most 2 decimal places."),
        ({"Amount": 0}, "Amount must be greater than 0."),
        ({"Amount": -5}, "Amount must be greater than 0."),
        ({"DatePaid": None}, "DatePaid is required."),
        ({"Type": "CASH"}, "Type must be PAYMENT, PREPAYMENT or REFUND."),
        (
            {"TaskID": "6c18f8e9-90e1-418f-aebc-1219e67e4b9c"},
            "Sale task with TaskID 6c18f8e9-90e1-418f-aebc-1219e67e4b9c not found.",
        ),
    ],
)
def test_payment_validation(cin7: Cin7, change: dict[str, Any], message: str) -> None:
    sale_id = _invoiced(cin7)
    response = cin7.pay(sale_id, 10, **change)
    assert response.status_code == 400
    assert error_text(response) == message


def test_payment_type_is_case_insensitive_and_any_bank_account_works(cin7: Cin7) -> None:
    sale_id = _invoiced(cin7)
    assert cin7.ok(cin7.pay(sale_id, 10, kind="Payment", Account="091"))["Type"] == "Payment"


def test_refund_needs_an_authorised_credit_note(cin7: Cin7) -> None:
    sale_id = _invoiced(cin7)
    cin7.ok(cin7.pay(sale_id, 39.95))
    refused = cin7.pay(sale_id, 5, kind="REFUND")
    assert refused.status_code == 400
    assert error_text(refused) == "Refunds are available only for sales with an authorised credit note."


def test_credit_note_needs_an_authorised_invoice(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(*TEE)]))
    body = {
        "SaleID": sale_id,
        "TaskID": sale_id,
        "CreditNoteInvoiceNumber": "INV-00001",
        "Status": "AUTHORISED",
        "CreditNoteDate": "2024-05-02",
        "Lines": [line(*TEE)],
    }
    assert error_text(cin7.post("sale/creditnote", body)).startswith("Invoice is not authorised")


def test_sub_document_writes_on_a_voided_sale_are_refused(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.delete("sale", ID=sale_id, Void="true"))
    assert error_text(cin7.order(sale_id, [line(*TEE)])) == "Sale is voided and can not be changed."
    assert error_text(cin7.delete("sale", ID=sale_id, Void="true")) == "Sale is already voided."
    assert cin7.delete("sale", ID=sale_id).status_code == 400


def test_unknown_sale_ids(cin7: Cin7) -> None:
    unknown = "6c18f8e9-90e1-418f-aebc-1219e67e4b9c"
    missing = cin7.get("sale", ID=unknown)
    assert missing.status_code == 404
    assert missing.json() == {"ErrorCode": 404, "Exception": "Sale not found."}
    assert cin7.get("sale/order", SaleID=unknown).status_code == 404
    assert cin7.get("sale").status_code == 400
    assert cin7.get("sale", ID="not-a-guid").status_code == 400
    posted = cin7.order(unknown, [line(*TEE)])
    assert posted.status_code == 400
    assert posted.json() == [{"ErrorCode": 400, "Exception": f"Sale with ID {unknown} not found."}]


# -- lines, charges and totals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SKU": "NOPE"}, "Lines[0]: Product with SKU 'NOPE' not found."),
        ({"SKU": None}, "Lines[0]: SKU or ProductID is required."),
        ({"Quantity": 0}, "Lines[0]: Quantity must be 1 or more."),
        ({"Quantity": 1.00001}, "Lines[0].Quantity must have at most 4 decimal places."),
        ({"Price": 39.95001}, "Lines[0].Price must have at most 4 decimal places."),
        ({"Price": None}, "Lines[0].Price is required."),
        ({"Price": 1e30}, "Lines[0].Price is out of range."),
        ({"Quantity": "lots"}, "Lines[0].Quantity must be a number."),
        ({"Discount": 101}, "Lines[0]: Discount must be between 0 and 100."),
        ({"Discount": 1.234}, "Lines[0].Discount must have at most 2 decimal places."),
        ({"TaxRule": "VAT"}, "Lines[0]: Tax rule 'VAT' not found."),
        ({"TaxRule": None}, "Lines[0].TaxRule is required."),
        ({"Total": 39.93}, "Lines[0]: Total 39.93 does not match Quantity x Price x (1 - Discount/100) = 39.95."),
    ],
)
def test_line_validation(cin7: Cin7, override: dict[str, object], message: str) -> None:
    sale_id = cin7.new_sale()["ID"]
    response = cin7.order(sale_id, [{**line(*TEE), **override}])
    assert response.status_code == 400
    assert error_text(response) == message
    assert cin7.ok(cin7.get("sale/order", SaleID=sale_id))["Status"] == "NOT AVAILABLE"


def test_totals_within_a_cent_are_accepted_and_recomputed(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    order = cin7.ok(cin7.order(sale_id, [{**line("SERUM-VITC-30", 3, "54.00", discount="12.5"), "Total": 141.76}]))
    assert order["Lines"][0]["Total"] == 141.75  # 3 x 54.00 x 0.875 = 141.75, Cin7 keeps its own
    no_total = {k: v for k, v in line(*TEE).items() if k not in ("Total", "Tax")}
    order = cin7.ok(cin7.order(cin7.new_sale()["ID"], [no_total]))
    assert (order["Lines"][0]["Total"], order["Lines"][0]["Tax"]) == (39.95, 3.63)


def test_charge_validation_and_negative_charges(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    missing = cin7.order(sale_id, [line(*TEE)], [{**charge("Shipping", "9.95"), "Description": ""}])
    assert error_text(missing) == "AdditionalCharges[0].Description is required."
    wrong = cin7.order(sale_id, [line(*TEE)], [{**charge("Shipping", "9.95"), "Total": 10}])
    assert "Total 10 does not match" in error_text(wrong)
    # A negative charge: the amount voided from an Afterpay auth, or an order-level discount.
    order = cin7.ok(
        cin7.order(
            sale_id,
            [line("THROW-WOOL-OAT", 1, "189.00")],
            [charge("Shipping", "9.95"), charge("Voided from auth", "-50.00")],
        )
    )
    assert order["AdditionalCharges"][1]["Total"] == -50
    assert order["AdditionalCharges"][1]["Tax"] == -4.55
    assert (order["Total"], order["Tax"]) == (148.95, 13.53)  # 17.18 + 0.90 - 4.55
    cin7.ok(cin7.invoice(sale_id))
    assert cin7.row(sale_id)["InvoiceAmount"] == 148.95


def test_tax_exclusive_sales_add_the_tax_on_top(cin7: Cin7) -> None:
    sale_id = cin7.new_sale(TaxInclusive=False)["ID"]
    order = cin7.ok(
        cin7.order(
            sale_id,
            [{"SKU": "TEE-ORG-WHT-M", "Quantity": 2, "Price": 36.32, "TaxRule": "GST on Income", "Total": 72.64}],
        )
    )
    assert (order["TotalBeforeTax"], order["Tax"], order["Total"]) == (72.64, 7.26, 79.9)


def test_gst_free_lines_carry_no_tax(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    order = cin7.ok(cin7.order(sale_id, [line("GIFT-100", 1, "100.00", rule="GST Free"), line(*TEE)]))
    assert order["Lines"][0]["Tax"] == 0
    assert order["Tax"] == 3.63


def test_line_tax_is_kept_as_sent_unless_strict(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7()
    sale_id = cin7.new_sale()["ID"]
    order = cin7.ok(cin7.order(sale_id, [{**line(*TEE), "Tax": 3.64}]))
    assert order["Lines"][0]["Tax"] == 3.64
    cin7.configure(tax_validation="strict")
    strict = cin7.order(cin7.new_sale()["ID"], [{**line(*TEE), "Tax": 3.70}])
    assert error_text(strict) == "Lines[0]: Tax 3.7 does not match GST on Income on 39.95: 3.63."
    cin7.ok(cin7.order(cin7.new_sale()["ID"], [{**line(*TEE), "Tax": 3.64}]))  # within a cent


def test_sub_document_post_overwrites_lines_and_charges(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(
        cin7.order(
            sale_id, [line(*TEE), line("SOCK-BMB-3PK", 1, "24.95")], [charge("Shipping", "9.95")], Status="DRAFT"
        )
    )
    replaced = cin7.ok(cin7.order(sale_id, [line("CAP-LIN-SAND", 2, "34.95")], Status="DRAFT"))
    assert [x["SKU"] for x in replaced["Lines"]] == ["CAP-LIN-SAND"]
    assert replaced["AdditionalCharges"] == []
    assert replaced["Total"] == 69.9
    assert (
        error_text(cin7.order(sale_id, []))
        == "The order has no lines: send Lines or AdditionalCharges to authorise it."
    )


def test_invoice_lines_are_copied_from_the_order_or_overwritten(cin7: Cin7) -> None:
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line(*TEE), line("SOCK-BMB-3PK", 1, "24.95")], [charge("Shipping", "9.95")]))
    draft = cin7.ok(cin7.invoice(sale_id, Status="DRAFT"))["Invoices"][0]
    assert [x["SKU"] for x in draft["Lines"]] == ["TEE-ORG-WHT-M", "SOCK-BMB-3PK"]
    assert draft["AdditionalCharges"][0]["Description"] == "Shipping"
    rewritten = cin7.ok(
        cin7.invoice(sale_id, Status="DRAFT", Lines=[{**line(*TEE), "Account": "260"}], AdditionalCharges=[])
    )
    invoice = rewritten["Invoices"][0]
    assert [(x["SKU"], x["Account"]) for x in invoice["Lines"]] == [("TEE-ORG-WHT-M", "260")]
    assert invoice["AdditionalCharges"] == []
    assert invoice["InvoiceNumber"] == draft["InvoiceNumber"]
    bad_account = cin7.invoice(sale_id, Status="DRAFT", Lines=[{**line(*TEE), "Account": "999"}])
    assert error_text(bad_account) == "Lines[0]: Account with code '999' not found."
    authorised = cin7.ok(
        cin7.put("sale/invoice", {"SaleID": sale_id, "TaskID": sale_id, "Status": "AUTHORISED", "Memo": "ok"})
    )
    assert authorised["Invoices"][0]["Status"] == "AUTHORISED"
    assert cin7.row(sale_id)["InvoiceAmount"] == 39.95


def test_errors_in_200_mode(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(errors_in_200=True)
    sale_id = cin7.new_sale(SkipQuote=False)["ID"]
    refused = cin7.order(sale_id, [line(*TEE)])
    assert refused.status_code == 200
    assert refused.json()[0]["ErrorCode"] == 400
    assert "Quote is not authorised" in refused.json()[0]["Exception"]
    assert cin7.pay(sale_id, 10).status_code == 200
    # Validation errors and the header endpoints keep their 400.
    assert cin7.order(cin7.new_sale()["ID"], [{**line(*TEE), "SKU": "NOPE"}]).status_code == 400
    assert cin7.post("sale", {"Customer": "Web Sales"}).status_code == 400
    cin7.ok(cin7.delete("sale", ID=sale_id, Void="true"))
    assert cin7.delete("sale", ID=sale_id, Void="true").status_code == 400
