"""``GET /v2/payments``: filters, ordering, offset and cursor pagination (afterpay.md §2, §3.2, E5).

Parameter quirks reproduced from afterpay.md §3.2: list parameters are repeated keys, and a
comma-joined or bracketed list is a 500; a malformed date is a 500; ``limit`` outside 1-250 is
a 422 ``error``. The cursor is keyset-based: it carries the query and the sort key of the last
row served, so payments created while a client pages through never shift or repeat a page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from . import errors, serialize
from .clock import format_timestamp, parse_timestamp
from .errors import ApiError
from .models import Payment

ORDER_BY = ("createdAt", "id", "totalAmount", "merchantReference", "email")
STATUSES = ("APPROVED", "DECLINED")
LIST_PARAMETERS = {"ids": "ids", "tokens": "tokens", "merchantReferences": "references", "statuses": "statuses"}
DEFAULT_LIMIT = 20  # afterpay.md §2 Pagination
MAX_LIMIT = 250


@dataclass
class Query:
    """A parsed list request."""

    from_date: str | None = None
    to_date: str | None = None
    ids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    order_by: str = "createdAt"
    ascending: bool = False
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    cursor: bool = False
    after: list[Any] | None = None


def _query_error(message: str) -> ApiError:
    return ApiError(422, "error", message)


def parse(args: MultiDict[str, str]) -> Query:
    """Read the query string, raising the errors the real API gives for bad parameters."""
    if args.get("cursor"):
        return _decode_cursor(args["cursor"])
    for key in args:
        if "[" in key or "]" in key:
            raise errors.internal_error()
    query = Query()
    for name, attribute in LIST_PARAMETERS.items():
        values = args.getlist(name)
        if name != "merchantReferences" and any("," in v for v in values):
            raise errors.internal_error()
        setattr(query, attribute, values)
    query.statuses = [s.upper() for s in query.statuses]  # the PHP SDK sends ['approved'] and it works
    if any(s not in STATUSES for s in query.statuses):
        raise _query_error("statuses must be APPROVED or DECLINED")
    for name, attribute in (("fromCreatedDate", "from_date"), ("toCreatedDate", "to_date")):
        raw = args.get(name)
        if raw:
            try:
                setattr(query, attribute, format_timestamp(parse_timestamp(raw)))
            except ValueError:
                raise errors.internal_error() from None
    query.order_by = args.get("orderBy") or "createdAt"
    if query.order_by not in ORDER_BY:
        raise _query_error(f"orderBy must be one of {', '.join(ORDER_BY)}")
    query.ascending = _boolean(args, "ascending")
    query.cursor = _boolean(args, "includeNextLink")
    query.limit = _integer(args, "limit", DEFAULT_LIMIT)
    if not 1 <= query.limit <= MAX_LIMIT:
        raise _query_error(f"limit must be between 1 and {MAX_LIMIT}")
    query.offset = _integer(args, "offset", 0)
    if query.offset < 0:
        raise _query_error("offset must not be negative")
    return query


def _boolean(args: MultiDict[str, str], name: str) -> bool:
    raw = (args.get(name) or "false").lower()
    if raw not in ("true", "false"):
        raise _query_error(f"{name} must be true or false")
    return raw == "true"


def _integer(args: MultiDict[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise _query_error(f"{name} must be an integer") from None


def _matches(query: Query, payment: Payment, since: datetime | None, until: datetime | None) -> bool:
    # afterpay.md §3.2: both dates are inclusive.
    return (
        (since is None or payment.created >= since)
        and (until is None or payment.created <= until)
        and (not query.ids or payment.id in query.ids)
        and (not query.tokens or payment.token in query.tokens)
        and (not query.references or payment.merchant_reference in query.references)
        and (not query.statuses or payment.status in query.statuses)
    )


def _sort_key(order_by: str, payment: Payment) -> list[Any]:
    # The order id breaks ties, so every row has a unique position for the cursor.
    value: Any
    if order_by == "createdAt":
        value = int(payment.created.timestamp() * 1000)
    elif order_by == "id":
        value = int(payment.id)
    elif order_by == "totalAmount":
        value = payment.original_amount
    elif order_by == "merchantReference":
        value = payment.merchant_reference or ""
    else:
        value = payment.order_details.get("consumer", {}).get("email", "")
    return [value, int(payment.id)]


def run(query: Query, payments: list[Payment], base_url: str) -> dict[str, Any]:
    """The list response for ``query`` over ``payments`` (the indexed ones)."""
    since = parse_timestamp(query.from_date) if query.from_date else None
    until = parse_timestamp(query.to_date) if query.to_date else None
    matching = sorted(
        (p for p in payments if _matches(query, p, since, until)),
        key=lambda p: _sort_key(query.order_by, p),
        reverse=not query.ascending,
    )
    total = len(matching)
    if not query.cursor:
        page = matching[query.offset : query.offset + query.limit]
        return {
            "totalResults": total,
            "offset": query.offset,
            "limit": query.limit,
            "results": [serialize.payment(p) for p in page],
        }
    after = query.after
    if after is not None:
        if query.ascending:
            matching = [p for p in matching if _sort_key(query.order_by, p) > after]
        else:
            matching = [p for p in matching if _sort_key(query.order_by, p) < after]
    page = matching[: query.limit]
    next_url = ""
    if len(matching) > query.limit:
        cursor = _encode_cursor(query, _sort_key(query.order_by, page[-1]))
        next_url = f"{base_url.rstrip('/')}/v2/payments?{urlencode({'cursor': cursor, 'includeNextLink': 'true'})}"
    # afterpay.md §2/E5: the cursor variant has no offset.
    return {
        "totalResults": total,
        "limit": query.limit,
        "nextPageUrl": next_url,
        "results": [serialize.payment(p) for p in page],
    }


def _b64(value: Any) -> str:
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode("ascii")


def _encode_cursor(query: Query, last: list[Any]) -> str:
    # Two base64 parts joined by ":", like the documented cursor (afterpay.md E5).
    state = {k: v for k, v in asdict(query).items() if k not in ("offset", "cursor", "after")}
    return f"{_b64(state)}:{_b64(last)}"


def _decode_cursor(cursor: str) -> Query:
    try:
        state_part, last_part = cursor.split(":", 1)
        state = json.loads(base64.b64decode(state_part, validate=True))
        last = json.loads(base64.b64decode(last_part, validate=True))
        query = Query(**state, cursor=True, after=last)
    except (ValueError, TypeError, binascii.Error):
        raise _query_error("cursor is not valid") from None
    if not isinstance(query.after, list) or len(query.after) != 2:
        raise _query_error("cursor is not valid")
    return query
