"""Disputes: the sandbox control that opens one, the signed notification, and the Disputes API
(afterpay.md §7, E9, E10)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from .conftest import Sandbox, assert_error, money

SECRET = "whsec-test-5b1f"


class Receiver:
    """A tiny webhook endpoint that records deliveries and answers with scripted statuses."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[dict[str, Any]] = []
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.event.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/afterpay"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.received) >= count, self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory() -> Iterator[Callable[[list[int]], Receiver]]:
    made: list[Receiver] = []

    def make(statuses: list[int]) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def deliveries(sandbox: Sandbox, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The sandbox's delivery log, once it holds ``count`` attempts."""
    deadline = time.monotonic() + timeout
    while True:
        attempts: list[dict[str, Any]] = requests.get(f"{sandbox.url}/_sandbox/disputes/deliveries", timeout=10).json()[
            "deliveries"
        ]
        if len(attempts) >= count or time.monotonic() > deadline:
            return attempts
        time.sleep(0.01)


def open_dispute(sandbox: Sandbox, **body: Any) -> requests.Response:
    return requests.post(f"{sandbox.url}/_sandbox/disputes", json=body, timeout=10)


def expected_signature(url_part: str, timestamp: str, payload: bytes) -> str:
    message = f"{url_part}\n{timestamp}\n".encode() + payload
    return base64.b64encode(hmac.new(SECRET.encode(), message, hashlib.sha256).digest()).decode()


def test_open_dispute_and_read_it_back(sandbox: Sandbox) -> None:
    payment = sandbox.captured("48.46", merchantReference="shop-88")
    response = open_dispute(sandbox, orderId=payment["id"], reason="fraudulent")
    assert response.status_code == 201
    dispute = response.json()
    assert dispute["id"].startswith("dp_") and len(dispute["id"]) == 25
    assert (dispute["order"], dispute["amount"], dispute["currency"]) == (payment["id"], "48.46", "AUD")
    assert (dispute["status"], dispute["open"], dispute["reason"]) == ("needs_response", True, "fraudulent")
    assert dispute["merchantOrderId"] == "shop-88"
    assert isinstance(dispute["createdAt"], int) and dispute["responseDueBy"] == dispute["createdAt"] + 13 * 86400
    assert dispute["meta"] == {"transactionAmount": "48.46", "orderType": "ONLINE"}
    assert sandbox.get(f"/v2/disputes/{dispute['id']}").json() == dispute
    assert_error(sandbox.get("/v2/disputes/dp_missing"), 404, "not_found")


def test_open_dispute_validation(sandbox: Sandbox) -> None:
    payment = sandbox.captured("20.00")
    assert open_dispute(sandbox, orderId="400000000000", reason="fraudulent").status_code == 404
    assert open_dispute(sandbox, orderId=payment["id"], reason="angry").status_code == 400
    assert open_dispute(sandbox, orderId=payment["id"], reason="duplicate", amount="20.01").status_code == 400
    assert open_dispute(sandbox, orderId=payment["id"], reason="duplicate", amount="1,00").status_code == 400
    partial = open_dispute(sandbox, orderId=payment["id"], reason="duplicate", amount=money("5.00"))
    assert partial.json()["amount"] == "5.00"
    assert requests.post(f"{sandbox.url}/_sandbox/disputes", json={}, timeout=10).status_code == 400


def test_list_filters_and_paging(sandbox: Sandbox) -> None:
    one, two = sandbox.captured(), sandbox.captured()
    first = open_dispute(sandbox, orderId=one["id"], reason="fraudulent").json()
    second = open_dispute(sandbox, orderId=two["id"], reason="duplicate").json()
    listing = sandbox.get("/v2/disputes").json()
    assert (listing["total"], listing["offset"], listing["limit"]) == (2, 0, 20)
    assert [d["id"] for d in listing["data"]] == [second["id"], first["id"]]
    assert [d["id"] for d in sandbox.get("/v2/disputes", params={"order": one["id"]}).json()["data"]] == [first["id"]]
    sandbox.post(f"/v2/disputes/{first['id']}/accept")
    lost = sandbox.get("/v2/disputes", params={"status": "lost"}).json()
    assert [d["id"] for d in lost["data"]] == [first["id"]]
    page = sandbox.get("/v2/disputes", params={"limit": 1, "offset": 1}).json()
    assert (page["total"], [d["id"] for d in page["data"]]) == (2, [first["id"]])
    assert sandbox.get("/v2/disputes", params={"openedAfter": "2999-01-01T00:00:00Z"}).json()["total"] == 0
    assert sandbox.get("/v2/disputes", params={"openedBefore": str(first["createdAt"] + 5)}).json()["total"] == 2
    assert_error(sandbox.get("/v2/disputes", params={"limit": "0"}), 422, "invalid_object")
    assert_error(sandbox.get("/v2/disputes", params={"openedAfter": "soon"}), 422, "invalid_object")


def test_accept_makes_it_lost_by_post_or_get(sandbox: Sandbox) -> None:
    payment = sandbox.captured("30.00")
    dispute = open_dispute(sandbox, orderId=payment["id"], reason="product_not_received").json()
    accepted = sandbox.post(f"/v2/disputes/{dispute['id']}/accept")
    assert accepted.status_code == 200
    body = accepted.json()
    assert (body["status"], body["open"], body["closingReason"], body["responseDueBy"]) == (
        "lost",
        False,
        "merchant_accepted",
        -1,
    )
    assert body["settlementAmount"] == "-30.00"
    assert_error(sandbox.post(f"/v2/disputes/{dispute['id']}/accept"), 412, "precondition_failed")
    other = open_dispute(sandbox, orderId=payment["id"], reason="duplicate").json()
    assert sandbox.get(f"/v2/disputes/{other['id']}/accept").json()["status"] == "lost"


def test_evidence_is_accepted_once(sandbox: Sandbox) -> None:
    payment = sandbox.captured()
    dispute = open_dispute(sandbox, orderId=payment["id"], reason="product_not_received").json()
    path = f"/v2/disputes/{dispute['id']}"
    assert_error(sandbox.post(path, {"evidence": {"colour": "red"}}), 422, "invalid_object")
    submitted = sandbox.post(path, {"evidence": {"shippingTrackingNumber": "TRK1", "shippingCarrier": "AusPost"}})
    assert submitted.json()["status"] == "under_review"
    assert_error(sandbox.post(path, {"evidence": {"uncategorizedText": "more"}}), 412, "precondition_failed")


@pytest.mark.parametrize("mode", ["url", "host"])
def test_notification_is_signed_as_documented(
    sandbox: Sandbox, receiver_factory: Callable[[list[int]], Receiver], mode: str
) -> None:
    receiver = receiver_factory([])
    sandbox.configure(dispute_webhook_url=receiver.url, dispute_webhook_secret=SECRET, dispute_signature_url_mode=mode)
    payment = sandbox.captured(merchantReference="08CF65ZSFNHVM")
    dispute = open_dispute(sandbox, orderId=payment["id"], reason="fraudulent").json()
    receiver.wait_for(1)
    delivery = receiver.received[0]
    headers, body = delivery["headers"], delivery["body"]
    assert delivery["path"] == "/hooks/afterpay"
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert list(payload) == ["webhook_event_id", "webhook_event_type", "dispute_id", "merchant_reference"]
    assert (payload["webhook_event_type"], payload["dispute_id"], payload["merchant_reference"]) == (
        "created",
        dispute["id"],
        "08CF65ZSFNHVM",
    )
    timestamp = headers["X-Afterpay-Request-Date"]
    assert abs(int(timestamp) - time.time()) < 60
    url_part = receiver.url if mode == "url" else headers["Host"]
    assert headers["X-Afterpay-Request-Signature"] == expected_signature(url_part, timestamp, body)
    # The receiver's view: verifying with the other reading of "URL" fails.
    wrong = headers["Host"] if mode == "url" else receiver.url
    assert headers["X-Afterpay-Request-Signature"] != expected_signature(wrong, timestamp, body)


def test_notification_retries_with_backoff(sandbox: Sandbox, receiver_factory: Callable[[list[int]], Receiver]) -> None:
    receiver = receiver_factory([500, 503])
    sandbox.configure(dispute_webhook_url=receiver.url, dispute_webhook_secret=SECRET, dispute_webhook_backoff_ms=50)
    payment = sandbox.captured()
    dispute = open_dispute(sandbox, orderId=payment["id"], reason="fraudulent").json()
    receiver.wait_for(3)
    attempts = deliveries(sandbox, 3)
    assert [(a["attempt"], a["status"]) for a in attempts] == [(1, 500), (2, 503), (3, 200)]
    assert all(a["url"] == receiver.url and a["disputeId"] == dispute["id"] for a in attempts)
    bodies = {r["body"] for r in receiver.received}
    assert len(bodies) == 1  # the same event is retried, not a new one
    sandbox.post(f"/v2/disputes/{dispute['id']}/accept")
    receiver.wait_for(4)
    assert json.loads(receiver.received[-1]["body"])["webhook_event_type"] == "updated"


def test_unreachable_endpoint_gives_up_after_the_attempts(sandbox: Sandbox) -> None:
    sandbox.configure(
        dispute_webhook_url="http://127.0.0.1:9/unreachable",
        dispute_webhook_secret=SECRET,
        dispute_webhook_attempts=2,
        dispute_webhook_backoff_ms=10,
    )
    payment = sandbox.captured()
    open_dispute(sandbox, orderId=payment["id"], reason="fraudulent")
    deliveries(sandbox, 2)
    time.sleep(0.1)  # a third attempt would have been made by now
    attempts = deliveries(sandbox, 0)
    assert [(a["attempt"], a["status"]) for a in attempts] == [(1, None), (2, None)]
    assert "ConnectionError" in attempts[0]["error"]


def test_reset_clears_disputes_and_deliveries(
    sandbox: Sandbox, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([])
    sandbox.configure(dispute_webhook_url=receiver.url, dispute_webhook_secret=SECRET)
    payment = sandbox.captured()
    open_dispute(sandbox, orderId=payment["id"], reason="fraudulent")
    receiver.wait_for(1)
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=10)
    assert requests.get(f"{sandbox.url}/_sandbox/disputes/deliveries", timeout=10).json() == {"deliveries": []}
    assert sandbox.get("/v2/disputes").json()["total"] == 0
