"""Afterpay's error object and the catalogue of errors the simulator returns.

Every error body is ``{errorCode, errorId, message, httpStatusCode}`` (afterpay.md §6). Where a
real body was recorded the message is verbatim (afterpay.md E6, §3.2); clients must map on
``errorCode`` and status, never on ``message`` ("messages are improved over time").
"""

from __future__ import annotations

from typing import Any

from .ids import error_id

GENERIC_500_MESSAGE = "An error occurred processing your request"


class ApiError(Exception):
    """An error response: HTTP status, Afterpay ``errorCode`` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The vendor error object, with a fresh ``errorId``."""
        return {"errorCode": self.code, "errorId": error_id(), "message": self.message, "httpStatusCode": self.status}


def invalid_object(message: str) -> ApiError:
    """422 ``invalid_object``: a missing or malformed field."""
    return ApiError(422, "invalid_object", message)


def invalid_amount(message: str) -> ApiError:
    """422 ``invalid_amount``: an amount that is well-formed but not acceptable here."""
    return ApiError(422, "invalid_amount", message)


def unauthorized() -> ApiError:
    """401 ``unauthorized``: the documented body (afterpay.md E7)."""
    return ApiError(401, "unauthorized", "Credentials are required to access this resource.")


def payment_not_found() -> ApiError:
    """404 ``not_found``, recorded verbatim (afterpay.md E6)."""
    return ApiError(404, "not_found", "Afterpay payment ID not found.")


def internal_error() -> ApiError:
    """500 ``error``, recorded for a void of an unknown numeric id and bad list dates (afterpay.md §3.2)."""
    return ApiError(500, "error", GENERIC_500_MESSAGE)


def payment_captured() -> ApiError:
    """410 ``payment_captured``, recorded verbatim (afterpay.md E6)."""
    return ApiError(410, "payment_captured", "The payment has already been fully captured.")


def order_not_approved() -> ApiError:
    """412 ``invalid_order_transaction_status``: the consumer has not confirmed (afterpay.md E6)."""
    return ApiError(412, "invalid_order_transaction_status", "Order has not been approved.")


def invalid_token() -> ApiError:
    """402 ``invalid_token``, recorded verbatim (afterpay.md E6)."""
    return ApiError(402, "invalid_token", "Cannot complete payment, expired or invalid token.")


def invalid_state() -> ApiError:
    """412 ``invalid_state``: recorded for a capture on a declined order (afterpay.md §3.2)."""
    return ApiError(412, "invalid_state", "Order is not approved.")


def payment_voided() -> ApiError:
    """412 ``payment_voided``: recorded for a capture on a fully voided auth (afterpay.md §3.2)."""
    return ApiError(412, "payment_voided", "The auth was previously voided.")


def payment_expired() -> ApiError:
    """412 ``payment_expired`` (afterpay.md §3.2 lists the code; the message is ours, none was recorded)."""
    return ApiError(412, "payment_expired", "The auth has expired.")


def precondition_failed(message: str) -> ApiError:
    """412 ``precondition_failed`` (refund, courier and reversal preconditions)."""
    return ApiError(412, "precondition_failed", message)


def conflict() -> ApiError:
    """409 while a request with the same key is still processing (afterpay.md §5).

    The body shape is UNVERIFIED, so it is the standard error object.
    """
    return ApiError(409, "conflict", "A request with this requestId is still being processed. Retry later.")
