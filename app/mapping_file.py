"""Read the merchant's mapping rules from ``BRIDGE_MAPPING_FILE`` (YAML or JSON).

The only I/O around the mapping: the file is read and parsed here, validated by the pure
``app.domain.rules.parse_rules``, and every problem is reported with the file's name so an
operator fixes a broken file in one pass. docs/mapping.md documents the format.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from app.domain.rules import MappingRules, RulesError, parse_rules


class MappingFileError(Exception):
    """The mapping file cannot be read or is invalid; ``problems`` lists what is wrong."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"mapping file {path}:\n" + "\n".join(f"  - {p}" for p in problems))


def load_mapping_rules(path: str | None) -> MappingRules:
    """The mapping rules in the YAML or JSON file at ``path``; the defaults when ``path`` is None.

    ``yaml.safe_load`` reads both formats (JSON is YAML) and builds only plain data, never
    Python objects. An empty file means the defaults. Raises ``MappingFileError``.
    """
    if path is None:
        return parse_rules(None)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(path, [f"cannot be read: {exc}"]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingFileError(path, [f"is not valid YAML or JSON: {exc}"]) from exc
    if data is not None and not isinstance(data, dict):
        raise MappingFileError(path, ["(top level): must be a mapping of options"])
    try:
        return parse_rules(data)
    except RulesError as exc:
        raise MappingFileError(path, exc.problems) from exc
