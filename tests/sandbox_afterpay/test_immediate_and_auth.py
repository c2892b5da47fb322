"""POST /v2/payments/capture (immediate) and POST /v2/payments/auth (afterpay.md §3.2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import requests

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, assert_error, money


def test_immediate_capture_approves_and_captures(sandbox: Sandbox) -> None:
    token = sandbox.checkout("45.50", merchantReference="order-7")
    response = sandbox.post("/v2/payments/capture", {"token": token})
    assert response.status_code == 201
    payment = response.json()
    assert re.fullmatch(r"\d{12}", payment["id"])
    assert payment["token"] == token
    assert (payment["status"], payment["paymentState"]) == ("APPROVED", "CAPTURED")
    assert payment["originalAmount"] == money("45.50")
    assert payment["openToCaptureAmount"] == money("0.00")
    assert payment["merchantReference"] == "order-7"
    assert payment["refunds"] == []
    assert [e["type"] for e in payment["events"]] == ["AUTH_APPROVED", "CAPTURED"]
    assert payment["events"][1]["amount"] == money("45.50")
    assert all(re.fullmatch(r"[0-9A-Za-z]{27}", e["id"]) for e in payment["events"])
    assert payment["orderDetails"]["consumer"]["email"] == "name@example.com"


def test_capturing_the_same_token_twice_returns_the_same_payment(sandbox: Sandbox) -> None:
    token = sandbox.checkout()
    first = sandbox.post("/v2/payments/capture", {"token": token})
    second = sandbox.post("/v2/payments/capture", {"token": token})
    assert second.status_code == 201
    assert second.json() == first.json()
    assert sandbox.get("/v2/payments").json()["totalResults"] == 1


def test_capture_merchant_reference_replaces_the_checkout_one(sandbox: Sandbox) -> None:
    token = sandbox.checkout(merchantReference="old")
    assert (
        sandbox.post("/v2/payments/capture", {"token": token, "merchantReference": "new"}).json()["merchantReference"]
        == "new"
    )


def test_declined_immediate_capture_is_a_201_declined_payment(sandbox: Sandbox) -> None:
    token = sandbox.checkout()
    requests.post(f"{sandbox.url}/_sandbox/checkouts/{token}/decline", timeout=10)
    response = sandbox.post("/v2/payments/capture", {"token": token})
    assert response.status_code == 201
    payment = response.json()
    assert (payment["status"], payment["paymentState"]) == ("DECLINED", "AUTH_DECLINED")
    assert payment["openToCaptureAmount"] == money("0.00")
    assert [e["type"] for e in payment["events"]] == ["AUTH_DECLINED"]
    # "A permanent order record is created even when the payment is declined."
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["status"] == "DECLINED"


def test_declined_capture_state_is_configurable(sandbox: Sandbox) -> None:
    sandbox.configure(declined_capture_state="CAPTURE_DECLINED")
    token = sandbox.checkout()
    requests.post(f"{sandbox.url}/_sandbox/checkouts/{token}/decline", timeout=10)
    payment = sandbox.post("/v2/payments/capture", {"token": token}).json()
    assert payment["paymentState"] == "CAPTURE_DECLINED"
    assert payment["events"][0]["type"] == "CAPTURE_DECLINED"


def test_capture_errors(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(checkout_auto_approve=False))
    assert_error(sandbox.post("/v2/payments/capture", {"token": ""}), 422, "invalid_object", "token may not be empty")
    assert_error(sandbox.post("/v2/payments/capture", {}), 422, "invalid_object", "token may not be empty")
    assert_error(
        sandbox.post("/v2/payments/capture", {"token": "002." + "x" * 48}),
        402,
        "invalid_token",
        "Cannot complete payment, expired or invalid token.",
    )
    pending = sandbox.checkout()
    assert_error(
        sandbox.post("/v2/payments/capture", {"token": pending}),
        412,
        "invalid_order_transaction_status",
        "Order has not been approved.",
    )
    requests.post(f"{sandbox.url}/_sandbox/checkouts/{pending}/approve", timeout=10)
    assert sandbox.post("/v2/payments/capture", {"token": pending}).status_code == 201


def test_auth_approves_with_expiring_event(sandbox: Sandbox) -> None:
    token = sandbox.checkout("74.93")
    response = sandbox.post("/v2/payments/auth", {"requestId": "8f7d1e0a", "token": token})
    assert response.status_code == 201
    payment = response.json()
    assert (payment["status"], payment["paymentState"]) == ("APPROVED", "AUTH_APPROVED")
    assert payment["openToCaptureAmount"] == money("74.93")
    (event,) = payment["events"]
    assert event["type"] == "AUTH_APPROVED"
    lifetime = datetime.fromisoformat(event["expires"]) - datetime.fromisoformat(event["created"])
    assert lifetime == timedelta(days=13)


def test_auth_expiry_is_configurable(start_sandbox: Callable[..., Sandbox]) -> None:
    for seconds in (7 * 24 * 3600, 36 * 3600):
        sandbox = start_sandbox(AfterpaySandboxConfig(auth_expiry_seconds=seconds))
        event = sandbox.authorised()["events"][0]
        lifetime = datetime.fromisoformat(event["expires"]) - datetime.fromisoformat(event["created"])
        assert lifetime == timedelta(seconds=seconds)


def test_auth_accepts_the_spec_spelling_requestid(sandbox: Sandbox) -> None:
    token = sandbox.checkout()
    first = sandbox.post("/v2/payments/auth", {"requestid": "abc", "token": token})
    again = sandbox.post("/v2/payments/auth", {"requestid": "abc", "token": token})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


def test_declined_auth_is_a_402_with_a_payment_body(sandbox: Sandbox) -> None:
    token = sandbox.checkout()
    requests.post(f"{sandbox.url}/_sandbox/checkouts/{token}/decline", timeout=10)
    response = sandbox.post("/v2/payments/auth", {"requestId": "d1", "token": token})
    assert response.status_code == 402
    payment = response.json()
    assert (payment["status"], payment["paymentState"]) == ("DECLINED", "AUTH_DECLINED")
    assert "errorCode" not in payment
    replay = sandbox.post("/v2/payments/auth", {"requestId": "d1", "token": token})
    assert (replay.status_code, replay.json()) == (402, payment)


def test_auth_errors(sandbox: Sandbox) -> None:
    assert_error(sandbox.post("/v2/payments/auth", {"token": ""}), 422, "invalid_object", "token may not be empty")
    assert_error(sandbox.post("/v2/payments/auth", {"token": "expired-token"}), 402, "invalid_token")
    token = sandbox.checkout()
    sandbox.post("/v2/payments/auth", {"token": token})
    # The token was used; without the same requestId a second auth is refused.
    assert_error(sandbox.post("/v2/payments/auth", {"token": token}), 402, "invalid_token")
    captured = sandbox.checkout()
    sandbox.post("/v2/payments/capture", {"token": captured})
    assert_error(sandbox.post("/v2/payments/auth", {"token": captured}), 402, "invalid_token")
    authorised = sandbox.checkout()
    sandbox.post("/v2/payments/auth", {"token": authorised})
    assert_error(sandbox.post("/v2/payments/capture", {"token": authorised}), 402, "invalid_token")
    sandbox.configure(checkout_auto_approve=False)
    assert_error(
        sandbox.post("/v2/payments/auth", {"token": sandbox.checkout()}), 412, "invalid_order_transaction_status"
    )


def test_express_checkout_amount_rules(sandbox: Sandbox) -> None:
    token = sandbox.checkout("50.00", mode="express")
    assert_error(sandbox.post("/v2/payments/auth", {"token": token}), 422, "invalid_object", "amount may not be null")
    assert_error(sandbox.post("/v2/payments/auth", {"token": token, "amount": money("45.00")}), 422, "invalid_amount")
    adjusted = sandbox.post("/v2/payments/auth", {"token": token, "amount": money("45.00"), "isCheckoutAdjusted": True})
    assert adjusted.json()["originalAmount"] == money("45.00")
    standard = sandbox.checkout("20.00")
    assert_error(
        sandbox.post("/v2/payments/capture", {"token": standard, "amount": money("19.00")}), 422, "invalid_amount"
    )
    assert sandbox.post("/v2/payments/capture", {"token": standard, "amount": money("20.00")}).status_code == 201


def test_get_payment_by_id_and_token(sandbox: Sandbox) -> None:
    payment = sandbox.authorised()
    assert sandbox.get(f"/v2/payments/{payment['id']}").json() == payment
    assert sandbox.get(f"/v2/payments/token:{payment['token']}").json() == payment
    not_found = "Afterpay payment ID not found."
    assert_error(sandbox.get("/v2/payments/400000000000"), 404, "not_found", not_found)
    assert_error(sandbox.get("/v2/payments/abc"), 404, "not_found", not_found)
    assert_error(sandbox.get("/v2/payments/token:002.unknown"), 404, "not_found", not_found)
    # A checkout that was never paid has no payment behind its token.
    assert_error(sandbox.get(f"/v2/payments/token:{sandbox.checkout()}"), 404, "not_found")


def test_small_orders_below_the_deferred_minimum(sandbox: Sandbox) -> None:
    sandbox.configure(minimum_amount="0.50")
    assert sandbox.captured("0.50")["paymentState"] == "CAPTURED"
    assert sandbox.seed(originalAmount=money("0.50"))["paymentState"] == "CAPTURED"
    payment = sandbox.authorised("0.80")
    # The $1.00 minimum of a deferred capture still applies (afterpay.md §3.2).
    assert_error(
        sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": money("0.80")}), 422, "invalid_amount"
    )
