"""requestId idempotency, in-flight conflicts and replay windows (afterpay.md §5)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import requests

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, assert_error, money


def concurrently(*calls: Callable[[], requests.Response]) -> list[requests.Response]:
    """Run the calls at the same time; return their responses in call order."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_capture_replay_returns_the_first_response(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("100.00")
    path = f"/v2/payments/{payment['id']}/capture"
    first = sandbox.post(path, {"requestId": "cap-1", "amount": money("30.00")})
    sandbox.post(path, {"requestId": "cap-2", "amount": money("10.00")})
    replay = sandbox.post(path, {"requestId": "cap-1", "amount": money("30.00")})
    assert (replay.status_code, replay.json()) == (201, first.json())
    current = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert [e["amount"]["amount"] for e in current["events"] if e["type"] == "CAPTURED"] == ["30.00", "10.00"]


def test_request_ids_are_scoped_by_operation_and_order(sandbox: Sandbox) -> None:
    one, two = sandbox.authorised("50.00"), sandbox.authorised("50.00")
    for payment in (one, two):
        assert (
            sandbox.post(
                f"/v2/payments/{payment['id']}/capture", {"requestId": "same", "amount": money("10.00")}
            ).status_code
            == 201
        )
        void = sandbox.post(f"/v2/payments/{payment['id']}/void", {"requestId": "same", "amount": money("5.00")})
        assert void.json()["events"][-1]["type"] == "VOIDED"
    for payment in (one, two):
        assert sandbox.get(f"/v2/payments/{payment['id']}").json()["openToCaptureAmount"] == money("35.00")


def test_void_and_auth_replay(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("50.00")
    path = f"/v2/payments/{payment['id']}/void"
    first = sandbox.post(path, {"requestId": "v-1", "amount": money("5.00")})
    again = sandbox.post(path, {"requestId": "v-1", "amount": money("5.00")})
    assert again.json() == first.json()
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["openToCaptureAmount"] == money("45.00")
    token = sandbox.checkout()
    auth = sandbox.post("/v2/payments/auth", {"requestId": "a-1", "token": token})
    assert sandbox.post("/v2/payments/auth", {"requestId": "a-1", "token": token}).json() == auth.json()


def test_refund_idempotency_needs_request_id_and_merchant_reference(sandbox: Sandbox) -> None:
    payment = sandbox.captured("50.00")
    path = f"/v2/payments/{payment['id']}/refund"
    keyed = {"requestId": "r-1", "merchantReference": "credit-1", "amount": money("5.00")}
    first = sandbox.post(path, keyed)
    assert sandbox.post(path, keyed).json() == first.json()
    only_request_id = {"requestId": "r-2", "amount": money("5.00")}
    sandbox.post(path, only_request_id)
    sandbox.post(path, only_request_id)  # "A retry would create a second partial refund"
    refunds = sandbox.get(f"/v2/payments/{payment['id']}").json()["refunds"]
    assert len(refunds) == 3


def test_refund_replay_outlives_24_hours_others_do_not(sandbox: Sandbox) -> None:
    payment = sandbox.captured("50.00")
    authorised = sandbox.authorised("50.00")
    refund = {"requestId": "r-1", "merchantReference": "credit-1", "amount": money("5.00")}
    first_refund = sandbox.post(f"/v2/payments/{payment['id']}/refund", refund).json()
    void = {"requestId": "v-1", "amount": money("5.00")}
    sandbox.post(f"/v2/payments/{authorised['id']}/void", void)
    sandbox.advance(23 * 3600)
    sandbox.post(f"/v2/payments/{authorised['id']}/void", void)
    assert sandbox.get(f"/v2/payments/{authorised['id']}").json()["openToCaptureAmount"] == money("45.00")
    sandbox.advance(2 * 3600)
    sandbox.post(f"/v2/payments/{authorised['id']}/void", void)
    assert sandbox.get(f"/v2/payments/{authorised['id']}").json()["openToCaptureAmount"] == money("40.00")
    sandbox.advance(60 * 86400)
    assert sandbox.post(f"/v2/payments/{payment['id']}/refund", refund).json() == first_refund


def test_errors_are_not_stored(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("20.00")
    path = f"/v2/payments/{payment['id']}/capture"
    assert_error(sandbox.post(path, {"requestId": "c", "amount": money("25.00")}), 422, "invalid_amount")
    assert sandbox.post(path, {"requestId": "c", "amount": money("20.00")}).status_code == 201


def test_mismatched_body_replays_by_default(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("20.00")
    path = f"/v2/payments/{payment['id']}/capture"
    first = sandbox.post(path, {"requestId": "c", "amount": money("5.00")})
    other = sandbox.post(path, {"requestId": "c", "amount": money("7.00")})
    assert (other.status_code, other.json()) == (201, first.json())
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["openToCaptureAmount"] == money("15.00")


def test_mismatched_body_can_be_rejected(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(request_id_mismatch="reject"))
    payment = sandbox.authorised("20.00")
    path = f"/v2/payments/{payment['id']}/capture"
    sandbox.post(path, {"requestId": "c", "amount": money("5.00")})
    assert_error(sandbox.post(path, {"requestId": "c", "amount": money("7.00")}), 422, "invalid_object")
    # The same body (null fields aside) still replays.
    assert sandbox.post(path, {"requestId": "c", "amount": money("5.00"), "merchantReference": None}).status_code == 201
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["openToCaptureAmount"] == money("15.00")


def test_duplicate_in_flight_gets_409_then_the_replay(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox()
    payment = sandbox.authorised("20.00")
    sandbox.configure(write_delay_ms=400)
    path = f"/v2/payments/{payment['id']}/capture"
    body = {"requestId": "slow", "amount": money("5.00")}
    first, second = concurrently(lambda: sandbox.post(path, body), lambda: sandbox.post(path, body))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [201, 409], (first.text, second.text)
    conflict = first if first.status_code == 409 else second
    winner = second if conflict is first else first
    assert_error(conflict, 409, "conflict")
    retry = sandbox.post(path, body)
    assert (retry.status_code, retry.json()) == (201, winner.json())
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["openToCaptureAmount"] == money("15.00")


def test_concurrent_immediate_capture_of_one_token(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(write_delay_ms=400))
    token = sandbox.checkout()
    first, second = concurrently(
        lambda: sandbox.post("/v2/payments/capture", {"token": token}),
        lambda: sandbox.post("/v2/payments/capture", {"token": token}),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    sandbox.configure(write_delay_ms=0)
    winner = first if first.status_code == 201 else second
    assert sandbox.post("/v2/payments/capture", {"token": token}).json() == winner.json()
