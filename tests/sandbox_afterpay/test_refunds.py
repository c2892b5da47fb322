"""POST /v2/payments/{orderId}/refund (afterpay.md §3.2 Refund, §4, E4)."""

from __future__ import annotations

from collections.abc import Callable

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, assert_error, money


def test_refund_echoes_the_request(sandbox: Sandbox) -> None:
    payment = sandbox.captured("50.00")
    body = {
        "requestId": "956946da-4863-4797-aa7c-540050faf922",
        "amount": money("10.00"),
        "merchantReference": "merchantRefundId-1234",
        "refundMerchantReference": "merchantRefundId-1234",
    }
    response = sandbox.post(f"/v2/payments/{payment['id']}/refund", body)
    assert response.status_code == 201
    refund = response.json()
    # afterpay.md E4: key order and content.
    assert list(refund) == [
        "requestId",
        "amount",
        "merchantReference",
        "refundId",
        "refundedAt",
        "refundMerchantReference",
    ]
    assert {k: refund[k] for k in body} == body
    assert refund["refundId"].isdigit()
    after = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert after["refunds"] == [refund]
    assert after["paymentState"] == "CAPTURED"  # a refund never changes paymentState


def test_minimal_refund_has_only_amount_id_and_time(sandbox: Sandbox) -> None:
    payment = sandbox.captured()
    refund = sandbox.post(f"/v2/payments/{payment['id']}/refund", {"amount": money("1.00")}).json()
    assert list(refund) == ["amount", "refundId", "refundedAt"]


def test_refundable_is_captured_minus_real_refunds(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("100.00")
    sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": money("40.00")})
    sandbox.post(f"/v2/payments/{payment['id']}/void", {"amount": money("60.00")})
    path = f"/v2/payments/{payment['id']}/refund"
    # The void's refund entry is not a refund: all 40.00 captured can still be refunded.
    error = assert_error(sandbox.post(path, {"amount": money("40.01")}), 422, "invalid_amount")
    assert error["message"] == "Refund amount AUD 40.01 exceeded refundable amount AUD 40.00."
    assert sandbox.post(path, {"amount": money("25.00")}).status_code == 201
    assert_error(sandbox.post(path, {"amount": money("15.01")}), 422, "invalid_amount")
    assert sandbox.post(path, {"amount": money("15.00")}).status_code == 201
    assert_error(sandbox.post(path, {"amount": money("0.01")}), 422, "invalid_amount")
    body = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert [r["amount"]["amount"] for r in body["refunds"]] == ["15.00", "25.00", "60.00"]
    assert body["paymentState"] == "CAPTURED"


def test_refund_of_a_partial_capture_keeps_state(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("100.00")
    sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": money("40.00")})
    sandbox.post(f"/v2/payments/{payment['id']}/refund", {"amount": money("40.00")})
    body = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert (body["paymentState"], body["openToCaptureAmount"]) == ("PARTIALLY_CAPTURED", money("60.00"))


def test_only_captured_funds_can_be_refunded(sandbox: Sandbox) -> None:
    authorised = sandbox.authorised()
    assert_error(
        sandbox.post(f"/v2/payments/{authorised['id']}/refund", {"amount": money("1.00")}), 412, "precondition_failed"
    )
    declined = sandbox.seed(originalAmount=money("10.00"), paymentState="AUTH_DECLINED")
    assert_error(
        sandbox.post(f"/v2/payments/{declined['id']}/refund", {"amount": money("1.00")}), 412, "precondition_failed"
    )
    voided = sandbox.seed(originalAmount=money("10.00"), paymentState="VOIDED")
    assert_error(
        sandbox.post(f"/v2/payments/{voided['id']}/refund", {"amount": money("1.00")}), 412, "precondition_failed"
    )


def test_refund_lookup_and_body_errors(sandbox: Sandbox) -> None:
    assert_error(sandbox.post("/v2/payments/order-001/refund", {"amount": money("1.00")}), 404, "not_found")
    assert_error(
        sandbox.post("/v2/payments/400000000000/refund", {"amount": money("1.00")}),
        412,
        "precondition_failed",
        "Afterpay payment ID not found.",
    )
    payment = sandbox.captured()
    path = f"/v2/payments/{payment['id']}/refund"
    assert_error(sandbox.post(path, {"requestId": "r"}), 422, "invalid_object", "amount may not be null")
    assert_error(sandbox.post(path, {"amount": money("1.00", "USD")}), 422, "unsupported_currency")
    assert_error(sandbox.post(path, {"amount": money("1,00")}), 422, "invalid_object")  # decimal comma
    assert_error(sandbox.post(path, {"amount": money("1,000")}), 422, "invalid_amount")
    assert_error(sandbox.post(path, {"amount": money("1.00"), "requestId": "r" * 65}), 422, "invalid_object")
    assert_error(sandbox.post(path, {"amount": money("1.00"), "merchantReference": "m" * 65}), 422, "invalid_object")
    assert_error(
        sandbox.post(path, {"amount": money("1.00"), "refundMerchantReference": "m" * 129}), 422, "invalid_object"
    )
    assert sandbox.post(path, {"amount": money("1.00"), "merchantReference": "m" * 64}).status_code == 201


def test_merchant_reference_limit_is_configurable(sandbox: Sandbox) -> None:
    sandbox.configure(refund_merchant_reference_max_length=85)
    payment = sandbox.captured()
    response = sandbox.post(
        f"/v2/payments/{payment['id']}/refund", {"amount": money("1.00"), "merchantReference": "m" * 85}
    )
    assert response.status_code == 201


def test_refund_window(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox()
    payment = sandbox.captured()
    sandbox.advance(119 * 86400)
    assert sandbox.post(f"/v2/payments/{payment['id']}/refund", {"amount": money("1.00")}).status_code == 201
    sandbox.advance(2 * 86400)
    assert_error(
        sandbox.post(f"/v2/payments/{payment['id']}/refund", {"amount": money("1.00")}),
        422,
        "refund_timelimit_exceeded",
    )
    short = start_sandbox(AfterpaySandboxConfig(refund_window_days=10))
    payment = short.captured()
    short.advance(11 * 86400)
    assert_error(
        short.post(f"/v2/payments/{payment['id']}/refund", {"amount": money("1.00")}), 422, "refund_timelimit_exceeded"
    )
