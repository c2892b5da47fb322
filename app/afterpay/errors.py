"""Errors of the Afterpay client.

    UpstreamError                       (app.upstream: status, request_id, retryable, retry_after)
    └── AfterpayError
        ├── AfterpayConnectionError     no response: refused, reset, timed out   [retryable]
        └── AfterpayAPIError            a response with an error status; error_code, error_id
            ├── AfterpayInvalid         400, 422: bad request or amount          [fatal]
            ├── AfterpayUnauthorized    401, 403: wrong credentials              [fatal]
            ├── AfterpayDeclined        402: declined or invalid token           [fatal]
            ├── AfterpayNotFound        404                                      [fatal]
            ├── AfterpayConflict        409: same requestId still in flight      [retryable]
            ├── AfterpayStateError      410, 412: already captured, voided, expired,
            │                           refund not allowed                       [fatal]
            ├── AfterpayRateLimited     429                                      [retryable]
            └── AfterpayServerError     5xx                                      [retryable]

Every write the client sends carries a ``requestId`` (or, for immediate capture, the
checkout token), which Afterpay uses to replay the first outcome (reference/afterpay.md §5),
so every retryable error is safe to retry — including a timeout on a write.
"""

from __future__ import annotations

from typing import Any

import requests

from app.upstream import UpstreamError, parse_retry_after


class AfterpayError(UpstreamError):
    """Any failure talking to Afterpay."""

    service = "afterpay"


class AfterpayConnectionError(AfterpayError):
    """No response arrived (connection refused or reset, or a timeout)."""


class AfterpayAPIError(AfterpayError):
    """Afterpay answered with an error status.

    Attributes:
        error_code: Afterpay's ``errorCode`` (map on it, not on the message: §6).
        error_id: Afterpay's ``errorId``, which its support asks for.
    """

    def __init__(self, message: str, *, error_code: str | None = None, error_id: str | None = None, **kwargs: Any):
        self.error_code = error_code
        self.error_id = error_id
        super().__init__(message, **kwargs)


class AfterpayInvalid(AfterpayAPIError):
    """400/422: the request is malformed or an amount is not allowed."""


class AfterpayUnauthorized(AfterpayAPIError):
    """401/403: the merchant id or secret key is wrong, or the product is not enabled."""


class AfterpayDeclined(AfterpayAPIError):
    """402: the payment was declined or the token is invalid/expired."""


class AfterpayNotFound(AfterpayAPIError):
    """404: no such payment or checkout."""


class AfterpayConflict(AfterpayAPIError):
    """409: a request with the same requestId is still being processed; retry with the same id."""


class AfterpayStateError(AfterpayAPIError):
    """410/412: the payment's state forbids this (captured, voided, expired, refund window)."""


class AfterpayRateLimited(AfterpayAPIError):
    """429: too many requests."""


class AfterpayServerError(AfterpayAPIError):
    """5xx: Afterpay failed; the request may be retried with the same requestId."""


_BY_STATUS: dict[int, tuple[type[AfterpayAPIError], bool]] = {
    400: (AfterpayInvalid, False),
    401: (AfterpayUnauthorized, False),
    402: (AfterpayDeclined, False),
    403: (AfterpayUnauthorized, False),
    404: (AfterpayNotFound, False),
    409: (AfterpayConflict, True),
    410: (AfterpayStateError, False),
    412: (AfterpayStateError, False),
    422: (AfterpayInvalid, False),
    429: (AfterpayRateLimited, True),
}


def error_from_response(response: requests.Response) -> AfterpayAPIError:
    """The one place an Afterpay error response becomes an exception (and gets its retry verdict)."""
    body: Any
    try:
        body = response.json()
    except ValueError:
        # Cloudflare answers some failures with HTML (afterpay.md §1.1).
        body = {"errorCode": "non_json_response", "message": response.text[:200]}
    if not isinstance(body, dict):
        body = {"message": str(body)[:200]}
    status = response.status_code
    cls, retryable = _BY_STATUS.get(status, (AfterpayServerError, True) if status >= 500 else (AfterpayInvalid, False))
    return cls(
        str(body.get("message") or response.reason or "error"),
        error_code=body.get("errorCode"),
        error_id=body.get("errorId"),
        status=status,
        request_id=response.headers.get("HTTP_CORRELATION_ID") or body.get("errorId"),
        retryable=retryable,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        body=body,
    )
