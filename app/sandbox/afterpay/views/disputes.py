"""The Disputes API under ``/v2/disputes`` (afterpay.md §7), kept small but correct."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request

from .. import disputes
from ..clock import parse_timestamp
from ..disputes import EVIDENCE_FIELDS, Dispute
from ..errors import ApiError, invalid_object, precondition_failed
from ..state import sandbox
from .http import read_body, vendor_json

bp = Blueprint("afterpay_disputes", __name__)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _find(dispute_id: str) -> Dispute:
    dispute = sandbox().disputes.get(dispute_id)
    if dispute is None:
        raise ApiError(404, "not_found", "Dispute not found.")
    return dispute


def _instant(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC) if raw.isdigit() else parse_timestamp(raw)
    except ValueError:
        raise invalid_object(f"{name} must be an ISO 8601 date-time or epoch seconds") from None


def _integer(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid_object(f"{name} must be an integer between {low} and {high}")
    return int(raw)


@bp.get("/v2/disputes")
def list_disputes() -> Response:
    """``{data, offset, limit, total}``, newest first, filtered by order, status and dates."""
    order = request.args.get("order")
    status = request.args.get("status")
    after, before = _instant("openedAfter"), _instant("openedBefore")
    offset = _integer("offset", 0, 0, 10**9)
    limit = _integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    matching = [
        d
        for d in reversed(sandbox().disputes.all())
        if (not order or d.order_id == order)
        and (not status or d.status == status)
        and (after is None or d.created_at >= after)
        and (before is None or d.created_at <= before)
    ]
    page = [d.to_json() for d in matching[offset : offset + limit]]
    return vendor_json({"data": page, "offset": offset, "limit": limit, "total": len(matching)})


@bp.get("/v2/disputes/<dispute_id>")
def get_dispute(dispute_id: str) -> Response:
    """One dispute."""
    return vendor_json(_find(dispute_id).to_json())


@bp.post("/v2/disputes/<dispute_id>")
def respond_to_dispute(dispute_id: str) -> Response:
    """Submit ``{"evidence": {...}}`` once, while the dispute needs a response."""
    dispute = _find(dispute_id)
    body = read_body()
    evidence = body.get("evidence")
    if not isinstance(evidence, dict) or not evidence:
        raise invalid_object("evidence may not be empty")
    unknown = sorted(set(evidence) - set(EVIDENCE_FIELDS))
    if unknown:
        raise invalid_object(f"unknown evidence fields: {', '.join(unknown)}")
    if not all(isinstance(v, str) for v in evidence.values()):
        raise invalid_object("evidence values must be strings (file fields hold upload tokens)")
    if not disputes.submit_evidence(sandbox(), dispute, evidence):
        raise precondition_failed("Evidence can only be submitted while the dispute needs a response.")
    return vendor_json(dispute.to_json())


# afterpay.md §7/§13.4 CONFLICT: the doc says POST, the spec says GET; both are accepted.
@bp.route("/v2/disputes/<dispute_id>/accept", methods=["GET", "POST"])
def accept_dispute(dispute_id: str) -> Response:
    """Accept the dispute: it becomes ``lost``."""
    dispute = _find(dispute_id)
    if request.method == "POST":
        read_body(optional=True)
    if not disputes.accept(sandbox(), dispute):
        raise precondition_failed("The dispute is already closed.")
    return vendor_json(dispute.to_json())
