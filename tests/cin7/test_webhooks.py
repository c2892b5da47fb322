"""The bridge's Cin7 webhooks: credentials, reading deliveries, and keeping the subscriptions
right in the Cin7 simulator (create, re-activate, update) over real HTTP."""

from __future__ import annotations

import base64

import pytest

from app.cin7.client import Cin7Client
from app.cin7.webhooks import (
    STOCK_EVENT,
    WEBHOOK_TYPES,
    BadDelivery,
    ensure_webhooks,
    presented_token,
    read_delivery,
    receiver_url,
    token_matches,
    webhook_token,
)
from app.config import Settings
from tests.conftest import BASE_SETTINGS
from tests.sims import Cin7Sim


def test_the_token_is_derived_from_the_api_key_unless_set() -> None:
    settings = Settings.from_mapping(BASE_SETTINGS)
    derived = webhook_token(settings)
    assert len(derived) >= 40 and BASE_SETTINGS["BRIDGE_API_KEY"] not in derived
    assert webhook_token(Settings.from_mapping(BASE_SETTINGS)) == derived
    rotated = Settings.from_mapping({**BASE_SETTINGS, "BRIDGE_API_KEY": "another-key"})
    assert webhook_token(rotated) != derived
    explicit = Settings.from_mapping({**BASE_SETTINGS, "CIN7_WEBHOOK_TOKEN": "set-by-operator"})
    assert webhook_token(explicit) == "set-by-operator"


def test_bearer_and_basic_credentials_are_read_and_compared() -> None:
    basic = "Basic " + base64.b64encode(b"afterpay-bridge:s3cret").decode()
    assert presented_token("Bearer s3cret") == presented_token(basic) == "s3cret"
    assert presented_token("Basic !!!not-base64") is None
    assert presented_token("Basic " + base64.b64encode(b"user-only").decode()) is None
    assert presented_token(None) is None and presented_token("Token s3cret") is None
    assert token_matches("s3cret", "s3cret") and not token_matches("s3cre", "s3cret")
    assert not token_matches(None, "s3cret")


def test_receiver_url_accepts_a_base_or_the_full_url() -> None:
    assert receiver_url("https://bridge.example.com/") == "https://bridge.example.com/v1/webhooks/cin7"
    assert receiver_url("https://b.example.com/v1/webhooks/cin7") == "https://b.example.com/v1/webhooks/cin7"


def test_deliveries_name_the_sale_whatever_the_key_or_case() -> None:
    shipment = read_delivery({"SaleTaskID": "AB-CD", "EventType": "Sale/ShipmentAuthorised"})
    assert shipment.sale_id == "ab-cd" and shipment.event_type == "Sale/ShipmentAuthorised"
    assert read_delivery({"SaleID": "ab-cd", "EventType": "Sale/FullPaymentReceived"}).sale_id == "ab-cd"
    stock = read_delivery([{"SKU": "TEE", "Available": 3}])
    assert stock.event_type == STOCK_EVENT and stock.stock_rows[0]["SKU"] == "TEE"
    for bad in ({"SaleID": "x"}, "text", [1, 2], {"EventType": ""}):
        with pytest.raises(BadDelivery):
            read_delivery(bad)


def _client(cin7: Cin7Sim) -> Cin7Client:
    return Cin7Client(base_url=cin7.api, account_id="demo-account", application_key="demo-key")


def test_ensure_webhooks_creates_repairs_and_updates(cin7: Cin7Sim) -> None:
    client = _client(cin7)
    url = "http://127.0.0.1:9/v1/webhooks/cin7"
    first = ensure_webhooks(client, url, "token-1")
    assert first.created == list(WEBHOOK_TYPES) and first.gap
    hooks = {h["Type"]: h for h in cin7.get("webhooks")["Webhooks"]}
    assert set(hooks) == set(WEBHOOK_TYPES)
    assert all(h["ExternalBearerToken"] == "token-1" and h["IsActive"] for h in hooks.values())

    again = ensure_webhooks(client, url, "token-1")
    assert again.healthy == list(WEBHOOK_TYPES) and not again.gap

    voided = hooks["Sale/Voided"]
    off = {k: v for k, v in voided.items() if k != "Name"} | {"IsActive": False}
    assert cin7.send("PUT", "webhooks", off).status_code == 200
    repaired = ensure_webhooks(client, url, "token-1")
    assert repaired.reactivated == ["Sale/Voided"] and repaired.gap

    rotated = ensure_webhooks(client, url, "token-2", auth="basicauth")
    assert sorted(rotated.updated) == sorted(WEBHOOK_TYPES) and not rotated.gap
    hooks = cin7.get("webhooks")["Webhooks"]
    assert len(hooks) == len(WEBHOOK_TYPES)
    assert all(h["ExternalAuthorizationType"] == "basicauth" and h["ExternalPassword"] == "token-2" for h in hooks)
    with pytest.raises(ValueError, match="auth"):
        ensure_webhooks(client, url, "t", auth="noauth")
