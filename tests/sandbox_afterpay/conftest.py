"""Fixtures: a real simulator server per test, and a small client that speaks to it over HTTP.

No mocks: every test sends real requests to ``make_sandbox_server(create_afterpay_app(...))``
running in a daemon thread, exactly as the demo and users' trials do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from app.sandbox.afterpay import AfterpaySandboxConfig, create_afterpay_app
from app.sandbox.server import make_sandbox_server

MERCHANT = ("demo-merchant", "demo-secret")


class Sandbox:
    """A running simulator and an authenticated session to it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.auth = MERCHANT
        self.http.headers["User-Agent"] = "bridge-tests/1.0 (Python; Merchant/demo-merchant) https://example.com"

    # -- raw HTTP ------------------------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        if body is not None:
            kwargs["json"] = body
        elif "data" not in kwargs:
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        return self.http.post(self.url + path, timeout=10, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.http.put(self.url + path, json=body, timeout=10, **kwargs)

    # -- sandbox controls -------------------------------------------------------------------

    def configure(self, **changes: Any) -> dict[str, Any]:
        response = requests.post(f"{self.url}/_sandbox/config", json=changes, timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def advance(self, seconds: float) -> None:
        response = requests.post(f"{self.url}/_sandbox/clock", json={"advance_seconds": seconds}, timeout=10)
        assert response.status_code == 200, response.text

    def seed(self, **payment: Any) -> dict[str, Any]:
        response = requests.post(f"{self.url}/_sandbox/payments", json=payment, timeout=10)
        assert response.status_code == 201, response.text
        return dict(response.json())

    # -- vendor flows -------------------------------------------------------------------------

    def checkout(self, amount: str = "30.00", currency: str = "AUD", **extra: Any) -> str:
        body = {
            "amount": {"amount": amount, "currency": currency},
            "consumer": {
                "phoneNumber": "0400000000",
                "givenNames": "Testy",
                "surname": "Testerson",
                "email": "name@example.com",
            },
            **extra,
        }
        response = self.post("/v2/checkouts", body)
        assert response.status_code == 201, response.text
        return str(response.json()["token"])

    def authorised(self, amount: str = "30.00", **extra: Any) -> dict[str, Any]:
        response = self.post("/v2/payments/auth", {"token": self.checkout(amount, **extra)})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def captured(self, amount: str = "30.00", **extra: Any) -> dict[str, Any]:
        response = self.post("/v2/payments/capture", {"token": self.checkout(amount, **extra)})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def close(self) -> None:
        self.http.close()


def money(amount: str, currency: str = "AUD") -> dict[str, str]:
    """A Money object."""
    return {"amount": amount, "currency": currency}


def assert_error(response: requests.Response, status: int, code: str, message: str | None = None) -> dict[str, Any]:
    """Assert the vendor error object and return it."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errorCode", "errorId", "message", "httpStatusCode"}, body
    assert body["errorCode"] == code, body
    assert body["httpStatusCode"] == status
    assert len(body["errorId"]) == 16 and int(body["errorId"], 16) >= 0
    if message is not None:
        assert body["message"] == message, body
    return dict(body)


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start simulators (``start_sandbox(config)``); all are shut down after the test."""
    running: list[tuple[Any, threading.Thread, Sandbox]] = []

    def start(config: AfterpaySandboxConfig | None = None) -> Sandbox:
        server = make_sandbox_server(create_afterpay_app(config), "127.0.0.1", 0)
        # A short poll interval keeps shutdown (and so each test's teardown) quick.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="afterpay-sandbox", daemon=True
        )
        thread.start()
        sandbox = Sandbox(f"http://127.0.0.1:{server.server_port}")
        running.append((server, thread, sandbox))
        return sandbox

    yield start
    for server, thread, sandbox in running:
        sandbox.close()
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A simulator with the default configuration."""
    return start_sandbox()
