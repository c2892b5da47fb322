"""JSON the way Afterpay's servers print it: Jackson's default pretty printer.

Recorded bodies (afterpay.md §2, [VCR]) look like ``{\\n  "key" : value,`` with two-space
indents, arrays inline as ``[ {...}, {...} ]``, and ``[ ]`` / ``{ }`` when empty. Clients
should not care, but a client that does (a byte-for-byte fixture, a naive log parser) finds
out here rather than in production.
"""

from __future__ import annotations

import json
from typing import Any


def jackson(value: Any, level: int = 0) -> str:
    """Serialise ``value`` with Jackson's DefaultPrettyPrinter layout."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        pad = "  " * (level + 1)
        members = [f"{pad}{json.dumps(str(k), ensure_ascii=False)} : {jackson(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(members) + "\n" + "  " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(jackson(v, level) for v in value) + " ]"
    return json.dumps(value, ensure_ascii=False)
