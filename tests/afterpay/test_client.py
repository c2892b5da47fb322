"""The Afterpay client against the Afterpay simulator over real HTTP: reads, pages, writes,
every error class, and retries under injected faults without double effects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.afterpay.client import AfterpayClient, request_id_for
from app.afterpay.errors import (
    AfterpayConflict,
    AfterpayConnectionError,
    AfterpayDeclined,
    AfterpayInvalid,
    AfterpayNotFound,
    AfterpayRateLimited,
    AfterpayServerError,
    AfterpayStateError,
    AfterpayUnauthorized,
)
from app.domain.afterpay import EventType, PaymentState
from app.upstream import RetryPolicy, Timeouts
from tests.sims import AfterpaySim, money

FAST_RETRY = RetryPolicy(attempts=4, base=0.01, cap=0.05, max_elapsed=10)


def _client(afterpay: AfterpaySim, **kwargs: object) -> AfterpayClient:
    options: dict[str, object] = {"retry": FAST_RETRY, **kwargs}
    return AfterpayClient(base_url=afterpay.api, merchant_id="demo-merchant", secret_key="demo-secret", **options)  # type: ignore[arg-type]


def _auth(afterpay: AfterpaySim, amount: str = "120.00", **extra: object) -> dict[str, object]:
    return afterpay.create_payment(
        paymentState="AUTH_APPROVED",
        originalAmount=money(amount),
        merchantReference="WEB-1",
        orderDetails={"consumer": {"email": "jo@example.com"}},
        **extra,
    )


def test_reads_a_payment_by_id_and_by_token(afterpay: AfterpaySim) -> None:
    stored = _auth(afterpay)
    client = _client(afterpay)
    payment = client.get_payment(str(stored["id"]))
    assert payment.id == stored["id"] and payment.payment_state is PaymentState.AUTH_APPROVED
    assert payment.original_amount.amount == Decimal("120.00")
    assert client.get_payment_by_token(str(stored["token"])).id == stored["id"]
    assert client.ping() is True
    assert client.get_configuration()["maximumAmount"]["currency"] == "AUD"


def test_not_found_carries_afterpays_ids(afterpay: AfterpaySim) -> None:
    with pytest.raises(AfterpayNotFound) as caught:
        _client(afterpay).get_payment("999999999999")
    error = caught.value
    assert error.status == 404 and error.error_code == "not_found" and not error.retryable
    assert error.request_id and str(error).startswith(f"[afterpay request {error.request_id}]")


def test_wrong_credentials(afterpay: AfterpaySim) -> None:
    client = AfterpayClient(base_url=afterpay.api, merchant_id="demo-merchant", secret_key="wrong", retry=FAST_RETRY)
    with pytest.raises(AfterpayUnauthorized) as caught:
        client.get_configuration()
    assert caught.value.status == 401
    assert len(afterpay.requests("/v2/configuration")) == 1  # a 401 is never retried


def test_iterates_every_page_in_creation_order(afterpay: AfterpaySim) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    ids = [
        afterpay.create_payment(originalAmount=money("10.00"), created=(start + timedelta(hours=i)).isoformat())["id"]
        for i in range(7)
    ]
    client = _client(afterpay)
    found = list(client.iter_payments(created_from=start, created_to=start + timedelta(days=1), page_size=3))
    assert [p.id for p in found] == ids
    assert len(afterpay.requests("/v2/payments", method="GET")) == 3  # 3 + 3 + 1
    window = list(client.iter_payments(created_from=start + timedelta(hours=2), created_to=start + timedelta(hours=4)))
    assert [p.id for p in window] == ids[2:5]


def test_capture_void_refund_change_state_once_per_request_id(afterpay: AfterpaySim) -> None:
    order_id = str(_auth(afterpay)["id"])
    client = _client(afterpay)
    capture_id = request_id_for("test", order_id, "capture-1")
    first = client.capture(order_id, Decimal("50.00"), "AUD", request_id=capture_id)
    again = client.capture(order_id, Decimal("50.00"), "AUD", request_id=capture_id)  # a redelivery
    assert first == again
    assert first.payment_state is PaymentState.PARTIALLY_CAPTURED
    assert [e.type for e in first.events].count(EventType.CAPTURED) == 1
    voided = client.void(order_id, None, "AUD", request_id=request_id_for("test", order_id, "void"))
    assert voided.payment_state is PaymentState.CAPTURED and voided.open_to_capture_amount.amount == 0  # type: ignore[union-attr]
    refund = client.refund(
        order_id, Decimal("20.00"), "AUD", request_id=request_id_for("test", order_id, "r1"), merchant_reference="RF-1"
    )
    assert refund["amount"]["amount"] == "20.00" and refund["refundId"]


@pytest.mark.parametrize(
    ("setup", "error", "code"),
    [
        (lambda c, o: c.capture(o, Decimal("500.00"), "AUD", request_id="x1"), AfterpayInvalid, "invalid_amount"),
        (lambda c, o: c.capture(o, Decimal("0.50"), "AUD", request_id="x2"), AfterpayInvalid, "invalid_amount"),
        (lambda c, o: c.refund(o, Decimal("1.00"), "AUD", request_id="x3", merchant_reference="r"), AfterpayStateError, None),
    ],
)  # fmt: skip
def test_business_refusals_are_typed_and_not_retried(
    afterpay: AfterpaySim, setup: object, error: type, code: str | None
) -> None:
    order_id = str(_auth(afterpay)["id"])
    with pytest.raises(error) as caught:
        setup(_client(afterpay), order_id)  # type: ignore[operator]
    assert not caught.value.retryable
    if code:
        assert caught.value.error_code == code
    writes = [r for r in afterpay.requests(f"/v2/payments/{order_id}/") if r["method"] == "POST"]
    assert len(writes) == 1


def test_capture_of_a_fully_captured_payment_is_a_state_error(afterpay: AfterpaySim) -> None:
    captured = afterpay.create_payment(originalAmount=money("30.00"))
    with pytest.raises(AfterpayStateError) as caught:
        _client(afterpay).capture(str(captured["id"]), Decimal("1.00"), "AUD", request_id="late")
    assert caught.value.status == 410 and caught.value.error_code == "payment_captured"


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (402, {"errorCode": "invalid_token", "errorId": "e1", "message": "declined", "httpStatusCode": 402}, {}, AfterpayDeclined),
        (409, {"errorCode": "conflict", "errorId": "e2", "message": "in flight", "httpStatusCode": 409}, {}, AfterpayConflict),
        (429, {"errorCode": "rate_limited", "errorId": "e3", "message": "slow down", "httpStatusCode": 429}, {"Retry-After": "0"}, AfterpayRateLimited),
        (503, {"errorCode": "service_unavailable", "errorId": "e4", "message": "down", "httpStatusCode": 503}, {}, AfterpayServerError),
    ],
)  # fmt: skip
def test_every_error_status_maps_to_its_class(
    afterpay: AfterpaySim, status: int, body: dict[str, object], headers: dict[str, str], error: type
) -> None:
    order_id = str(_auth(afterpay)["id"])
    afterpay.fault(method="GET", path=f"/v2/payments/{order_id}$", status=status, body=body, headers=headers)
    with pytest.raises(error) as caught:
        _client(afterpay).get_payment(order_id)
    assert caught.value.status == status and caught.value.error_id == body["errorId"]
    expected_calls = FAST_RETRY.attempts if caught.value.retryable else 1
    assert len(afterpay.requests(f"/v2/payments/{order_id}")) == expected_calls


def test_transient_failures_heal_within_the_call(afterpay: AfterpaySim) -> None:
    order_id = str(_auth(afterpay)["id"])
    afterpay.fault(method="GET", path=order_id, status=503, count=2)
    afterpay.fault(method="GET", path=order_id, action="reset", count=1)
    client = _client(afterpay)
    assert client.get_payment(order_id).id == order_id
    assert client.calls == 4


def test_a_lost_capture_answer_is_retried_without_capturing_twice(afterpay: AfterpaySim) -> None:
    order_id = str(_auth(afterpay)["id"])
    afterpay.fault(method="POST", path=f"{order_id}/capture", action="drop_response", count=1)
    payment = _client(afterpay).capture(order_id, Decimal("40.00"), "AUD", request_id=request_id_for("t", order_id))
    assert [e.type for e in payment.events].count(EventType.CAPTURED) == 1
    assert payment.open_to_capture_amount.amount == Decimal("80.00")  # type: ignore[union-attr]
    assert len(afterpay.requests(f"{order_id}/capture")) == 2


def test_a_read_timeout_is_retried(afterpay: AfterpaySim) -> None:
    order_id = str(_auth(afterpay)["id"])
    afterpay.fault(method="GET", path=order_id, delay_ms=1500, count=1)
    client = _client(afterpay, read_timeouts=Timeouts(connect=1, read=0.5))
    assert client.get_payment(order_id).id == order_id
    assert client.calls == 2


def test_an_unreachable_afterpay_is_a_retryable_connection_error(afterpay: AfterpaySim) -> None:
    client = AfterpayClient(base_url="http://127.0.0.1:9", merchant_id="m", secret_key="s", retry=FAST_RETRY)
    with pytest.raises(AfterpayConnectionError) as caught:
        client.get_payment("1")
    assert caught.value.retryable and caught.value.status is None
    assert client.calls == FAST_RETRY.attempts


def test_request_ids_are_stable_per_logical_write() -> None:
    assert request_id_for("cin7", "event-1", "capture") == request_id_for("cin7", "event-1", "capture")
    assert request_id_for("cin7", "event-1", "capture") != request_id_for("cin7", "event-2", "capture")
