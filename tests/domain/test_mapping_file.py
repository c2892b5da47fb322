"""Reading BRIDGE_MAPPING_FILE: YAML or JSON, every problem named with the file.

The only tests in this folder that touch the file system (pytest's tmp_path), because
``load_mapping_rules`` is the only I/O of the mapping.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from app.domain.rules import parse_rules
from app.mapping_file import MappingFileError, load_mapping_rules

DOCS_EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def test_none_means_defaults() -> None:
    assert load_mapping_rules(None) == parse_rules({})


def test_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "tax:\n  free_skus: [GIFT-CARD]\n  rates:\n    GST on Income: 10\ncustomer:\n  mode: shared\n"
        "attributes:\n  slots:\n    6: merchantReference\n",
        encoding="utf-8",
    )
    rules = load_mapping_rules(str(path))
    assert rules.tax.free_skus == frozenset({"GIFT-CARD"})
    assert rules.customer.mode.value == "shared"
    assert rules.attribute_slots[6] == "merchantReference"


def test_json_file(tmp_path: Path) -> None:
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"cin7": {"currency_rates": {"NZD": "0.9213"}}}), encoding="utf-8")
    assert load_mapping_rules(str(path)).cin7.currency_rates == {"NZD": Decimal("0.9213")}


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing configured yet\n", encoding="utf-8")
    assert load_mapping_rules(str(path)) == parse_rules({})


def test_every_problem_is_named_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("tax:\n  default_rule: ''\nattributes:\n  slots:\n    11: token\n", encoding="utf-8")
    with pytest.raises(MappingFileError) as caught:
        load_mapping_rules(str(path))
    assert caught.value.path == str(path)
    assert caught.value.problems == [
        "tax.default_rule: must be a non-empty string",
        "attributes.slots.11: slot numbers are 1-10",
    ]
    assert str(caught.value) == (
        f"mapping file {path}:\n"
        "  - tax.default_rule: must be a non-empty string\n"
        "  - attributes.slots.11: slot numbers are 1-10"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tax: [unclosed", "is not valid YAML or JSON"),
        ("- a\n- b\n", "(top level): must be a mapping of options"),
        ("just text", "(top level): must be a mapping of options"),
        ("!!python/object:os.system {}", "is not valid YAML or JSON"),  # safe_load builds no objects
    ],
)
def test_unreadable_content(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingFileError) as caught:
        load_mapping_rules(str(path))
    assert caught.value.problems[0].startswith(problem)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError) as caught:
        load_mapping_rules(str(tmp_path / "nope.yaml"))
    assert caught.value.problems[0].startswith("cannot be read:")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"cin7:\n  location: \xe9\n")
    with pytest.raises(MappingFileError, match="cannot be read"):
        load_mapping_rules(str(path))


def test_the_complete_example_in_the_docs_is_valid(tmp_path: Path) -> None:
    """docs/mapping.md's complete example file must load: the docs cannot drift from the code."""
    text = DOCS_EXAMPLE.read_text(encoding="utf-8")
    marker = "<!-- complete-example -->"
    assert marker in text
    block = text.split(marker, 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "mapping.yaml"
    path.write_text(block, encoding="utf-8")
    rules = load_mapping_rules(str(path))
    assert rules != parse_rules({})


def _option_paths(data: object, prefix: str = "") -> list[str]:
    """Dotted paths of the options in a rules document (stopping at free-form mappings)."""
    if not isinstance(data, dict):
        return []
    paths: list[str] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and key not in ("rates", "currency_rates", "slots"):
            paths.extend(_option_paths(value, f"{path}."))
        else:
            paths.append(path)
    return paths


def test_every_option_is_documented() -> None:
    from tests.domain.test_rules import FULL

    text = DOCS_EXAMPLE.read_text(encoding="utf-8")
    paths = _option_paths(FULL)
    assert len(paths) > 40
    for path in paths:
        assert f"`{path}`" in text, path


def test_the_worked_example_in_the_docs() -> None:
    """docs/mapping.md: 4.90 voided from the AU example -> total 100.00, tax 9.09."""
    from app.afterpay.schemas import load_payment
    from app.domain.mapping import map_payment
    from tests.domain.payloads import AU_ORDER, payload

    voided = payload(AU_ORDER, paymentState="CAPTURED")
    voided["events"][1]["amount"]["amount"] = "100.00"
    voided["events"].append(
        {
            "id": "2aVoid000000000000000000001",
            "created": "2024-03-01T01:00:03.000Z",
            "expires": None,
            "type": "VOIDED",
            "amount": {"amount": "4.90", "currency": "AUD"},
            "paymentEventMerchantReference": None,
        }
    )
    result = map_payment(load_payment(voided), parse_rules({})).to_dict()
    cancelled = result["order"]["AdditionalCharges"][-1]
    assert (cancelled["Total"], cancelled["Tax"]) == (Decimal("-4.90"), Decimal("-0.45"))
    assert (result["totals"]["total"], result["totals"]["tax"]) == ("100.00", "9.09")
