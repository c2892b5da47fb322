"""Deferred capture, void and expiry: the state machine of afterpay.md §4 and the errors of §3.2."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sandbox.afterpay import AfterpaySandboxConfig

from .conftest import Sandbox, assert_error, money

THIRTEEN_DAYS = 13 * 24 * 3600


def capture(sandbox: Sandbox, payment: dict[str, Any], amount: str, **extra: Any) -> Any:
    return sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": money(amount), **extra})


def void(sandbox: Sandbox, payment: dict[str, Any], amount: str | None = None) -> Any:
    body = {"amount": money(amount)} if amount else None
    return sandbox.post(f"/v2/payments/{payment['id']}/void", body)


def test_partial_then_full_capture(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("100.00")
    first = capture(sandbox, payment, "40.00", paymentEventMerchantReference="ship-1")
    assert first.status_code == 201
    body = first.json()
    assert (body["paymentState"], body["openToCaptureAmount"]) == ("PARTIALLY_CAPTURED", money("60.00"))
    assert body["events"][-1]["type"] == "CAPTURED"
    assert body["events"][-1]["paymentEventMerchantReference"] == "ship-1"
    assert body["events"][-1]["expires"] is None
    second = capture(sandbox, payment, "60.00", merchantReference="order-9").json()
    assert (second["paymentState"], second["openToCaptureAmount"]) == ("CAPTURED", money("0.00"))
    assert second["merchantReference"] == "order-9"
    assert [e["type"] for e in second["events"]] == ["AUTH_APPROVED", "CAPTURED", "CAPTURED"]
    message = "The payment has already been fully captured."
    assert_error(capture(sandbox, payment, "1.00"), 410, "payment_captured", message)
    assert_error(void(sandbox, payment), 410, "payment_captured", message)


def test_capture_amount_rules(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("40.00")
    assert_error(capture(sandbox, payment, "0.99"), 422, "invalid_amount")
    assert_error(capture(sandbox, payment, "-5.00"), 422, "invalid_amount")
    error = assert_error(capture(sandbox, payment, "40.01"), 422, "invalid_amount")
    assert error["message"] == "Capture amount AUD 40.01 exceeded open to capture amount AUD 40.00."
    assert_error(capture(sandbox, payment, "1.00", paymentEventMerchantReference="x" * 129), 422, "invalid_object")
    assert capture(sandbox, payment, "1.00", paymentEventMerchantReference="x" * 128).status_code == 201
    missing = sandbox.post(f"/v2/payments/{payment['id']}/capture", {"requestId": "r"})
    assert_error(missing, 422, "invalid_object", "amount may not be null")


def test_capture_order_lookup_errors(sandbox: Sandbox) -> None:
    assert_error(sandbox.post("/v2/payments/abc/capture", {"amount": money("1.00")}), 404, "not_found")
    assert_error(sandbox.post("/v2/payments//capture", {"amount": money("1.00")}), 404, "not_found")
    assert_error(sandbox.post("/v2/payments/400000000000/capture", {"amount": money("1.00")}), 412, "error")


def test_capture_on_declined_order_is_invalid_state(sandbox: Sandbox) -> None:
    declined = sandbox.seed(originalAmount=money("10.00"), paymentState="AUTH_DECLINED")
    assert_error(capture(sandbox, declined, "1.00"), 412, "invalid_state", "Order is not approved.")
    assert_error(void(sandbox, declined), 412, "invalid_state", "Order is not approved.")


def test_partial_void_keeps_state_and_prepends_refund_entry(sandbox: Sandbox) -> None:
    # afterpay.md §3.2: SDK test, 20.00 auth, void 2.00 -> open 18.00, still AUTH_APPROVED.
    payment = sandbox.authorised("20.00")
    body = void(sandbox, payment, "2.00").json()
    assert (body["paymentState"], body["openToCaptureAmount"]) == ("AUTH_APPROVED", money("18.00"))
    assert body["events"][-1]["type"] == "VOIDED" and body["events"][-1]["amount"] == money("2.00")
    (entry,) = body["refunds"]
    assert set(entry) == {"amount", "refundId", "refundedAt"}
    assert entry["amount"] == money("2.00") and entry["refundId"].isdigit()
    second = void(sandbox, payment, "3.00").json()
    assert [r["amount"]["amount"] for r in second["refunds"]] == ["3.00", "2.00"]  # newest first
    error = assert_error(void(sandbox, payment, "999.00"), 422, "invalid_amount")
    assert error["message"] == "Void amount AUD 999.00 exceeded open to capture amount AUD 15.00."
    assert_error(void(sandbox, payment, "0.00"), 422, "invalid_amount")
    final = capture(sandbox, payment, "15.00").json()
    assert (final["paymentState"], final["openToCaptureAmount"]) == ("CAPTURED", money("0.00"))


def test_full_void_with_empty_body(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("100.00")
    response = void(sandbox, payment)
    assert response.status_code == 201
    body = response.json()
    assert (body["paymentState"], body["openToCaptureAmount"]) == ("VOIDED", money("0.00"))
    assert body["refunds"][0]["amount"] == money("100.00")
    message = "The auth was previously voided."
    assert_error(capture(sandbox, payment, "1.00"), 412, "payment_voided", message)
    assert_error(void(sandbox, payment), 412, "payment_voided", message)


def test_void_errors(sandbox: Sandbox) -> None:
    assert_error(void(sandbox, {"id": "abc"}), 404, "not_found")
    assert_error(sandbox.post("/v2/payments//void"), 404, "not_found")
    # afterpay.md §3.2: recorded 500 for a numeric id that matches nothing.
    assert_error(void(sandbox, {"id": "400000000000"}), 500, "error", "An error occurred processing your request")
    payment = sandbox.authorised()
    bad_reason = sandbox.post(f"/v2/payments/{payment['id']}/void", {"reason": "because"})
    assert_error(bad_reason, 422, "invalid_object")
    ok = sandbox.post(f"/v2/payments/{payment['id']}/void", {"reason": "cancelledItems", "amount": money("1.00")})
    assert ok.status_code == 201


def test_e2_partial_capture_then_void_of_the_rest(start_sandbox: Callable[..., Sandbox]) -> None:
    """afterpay.md E2, made through the API: auth 30.00, capture 10.00, void 20.00."""
    sandbox = start_sandbox(AfterpaySandboxConfig(currency="GBP", country_code="GB"))
    token = sandbox.checkout("30.00", "GBP", merchantReference="ref-5e8d9ce279fdd")
    payment = sandbox.post("/v2/payments/auth", {"token": token}).json()
    sandbox.post(f"/v2/payments/{payment['id']}/capture", {"amount": money("10.00", "GBP")})
    body = sandbox.post(f"/v2/payments/{payment['id']}/void").json()
    e2 = {
        "status": "APPROVED",
        "originalAmount": {"amount": "30.00", "currency": "GBP"},
        "openToCaptureAmount": {"amount": "0.00", "currency": "GBP"},
        "paymentState": "CAPTURED",
        "merchantReference": "ref-5e8d9ce279fdd",
    }
    assert list(body) == [
        "id",
        "token",
        "status",
        "created",
        "originalAmount",
        "openToCaptureAmount",
        "paymentState",
        "merchantReference",
        "refunds",
        "orderDetails",
        "events",
    ]
    assert {k: body[k] for k in e2} == e2
    assert [list(r) for r in body["refunds"]] == [["amount", "refundId", "refundedAt"]]
    assert body["refunds"][0]["amount"] == {"amount": "20.00", "currency": "GBP"}
    assert list(body["orderDetails"]) == ["consumer", "courier", "items", "discounts"]
    assert (body["orderDetails"]["courier"], body["orderDetails"]["items"], body["orderDetails"]["discounts"]) == (
        {},
        [],
        [],
    )
    events = [
        (e["type"], e["amount"]["amount"], e["expires"] is None, e["paymentEventMerchantReference"])
        for e in body["events"]
    ]
    assert events == [
        ("AUTH_APPROVED", "30.00", False, None),
        ("CAPTURED", "10.00", True, None),
        ("VOIDED", "20.00", True, None),
    ]
    assert all(
        list(e) == ["id", "created", "expires", "type", "amount", "paymentEventMerchantReference"]
        for e in body["events"]
    )


def test_expiry_of_an_untouched_auth(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("50.00")
    expires = payment["events"][0]["expires"]
    sandbox.advance(THIRTEEN_DAYS - 60)
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["paymentState"] == "AUTH_APPROVED"
    sandbox.advance(120)
    body = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert (body["paymentState"], body["openToCaptureAmount"]) == ("EXPIRED", money("0.00"))
    expired = body["events"][-1]
    assert (expired["type"], expired["amount"], expired["created"], expired["expires"]) == (
        "EXPIRED",
        money("50.00"),
        expires,
        None,
    )
    assert body["refunds"] == []
    assert_error(capture(sandbox, payment, "1.00"), 412, "payment_expired")
    assert_error(void(sandbox, payment), 412, "payment_expired")
    # Reading again does not add a second EXPIRED event.
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["events"] == body["events"]


def test_expiry_is_applied_on_write_and_on_list(sandbox: Sandbox) -> None:
    written = sandbox.authorised()
    listed = sandbox.authorised()
    sandbox.advance(THIRTEEN_DAYS + 1)
    assert_error(capture(sandbox, written, "1.00"), 412, "payment_expired")
    states = {p["id"]: p["paymentState"] for p in sandbox.get("/v2/payments").json()["results"]}
    assert states == {written["id"]: "EXPIRED", listed["id"]: "EXPIRED"}


def test_expiry_of_a_partly_captured_auth_default_captured(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("50.00")
    capture(sandbox, payment, "20.00")
    sandbox.advance(THIRTEEN_DAYS + 1)
    body = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert (body["paymentState"], body["openToCaptureAmount"]) == ("CAPTURED", money("0.00"))
    assert body["events"][-1]["type"] == "EXPIRED" and body["events"][-1]["amount"] == money("30.00")
    assert_error(capture(sandbox, payment, "1.00"), 412, "payment_expired")
    refund = sandbox.post(f"/v2/payments/{payment['id']}/refund", {"amount": money("20.00")})
    assert refund.status_code == 201


def test_expiry_variants_are_configurable(start_sandbox: Callable[..., Sandbox]) -> None:
    for state in ("PARTIALLY_CAPTURED", "EXPIRED"):
        sandbox = start_sandbox(
            AfterpaySandboxConfig(expired_partial_capture_state=state, expiry_adds_refund_entry=True)
        )
        payment = sandbox.authorised("50.00")
        capture(sandbox, payment, "20.00")
        sandbox.advance(THIRTEEN_DAYS + 1)
        body = sandbox.get(f"/v2/payments/{payment['id']}").json()
        assert (body["paymentState"], body["openToCaptureAmount"]) == (state, money("0.00"))
        assert set(body["refunds"][0]) == {"amount", "refundId", "refundedAt"}
        assert body["refunds"][0]["amount"] == money("30.00")
        assert body["refunds"][0]["refundedAt"] == body["events"][-1]["created"]


def test_concurrent_writes_to_one_payment_are_serialised(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(write_delay_ms=30))
    payment = sandbox.authorised("10.00")
    results: list[int] = []

    def one_capture() -> None:
        results.append(capture(sandbox, payment, "1.00").status_code)

    threads = [threading.Thread(target=one_capture) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201] * 10 + [410] * 2
    body = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert (body["paymentState"], body["openToCaptureAmount"]) == ("CAPTURED", money("0.00"))
    assert len(body["events"]) == 11


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["capture", "void", "refund", "expire"]), st.integers(min_value=-100, max_value=6000)),
    min_size=1,
    max_size=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_random_histories_match_a_model(sandbox: Sandbox, operations: list[tuple[str, int]]) -> None:
    """Any sequence of operations leaves openToCaptureAmount, events and refunds consistent."""
    payment = sandbox.authorised("50.00")
    original, open_amount, captured, refunded, expired, voided_out = 5000, 5000, 0, 0, False, False
    elapsed = 0
    events: list[Any] = payment["events"]
    for name, cents in operations:
        amount = f"{cents / 100:.2f}"
        if name == "expire":
            sandbox.advance(THIRTEEN_DAYS + 1)
            elapsed += THIRTEEN_DAYS + 1
            expired = expired or open_amount > 0
            open_amount = 0 if expired else open_amount
            continue
        path = f"/v2/payments/{payment['id']}/{name}"
        response = sandbox.post(path, {"amount": money(amount)})
        if name == "capture":
            ok = not expired and not voided_out and open_amount > 0 and 100 <= cents <= open_amount
            if ok:
                open_amount, captured = open_amount - cents, captured + cents
        elif name == "void":
            ok = not expired and not voided_out and open_amount > 0 and 0 < cents <= open_amount
            if ok:
                open_amount -= cents
                voided_out = open_amount == 0 and captured == 0
        else:
            within_window = elapsed < 120 * 24 * 3600
            ok = captured > 0 and within_window and 0 < cents <= captured - refunded
            if ok:
                refunded += cents
        assert (response.status_code == 201) == ok, (name, amount, response.text)
    body = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert body["events"][: len(events)] == events  # history is only ever appended to
    totals = {kind: 0 for kind in ("CAPTURED", "VOIDED", "EXPIRED")}
    for event in body["events"][1:]:
        totals[event["type"]] += round(float(event["amount"]["amount"]) * 100)
    assert totals["CAPTURED"] == captured
    open_cents = round(float(body["openToCaptureAmount"]["amount"]) * 100)
    assert open_cents == open_amount == original - sum(totals.values())
    entries = sum(round(float(r["amount"]["amount"]) * 100) for r in body["refunds"])
    assert entries == totals["VOIDED"] + refunded
    times = [datetime.fromisoformat(r["refundedAt"]) for r in body["refunds"]]
    assert times == sorted(times, reverse=True)
    expected_state = (
        "AUTH_APPROVED"
        if captured == 0 and open_amount > 0
        else "PARTIALLY_CAPTURED"
        if open_amount > 0
        else "EXPIRED"
        if expired and captured == 0
        else "VOIDED"
        if captured == 0
        else "CAPTURED"
    )
    assert body["paymentState"] == expected_state
