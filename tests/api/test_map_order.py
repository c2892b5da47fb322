"""POST /v1/map-order: strict validation with pointers, exact output, merchant rules, no I/O."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from flask import Flask
from openapi_schema_validator import OAS30Validator

from app import create_app
from app.api.examples import HERE as EXAMPLES
from app.api.examples import mapped_example_text
from app.cli.ops import generated_spec
from tests.conftest import AUTH, problem

REQUEST = json.loads((EXAMPLES / "map_order_request.json").read_text())


def _post(client: Any, body: Any, **kwargs: Any) -> Any:
    return client.post("/v1/map-order", json=body, headers=AUTH, **kwargs)


def test_maps_the_documented_example_exactly(client: Any) -> None:
    response = _post(client, REQUEST)
    assert response.status_code == 200
    # Byte for byte, apart from the indentation of the committed copy.
    committed = (EXAMPLES / "map_order_response.json").read_bytes()
    assert msgspec.json.format(response.get_data(), indent=2) + b"\n" == committed


def test_documented_response_example_is_what_the_code_produces() -> None:
    committed = (EXAMPLES / "map_order_response.json").read_text()
    assert committed == mapped_example_text(), "examples drifted: run `python -m app.api.examples`"


def test_money_is_written_as_json_numbers_that_balance(client: Any) -> None:
    body = _post(client, REQUEST).get_json()
    lines = body["order"]["Lines"] + body["order"]["AdditionalCharges"]
    assert all(isinstance(line["Total"], int | float) for line in lines)
    total_cents = sum(round(line["Total"] * 100) for line in lines)
    tax_cents = sum(round(line["Tax"] * 100) for line in lines)
    assert total_cents == 16385 and body["totals"]["total"] == "163.85"
    assert tax_cents == 1490 and body["totals"]["tax"] == "14.90"
    assert sum(round(p["Amount"] * 100) for p in body["payments"]) == 16385


def test_response_matches_the_documented_schema(client: Any) -> None:
    spec = yaml.safe_load(generated_spec())
    schema = spec["paths"]["/v1/map-order"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    validator = OAS30Validator({**schema, "components": spec["components"]})
    body = _post(client, REQUEST).get_json()
    errors = list(validator.iter_errors(body))
    assert not errors, [e.message for e in errors]
    documented = set(spec["components"]["schemas"]["MappedOrder"]["properties"])
    assert set(body) == documented


def test_it_is_pure(settings_map: dict[str, str]) -> None:
    # No Redis, no Afterpay, no Cin7 reachable: mapping still works.
    app = create_app(
        {
            **settings_map,
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "CIN7_API_URL": "http://127.0.0.1:1/x",
            "AFTERPAY_API_URL": "http://127.0.0.1:1",
        }
    )
    assert _post(app.test_client(), REQUEST).status_code == 200


def test_warnings_explain_fallbacks(client: Any) -> None:
    bare = copy.deepcopy(REQUEST)
    bare["orderDetails"]["items"] = []
    bare["orderDetails"]["discounts"] = []
    del bare["orderDetails"]["taxAmount"]
    body = _post(client, bare).get_json()
    assert body["order"]["Lines"][0]["SKU"] == "AFTERPAY-ORDER"
    text = " ".join(body["warnings"]).lower()
    assert "fallback" in text or "no items" in text
    assert "tax computed" in text
    assert sum(round(c["Total"] * 100) for c in body["order"]["Lines"] + body["order"]["AdditionalCharges"]) == 16385


@pytest.mark.parametrize(
    ("mutate", "pointer"),
    [
        (lambda p: p.pop("id"), "#/id"),
        (lambda p: p["originalAmount"].update(amount="163.8"), "#/originalAmount/amount"),
        (lambda p: p["originalAmount"].update(amount=163.85), "#/originalAmount/amount"),
        (
            lambda p: p["orderDetails"]["items"][1]["price"].update(amount="79.001"),
            "#/orderDetails/items/1/price/amount",
        ),
        (lambda p: p["orderDetails"]["items"][0].update(quantity=0), "#/orderDetails/items/0/quantity"),
        (
            lambda p: p["orderDetails"]["shippingAmount"].update(currency="NZD"),
            "#/orderDetails/shippingAmount/currency",
        ),
        (lambda p: p.update(paymentState="SORT_OF_PAID"), "#/paymentState"),
        (lambda p: p.update(created="2026-11-28 03:14"), "#/created"),
        (lambda p: p["orderDetails"]["consumer"].pop("email"), "#/orderDetails/consumer/email"),
        (lambda p: p["orderDetails"].update(items=[p["orderDetails"]["items"][0]] * 101), "#/orderDetails/items"),
    ],
)
def test_invalid_payments_are_422_pointing_at_the_field(client: Any, mutate: Any, pointer: str) -> None:
    payment = copy.deepcopy(REQUEST)
    mutate(payment)
    response = _post(client, payment)
    body = problem(response)
    assert response.status_code == 422
    assert pointer in {error["pointer"] for error in body["errors"]}, body["errors"]


def test_malformed_wrong_type_and_oversized_bodies(client: Any) -> None:
    assert (
        problem(client.post("/v1/map-order", data="{", content_type="application/json", headers=AUTH))["status"] == 400
    )
    assert problem(client.post("/v1/map-order", data="id=1", content_type="text/plain", headers=AUTH))["status"] == 415
    big = json.dumps({**REQUEST, "merchantReference": "x" * (1024 * 1024)})
    assert (
        problem(client.post("/v1/map-order", data=big, content_type="application/json", headers=AUTH))["status"] == 413
    )
    assert problem(_post(client, ["not", "an", "object"]))["status"] == 422


def test_merchant_rules_from_the_mapping_file(settings_map: dict[str, str], tmp_path: Path) -> None:
    rules = tmp_path / "mapping.yaml"
    rules.write_text(
        "customer:\n  mode: shared\n  shared_name: Web Sales\n"
        "sync_rules:\n  min_amount: '200.00'\n"
        "transforms:\n  customer_reference:\n    strip_prefix: '#'\n"
    )
    app: Flask = create_app({**settings_map, "BRIDGE_MAPPING_FILE": str(rules)})
    body = _post(app.test_client(), REQUEST).get_json()
    assert body["sale"]["Customer"] == "Web Sales" and body["sale"]["Contact"] == "Mia Nguyen"
    assert body["sale"]["CustomerReference"] == "WEB-10452"
    assert body["skipReason"] and "200.00" in body["skipReason"]


def test_a_broken_mapping_file_stops_start_up_naming_the_problem(settings_map: dict[str, str], tmp_path: Path) -> None:
    from app.config import ConfigError

    rules = tmp_path / "mapping.yaml"
    rules.write_text("customer:\n  mode: everyone\ntax:\n  default_rul: GST\n")
    with pytest.raises(ConfigError) as caught:
        create_app({**settings_map, "BRIDGE_MAPPING_FILE": str(rules)})
    text = str(caught.value)
    assert "customer.mode" in text and "default_rul" in text
