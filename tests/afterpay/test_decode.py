"""The fast decoder never disagrees with the schema: whatever it accepts, ``load_payment``
accepts with the same result; everything else gets the schema's own verdict and messages."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.afterpay.decode import MalformedJSON, _fast, decode_payment
from app.afterpay.schemas import InvalidPayment, dump_payment, load_payment
from tests.domain.payloads import AU_ORDER, E1, E2, E3
from tests.domain.test_properties import Scenario, scenarios


def _agree(document: Any) -> None:
    raw = json.dumps(document).encode()
    try:
        fast = _fast(raw)
    except Exception:
        fast = None
    try:
        slow = load_payment(document)
    except InvalidPayment as exc:
        assert fast is None, f"the fast path accepted what the schema refuses: {exc.messages}"
        with pytest.raises(InvalidPayment) as caught:
            decode_payment(raw)
        assert caught.value.messages == exc.messages
        return
    if fast is not None:
        assert fast == slow
    assert decode_payment(raw) == slow


@pytest.mark.parametrize("document", [E1, E2, E3, AU_ORDER])
def test_real_payloads_take_the_fast_path(document: dict[str, Any]) -> None:
    raw = json.dumps(document).encode()
    assert _fast(raw) == load_payment(document)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_generated_payments_decode_fast_and_identically(scenario: Scenario) -> None:
    document = dump_payment(scenario.payment)
    assert _fast(json.dumps(document).encode()) == load_payment(document)


# Values that break one rule or another: wrong types, shapes, lengths, formats, signs.
_BAD_VALUES = st.sampled_from(
    [None, True, 0, -1, 1.5, 2**31, "", "x", "x" * 300, "-1.00", "10", "10.5", "10.001", "1,000.00", "FREE",
     "AUD", "EUR", "aud", "2020-04-09", "2020-04-09T15:26:53", "2020-13-45T10:00:00Z", "2020-04-09T15:26:53.140Z",
     "not-an-email", "AU", "Australia", "STANDARD", "CAPTURED", "SORT_OF", [], {}, [1], {"amount": "1.00"},
     {"amount": "1.00", "currency": "NZD"}, {"amount": "-1.00", "currency": "AUD"}]
)  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _mutate(document: dict[str, Any], path: tuple[Any, ...], value: Any, remove: bool) -> dict[str, Any]:
    mutated = copy.deepcopy(document)
    node = mutated
    for key in path[:-1]:
        node = node[key]
    if remove and isinstance(node, dict):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return mutated


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([E1, E2, E3, AU_ORDER]), st.data())
def test_mutated_payloads_get_the_schemas_verdict(base: dict[str, Any], data: st.DataObject) -> None:
    document = base
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(document)
        path = data.draw(st.sampled_from(paths))
        document = _mutate(document, path, data.draw(_BAD_VALUES), remove=data.draw(st.booleans()))
    _agree(document)


def test_unknown_fields_are_ignored_by_both() -> None:
    document = copy.deepcopy(AU_ORDER)
    document["agreements"] = [{"id": "x"}]
    document["orderDetails"]["subscriptions"] = []
    _agree(document)
    assert _fast(json.dumps(document).encode()) is not None


@pytest.mark.parametrize("raw", [b"", b"{", b"nul", b"\xff\xfe", b'{"id": 1,}'])
def test_malformed_json(raw: bytes) -> None:
    with pytest.raises(MalformedJSON):
        decode_payment(raw)


def test_json_that_is_not_an_object_gets_the_schema_message() -> None:
    with pytest.raises(InvalidPayment) as caught:
        decode_payment(b"[1, 2]")
    assert caught.value.messages == {"_schema": ["must be a JSON object (an Afterpay Payment)"]}
