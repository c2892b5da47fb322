"""POST/GET /v2/checkouts, the consumer's decision, and Money validation (afterpay.md §2, §3.2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, assert_error, money

CONSUMER = {"email": "name@example.com", "givenNames": "Testy", "surname": "Testerson"}


def checkout_body(**overrides: Any) -> dict[str, Any]:
    return {"amount": money("30.00"), "consumer": CONSUMER, **overrides}


def test_create_checkout_returns_token_expiry_and_redirect(sandbox: Sandbox) -> None:
    response = sandbox.post("/v2/checkouts", checkout_body())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires", "redirectCheckoutUrl"}
    assert re.fullmatch(r"002\.[0-9a-z]{48}", body["token"])
    assert body["redirectCheckoutUrl"] == f"{sandbox.url}/au/checkout/?token={body['token']}"
    clock = requests.get(sandbox.url + "/_sandbox/clock", timeout=10).json()
    lifetime = datetime.fromisoformat(body["expires"]) - datetime.fromisoformat(clock["now"])
    assert timedelta(hours=2, minutes=59) < lifetime <= timedelta(hours=3)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["expires"])


def test_get_checkout_echoes_the_request(sandbox: Sandbox) -> None:
    full = checkout_body(
        merchantReference="order-1",
        billing={
            "name": "T T",
            "line1": "1 St",
            "area1": "Sydney",
            "region": "NSW",
            "postcode": "2000",
            "countryCode": "AU",
        },
        merchant={"redirectConfirmUrl": "https://shop.test/ok", "redirectCancelUrl": "https://shop.test/no"},
        items=[{"name": "Jeans", "sku": "J1", "quantity": 2, "price": money("10.00")}],
        taxAmount=money("2.73"),
        shippingAmount=money("10"),
        discounts=[{"displayName": "Promo", "amount": money("1.50")}],
        description="a test",
        mode="standard",
    )
    token = sandbox.post("/v2/checkouts", full).json()["token"]
    body = sandbox.get(f"/v2/checkouts/{token}").json()
    assert body["token"] == token
    assert body["amount"] == money("30.00")
    assert body["shippingAmount"] == money("10.00")  # normalised to 2 dp
    assert body["items"] == full["items"]
    assert body["merchant"] == full["merchant"]
    assert body["merchantReference"] == "order-1"


def test_get_checkout_errors(sandbox: Sandbox) -> None:
    assert_error(sandbox.get("/v2/checkouts/002." + "a" * 48), 404, "not_found")
    assert_error(sandbox.get("/v2/checkouts/not-a-token"), 412, "precondition_failed")
    completed = sandbox.checkout()
    sandbox.post("/v2/payments/capture", {"token": completed})
    assert_error(sandbox.get(f"/v2/checkouts/{completed}"), 412, "precondition_failed")
    expired = sandbox.checkout()
    sandbox.advance(3 * 3600 + 1)
    assert_error(sandbox.get(f"/v2/checkouts/{expired}"), 412, "precondition_failed")


def test_token_lifetime_is_configurable(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(checkout_token_lifetime_seconds=3600))
    token = sandbox.checkout()
    sandbox.advance(3601)
    assert_error(sandbox.post("/v2/payments/capture", {"token": token}), 402, "invalid_token")


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({"consumer": CONSUMER}, "invalid_object", "amount may not be null"),
        (checkout_body(consumer=None), "invalid_object", "consumer may not be null"),
        (checkout_body(consumer={"givenNames": "x"}), "invalid_object", "consumer.email may not be empty"),
        (checkout_body(consumer={"email": "not-an-email"}), "invalid_object", "consumer.email must be a well-formed"),
        (checkout_body(consumer={"email": "a@b.co", "phoneNumber": "1" * 33}), "invalid_object", "phoneNumber size"),
        (checkout_body(items=[{"name": "x", "quantity": 1, "price": money("0.00")}]), "invalid_object", "positive"),
        (checkout_body(items=[{"name": "x", "quantity": 1, "price": money("-1.00")}]), "invalid_object", "positive"),
        (checkout_body(items=[{"quantity": 1, "price": money("1.00")}]), "invalid_object", "items[0].name"),
        (checkout_body(items=[{"name": "x", "price": money("1.00")}]), "invalid_object", "items[0].quantity"),
        (checkout_body(items=[{"name": "x", "quantity": 1.5, "price": money("1.00")}]), "invalid_object", "32-bit"),
        (checkout_body(items=[{"name": "x", "quantity": 2**31, "price": money("1.00")}]), "invalid_object", "32-bit"),
        (checkout_body(items=[{"name": "x", "quantity": 1}]), "invalid_object", "items[0].price may not be null"),
        (
            checkout_body(items=[{"name": "x", "quantity": 1, "price": money("1.00"), "estimatedShipmentDate": "May"}]),
            "invalid_object",
            "estimatedShipmentDate",
        ),
        (
            checkout_body(items=[{"name": f"i{n}", "quantity": 1, "price": money("0.30")} for n in range(101)]),
            "invalid_object",
            "items size must be between 0 and 100",
        ),
        (checkout_body(merchant={"redirectConfirmUrl": "https://x"}), "invalid_object", "redirectCancelUrl"),
        (checkout_body(billing={"name": "x"}), "invalid_object", "billing.line1 may not be empty"),
        (
            checkout_body(
                shipping={"name": "x", "line1": "1", "area1": "a", "region": "r", "postcode": "1", "countryCode": "FR"}
            ),
            "invalid_object",
            "countryCode",
        ),
        (checkout_body(mode="fast"), "invalid_object", "mode must be standard or express"),
        (checkout_body(courier={"priority": "SLOW"}), "invalid_object", "courier.priority"),
        (checkout_body(amount=money("30.00", "NZD")), "unsupported_currency", "NZD"),
        (checkout_body(taxAmount=money("1.00", "USD")), "unsupported_currency", "USD"),
        (checkout_body(amount=money("0.50")), "unsupported_payment_type", "AUD 1.00 to AUD 2000.00"),
        (checkout_body(amount=money("2000.01")), "unsupported_payment_type", "AUD 2000.01"),
    ],
)
def test_create_checkout_validation(sandbox: Sandbox, body: dict[str, Any], code: str, fragment: str) -> None:
    error = assert_error(sandbox.post("/v2/checkouts", body), 422, code)
    assert fragment in error["message"]


def test_one_hundred_items_and_boundary_amounts_are_fine(sandbox: Sandbox) -> None:
    items = [{"name": f"i{n}", "quantity": 1, "price": money("0.30")} for n in range(100)]
    assert sandbox.post("/v2/checkouts", checkout_body(items=items)).status_code == 201
    assert sandbox.post("/v2/checkouts", checkout_body(amount=money("1.00"))).status_code == 201
    assert sandbox.post("/v2/checkouts", checkout_body(amount=money("2000.00"))).status_code == 201


# afterpay.md §2, the Money-object table.
MONEY_CASES = [
    ({"currency": "AUD"}, "invalid_object", "amount.amount Amount field required"),
    ({"amount": None, "currency": "AUD"}, "invalid_object", "amount.amount Amount field required"),
    (money("10.005"), "invalid_object", "amount must be a valid ISO 4217 format value"),
    (money("1,000"), "invalid_amount", None),
    (money("1,000.00"), "invalid_amount", None),
    (money("FREE"), "invalid_object", None),
    (money("$2"), "invalid_object", None),
    (money(""), "invalid_object", None),
    (money("1e3"), "invalid_object", None),
    ({"amount": 10.5, "currency": "AUD"}, "invalid_object", "must be a string"),
    ({"amount": "10.00"}, "invalid_object", "amount.currency Currency field required"),
    (money("10.00", "XYZ"), "invalid_object", "Currency not supported for this merchant"),
    (money("10.00", "EUR"), "invalid_object", "Currency not supported for this merchant"),
    (money("10.00", "USD"), "unsupported_currency", None),
    ("10.00", "invalid_object", "must be a Money object"),
]


@pytest.mark.parametrize(("amount", "code", "message"), MONEY_CASES)
def test_money_validation_on_checkout(sandbox: Sandbox, amount: Any, code: str, message: str | None) -> None:
    error = assert_error(sandbox.post("/v2/checkouts", checkout_body(amount=amount)), 422, code)
    if message:
        assert message in error["message"]


@pytest.mark.parametrize(("amount", "code", "message"), MONEY_CASES)
def test_money_validation_on_deferred_capture(sandbox: Sandbox, amount: Any, code: str, message: str | None) -> None:
    payment = sandbox.authorised()
    error = assert_error(sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": amount}), 422, code)
    if message:
        assert message in error["message"]


@pytest.mark.parametrize("amount", ["10", "10.5", "10.50", "0010.50"])
def test_valid_amount_spellings_are_normalised(sandbox: Sandbox, amount: str) -> None:
    token = sandbox.post("/v2/checkouts", checkout_body(amount=money(amount))).json()["token"]
    expected = f"{float(amount):.2f}"
    assert sandbox.get(f"/v2/checkouts/{token}").json()["amount"] == money(expected)


def test_consumer_page_confirms_and_redirects(sandbox: Sandbox) -> None:
    merchant = {"redirectConfirmUrl": "https://shop.test/confirm?x=1", "redirectCancelUrl": "https://shop.test/cancel"}
    created = sandbox.post("/v2/checkouts", checkout_body(merchant=merchant)).json()
    page = requests.get(created["redirectCheckoutUrl"], timeout=10)
    assert page.status_code == 200 and "AUD 30.00" in page.text
    token = created["token"]
    confirm = requests.post(
        f"{sandbox.url}/au/checkout/", data={"token": token, "decision": "approve"}, allow_redirects=False, timeout=10
    )
    assert confirm.status_code == 302
    assert confirm.headers["Location"] == f"https://shop.test/confirm?x=1&orderToken={token}&status=SUCCESS"
    assert sandbox.post("/v2/payments/capture", {"token": token}).json()["status"] == "APPROVED"


def test_consumer_page_cancel_and_decline(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(checkout_auto_approve=False))
    merchant = {"redirectConfirmUrl": "https://shop.test/confirm", "redirectCancelUrl": "https://shop.test/cancel"}
    token = sandbox.post("/v2/checkouts", checkout_body(merchant=merchant)).json()["token"]
    cancel = requests.post(
        f"{sandbox.url}/au/checkout/", data={"token": token, "decision": "cancel"}, allow_redirects=False, timeout=10
    )
    assert cancel.headers["Location"] == f"https://shop.test/cancel?orderToken={token}&status=CANCELLED"
    assert_error(sandbox.post("/v2/payments/capture", {"token": token}), 412, "invalid_order_transaction_status")
    declined = sandbox.post("/v2/checkouts", checkout_body(merchant=merchant)).json()["token"]
    response = requests.post(
        f"{sandbox.url}/au/checkout/",
        data={"token": declined, "decision": "decline"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.headers["Location"].endswith("status=SUCCESS")  # the decline shows at capture
    assert sandbox.post("/v2/payments/capture", {"token": declined}).json()["status"] == "DECLINED"
    assert requests.get(f"{sandbox.url}/au/checkout/?token=nope", timeout=10).status_code == 404


def test_sandbox_decision_controls(sandbox: Sandbox) -> None:
    token = sandbox.checkout()
    response = requests.post(f"{sandbox.url}/_sandbox/checkouts/{token}/decline", timeout=10)
    assert response.json() == {"token": token, "decision": "declined"}
    response = requests.post(f"{sandbox.url}/_sandbox/checkouts/{token}/approve", timeout=10)
    assert response.json() == {"token": token, "decision": "approved"}
    sandbox.post("/v2/payments/capture", {"token": token})
    assert requests.post(f"{sandbox.url}/_sandbox/checkouts/{token}/decline", timeout=10).status_code == 409
    assert requests.post(f"{sandbox.url}/_sandbox/checkouts/002.nope/approve", timeout=10).status_code == 404
