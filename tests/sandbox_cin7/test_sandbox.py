"""Sandbox controls against the Cin7 simulator: config, clock, reset, shared faults (DESIGN.md §7)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
import requests

from app.sandbox.cin7 import Cin7SandboxConfig, ConfigError
from app.sandbox.cin7.seed import SEED_PRODUCTS
from tests.sandbox_cin7.conftest import Cin7, line


def test_config_is_readable_and_changeable_at_runtime(cin7: Cin7) -> None:
    config = cin7.sandbox("GET", "config").json()
    assert config == {**Cin7SandboxConfig().to_json(), "webhook_first_delay_seconds": 0.0}
    changed = cin7.configure(rate_limit_per_minute=2, throttle_response="429", webhook_retry_delays_seconds=[1, 2])
    assert (changed["rate_limit_per_minute"], changed["webhook_retry_delays_seconds"]) == (2, [1, 2])
    assert cin7.sandbox("GET", "config").json() == changed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rate_limit_per_minute": 0}, "rate_limit_per_minute must be a whole number of calls, at least 1"),
        ({"throttle_response": "418"}, "throttle_response must be one of '503', '429', '400'"),
        ({"tax_validation": "lenient"}, "tax_validation must be one of 'accept', 'strict'"),
        ({"base_currency": "aud"}, "base_currency must be a three-letter ISO 4217 code such as 'AUD'"),
        ({"errors_in_200": "yes"}, "errors_in_200 must be true or false"),
        (
            {"webhook_retry_delays_seconds": [1, -1]},
            "webhook_retry_delays_seconds must be a list of numbers of seconds, each 0 or more",
        ),
        ({"webhook_timeout_seconds": 0}, "webhook_timeout_seconds must be a positive number of seconds"),
        ({"account_id": ""}, "account_id must be a non-empty string"),
        ({"colour": "blue"}, "unknown config fields: colour"),
    ],
)
def test_config_changes_are_validated(cin7: Cin7, changes: dict[str, object], message: str) -> None:
    before = cin7.sandbox("GET", "config").json()
    response = cin7.sandbox("POST", "config", changes)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert cin7.sandbox("GET", "config").json() == before
    assert cin7.sandbox("POST", "config", ["not", "an", "object"]).status_code == 400


def test_config_dataclass_validates_on_construction() -> None:
    with pytest.raises(ConfigError, match="throttle_response"):
        Cin7SandboxConfig(throttle_response="500")
    assert Cin7SandboxConfig(webhook_retry_delays_seconds=[1.0]).webhook_attempts == 2
    with pytest.raises(ConfigError, match="webhook_retry_delays_seconds"):
        Cin7SandboxConfig(webhook_retry_delays_seconds="300")


def test_credentials_follow_the_config(cin7: Cin7) -> None:
    cin7.configure(account_id="acme", application_key="k-1")
    assert cin7.get("me").status_code == 403
    response = requests.get(
        f"{cin7.api}/me", headers={"api-auth-accountid": "acme", "api-auth-applicationkey": "k-1"}, timeout=5
    )
    assert response.status_code == 200


def test_the_clock_only_moves_forward(cin7: Cin7) -> None:
    before = cin7.sandbox("GET", "clock").json()
    assert before["offset_seconds"] == 0
    after = cin7.sandbox("POST", "clock", {"advance_seconds": 86400}).json()
    assert after["offset_seconds"] == 86400
    assert after["now"] > before["now"]
    assert cin7.sandbox("POST", "clock", {"advance_seconds": -1}).status_code == 400
    sale = cin7.new_sale()
    assert sale["LastModifiedOn"][:10] == after["now"][:10]


def test_reset_restores_the_seed_and_the_created_config(make_cin7: Callable[..., Cin7]) -> None:
    cin7 = make_cin7(rate_limit_per_minute=30)
    sale_id = cin7.new_sale()["ID"]
    cin7.ok(cin7.order(sale_id, [line("VASE-CER-MATTE", 1, "79.00")]))
    cin7.ok(
        cin7.post(
            "customer",
            {
                "Name": "X",
                "Status": "Active",
                "Currency": "AUD",
                "PaymentTerm": "30 days",
                "AccountReceivable": "610",
                "RevenueAccount": "200",
                "TaxRule": "GST Free",
            },
        )
    )
    cin7.configure(rate_limit_per_minute=5, errors_in_200=True)
    cin7.advance(1000)
    assert cin7.sandbox("POST", "reset").status_code == 204
    config = cin7.sandbox("GET", "config").json()
    assert (config["rate_limit_per_minute"], config["errors_in_200"]) == (30, False)
    assert cin7.sandbox("GET", "clock").json()["offset_seconds"] == 0
    assert cin7.ok(cin7.get("saleList"))["Total"] == 0
    assert [c["Name"] for c in cin7.ok(cin7.get("customer"))["CustomerList"]] == ["Web Sales"]
    assert cin7.availability("VASE-CER-MATTE")["Allocated"] == 0
    assert cin7.new_sale()["Order"]["SaleOrderNumber"] == "SO-00001"  # numbering starts again


def test_seed_products_are_the_catalogue(cin7: Cin7) -> None:
    assert len(SEED_PRODUCTS) >= 24
    products = {p["SKU"]: p for p in cin7.ok(cin7.get("product", Limit=1000))["Products"]}
    for seeded in SEED_PRODUCTS:
        product = products[seeded.sku]
        assert (product["Name"], Decimal(str(product["PriceTier1"])), product["SaleTaxRule"]) == (
            seeded.name,
            seeded.price,
            seeded.tax_rule,
        )
        assert product["ID"] == seeded.id
        if seeded.product_type == "Stock":
            main = dict(seeded.stock_by_location)["Main Warehouse"]
            assert cin7.availability(seeded.sku)["OnHand"] == main
    assert {p.sku for p in SEED_PRODUCTS if p.stock and p.stock <= 2} == {"DRESS-LIN-OLV-10", "VASE-CER-MATTE"}
    assert {p.sku for p in SEED_PRODUCTS if p.tax_rule == "GST Free"} >= {"GIFT-50", "GIFT-100"}
    assert {p.sku for p in SEED_PRODUCTS if p.product_type == "Service"} == {"AFTERPAY-ORDER", "SHIPPING"}
    assert all(len(p.barcode) == 13 for p in SEED_PRODUCTS)


def test_fault_respond_answers_without_doing_the_operation(cin7: Cin7) -> None:
    rule = {
        "method": "POST",
        "path": "/sale$",
        "status": 503,
        "body": "You reached 60 calls per minute API limit",
        "count": 1,
    }
    assert cin7.sandbox("POST", "faults", rule).status_code == 201
    response = cin7.post("sale", {"Customer": "Web Sales", "Location": "Main Warehouse"})
    assert response.status_code == 503
    assert cin7.ok(cin7.get("saleList"))["Total"] == 0
    cin7.new_sale()  # the rule applied once
    assert cin7.ok(cin7.get("saleList"))["Total"] == 1


def test_fault_drop_response_writes_but_loses_the_answer(cin7: Cin7) -> None:
    # The classic duplicate trap: the sale exists, the client saw a connection error.
    cin7.sandbox("POST", "faults", {"method": "POST", "path": "/sale$", "action": "drop_response", "count": 1})
    with pytest.raises(requests.ConnectionError):
        cin7.post(
            "sale", {"Customer": "Web Sales", "Location": "Main Warehouse", "SkipQuote": True, "ExternalID": "AP-LOST"}
        )
    found = cin7.ok(cin7.get("saleList", ExternalID="AP-LOST"))
    assert found["Total"] == 1
    log = cin7.sandbox("GET", "requests").json()["requests"]
    assert any(entry.get("fault") == "drop_response" for entry in log)


def test_fault_reset_does_nothing_and_resets_the_connection(cin7: Cin7) -> None:
    cin7.sandbox("POST", "faults", {"path": "saleList", "action": "reset", "count": 1})
    with pytest.raises(requests.ConnectionError):
        cin7.get("saleList")
    assert cin7.get("saleList").status_code == 200
    cin7.sandbox("DELETE", "faults")
    assert cin7.sandbox("GET", "faults").json() == {"faults": []}
