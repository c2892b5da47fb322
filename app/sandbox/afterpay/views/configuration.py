"""``GET /ping`` and ``GET /v2/configuration`` (afterpay.md §3.2 Get Configuration)."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, request

from ..money import money, to_cents
from ..state import sandbox
from .http import vendor_json

bp = Blueprint("afterpay_configuration", __name__)

# afterpay.md §3.2: recorded on the real response.
CACHE_CONTROL = "private, no-transform, max-age=1800"


@bp.get("/ping")
def ping() -> Response:
    """Health check: no auth, ``text/plain`` ``pong`` (afterpay.md §3.1 #1)."""
    return Response("pong", mimetype="text/plain")


@bp.get("/v2/configuration")
def configuration() -> Response:
    """The merchant's order limits, plus what ``include=`` asks for (repeated, not comma-joined)."""
    config = sandbox().config
    currency = config.currency
    limits: dict[str, Any] = {}
    if config.minimum_amount is not None:
        limits["minimumAmount"] = money(to_cents(config.minimum_amount), currency)
    limits["maximumAmount"] = money(to_cents(config.maximum_amount), currency)
    body = dict(limits)
    # Clients spell these both ways (publicid, publicId), so match without case.
    includes = {value.lower() for value in request.args.getlist("include")}
    if "publicid" in includes:
        body["publicId"] = hashlib.sha256(config.merchant_id.encode()).hexdigest()[:20]
    if "consumerlending" in includes:
        body["consumerLending"] = {"enabled": False}
    if "paybyinstallment" in includes:
        body["payByInstallment"] = dict(limits)
    # The next shapes are only inferred from client code (afterpay.md §3.2, §13.12: UNVERIFIED).
    if "cbt" in includes:
        body["CBT"] = {"enabled": False, "limits": []}
    if "channels" in includes:
        body["channels"] = [
            {"name": "CASH_APP", "enabled": False, "integrationCompleted": False, "enabledForOrders": False}
        ]
    if "activecountries" in includes:
        body["activeCountries"] = [config.country_code]
    if "merchantcountry" in includes:
        body["merchantCountry"] = config.country_code
    return vendor_json(body, headers={"Cache-Control": CACHE_CONTROL})
