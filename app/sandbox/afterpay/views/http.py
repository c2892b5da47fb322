"""Request and response plumbing shared by every view.

The checks run in the order the real API appears to apply them: Basic auth (401), then routing
(404/405), ``Accept`` (406), ``Content-Type`` (415), then the body (400 bad JSON; 500 for a
missing body, afterpay.md §6). Every response carries ``HTTP_CORRELATION_ID`` (afterpay.md §2).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..errors import ApiError, internal_error, unauthorized
from ..ids import correlation_id
from ..render import jackson
from ..state import sandbox

log = logging.getLogger(__name__)


def vendor_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A vendor-shaped JSON response (Jackson layout, ``application/json``)."""
    response = Response(jackson(body).encode("utf-8"), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: ApiError) -> Response:
    """The standard error object (afterpay.md §6)."""
    return vendor_json(error.body(), error.status)


def plain_json(body: Any, status: int = 200) -> Response:
    """A compact JSON response for the sandbox controls."""
    return Response(json.dumps(body), status=status, mimetype="application/json")


def sandbox_error(message: str, status: int = 400) -> Response:
    """A sandbox-control error: ``{"error": message}``, like the shared controls answer."""
    return plain_json({"error": message}, status)


def read_body(*, optional: bool = False) -> dict[str, Any]:
    """The JSON object sent with a POST/PUT; ``{}`` for an empty optional body."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return {}
        # afterpay.md §6: 500 `error`, "often caused by a missing or empty request body".
        raise internal_error()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return body


def read_sandbox_body() -> dict[str, Any] | None:
    """The JSON object sent to a sandbox control, or None when there is none.

    The Content-Type is not insisted on, so ``curl -d '{...}'`` works without ``-H``.
    """
    body = request.get_json(silent=True, force=True)
    return body if isinstance(body, dict) else None


def _authorised() -> bool:
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        return False
    config = sandbox().config
    # Constant-time, on both parts, so timing says nothing about which one was wrong.
    user_ok = hmac.compare_digest((credentials.username or "").encode(), config.merchant_id.encode())
    secret_ok = hmac.compare_digest((credentials.password or "").encode(), config.secret_key.encode())
    return user_ok and secret_ok


def _before() -> Response | None:
    if not request.path.startswith("/v2/"):
        return None  # /ping, the sandbox controls and the consumer page need no credentials
    if not _authorised():
        return error_response(unauthorized())
    if request.routing_exception is not None:
        return None  # let Flask raise the 404/405, answered by the handlers below
    accept = request.headers.get("Accept")
    if accept and request.accept_mimetypes.best_match(["application/json"]) is None:
        return error_response(ApiError(406, "error", "Could not find acceptable representation"))
    if request.method in ("POST", "PUT") and request.mimetype != "application/json":
        given = request.content_type or "none"
        return error_response(ApiError(415, "error", f"Content type '{given}' not supported"))
    return None


def _after(response: Response) -> Response:
    response.headers["HTTP_CORRELATION_ID"] = correlation_id()
    return response


def _api_error(error: ApiError) -> Response:
    return error_response(error)


def _http_error(error: HTTPException) -> Response:
    if isinstance(error, NotFound):
        return error_response(ApiError(404, "not_found", "The requested resource was not found."))
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or []))
        return error_response(
            ApiError(405, "method_not_allowed", f"Request method '{request.method}' not supported; allowed: {allowed}")
        )
    status = error.code or 500
    return error_response(ApiError(status, "error", error.description or error.name))


def _unexpected(error: Exception) -> Response:
    log.exception("afterpay sandbox: unexpected error on %s %s", request.method, request.path)
    return error_response(internal_error())


def install(app: Flask) -> None:
    """Register the auth/header checks, the correlation header and the error handlers."""
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
