"""Request and response examples shown in the OpenAPI document.

Response examples are what the code produces for the request examples with the default
mapping rules; ``python -m app.api.examples`` rewrites them, and a test fails when they drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

HERE = Path(__file__).parent


def mapped_example_text() -> str:
    """The map-order response body for ``map_order_request.json``, as the API writes it (indented)."""
    from app.afterpay.schemas import load_payment
    from app.api.encoding import BridgeJSONProvider
    from app.domain.mapping import map_payment
    from app.domain.rules import parse_rules

    request = json.loads((HERE / "map_order_request.json").read_text())
    mapped = map_payment(load_payment(request), parse_rules(None)).to_dict()
    return msgspec.json.format(BridgeJSONProvider.encode(mapped), indent=2).decode() + "\n"


def mapped_example() -> dict[str, Any]:
    """The same response as JSON data."""
    loaded: dict[str, Any] = json.loads(mapped_example_text())
    return loaded


def write_examples() -> None:
    """Rewrite every generated example file."""
    (HERE / "map_order_response.json").write_text(mapped_example_text())
