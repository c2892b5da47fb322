"""POST /v1/upsert-cin7 end to end: real worker processes, both simulators, real Redis."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.conftest import AUTH, problem
from tests.domain.payloads import E1
from tests.processes import BRIDGE, Proc, process_env
from tests.sims import AfterpaySim, Cin7Sim
from tests.sync.helpers import cin7_writes, order_payment, sale_row, wait_job

pytestmark = pytest.mark.slow


@pytest.fixture
def app(sim_settings: dict[str, str]) -> Flask:
    return create_app(sim_settings)


@pytest.fixture
def workers(sim_settings: dict[str, str]) -> Iterator[list[Proc]]:
    env = process_env({**sim_settings, "BRIDGE_ORDER_LOCK_SECONDS": "5"})
    procs = [Proc([*BRIDGE, "worker"], env, name=f"worker-{i}") for i in range(2)]
    yield procs
    for proc in procs:
        proc.stop()


def _upsert(client: Any, body: Any, key: str | None = None, **headers: str) -> Any:
    return client.post(
        "/v1/upsert-cin7", json=body, headers={**AUTH, "Idempotency-Key": key or uuid.uuid4().hex, **headers}
    )


def test_upsert_by_order_id_syncs_in_a_job(
    app: Flask, workers: list[Proc], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    client = app.test_client()
    response = _upsert(client, {"afterpayOrderId": order_id})
    assert response.status_code == 202
    job = response.get_json()
    assert response.headers["Location"] == f"/v1/jobs/{job['id']}" and job["kind"] == "upsert-cin7"
    done = wait_job(client, job["id"], AUTH)
    assert done["status"] == "finished", done
    result = done["result"]
    assert result["action"] == "created" and result["afterpayOrderId"] == order_id
    assert result["cin7SaleId"] == sale_row(cin7, order_id)["SaleID"]
    assert result["apiCalls"]["afterpay"] == 1 and result["apiCalls"]["cin7"] >= 4

    record = client.get(f"/v1/orders/{order_id}", headers=AUTH).get_json()
    assert record["cin7"]["saleId"] == result["cin7SaleId"] and record["stepReached"] == "payment"
    assert record["state"] == "paid" and record["audit"][0]["action"] == "created"
    assert problem(client.get("/v1/orders/999999999999", headers=AUTH))["status"] == 404


def test_upsert_with_the_payment_needs_no_afterpay_call_and_can_wait(
    app: Flask, workers: list[Proc], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    payment = afterpay.get(f"/v2/payments/{order_payment(afterpay)['id']}").json()
    response = _upsert(app.test_client(), {"payment": payment}, Prefer="wait=25")
    assert response.status_code == 200 and response.headers["Preference-Applied"] == "wait=25"
    body = response.get_json()
    assert body["status"] == "finished" and body["result"]["apiCalls"]["afterpay"] == 0
    assert body["result"]["action"] == "created"


def test_the_same_order_under_many_keys_and_concurrent_jobs_is_one_sale(
    app: Flask, workers: list[Proc], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    client = app.test_client()
    jobs = [_upsert(client, {"afterpayOrderId": order_id}).get_json()["id"] for _ in range(8)]
    results = [wait_job(client, job_id, AUTH, timeout=120) for job_id in jobs]
    assert all(r["status"] == "finished" for r in results), results
    actions = sorted(r["result"]["action"] for r in results)
    assert actions == ["created"] + ["unchanged"] * 7
    assert len(cin7.sales(ExternalID=order_id)) == 1
    assert [w for w in cin7_writes(cin7) if w == "POST sale/payment"] == ["POST sale/payment"]


def test_idempotency_contract(app: Flask, workers: list[Proc], afterpay: AfterpaySim, cin7: Cin7Sim) -> None:
    order_id = str(order_payment(afterpay)["id"])
    client = app.test_client()
    missing = client.post("/v1/upsert-cin7", json={"afterpayOrderId": order_id}, headers=AUTH)
    assert problem(missing)["type"] == "/problems/missing-idempotency-key"
    first = _upsert(client, {"afterpayOrderId": order_id}, key="k-1")
    replay = _upsert(client, {"afterpayOrderId": order_id}, key="k-1")
    assert replay.get_data() == first.get_data() and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["Location"] == first.headers["Location"]
    other = _upsert(client, {"afterpayOrderId": "400000000999"}, key="k-1")
    assert other.status_code == 422 and problem(other)["type"] == "/problems/idempotency-key-reused"


def test_a_second_request_while_the_first_waits_is_a_409(
    app: Flask, workers: list[Proc], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    cin7.fault(method="POST", path="sale/order", delay_ms=2500, count=1)
    results: dict[str, Any] = {}

    def first() -> None:
        results["first"] = _upsert(app.test_client(), {"afterpayOrderId": order_id}, key="race", Prefer="wait=20")

    thread = threading.Thread(target=first)
    thread.start()
    import time

    time.sleep(0.8)
    second = _upsert(app.test_client(), {"afterpayOrderId": order_id}, key="race")
    thread.join()
    assert second.status_code == 409 and int(second.headers["Retry-After"]) >= 1
    assert results["first"].status_code == 200


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#"),
        ({"afterpayOrderId": "1", "payment": E1}, "#"),
        ({"afterpayOrderId": "40012385 1542"}, "#/afterpayOrderId"),
        ({"payment": {"id": "1"}}, "#/payment/status"),
        ({"orderId": "1"}, "#/orderId"),
    ],
)
def test_bad_bodies_are_422_pointing_at_the_field(app: Flask, body: dict[str, Any], pointer: str) -> None:
    response = _upsert(app.test_client(), body)
    assert response.status_code == 422
    assert pointer in {e["pointer"] for e in problem(response)["errors"]}


def test_a_permanent_refusal_fails_fast_with_the_cause(
    app: Flask, workers: list[Proc], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    refusal = [{"ErrorCode": 400, "Exception": "Product TEE-ORG-WHT-M is deprecated."}]
    cin7.fault(method="POST", path="sale/order", status=400, body=refusal)
    client = app.test_client()
    job = _upsert(client, {"afterpayOrderId": order_id}).get_json()
    done = wait_job(client, job["id"], AUTH)
    assert done["status"] == "failed" and done["attempts"] == 1
    assert done["error"]["upstream"]["service"] == "cin7" and done["error"]["upstream"]["status"] == 400
    assert "deprecated" in done["error"]["detail"]
    assert len(cin7.requests("sale/order", method="POST")) == 1  # not retried, inside or outside the job
    failed = client.get("/v1/jobs?status=failed", headers=AUTH).get_json()
    assert failed["items"][0]["id"] == job["id"]


def test_transient_upstream_failures_heal_inside_the_job(
    app: Flask, workers: list[Proc], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    cin7.fault(
        method="POST", path="sale/invoice", status=503, body="You reached 60 calls per minute API limit", count=1
    )
    cin7.fault(method="GET", path="saleList", status=500, count=1)
    afterpay.fault(method="GET", path=f"/v2/payments/{order_id}", action="reset", count=1)
    client = app.test_client()
    done = wait_job(client, _upsert(client, {"afterpayOrderId": order_id}).get_json()["id"], AUTH)
    assert done["status"] == "finished" and done["attempts"] == 1, done
    assert sale_row(cin7, order_id)["PaidAmount"] == 108.85


def test_an_outage_longer_than_the_call_retries_is_retried_by_the_queue(
    app: Flask, workers: list[Proc], afterpay: AfterpaySim, cin7: Cin7Sim
) -> None:
    order_id = str(order_payment(afterpay)["id"])
    afterpay.fault(method="GET", path=f"/v2/payments/{order_id}", status=503, count=5)
    client = app.test_client()
    job_id = _upsert(client, {"afterpayOrderId": order_id}).get_json()["id"]
    scheduled = wait_job(client, job_id, AUTH, statuses=("scheduled",))
    assert scheduled["attempts"] == 1 and scheduled["error"]["upstream"]["service"] == "afterpay"
    done = wait_job(client, job_id, AUTH, timeout=60)  # the first RQ retry comes after 10 s
    assert done["status"] == "finished" and done["attempts"] == 2
    assert json.dumps(done["result"]).count("created") == 1
