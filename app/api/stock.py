"""Stock for a storefront's checkout: Cin7 availability of one SKU, cached."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from app.api.problems import abort_problem, documents_errors
from app.cin7.errors import Cin7RateLimited
from app.domain.stock import summarise
from app.services import Services
from app.store.stock import StockCache
from app.upstream import NO_RETRY, UpstreamError

blp = Blueprint("stock", __name__, url_prefix="/v1", description="Cin7 stock availability for checkouts.")

SLOT_WAIT_SECONDS = 2.0
"""A checkout waits at most this long for a Cin7 call slot; past it, it gets our 429."""


class StockLocationSchema(ma.Schema):
    location = ma.fields.String(metadata={"example": "Main Warehouse"})
    available = ma.fields.Decimal(as_string=False, metadata={"example": 118})
    onHand = ma.fields.Decimal(as_string=False)
    allocated = ma.fields.Decimal(as_string=False)
    onOrder = ma.fields.Decimal(as_string=False)
    inTransit = ma.fields.Decimal(as_string=False)


class StockSchema(StockLocationSchema):
    """Availability of one SKU: overall and per location (bins and batches summed)."""

    sku = ma.fields.String(metadata={"example": "TEE-ORG-WHT-M"})
    name = ma.fields.String(allow_none=True)
    locations = ma.fields.List(ma.fields.Nested(StockLocationSchema))
    asOf = ma.fields.String(metadata={"format": "date-time", "description": "When Cin7 reported these numbers"})
    source = ma.fields.String(
        metadata={"enum": ["cin7", "webhook"], "description": "Read from Cin7, or pushed by its stock webhook"}
    )
    cached = ma.fields.Boolean()


@blp.route("/stock/<string:sku>")
@blp.doc(operationId="getStock", summary="Cin7 availability of a SKU, for checkout")
@blp.response(200, StockSchema)
@documents_errors(blp, 401, 404, 429, 502, 503)
def get_stock(sku: str) -> dict[str, Any]:
    """Available, on hand and allocated quantities of `sku` (exact match), overall and per
    location. Served from a cache that Cin7's `Stock/AvailableStockLevelChanged` webhook
    refreshes as stock moves, else read from Cin7 (`ref/productavailability`) and kept for
    five minutes. When Cin7's call budget is used up the answer is 429 with `Retry-After`."""
    services: Services = current_app.extensions["bridge"]
    cache = StockCache(services.redis, services.keys)
    entry = cache.get(sku)
    cached = entry is not None
    if entry is None:
        cin7 = services.cin7_client(max_slot_wait=SLOT_WAIT_SECONDS, retry=NO_RETRY)
        try:
            rows = cin7.availability(sku)
        except Cin7RateLimited as exc:
            retry_after = max(1, round(exc.retry_after or 5))
            abort_problem(
                429,
                "Cin7's call budget is used up for the moment; try again shortly.",
                headers={"Retry-After": str(retry_after)},
            )
        except UpstreamError as exc:
            status = 503 if exc.retryable else 502
            abort_problem(status, f"Cin7 could not report stock: {exc}.")
        if not rows:
            abort_problem(404, f"Cin7 has no stock record for SKU {sku!r} (SKUs match exactly).")
        entry = cache.put(sku, rows)
    if not entry["rows"]:
        abort_problem(404, f"Cin7 has no stock record for SKU {sku!r} (SKUs match exactly).")
    return {**summarise(sku, entry["rows"]), "asOf": entry["asOf"], "source": entry["source"], "cached": cached}
