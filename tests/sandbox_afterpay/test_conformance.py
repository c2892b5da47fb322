"""Every JSON body the simulator returns from /v2 validates against the vendor OpenAPI schemas
(with the deviations listed in vendor_schema.py and docs/sandbox-afterpay.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
import requests

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, money
from .vendor_schema import SPEC_DIR, VendorSchemas

STATES = ["AUTH_APPROVED", "PARTIALLY_CAPTURED", "CAPTURED", "VOIDED", "EXPIRED", "AUTH_DECLINED", "CAPTURE_DECLINED"]


@pytest.fixture(scope="module")
def schemas() -> VendorSchemas:
    return VendorSchemas()


def check(schemas: VendorSchemas, response: requests.Response, method: str, template: str, status: int) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    schemas.validate(method, template, status, body)
    return body


def test_every_endpoint_conforms(start_sandbox: Callable[..., Sandbox], schemas: VendorSchemas) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(checkout_token_lifetime_seconds=3 * 3600))
    full_checkout = {
        "amount": money("74.93"),
        "consumer": {
            "phoneNumber": "0400000000",
            "givenNames": "Joe",
            "surname": "Consumer",
            "email": "joe@example.com",
        },
        "merchantReference": "000326025",
        "billing": {
            "name": "Joe Consumer",
            "line1": "1 George St",
            "area1": "Sydney",
            "region": "NSW",
            "postcode": "2000",
            "countryCode": "AU",
            "phoneNumber": "0400000000",
        },
        "shipping": {
            "name": "Joe Consumer",
            "line1": "1 George St",
            "line2": "Level 2",
            "area1": "Sydney",
            "region": "NSW",
            "postcode": "2000",
            "countryCode": "AU",
        },
        "merchant": {
            "redirectConfirmUrl": "https://shop.test/ok",
            "redirectCancelUrl": "https://shop.test/no",
            "name": "Shop",
        },
        "items": [
            {
                "name": "AE AirFlex 360 Skinny Jean",
                "sku": "0035448345",
                "quantity": 1,
                "price": money("64.93"),
                "pageUrl": "https://shop.test/p",
                "imageUrl": "https://shop.test/i.png",
                "categories": [["Clothing", "Jeans"]],
                "estimatedShipmentDate": "2030-01-31",
                "preorder": False,
            }
        ],
        "courier": {"shippedAt": "2030-01-01T00:00:00Z", "name": "AusPost", "tracking": "T1", "priority": "STANDARD"},
        "taxAmount": money("6.81"),
        "shippingAmount": money("10.00"),
        "discounts": [{"displayName": "Promo", "amount": money("0.00")}],
        "description": "conformance",
    }
    check(schemas, sandbox.get("/v2/configuration"), "GET", "/v2/configuration", 200)
    check(schemas, requests.get(sandbox.url + "/v2/configuration", timeout=10), "GET", "/v2/configuration", 401)
    included = sandbox.get(
        "/v2/configuration", params=[("include", v) for v in ("publicid", "consumerlending", "paybyinstallment")]
    )
    check(schemas, included, "GET", "/v2/configuration", 200)

    created = check(schemas, sandbox.post("/v2/checkouts", full_checkout), "POST", "/v2/checkouts", 201)
    check(schemas, sandbox.get(f"/v2/checkouts/{created['token']}"), "GET", "/v2/checkouts/{token}", 200)

    auth = check(
        schemas,
        sandbox.post("/v2/payments/auth", {"token": created["token"], "requestId": "r"}),
        "POST",
        "/v2/payments/auth",
        201,
    )
    order = auth["id"]
    check(
        schemas,
        sandbox.post(
            f"/v2/payments/{order}/capture", {"amount": money("20.00"), "paymentEventMerchantReference": "ship-1"}
        ),
        "POST",
        "/v2/payments/{orderId}/capture",
        201,
    )
    check(
        schemas,
        sandbox.post(f"/v2/payments/{order}/void", {"amount": money("4.93")}),
        "POST",
        "/v2/payments/{orderId}/void",
        201,
    )
    check(
        schemas,
        sandbox.post(
            f"/v2/payments/{order}/refund",
            {"requestId": "x", "amount": money("5.00"), "merchantReference": "c-1", "refundMerchantReference": "c-1"},
        ),
        "POST",
        "/v2/payments/{orderId}/refund",
        201,
    )
    check(
        schemas,
        sandbox.put(f"/v2/payments/{order}", {"merchantReference": "new"}),
        "PUT",
        "/v2/payments/{orderId}",
        200,
    )
    check(
        schemas,
        sandbox.put(
            f"/v2/payments/{order}/courier",
            {"name": "INSTORE_PICKUP", "priority": "EXPRESS", "shippedAt": "2030-01-02T00:00:00+10:00"},
        ),
        "PUT",
        "/v2/payments/{orderId}/courier",
        200,
    )
    check(schemas, sandbox.get(f"/v2/payments/{order}"), "GET", "/v2/payments/{orderId}", 200)
    check(schemas, sandbox.get(f"/v2/payments/token:{created['token']}"), "GET", "/v2/payments/token:{token}", 200)

    captured = check(
        schemas,
        sandbox.post("/v2/payments/capture", {"token": sandbox.checkout()}),
        "POST",
        "/v2/payments/capture",
        201,
    )
    reversal = sandbox.post(f"/v2/payments/token:{captured['token']}/reversal")
    assert (reversal.status_code, reversal.content) == (204, b"")
    schemas.validated.add(("POST", "/v2/payments/token:{token}/reversal"))  # 204: no body to validate

    for state in STATES:
        sandbox.seed(originalAmount=money("40.00"), paymentState=state)
    listing = check(schemas, sandbox.get("/v2/payments", params={"limit": 250}), "GET", "/v2/payments", 200)
    assert {p["paymentState"] for p in listing["results"]} >= set(STATES)
    check(
        schemas, sandbox.get("/v2/payments", params={"includeNextLink": "true", "limit": 2}), "GET", "/v2/payments", 200
    )

    dispute = requests.post(
        f"{sandbox.url}/_sandbox/disputes", json={"orderId": order, "reason": "fraudulent"}, timeout=10
    ).json()
    schemas.validate("GET", "/v2/disputes/{dispute_id}", 200, dispute)
    check(schemas, sandbox.get("/v2/disputes"), "GET", "/v2/disputes", 200)
    check(schemas, sandbox.get(f"/v2/disputes/{dispute['id']}"), "GET", "/v2/disputes/{dispute_id}", 200)
    check(
        schemas,
        sandbox.post(f"/v2/disputes/{dispute['id']}", {"evidence": {"uncategorizedText": "x"}}),
        "POST",
        "/v2/disputes/{dispute_id}",
        200,
    )
    check(
        schemas, sandbox.post(f"/v2/disputes/{dispute['id']}/accept"), "POST", "/v2/disputes/{dispute_id}/accept", 200
    )
    second = requests.post(
        f"{sandbox.url}/_sandbox/disputes", json={"orderId": order, "reason": "duplicate"}, timeout=10
    ).json()
    check(schemas, sandbox.get(f"/v2/disputes/{second['id']}/accept"), "GET", "/v2/disputes/{dispute_id}/accept", 200)

    assert schemas.operations() <= schemas.validated, schemas.operations() - schemas.validated


def test_declined_auth_body_is_a_payment(sandbox: Sandbox, schemas: VendorSchemas) -> None:
    token = sandbox.checkout()
    requests.post(f"{sandbox.url}/_sandbox/checkouts/{token}/decline", timeout=10)
    response = sandbox.post("/v2/payments/auth", {"token": token})
    assert response.status_code == 402
    # The spec leaves the 402 body untyped; afterpay.md §3.2 says it is a Payment.
    schemas.validate("POST", "/v2/payments/auth", 201, response.json())


def test_the_validator_bites(schemas: VendorSchemas) -> None:
    """Guard: the validator resolves the spec's $refs and rejects what the spec forbids."""
    for body in (
        {"status": "WEIRD"},
        {"originalAmount": {"amount": "1.00", "currency": "EUR"}},
        {"orderDetails": {"consumer": {"email": "not-an-email"}}},
        {"events": [{"type": "SETTLED"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            schemas.validate("GET", "/v2/payments/{orderId}", 200, body)


def test_the_overlay_is_needed() -> None:
    """Guard: each documented deviation really is a deviation from the unpatched spec."""
    raw = json.loads((SPEC_DIR / "payments-openapi.json").read_text())
    event = raw["components"]["schemas"]["Payment-Event"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"expires": None}, event)
    assert "EXPIRED" not in raw["components"]["schemas"]["PaymentPaymentState"]["enum"]
    assert "shipping" not in raw["components"]["schemas"]["Order-Details"]["properties"]
