"""The shared sandbox controls (DESIGN.md §7) working against this simulator."""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import Sandbox, assert_error, money


def add_fault(sandbox: Sandbox, **rule: object) -> None:
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json=rule, timeout=10)
    assert response.status_code == 201, response.text


def test_respond_fault_answers_instead_of_the_api(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("20.00")
    add_fault(
        sandbox,
        method="POST",
        path=r"/capture$",
        status=503,
        body={"errorCode": "service_unavailable_mock", "httpStatusCode": 503},
        count=1,
    )
    path = f"/v2/payments/{payment['id']}/capture"
    failed = sandbox.post(path, {"amount": money("5.00")})
    assert failed.status_code == 503
    assert failed.json()["errorCode"] == "service_unavailable_mock"
    assert failed.headers["HTTP_CORRELATION_ID"]
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["openToCaptureAmount"] == money("20.00")
    assert sandbox.post(path, {"amount": money("5.00")}).status_code == 201  # count was 1


def test_fault_answers_even_without_credentials(sandbox: Sandbox) -> None:
    add_fault(sandbox, path=r"^/v2/configuration$", status=502, body={"error": "bad gateway"})
    assert requests.get(sandbox.url + "/v2/configuration", timeout=10).status_code == 502


def test_drop_response_does_the_write_but_loses_the_answer(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("20.00")
    add_fault(sandbox, method="POST", path=r"/capture$", action="drop_response", count=1)
    path = f"/v2/payments/{payment['id']}/capture"
    body = {"requestId": "lost-answer", "amount": money("5.00")}
    with pytest.raises(requests.ConnectionError):
        requests.post(sandbox.url + path, json=body, auth=("demo-merchant", "demo-secret"), timeout=10)
    after = sandbox.get(f"/v2/payments/{payment['id']}").json()
    assert after["openToCaptureAmount"] == money("15.00")  # the capture happened
    retry = sandbox.post(path, body)  # the classic duplicate trap, defused by requestId
    assert retry.status_code == 201
    assert retry.json()["openToCaptureAmount"] == money("15.00")


def test_reset_fault_does_nothing_and_resets_the_connection(sandbox: Sandbox) -> None:
    payment = sandbox.authorised("20.00")
    add_fault(sandbox, method="POST", path=r"/void$", action="reset", count=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{sandbox.url}/v2/payments/{payment['id']}/void",
            json={"amount": money("5.00")},
            auth=("demo-merchant", "demo-secret"),
            timeout=10,
        )
    assert sandbox.get(f"/v2/payments/{payment['id']}").json()["openToCaptureAmount"] == money("20.00")


def test_delay_fault_adds_latency_only(sandbox: Sandbox) -> None:
    add_fault(sandbox, method="GET", path=r"^/v2/configuration$", delay_ms=300, count=1)
    started = time.monotonic()
    response = sandbox.get("/v2/configuration")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_request_log_and_clearing_faults(sandbox: Sandbox) -> None:
    add_fault(sandbox, path=r"^/v2/payments$", status=500, body={"errorCode": "error"})
    assert_error(sandbox.get("/v2/payments/1"), 404, "not_found")
    assert sandbox.get("/v2/payments").status_code == 500
    assert requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).status_code == 204
    assert sandbox.get("/v2/payments").status_code == 200
    log = requests.get(f"{sandbox.url}/_sandbox/requests", timeout=10).json()["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("GET", "/v2/payments/1", 404),
        ("GET", "/v2/payments", 500),
        ("GET", "/v2/payments", 200),
    ]
    assert log[1]["fault"] == "respond"
