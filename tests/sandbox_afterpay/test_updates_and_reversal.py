"""PUT /v2/payments/{orderId}, PUT .../courier and POST .../token:{token}/reversal (afterpay.md §3.2)."""

from __future__ import annotations

from collections.abc import Callable

import requests

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, assert_error, money


def test_update_merchant_reference_answers_200(sandbox: Sandbox) -> None:
    payment = sandbox.captured(merchantReference="old")
    response = sandbox.put(f"/v2/payments/{payment['id']}", {"merchantReference": "new_merchant_order_id_1234"})
    assert response.status_code == 200  # afterpay.md §3.1 #13: the spec's 201 is not what the API does
    assert response.json()["merchantReference"] == "new_merchant_order_id_1234"
    found = sandbox.get("/v2/payments", params={"merchantReferences": "new_merchant_order_id_1234"}).json()
    assert found["totalResults"] == 1


def test_update_merchant_reference_errors(sandbox: Sandbox) -> None:
    assert_error(sandbox.put("/v2/payments/400000000000", {"merchantReference": "x"}), 404, "not_found")
    assert_error(sandbox.put("/v2/payments/abc", {"merchantReference": "x"}), 404, "not_found")
    payment = sandbox.captured()
    assert_error(sandbox.put(f"/v2/payments/{payment['id']}", {}), 422, "invalid_object")
    declined = sandbox.seed(originalAmount=money("10.00"), paymentState="AUTH_DECLINED")
    assert_error(sandbox.put(f"/v2/payments/{declined['id']}", {"merchantReference": "x"}), 412, "invalid_state")


def test_update_courier(sandbox: Sandbox) -> None:
    payment = sandbox.authorised()
    body = {"shippedAt": "2020-01-01T00:59:59+01:00", "name": "INSTORE_PICKUP", "tracking": "T1", "priority": "EXPRESS"}
    response = sandbox.put(f"/v2/payments/{payment['id']}/courier", body)
    assert response.status_code == 200
    courier = response.json()["orderDetails"]["courier"]
    # afterpay.md §2: the API normalises the time to UTC.
    assert courier == {**body, "shippedAt": "2019-12-31T23:59:59.000Z"}
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["orderDetails"]["courier"] == courier


def test_update_courier_errors(sandbox: Sandbox) -> None:
    assert_error(sandbox.put("/v2/payments/400000000000/courier", {"name": "x"}), 412, "precondition_failed")
    payment = sandbox.authorised()
    path = f"/v2/payments/{payment['id']}/courier"
    assert_error(sandbox.put(path, {"priority": "OVERNIGHT"}), 422, "invalid_object")
    assert_error(sandbox.put(path, {"name": "x" * 129}), 422, "invalid_object")
    assert_error(sandbox.put(path, {"shippedAt": "last tuesday"}), 422, "invalid_object")


def test_reversal_of_an_immediate_capture(sandbox: Sandbox) -> None:
    payment = sandbox.captured("30.00")
    response = sandbox.post(f"/v2/payments/token:{payment['token']}/reversal")
    assert response.status_code == 204
    assert response.content == b""
    body = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert body["paymentState"] == "CAPTURED"
    assert body["refunds"][0]["amount"] == money("30.00")
    assert_error(sandbox.post(f"/v2/payments/{payment['id']}/refund", {"amount": money("1.00")}), 422, "invalid_amount")
    assert_error(
        sandbox.post(f"/v2/payments/token:{payment['token']}/reversal"),
        412,
        "precondition_failed",
        "Payment reversal previously processed",
    )


def test_reversal_of_an_auth_voids_it(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("30.00")
    assert sandbox.post(f"/v2/payments/token:{payment['token']}/reversal").status_code == 204
    body = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert (body["paymentState"], body["openToCaptureAmount"]) == ("VOIDED", money("0.00"))
    assert_error(
        sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": money("1.00")}), 412, "payment_voided"
    )


def test_reversal_before_the_capture_completes(sandbox: Sandbox) -> None:
    # afterpay.md §5: reverse after a capture timed out; the late capture is then refused.
    token = sandbox.checkout()
    assert sandbox.post(f"/v2/payments/token:{token}/reversal").status_code == 204
    assert_error(
        sandbox.post("/v2/payments/capture", {"token": token}),
        412,
        "precondition_failed",
        "Order in pending reversal, no captures/auth accepted",
    )
    assert_error(
        sandbox.post(f"/v2/payments/token:{token}/reversal"),
        412,
        "precondition_failed",
        "Payment reversal previously processed",
    )


def test_reversal_window_and_eligibility(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox()
    assert_error(sandbox.post("/v2/payments/token:002.unknown/reversal"), 402, "invalid_token")
    late = sandbox.captured()
    sandbox.advance(601)
    assert_error(
        sandbox.post(f"/v2/payments/token:{late['token']}/reversal"),
        412,
        "precondition_failed",
        "Order outside reversal window",
    )
    partial = sandbox.authorised("30.00")
    sandbox.post(f"/v2/payments/{partial['id']}/capture", {"amount": money("10.00")})
    assert_error(
        sandbox.post(f"/v2/payments/token:{partial['token']}/reversal"), 412, "precondition_failed", "not eligible"
    )
    declined = sandbox.checkout()
    requests.post(f"{sandbox.url}/_sandbox/checkouts/{declined}/decline", timeout=10)
    assert_error(sandbox.post(f"/v2/payments/token:{declined}/reversal"), 412, "precondition_failed", "not eligible")
    wide = start_sandbox(AfterpaySandboxConfig(reversal_window_seconds=3600))
    payment = wide.captured()
    wide.advance(1800)
    assert wide.post(f"/v2/payments/token:{payment['token']}/reversal").status_code == 204
