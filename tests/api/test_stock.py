"""GET /v1/stock/{sku} against the Cin7 simulator: cache, exact SKUs, and our own 429."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.conftest import AUTH, problem
from tests.sims import Cin7Sim


@pytest.fixture
def app(sim_settings: dict[str, str]) -> Flask:
    return create_app(sim_settings)


def _availability_calls(cin7: Cin7Sim) -> int:
    return len(cin7.requests("ref/productavailability"))


def test_reads_cin7_once_then_serves_the_cache(client: Any, cin7: Cin7Sim) -> None:
    first = client.get("/v1/stock/TEE-ORG-WHT-M", headers=AUTH)
    assert first.status_code == 200, first.get_data(as_text=True)
    body = first.get_json()
    assert body["sku"] == "TEE-ORG-WHT-M" and body["available"] == 150 and body["onHand"] == 150
    assert {row["location"]: row["available"] for row in body["locations"]} == {
        "Main Warehouse": 120,
        "Sydney Store": 30,
    }
    assert body["source"] == "cin7" and body["cached"] is False
    again = client.get("/v1/stock/TEE-ORG-WHT-M", headers=AUTH).get_json()
    assert again["cached"] is True and again["available"] == 150
    assert _availability_calls(cin7) == 1


def test_skus_match_exactly(client: Any, cin7: Cin7Sim) -> None:
    for sku in ("TEE-ORG", "NO-SUCH-SKU"):
        response = client.get(f"/v1/stock/{sku}", headers=AUTH)
        assert response.status_code == 404 and "exactly" in problem(response)["detail"]


def test_no_call_slot_within_two_seconds_is_our_429(sim_settings: dict[str, str], cin7: Cin7Sim) -> None:
    client = create_app({**sim_settings, "CIN7_RATE_LIMIT_PER_MINUTE": "1"}).test_client()
    assert client.get("/v1/stock/TEE-ORG-WHT-M", headers=AUTH).status_code == 200
    throttled = client.get("/v1/stock/CAP-LIN-SAND", headers=AUTH)
    assert throttled.status_code == 429 and problem(throttled)["type"] == "/problems/rate-limited"
    assert 30 <= int(throttled.headers["Retry-After"]) <= 65
    assert _availability_calls(cin7) == 1


def test_cin7_throttling_becomes_our_429_never_its_503(client: Any, cin7: Cin7Sim) -> None:
    cin7.configure(rate_limit_per_minute=1, throttle_response="503")
    cin7.get("me")  # uses Cin7's one call of the minute
    throttled = client.get("/v1/stock/CAP-LIN-SAND", headers=AUTH)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "budget" in problem(throttled)["detail"]
