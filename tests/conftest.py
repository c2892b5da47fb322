"""Shared fixtures: one real Redis server for the session (the embedded one the product
uses), a fresh database for each test, and an app built on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import Settings
from app.store.embedded import EmbeddedRedis
from tests.sims import TEST_CIN7_RATE_LIMIT, AfterpaySim, Cin7Sim, start_sim

API_KEY = "test-api-key-3f9c2a"
AUTH = {"Authorization": f"Bearer {API_KEY}"}

BASE_SETTINGS: dict[str, str] = {
    "BRIDGE_API_KEY": API_KEY,
    "AFTERPAY_MERCHANT_ID": "test-merchant",
    "AFTERPAY_SECRET_KEY": "afterpay-secret-7c1e",
    "CIN7_ACCOUNT_ID": "test-account",
    "CIN7_APPLICATION_KEY": "cin7-app-key-51ab",
    "BRIDGE_NAMESPACE": "bridgetest",
    "LOG_LEVEL": "INFO",
}


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    """The same embedded redis-server the product starts without REDIS_URL."""
    with EmbeddedRedis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    """URL of the session's Redis, emptied for this test."""
    assert redis_server.url
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def settings_map(redis_url: str) -> dict[str, str]:
    return {**BASE_SETTINGS, "REDIS_URL": redis_url}


@pytest.fixture
def settings(settings_map: dict[str, str]) -> Settings:
    return Settings.from_mapping(settings_map)


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    """A text-mode client on the test database."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def problem(response: Any) -> dict[str, Any]:
    """Assert that ``response`` is an RFC 9457 problem and return its body."""
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    assert body["status"] == response.status_code
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


@pytest.fixture(scope="session")
def _afterpay_process() -> Iterator[AfterpaySim]:
    yield from start_sim("afterpay")  # type: ignore[misc]


@pytest.fixture(scope="session")
def _cin7_process() -> Iterator[Cin7Sim]:
    yield from start_sim("cin7", "--rate-limit", str(TEST_CIN7_RATE_LIMIT), "--webhook-delay", "0")  # type: ignore[misc]


@pytest.fixture
def afterpay(_afterpay_process: AfterpaySim) -> AfterpaySim:
    """The Afterpay simulator, reset for this test."""
    _afterpay_process.reset()
    return _afterpay_process


@pytest.fixture
def cin7(_cin7_process: Cin7Sim) -> Cin7Sim:
    """The Cin7 Core simulator, reset for this test (seed data, no faults, high rate limit)."""
    _cin7_process.reset()
    return _cin7_process


@pytest.fixture
def sim_settings(settings_map: dict[str, str], afterpay: AfterpaySim, cin7: Cin7Sim) -> dict[str, str]:
    """Bridge settings pointing at both simulators with their sandbox credentials."""
    return {
        **settings_map,
        "AFTERPAY_API_URL": afterpay.api,
        "AFTERPAY_MERCHANT_ID": "demo-merchant",
        "AFTERPAY_SECRET_KEY": "demo-secret",
        "CIN7_API_URL": cin7.api,
        "CIN7_ACCOUNT_ID": "demo-account",
        "CIN7_APPLICATION_KEY": "demo-key",
        "CIN7_RATE_LIMIT_PER_MINUTE": "10000",
    }
