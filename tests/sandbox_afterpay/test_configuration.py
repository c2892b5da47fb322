"""GET /v2/configuration, and the sandbox's own config, clock and reset controls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import requests

from app.sandbox.afterpay import AfterpaySandboxConfig, ConfigError

from .conftest import Sandbox, money

DEFAULTS = {
    "merchant_id": "demo-merchant",
    "secret_key": "demo-secret",
    "currency": "AUD",
    "country_code": "AU",
    "minimum_amount": "1.00",
    "maximum_amount": "2000.00",
    "auth_expiry_seconds": 13 * 24 * 3600,
    "checkout_token_lifetime_seconds": 3 * 3600,
    "checkout_auto_approve": True,
    "search_index_lag_ms": 0,
    "write_delay_ms": 0,
    "request_id_mismatch": "replay",
    "refund_window_days": 120,
    "reversal_window_seconds": 600,
    "dispute_webhook_url": None,
    "dispute_webhook_secret": None,
    "dispute_signature_url_mode": "url",
}


def test_configuration_returns_limits_with_cache_header(sandbox: Sandbox) -> None:
    response = sandbox.get("/v2/configuration")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-transform, max-age=1800"
    assert response.json() == {"minimumAmount": money("1.00"), "maximumAmount": money("2000.00")}


def test_configuration_follows_config_and_omits_absent_minimum(sandbox: Sandbox) -> None:
    sandbox.configure(currency="GBP", country_code="GB", minimum_amount=None, maximum_amount="1000.00")
    assert sandbox.get("/v2/configuration").json() == {"maximumAmount": money("1000.00", "GBP")}


def test_configuration_include_values_are_repeated_parameters(sandbox: Sandbox) -> None:
    body = sandbox.get(
        "/v2/configuration",
        params=[("include", "publicid"), ("include", "consumerLending"), ("include", "paybyinstallment")],
    ).json()
    assert isinstance(body["publicId"], str) and body["publicId"]
    assert body["consumerLending"] == {"enabled": False}
    assert body["payByInstallment"] == {"minimumAmount": money("1.00"), "maximumAmount": money("2000.00")}
    extra = sandbox.get(
        "/v2/configuration",
        params=[
            ("include", "cbt"),
            ("include", "channels"),
            ("include", "activeCountries"),
            ("include", "merchantCountry"),
        ],
    ).json()
    assert extra["CBT"] == {"enabled": False, "limits": []}
    assert extra["channels"][0]["name"] == "CASH_APP"
    assert extra["activeCountries"] == ["AU"] and extra["merchantCountry"] == "AU"
    assert "publicId" not in sandbox.get("/v2/configuration", params={"include": "publicid,cbt"}).json()


def test_sandbox_config_shows_every_field(sandbox: Sandbox) -> None:
    body = requests.get(sandbox.url + "/_sandbox/config", timeout=10).json()
    for name, value in DEFAULTS.items():
        assert body[name] == value, name


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"currency": "EUR"}, "currency must be one of"),
        ({"country_code": "DE"}, "country_code must be one of"),
        ({"auth_expiry_seconds": "3600"}, "auth_expiry_seconds must be an integer"),
        ({"auth_expiry_seconds": True}, "auth_expiry_seconds must be an integer"),
        ({"auth_expiry_seconds": 0}, "auth_expiry_seconds must be at least 1"),
        ({"write_delay_ms": -1}, "write_delay_ms may not be negative"),
        ({"checkout_auto_approve": "yes"}, "checkout_auto_approve must be a boolean"),
        ({"request_id_mismatch": "explode"}, "request_id_mismatch must be one of replay, reject"),
        ({"dispute_signature_url_mode": "path"}, "dispute_signature_url_mode must be one of url, host"),
        ({"minimum_amount": "1,00"}, "minimum_amount must be a non-negative amount"),
        ({"minimum_amount": "3000.00"}, "minimum_amount may not exceed maximum_amount"),
        ({"maximum_amount": None}, "maximum_amount may not be null"),
        ({"dispute_webhook_url": "ftp://x"}, "dispute_webhook_url must be an absolute http(s) URL"),
        ({"dispute_webhook_url": "http://127.0.0.1:1/hook"}, "dispute_webhook_secret is required"),
        ({"no_such_field": 1}, "unknown config field(s): no_such_field"),
        ({"merchant_id": ""}, "merchant_id and secret_key may not be empty"),
    ],
)
def test_sandbox_config_rejects_bad_values(sandbox: Sandbox, changes: dict[str, object], fragment: str) -> None:
    before = requests.get(sandbox.url + "/_sandbox/config", timeout=10).json()
    response = requests.post(sandbox.url + "/_sandbox/config", json={"write_delay_ms": 5, **changes}, timeout=10)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    # All or nothing: the valid change in the same request was not applied either.
    assert requests.get(sandbox.url + "/_sandbox/config", timeout=10).json() == before


def test_sandbox_config_needs_an_object(sandbox: Sandbox) -> None:
    response = requests.post(sandbox.url + "/_sandbox/config", data="[]", timeout=10)
    assert response.status_code == 400


def test_config_object_validates_on_construction() -> None:
    with pytest.raises(ConfigError, match="currency"):
        AfterpaySandboxConfig(currency="JPY")
    assert AfterpaySandboxConfig().to_json()["refund_window_days"] == 120


def test_clock_advances_and_shows_offset(sandbox: Sandbox) -> None:
    before = requests.get(sandbox.url + "/_sandbox/clock", timeout=10).json()
    assert before["offsetSeconds"] == 0
    sandbox.advance(3600)
    after = requests.get(sandbox.url + "/_sandbox/clock", timeout=10).json()
    assert after["offsetSeconds"] == 3600
    delta = datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"])
    assert timedelta(seconds=3600) <= delta < timedelta(seconds=3610)
    for bad in ({"advance_seconds": -1}, {"advance_seconds": "1"}, {}, {"advance_seconds": True}):
        assert requests.post(sandbox.url + "/_sandbox/clock", json=bad, timeout=10).status_code == 400


def test_reset_restores_data_config_and_clock(start_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = start_sandbox(AfterpaySandboxConfig(currency="NZD", country_code="NZ", maximum_amount="500.00"))
    payment = sandbox.seed(originalAmount=money("20.00", "NZD"))
    sandbox.configure(maximum_amount="900.00", write_delay_ms=1)
    sandbox.advance(86400)
    assert requests.post(sandbox.url + "/_sandbox/reset", timeout=10).status_code == 204
    config = requests.get(sandbox.url + "/_sandbox/config", timeout=10).json()
    assert (config["currency"], config["maximum_amount"], config["write_delay_ms"]) == ("NZD", "500.00", 0)
    assert requests.get(sandbox.url + "/_sandbox/clock", timeout=10).json()["offsetSeconds"] == 0
    assert sandbox.get(f"/v2/payments/{payment['id']}").status_code == 404
    assert sandbox.get("/v2/payments").json()["totalResults"] == 0


def test_sandbox_controls_accept_json_without_content_type(sandbox: Sandbox) -> None:
    response = requests.post(sandbox.url + "/_sandbox/config", data='{"write_delay_ms": 3}', timeout=10)
    assert response.status_code == 200
    assert response.json()["write_delay_ms"] == 3
