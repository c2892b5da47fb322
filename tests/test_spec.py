"""The OpenAPI document: valid, complete, and identical to the committed openapi.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from openapi_spec_validator import validate

from app.cli.ops import generated_spec

ROOT = Path(__file__).resolve().parent.parent


def test_committed_spec_matches_the_code() -> None:
    committed = (ROOT / "openapi.yaml").read_text()
    assert committed == generated_spec(), "openapi.yaml drifted from the code: run `bridge openapi` and commit it"


def test_spec_is_valid_openapi() -> None:
    validate(yaml.safe_load(generated_spec()))


def test_served_spec_equals_the_generated_one(client: Any) -> None:
    assert yaml.safe_load(client.get("/openapi.yaml").get_data(as_text=True)) == yaml.safe_load(generated_spec())
    assert client.get("/openapi.json").get_json() == yaml.safe_load(generated_spec())


def test_every_operation_is_documented(app: Flask) -> None:
    spec = yaml.safe_load(generated_spec())
    operation_ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            assert operation.get("operationId"), (method, path)
            assert operation.get("summary"), (method, path)
            operation_ids.append(operation["operationId"])
            if path.startswith("/v1/"):
                codes = set(operation["responses"])
                assert "401" in codes, f"{method} {path} does not document its 401"
                for code, response in operation["responses"].items():
                    ref = response.get("$ref", "")
                    content = (
                        response.get("content", {})
                        if not ref
                        else spec["components"]["responses"][ref.rsplit("/", 1)[1]]["content"]
                    )
                    if code.startswith(("4", "5")):
                        assert "application/problem+json" in content, (method, path, code)
    assert len(operation_ids) == len(set(operation_ids))
