"""``POST /v2/checkouts`` and ``GET /v2/checkouts/{token}``."""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import checkouts, serialize
from ..state import sandbox
from .http import read_body, vendor_json

bp = Blueprint("afterpay_checkouts", __name__)


@bp.post("/v2/checkouts")
def create_checkout() -> Response:
    """201 ``{token, expires, redirectCheckoutUrl}``."""
    checkout, url = checkouts.create(sandbox(), read_body(), request.host_url)
    return vendor_json(serialize.checkout_created(checkout, url), 201)


@bp.get("/v2/checkouts/<token>")
def get_checkout(token: str) -> Response:
    """The checkout as created; 404 unknown, 412 invalid, expired or completed."""
    state = sandbox()
    checkout = checkouts.get(state, token)
    url = checkouts.redirect_url(request.host_url, state.config.country_code, checkout.token)
    return vendor_json(serialize.checkout(checkout, url))
