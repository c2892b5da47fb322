"""Fixtures for the Cin7 simulator tests: a real HTTP server per test, a client, a webhook receiver.

Everything goes over real HTTP with ``requests``, as the bridge will talk to the simulator.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from app.sandbox.cin7 import Cin7SandboxConfig, create_cin7_app
from app.sandbox.server import make_sandbox_server

AUTH = {"api-auth-accountid": "demo-account", "api-auth-applicationkey": "demo-key"}
WEB_SALES = "Web Sales"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Cin7:
    """A client for one simulator server: the vendor API plus its sandbox controls."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.api = f"{base}/ExternalApi/v2"
        self.http = requests.Session()
        self.http.headers.update(AUTH)

    def get(self, endpoint: str, **params: Any) -> requests.Response:
        return self.http.get(f"{self.api}/{endpoint}", params=params, timeout=10)

    def post(self, endpoint: str, body: Any) -> requests.Response:
        return self.http.post(f"{self.api}/{endpoint}", json=body, timeout=10)

    def put(self, endpoint: str, body: Any) -> requests.Response:
        return self.http.put(f"{self.api}/{endpoint}", json=body, timeout=10)

    def delete(self, endpoint: str, **params: Any) -> requests.Response:
        return self.http.delete(f"{self.api}/{endpoint}", params=params, timeout=10)

    def ok(self, response: requests.Response) -> Any:
        assert response.status_code == 200, f"{response.status_code} {response.text}"
        return response.json()

    # -- sandbox controls ------------------------------------------------------------------------

    def sandbox(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, f"{self.base}/_sandbox/{path}", json=body, timeout=10)

    def configure(self, **changes: Any) -> dict[str, Any]:
        response = self.sandbox("POST", "config", changes)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def advance(self, seconds: float) -> None:
        assert self.sandbox("POST", "clock", {"advance_seconds": seconds}).status_code == 200

    def deliveries(self) -> dict[str, Any]:
        result: dict[str, Any] = self.sandbox("GET", "webhook-deliveries").json()
        return result

    def flush(self) -> dict[str, int]:
        result: dict[str, int] = self.sandbox("POST", "webhooks/flush").json()
        return result

    # -- building sales --------------------------------------------------------------------------

    def web_sales_id(self) -> str:
        body = self.ok(self.get("customer", Name=WEB_SALES))
        return str(body["CustomerList"][0]["ID"])

    def new_sale(self, **fields: Any) -> dict[str, Any]:
        body = {"Customer": WEB_SALES, "Location": "Main Warehouse", "SkipQuote": True, "TaxInclusive": True}
        body.update(fields)
        result: dict[str, Any] = self.ok(self.post("sale", body))
        return result

    def order(
        self, sale_id: str, lines: list[dict[str, Any]], charges: list[dict[str, Any]] | None = None, **extra: Any
    ) -> requests.Response:
        body = {"SaleID": sale_id, "Status": "AUTHORISED", "Lines": lines, "AdditionalCharges": charges or []}
        body.update(extra)
        return self.post("sale/order", body)

    def invoice(self, sale_id: str, **extra: Any) -> requests.Response:
        body = {
            "SaleID": sale_id,
            "TaskID": sale_id,
            "Status": "AUTHORISED",
            "InvoiceDate": "2024-05-01T00:00:00",
            "InvoiceDueDate": "2024-05-01T00:00:00",
        }
        body.update(extra)
        return self.post("sale/invoice", body)

    def pay(self, task_id: str, amount: Any, kind: str = "PAYMENT", **extra: Any) -> requests.Response:
        body = {
            "TaskID": task_id,
            "Type": kind,
            "Amount": amount,
            "DatePaid": "2024-05-01T10:30:00Z",
            "Account": "090",
            "Reference": "afterpay-100100",
            "CurrencyRate": 1,
        }
        body.update(extra)
        return self.post("sale/payment", body)

    def sale(self, sale_id: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(self.get("sale", ID=sale_id, **params))
        return result

    def row(self, sale_id: str) -> dict[str, Any]:
        rows = self.ok(self.get("saleList", Limit=1000))["SaleList"]
        return next(r for r in rows if r["SaleID"] == sale_id)

    def availability(self, sku: str, location: str = "Main Warehouse") -> dict[str, Any]:
        rows = self.ok(self.get("ref/productavailability", Sku=sku, Location=location))["ProductAvailabilityList"]
        assert len(rows) == 1, rows
        result: dict[str, Any] = rows[0]
        return result


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def line(
    sku: str, quantity: int, price: str, *, discount: str = "0", rule: str = "GST on Income", **extra: Any
) -> dict[str, Any]:
    """An order line with Total and Tax per the money convention (tax-inclusive sale)."""
    total = money(Decimal(quantity) * Decimal(price) * (100 - Decimal(discount)) / 100)
    percent = Decimal("10") if rule == "GST on Income" else Decimal("0")
    tax = money(total * percent / (100 + percent))
    body = {
        "SKU": sku,
        "Quantity": quantity,
        "Price": float(price),
        "Discount": float(discount),
        "Tax": float(tax),
        "TaxRule": rule,
        "Total": float(total),
    }
    body.update(extra)
    return body


def charge(description: str, price: str, *, rule: str = "GST on Income", **extra: Any) -> dict[str, Any]:
    """An additional charge, quantity 1, with Total and Tax per the money convention."""
    total = money(Decimal(price))
    percent = Decimal("10") if rule == "GST on Income" else Decimal("0")
    tax = money(total * percent / (100 + percent))
    body = {
        "Description": description,
        "Price": float(price),
        "Quantity": 1,
        "Discount": 0,
        "Tax": float(tax),
        "Total": float(total),
        "TaxRule": rule,
    }
    body.update(extra)
    return body


def error_text(response: requests.Response) -> str:
    """The Exception text of an Error Model body (list or object)."""
    body = response.json()
    entry = body[0] if isinstance(body, list) else body
    return str(entry["Exception"])


@pytest.fixture
def make_cin7() -> Iterator[Callable[..., Cin7]]:
    """Start simulator servers on free ports; each is shut down after the test."""
    servers: list[Any] = []

    def start(**config: Any) -> Cin7:
        app = create_cin7_app(Cin7SandboxConfig(**config))
        port = free_port()
        server = make_sandbox_server(app, "127.0.0.1", port)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread, app))
        return Cin7(f"http://127.0.0.1:{port}")

    yield start
    for server, thread, app in servers:
        app.extensions["cin7_sandbox"].dispatcher.reset()
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def cin7(make_cin7: Callable[..., Cin7]) -> Cin7:
    """A simulator with the default config, except webhooks that are delivered at once."""
    return make_cin7(webhook_first_delay_seconds=0.0)


# -- a webhook receiver ---------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """A small HTTP server that records every POST and answers with scripted statuses."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # consumed one per request; then 200
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of_type(self, event_type: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if _event_type(r.body) == event_type]

    def wait(self, count: int, event_type: str | None = None, timeout: float = 5.0) -> list[Received]:
        def enough() -> list[Received] | None:
            with self.lock:
                found = [r for r in self.requests if event_type is None or _event_type(r.body) == event_type]
            return found if len(found) >= count else None

        result: list[Received] = wait_for(enough, timeout=timeout, what=f"{count} webhook deliveries")
        return result


def _event_type(body: Any) -> str | None:
    if isinstance(body, list):
        return "Stock/AvailableStockLevelChanged"
    return body.get("EventType") if isinstance(body, dict) else None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a free port."""
    port = free_port()
    state = Receiver(url=f"http://127.0.0.1:{port}/hooks/cin7")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if state.delay_seconds:
                time.sleep(state.delay_seconds)
            with state.lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), json.loads(raw or b"null")))
                status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
