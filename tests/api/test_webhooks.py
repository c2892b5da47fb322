"""The webhook receivers in the app against real Redis: Cin7 credentials, deduplication,
stock deliveries, queueing; Afterpay dispute signatures, staleness and deduplication."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from flask import Flask
from rq.job import Job

from app import create_app
from app.afterpay.disputes import sign
from app.cin7.webhooks import webhook_token
from app.config import Settings
from app.services import Services
from tests.conftest import AUTH, problem

SECRET = "dispute-secret-9d"
DISPUTES = "/v1/webhooks/afterpay/disputes"


@pytest.fixture
def settings_all(settings_map: dict[str, str]) -> dict[str, str]:
    return {**settings_map, "AFTERPAY_DISPUTE_WEBHOOK_SECRET": SECRET}


@pytest.fixture
def app(settings_all: dict[str, str]) -> Flask:
    return create_app(settings_all)


@pytest.fixture
def services(settings_all: dict[str, str]) -> Services:
    return Services(Settings.from_mapping(settings_all))


def _token(services: Services) -> str:
    return webhook_token(services.settings)


def _cin7(client: Any, body: Any, token: str | None, *, basic: bool = False, raw: bytes | None = None) -> Any:
    headers = {}
    if token is not None:
        headers["Authorization"] = (
            "Basic " + base64.b64encode(f"afterpay-bridge:{token}".encode()).decode() if basic else f"Bearer {token}"
        )
    data = raw if raw is not None else json.dumps(body).encode()
    return client.post("/v1/webhooks/cin7", data=data, headers=headers, content_type="application/json")


SHIPPED = {
    "SaleTaskID": "6E0D1B7C-94B1-4D4C-A86B-0C5F4C7E2F11",
    "TenantID": "A1",
    "OrderNumber": "SO-00001",
    "EventType": "Sale/ShipmentAuthorised",
}


def test_a_sale_event_is_queued_once(client: Any, services: Services) -> None:
    first = _cin7(client, SHIPPED, _token(services))
    assert first.status_code == 200, first.get_data(as_text=True)
    body = first.get_json()
    assert body["accepted"] and body["action"] == "queued" and body["event"] == "Sale/ShipmentAuthorised"
    job = Job.fetch(body["jobId"], connection=services.rq_redis)
    assert job.func_name == "app.jobs.reverse.handle_cin7_sale"
    assert job.args == ("6e0d1b7c-94b1-4d4c-a86b-0c5f4c7e2f11", "Sale/ShipmentAuthorised")
    assert job.origin == services.keys.queue("sync")
    # Cin7 retries a delivery it thinks failed: the same body is taken once.
    again = _cin7(client, SHIPPED, _token(services), basic=True)
    assert again.status_code == 200 and again.get_json() == {
        "accepted": False,
        "duplicate": True,
        "event": "Sale/ShipmentAuthorised",
        "action": "none",
    }
    assert services.queue("sync").count == 1


def test_wrong_or_missing_credentials_are_refused(client: Any, services: Services) -> None:
    for token in (None, "not-the-token", services.settings.BRIDGE_API_KEY):
        response = _cin7(client, SHIPPED, token)
        assert response.status_code == 401 and "registered" in problem(response)["detail"]
    assert services.queue("sync").count == 0


def test_bodies_that_are_not_deliveries_are_400s(client: Any, services: Services) -> None:
    token = _token(services)
    assert problem(_cin7(client, None, token, raw=b"{not json"))["type"] == "/problems/malformed-json"
    assert "EventType" in problem(_cin7(client, {"SaleID": "x"}, token))["detail"]
    # Cin7's content type is unverified: the receiver does not insist on JSON's.
    ok = client.post(
        "/v1/webhooks/cin7",
        data=json.dumps({**SHIPPED, "OrderNumber": "SO-2"}),
        headers={"Authorization": f"Bearer {token}"},
        content_type="text/plain",
    )
    assert ok.status_code == 200


def test_stock_deliveries_refresh_the_cache_and_other_events_are_acknowledged(client: Any, services: Services) -> None:
    rows = [
        {"SKU": "TEE", "Name": "Tee", "Location": "Main Warehouse", "Bin": "A", "OnHand": 10, "Allocated": 2,
         "Available": 8, "OnOrder": 0},
        {"SKU": "TEE", "Name": "Tee", "Location": "Main Warehouse", "Bin": "B", "OnHand": 1, "Allocated": 0,
         "Available": 1, "OnOrder": 0},
        {"SKU": "CAP", "Name": "Cap", "Location": "Sydney Store", "OnHand": 4, "Allocated": 0, "Available": 4},
    ]  # fmt: skip
    answer = _cin7(client, rows, _token(services)).get_json()
    assert answer["action"] == "stock-updated" and answer["event"] == "Stock/AvailableStockLevelChanged"
    tee = client.get("/v1/stock/TEE", headers=AUTH).get_json()
    assert tee["available"] == 9 and tee["onHand"] == 11 and tee["source"] == "webhook" and tee["cached"]
    assert tee["locations"] == [
        {"location": "Main Warehouse", "available": 9, "onHand": 11, "allocated": 2, "onOrder": 0, "inTransit": 0}
    ]
    # Levels come back to an earlier value: the same body again must still replace the cache.
    fewer = [{**rows[0], "Available": 3}, rows[1]]
    assert _cin7(client, fewer, _token(services)).get_json()["action"] == "stock-updated"
    assert client.get("/v1/stock/TEE", headers=AUTH).get_json()["available"] == 4
    assert _cin7(client, rows, _token(services)).get_json()["action"] == "stock-updated"
    assert client.get("/v1/stock/TEE", headers=AUTH).get_json()["available"] == 9
    ignored = _cin7(client, {"EventType": "Customer/Updated", "NumberOfCustomers": 1}, _token(services))
    assert ignored.get_json()["action"] == "ignored"


# -- Afterpay disputes ------------------------------------------------------------------------------


def _dispute(client: Any, body: dict[str, Any], *, secret: str = SECRET, age: int = 0, tamper: bool = False) -> Any:
    payload = json.dumps(body).encode()
    stamp = str(int(time.time()) - age)
    signature = sign(secret, f"http://localhost{DISPUTES}", stamp, payload)
    data = payload + (b" " if tamper else b"")
    return client.post(
        DISPUTES,
        data=data,
        content_type="application/json",
        headers={"X-Afterpay-Request-Date": stamp, "X-Afterpay-Request-Signature": signature},
    )


NOTICE = {
    "webhook_event_id": "0f7c2e51-2b87-4b4e-9b39-1b0e5d7f6a10",
    "webhook_event_type": "created",
    "dispute_id": "dp_7Yc2",
    "merchant_reference": "WEB-1001",
}


def test_a_signed_dispute_notification_is_queued_once(client: Any, services: Services) -> None:
    first = _dispute(client, NOTICE)
    assert first.status_code == 200, first.get_data(as_text=True)
    job = Job.fetch(first.get_json()["jobId"], connection=services.rq_redis)
    assert job.func_name == "app.jobs.disputes.record_dispute" and job.args == ("dp_7Yc2", "created", "WEB-1001")
    again = _dispute(client, NOTICE)
    assert again.get_json()["duplicate"] is True
    assert services.queue("default").count == 1


@pytest.mark.parametrize(
    ("options", "reason"),
    [({"tamper": True}, "does not match"), ({"secret": "other"}, "does not match"), ({"age": 400}, "more than 300")],
)
def test_tampered_misSigned_and_stale_notifications_are_refused(
    client: Any, services: Services, options: dict[str, Any], reason: str
) -> None:
    response = _dispute(client, NOTICE, **options)
    assert response.status_code == 401 and reason in problem(response)["detail"]
    assert services.queue("default").count == 0


def test_disputes_need_the_secret_configured(settings_map: dict[str, str]) -> None:
    client = create_app(settings_map).test_client()
    response = _dispute(client, NOTICE)
    assert response.status_code == 404 and "AFTERPAY_DISPUTE_WEBHOOK_SECRET" in problem(response)["detail"]


def test_a_date_that_is_not_seconds_is_refused_not_a_500(client: Any) -> None:
    payload = json.dumps(NOTICE).encode()
    for stamp in ("9" * 400, "-5", "1.5e9"):
        response = client.post(
            DISPUTES,
            data=payload,
            content_type="application/json",
            headers={"X-Afterpay-Request-Date": stamp, "X-Afterpay-Request-Signature": "x"},
        )
        assert response.status_code == 401 and "UNIX seconds" in problem(response)["detail"]


def test_a_signed_notification_without_ids_is_a_400(client: Any) -> None:
    response = _dispute(client, {"webhook_event_type": "created"})
    assert response.status_code == 400 and "webhook_event_id" in problem(response)["detail"]
