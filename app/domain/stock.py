"""Stock for a storefront's checkout: Cin7 availability rows summed per SKU and location. Pure.

Cin7 reports one row per product x location x bin x batch (cin7.md A15); a checkout wants
one number per location and one overall.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

QUANTITIES = ("Available", "OnHand", "Allocated", "OnOrder", "InTransit")


def _quantity(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def summarise(sku: str, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``{sku, name, available, onHand, allocated, onOrder, inTransit, locations: [...]}``."""
    totals = {name: Decimal(0) for name in QUANTITIES}
    locations: dict[str, dict[str, Decimal]] = {}
    name = None
    for row in rows:
        name = name or row.get("Name")
        where = str(row.get("Location") or "")
        bucket = locations.setdefault(where, {q: Decimal(0) for q in QUANTITIES})
        for quantity in QUANTITIES:
            amount = _quantity(row.get(quantity))
            bucket[quantity] += amount
            totals[quantity] += amount

    def shape(values: Mapping[str, Decimal]) -> dict[str, Decimal]:
        return {q[0].lower() + q[1:]: values[q] for q in QUANTITIES}

    return {
        "sku": sku,
        "name": name,
        **shape(totals),
        "locations": [{"location": where, **shape(values)} for where, values in sorted(locations.items())],
    }


def rows_by_sku(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Availability rows grouped by exact SKU (a webhook delivers rows of several products)."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        sku = row.get("SKU")
        if isinstance(sku, str) and sku:
            grouped.setdefault(sku, []).append(row)
    return grouped
