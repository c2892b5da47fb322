"""The Payments API under ``/v2/payments`` (afterpay.md §3.1 #5-#15)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import payments, search, serialize
from ..payments import Outcome
from ..state import sandbox
from .http import read_body, vendor_json

bp = Blueprint("afterpay_payments", __name__)


def _answer(outcome: Outcome) -> Response:
    if outcome.body is None:
        return Response(status=outcome.status)
    return vendor_json(outcome.body, outcome.status)


@bp.post("/v2/payments/capture")
def capture_full() -> Response:
    """Immediate capture of a confirmed checkout."""
    return _answer(payments.capture_by_token(sandbox(), read_body()))


@bp.post("/v2/payments/auth")
def auth() -> Response:
    """Deferred flow: authorise a confirmed checkout."""
    return _answer(payments.authorise(sandbox(), read_body()))


@bp.get("/v2/payments")
def list_payments() -> Response:
    """Search payments; offset or cursor pagination."""
    state = sandbox()
    query = search.parse(request.args)
    return vendor_json(search.run(query, payments.listable(state), request.host_url))


@bp.get("/v2/payments/<order_id>")
def get_payment(order_id: str) -> Response:
    """A payment by Afterpay order id."""
    return vendor_json(serialize.payment(payments.get(sandbox(), order_id)))


@bp.get("/v2/payments/token:<token>")
def get_payment_by_token(token: str) -> Response:
    """A payment by checkout token (literal ``token:`` prefix)."""
    return vendor_json(serialize.payment(payments.get_by_token(sandbox(), token)))


@bp.put("/v2/payments/<order_id>")
def update_payment(order_id: str) -> Response:
    """Change ``merchantReference``."""
    return _answer(payments.update_reference(sandbox(), order_id, read_body()))


@bp.put("/v2/payments/<order_id>/courier")
def update_courier(order_id: str) -> Response:
    """Record shipping courier details."""
    return _answer(payments.update_courier(sandbox(), order_id, read_body()))


@bp.post("/v2/payments/<order_id>/capture")
def capture(order_id: str) -> Response:
    """Deferred capture, partial or full."""
    return _answer(payments.capture(sandbox(), order_id, read_body()))


@bp.post("/v2/payments/<order_id>/void")
def void(order_id: str) -> Response:
    """Void all or part of the open amount; the body may be empty."""
    return _answer(payments.void(sandbox(), order_id, read_body(optional=True)))


@bp.post("/v2/payments/<order_id>/refund")
def refund(order_id: str) -> Response:
    """Refund captured money."""
    return _answer(payments.refund(sandbox(), order_id, read_body()))


@bp.post("/v2/payments/token:<token>/reversal")
def reversal(token: str) -> Response:
    """Reverse an order within the reversal window: 204, empty body."""
    read_body(optional=True)
    return _answer(payments.reverse(sandbox(), token))
