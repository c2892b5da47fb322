"""Customers, products, reference data and /me (cin7.md A14, A15)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.sandbox_cin7.conftest import Cin7, error_text


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _customer(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": "Jo Citizen",
        "Status": "Active",
        "Currency": "AUD",
        "PaymentTerm": "Due on receipt",
        "AccountReceivable": "610",
        "RevenueAccount": "200",
        "TaxRule": "GST on Income",
        "Contacts": [{"Name": "Jo Citizen", "Email": "Jo.Citizen@Example.com", "Default": True}],
        "Addresses": [
            {
                "Line1": "1 George St",
                "City": "Sydney",
                "State": "NSW",
                "Postcode": "2000",
                "Country": "Australia",
                "Type": "Billing",
                "DefaultForType": True,
            }
        ],
    }
    body.update(extra)
    return body


def test_customer_post_returns_the_list_envelope(cin7: Cin7) -> None:
    body = cin7.ok(cin7.post("customer", _customer()))
    assert (body["Total"], body["Page"]) == (1, 1)
    created = body["CustomerList"][0]
    assert created["Name"] == "Jo Citizen"
    assert created["Contacts"][0]["Email"] == "Jo.Citizen@Example.com"
    assert created["Addresses"][0]["Type"] == "Billing"
    sale = cin7.ok(cin7.post("sale", {"CustomerID": created["ID"], "Location": "Main Warehouse"}))
    assert (sale["Contact"], sale["Email"], sale["BillingAddress"]["City"]) == (
        "Jo Citizen",
        "Jo.Citizen@Example.com",
        "Sydney",
    )


def test_customer_post_reports_every_missing_required_field(cin7: Cin7) -> None:
    response = cin7.post("customer", {"Contacts": []})
    assert response.status_code == 400
    messages = [entry["Exception"] for entry in response.json()]
    assert [m.split(" ")[0] for m in messages] == [
        "Name",
        "Status",
        "Currency",
        "PaymentTerm",
        "AccountReceivable",
        "RevenueAccount",
        "TaxRule",
    ]
    assert "e.g. 'AUD'" in messages[2]
    assert all(entry["ErrorCode"] == 400 for entry in response.json())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TaxRule": "VAT"}, "TaxRule: Tax rule 'VAT' not found."),
        ({"PaymentTerm": "60 days"}, "Payment term '60 days' not found."),
        ({"RevenueAccount": "999"}, "RevenueAccount: Account with code '999' not found."),
        ({"Status": "Sleeping"}, "Status must be 'Active' or 'Deprecated'."),
        ({"Name": "Web Sales"}, "Customer with name 'Web Sales' already exists."),
        ({"Contacts": [{"Email": "x@example.com"}]}, "Contacts[0].Name is required."),
        (
            {"Addresses": [{"Line1": "1 A St", "Country": "Australia", "Type": "Home"}]},
            "Addresses[0].Type must be one of Billing, Business, Shipping.",
        ),
    ],
)
def test_customer_validation(cin7: Cin7, change: dict[str, Any], message: str) -> None:
    response = cin7.post("customer", _customer(**change))
    assert response.status_code == 400
    assert error_text(response) == message


def test_customer_names_may_repeat_when_configured(cin7: Cin7) -> None:
    cin7.configure(unique_customer_names=False)
    cin7.ok(cin7.post("customer", _customer(Name="Web Sales")))
    assert cin7.ok(cin7.get("customer", Name="Web Sales"))["Total"] == 2


def test_contact_filter_matches_an_email_exactly_or_a_contact_name_prefix(cin7: Cin7) -> None:
    jo = cin7.ok(cin7.post("customer", _customer()))["CustomerList"][0]["ID"]
    cin7.ok(
        cin7.post(
            "customer",
            _customer(Name="Joanne Smith", Contacts=[{"Name": "Joanne Smith", "Email": "joanne@example.com"}]),
        )
    )

    def names(**params: Any) -> list[str]:
        return [c["Name"] for c in cin7.ok(cin7.get("customer", **params))["CustomerList"]]

    assert names(ContactFilter="jo.citizen@example.com") == ["Jo Citizen"]
    assert names(ContactFilter="citizen@example.com") == []  # an email must be equal
    assert names(ContactFilter="jo") == ["Jo Citizen", "Joanne Smith"]
    assert names(ContactFilter="Joanne") == ["Joanne Smith"]
    assert names(Name="jo") == ["Jo Citizen", "Joanne Smith"]
    assert names(Name="Citizen") == []  # Name is a prefix filter
    assert names(ID=jo) == ["Jo Citizen"]


def test_customer_put_updates_by_id_and_merges_contacts(cin7: Cin7) -> None:
    created = cin7.ok(cin7.post("customer", _customer()))["CustomerList"][0]
    contact_id = created["Contacts"][0]["ID"]
    body = {
        "ID": created["ID"],
        "Comments": "VIP",
        "Contacts": [
            {"ID": contact_id, "Name": "Jo C.", "Email": "jo@example.com"},
            {"Name": "Accounts", "Email": "accounts@example.com"},
        ],
    }
    updated = cin7.ok(cin7.put("customer", body))["CustomerList"][0]
    assert updated["Comments"] == "VIP"
    assert [(c["ID"] == contact_id, c["Name"]) for c in updated["Contacts"]] == [(True, "Jo C."), (False, "Accounts")]
    assert updated["Addresses"] == created["Addresses"]  # absent collections stay as they were
    # Compare as times: the precision varies ("…56.17Z" vs "…56.174Z"), as in Cin7 (cin7.md A1).
    assert _moment(updated["LastModifiedOn"]) > _moment(created["LastModifiedOn"])
    refused = cin7.put("customer", {"ID": created["ID"], "Comments": "lost", "TaxRule": "VAT"})
    assert refused.status_code == 400
    assert cin7.ok(cin7.get("customer", ID=created["ID"]))["CustomerList"][0]["Comments"] == "VIP"
    deprecated = cin7.ok(cin7.put("customer", {"ID": created["ID"], "Status": "Deprecated"}))
    assert deprecated["CustomerList"][0]["Status"] == "Deprecated"
    assert cin7.ok(cin7.get("customer", Name="Jo"))["Total"] == 0
    assert cin7.ok(cin7.get("customer", Name="Jo", IncludeDeprecated="true"))["Total"] == 1
    assert cin7.ok(cin7.get("customer", ModifiedSince="2000-01-01"))["Total"] == 1  # Web Sales


def test_products_filter_by_name_and_sku_prefix(cin7: Cin7) -> None:
    def skus(**params: Any) -> list[str]:
        return [p["SKU"] for p in cin7.ok(cin7.get("product", **params))["Products"]]

    assert skus(Sku="TEE-") == ["TEE-ORG-WHT-M", "TEE-ORG-BLK-L"]
    assert skus(Sku="tee-org-wht") == ["TEE-ORG-WHT-M"]
    assert skus(Sku="ORG") == []
    assert skus(Name="gift card") == ["GIFT-50", "GIFT-100"]
    body = cin7.ok(cin7.get("product", Sku="AFTERPAY-ORDER"))
    product = body["Products"][0]
    assert (product["Type"], product["Name"], body["Total"]) == ("Service", "Afterpay order (no item detail)", 1)
    tee = cin7.ok(cin7.get("product", Sku="TEE-ORG-WHT-M"))["Products"][0]
    assert (tee["PriceTier1"], tee["PriceTiers"]["Tier 1"], tee["SaleTaxRule"], tee["UOM"]) == (
        39.95,
        39.95,
        "GST on Income",
        "Item",
    )
    assert cin7.ok(cin7.get("product", ID=tee["ID"]))["Total"] == 1
    assert "Suppliers" not in tee
    assert cin7.ok(cin7.get("product", Sku="TEE-ORG-WHT-M", IncludeSuppliers="true"))["Products"][0]["Suppliers"] == []


def test_reference_endpoints(cin7: Cin7) -> None:
    taxes = cin7.ok(cin7.get("ref/tax"))["TaxRuleList"]
    assert {(t["Name"], t["TaxPercent"]) for t in taxes} == {
        ("GST on Income", 10),
        ("GST Free", 0),
        ("GST on Expenses", 10),
    }
    assert [t["Name"] for t in cin7.ok(cin7.get("ref/tax", IsTaxForSale="true"))["TaxRuleList"]] == [
        "GST on Income",
        "GST Free",
    ]
    assert [t["Name"] for t in cin7.ok(cin7.get("ref/tax", Name="GST on"))["TaxRuleList"]] == [
        "GST on Income",
        "GST on Expenses",
    ]
    banks = cin7.ok(cin7.get("ref/account/bank"))["BankAccountsList"]
    assert [(b["AccountCode"], b["AccountName"]) for b in banks] == [
        ("090", "Afterpay Clearing"),
        ("091", "Stripe Clearing"),
    ]
    accounts = cin7.ok(cin7.get("ref/account", Type="BANK"))["AccountsList"]
    assert [a["Code"] for a in accounts] == ["090", "091"]
    assert cin7.ok(cin7.get("ref/account", Code="610"))["AccountsList"][0]["Name"] == "Accounts Receivable"
    unknown = cin7.get("ref/account", Code="999")
    assert unknown.status_code == 400
    assert unknown.json() == [{"ErrorCode": 400, "Exception": "Account with specified ID not found"}]
    locations = cin7.ok(cin7.get("ref/location"))["LocationList"]
    assert [(x["Name"], x["IsDefault"]) for x in locations] == [("Main Warehouse", True), ("Sydney Store", False)]
    assert cin7.ok(cin7.get("ref/paymentterm", Name="30"))["PaymentTermList"][0]["Duration"] == 30
    assert cin7.ok(cin7.get("ref/carrier", Description="Star"))["CarrierList"][0]["Description"] == "StarTrack"


def test_me(cin7: Cin7) -> None:
    me = cin7.ok(cin7.get("me"))
    assert (me["Company"], me["Currency"], me["TimeZone"]) == (
        "Demo Retail Pty Ltd",
        "AUD",
        "AUS Eastern Standard Time",
    )
    assert me["DefaultSaleTaxRuleName"] == "GST on Income"
    cin7.configure(base_currency="NZD")
    assert cin7.ok(cin7.get("me"))["Currency"] == "NZD"
