"""Errors of the Cin7 Core client.

    UpstreamError                     (app.upstream: status, request_id, retryable, retry_after)
    └── Cin7Error
        ├── Cin7ConnectionError       no response; outcome_unknown when a write was sent
        └── Cin7APIError              an error response, or the Error Model inside a 200
            ├── Cin7Invalid           400 with the Error Model: validation/business rule [fatal]
            ├── Cin7AuthError         401, 403: wrong account id or application key        [fatal]
            ├── Cin7NotFound          404                                                   [fatal]
            ├── Cin7RateLimited       503/429, or 400 "...calls per ... API limit"          [retryable]
            └── Cin7ServerError       other 5xx                                             [retryable on reads]

Cin7 Core writes are not idempotent (reference/cin7.md C2: blind retries create duplicates),
so a write is retried only when Cin7 provably did not run it: a throttle response, or a
connection that was never made. A timeout or a dropped answer after a write was sent raises
``Cin7ConnectionError`` with ``outcome_unknown`` set; the caller must look (by ExternalID,
by payment Reference) before it writes again.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from app.upstream import UpstreamError, parse_retry_after

_THROTTLE_TEXT = re.compile(r"calls per (minute|60 seconds)|API limit", re.IGNORECASE)
DEFAULT_THROTTLE_COOLDOWN = 5.0
"""cin7.md A2: Cin7 sends no Retry-After with its 503; a common client cools down 5 s."""


class Cin7Error(UpstreamError):
    """Any failure talking to Cin7."""

    service = "cin7"


class Cin7ConnectionError(Cin7Error):
    """No response arrived."""


class Cin7APIError(Cin7Error):
    """Cin7 answered with an error (``ErrorCode`` and ``Exception`` of its Error Model)."""

    def __init__(self, message: str, *, error_code: int | None = None, **kwargs: Any) -> None:
        self.error_code = error_code
        super().__init__(message, **kwargs)


class Cin7Invalid(Cin7APIError):
    """A validation or business-rule failure (cin7.md A4)."""


class Cin7AuthError(Cin7APIError):
    """The account id or application key was refused."""


class Cin7NotFound(Cin7APIError):
    """No such endpoint or record."""


class Cin7RateLimited(Cin7APIError):
    """Cin7 throttled the call; it was not carried out."""


class Cin7ServerError(Cin7APIError):
    """Cin7 failed with a 5xx that is not its throttle."""


def error_model(body: Any) -> tuple[int | None, str] | None:
    """The (ErrorCode, Exception) of a body in Cin7's Error Model — an object or a list of them —
    or None when the body is not an error (cin7.md A4: it may even arrive with HTTP 200)."""
    first = body[0] if isinstance(body, list) and body else body
    if isinstance(first, dict) and "ErrorCode" in first and "Exception" in first and len(first) <= 3:
        code = first.get("ErrorCode")
        return (code if isinstance(code, int) else None, str(first.get("Exception")))
    return None


def error_from_response(response: requests.Response, *, is_write: bool) -> Cin7APIError:
    """The one place a Cin7 response becomes an exception (and gets its retry verdict)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:300]
    model = error_model(body)
    code, text = model if model else (None, body if isinstance(body, str) else str(body)[:300])
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    common: dict[str, Any] = {"error_code": code, "status": status, "body": body}
    if status in (429, 503) or (status in (200, 400) and _THROTTLE_TEXT.search(text or "")):
        return Cin7RateLimited(
            text or "rate limited",
            retryable=True,
            retry_after=retry_after if retry_after is not None else DEFAULT_THROTTLE_COOLDOWN,
            **common,
        )
    if status in (401, 403):
        return Cin7AuthError(text or "credentials refused", **common)
    if status == 404 or code == 404:
        return Cin7NotFound(text or "not found", **common)
    if status >= 500:
        # A 5xx after a write was sent may mean it half-happened: the saga must look first.
        return Cin7ServerError(
            text or "server error", retryable=not is_write, outcome_unknown=is_write, retry_after=retry_after, **common
        )
    return Cin7Invalid(text or "invalid request", **common)
