"""Request hooks shared by every route: request id, size and media-type checks, API-key auth,
and one JSON log line per request."""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request

from app.api.problems import abort_problem
from app.logs import request_id_var
from app.services import Services

log = logging.getLogger("app.http")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_JSON_TYPES = ("application/json",)
_BODY_METHODS = ("POST", "PUT", "PATCH")

F = TypeVar("F", bound=Callable[..., Any])


def accepts(*media_types: str) -> Callable[[F], F]:
    """Declare the request media types a view takes (application/json when undeclared)."""

    def mark(view: F) -> F:
        view.accepted_media_types = media_types  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """Mark a /v1 view that authenticates its caller itself (webhook receivers)."""
    view.own_auth = True  # type: ignore[attr-defined]
    return view


def install(app: Flask) -> None:
    """Register the hooks on ``app``."""
    app.before_request(_start)
    # Size first (nothing big is read), then who is asking, then what they sent.
    app.before_request(_check_size)
    app.before_request(_authenticate)
    app.before_request(_check_media_type)
    app.after_request(_finish)
    app.teardown_request(_forget_request_id)


def _start() -> None:
    supplied = request.headers.get("X-Request-ID", "")
    g.request_id = supplied if _REQUEST_ID_RE.match(supplied) else uuid.uuid4().hex
    g.request_token = request_id_var.set(g.request_id)
    g.started = time.perf_counter()


def _view_attr(name: str, default: Any) -> Any:
    view = current_app.view_functions.get(request.endpoint or "")
    # flask-smorest wraps MethodViews: the marks sit on the method of the class.
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = getattr(view_class, request.method.lower(), None)
        if method is not None and hasattr(method, name):
            return getattr(method, name)
    return getattr(view, name, default)


def _check_size() -> None:
    length = request.content_length
    if length is not None and length > (current_app.config["MAX_CONTENT_LENGTH"] or 0):
        abort_problem(413, f"The body has {length} bytes; the limit is {current_app.config['MAX_CONTENT_LENGTH']}.")


def _check_media_type() -> None:
    length = request.content_length
    if request.method not in _BODY_METHODS or request.url_rule is None:
        return
    has_body = bool(length) or request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    if not has_body:
        return
    accepted = _view_attr("accepted_media_types", _JSON_TYPES)
    mimetype = request.mimetype
    if "*/*" in accepted or mimetype in accepted or ("application/json" in accepted and mimetype.endswith("+json")):
        return
    abort_problem(
        415,
        f"This operation accepts {', '.join(accepted)}; the request was sent as {mimetype or 'no content type'}.",
        headers={"Accept-Post" if request.method == "POST" else "Accept-Patch": ", ".join(accepted)},
    )


def presented_api_key() -> str | None:
    """The API key the caller sent, from either accepted header."""
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("X-API-Key") or None


def has_api_key() -> bool:
    """Whether the request carries the deployment's API key."""
    services: Services = current_app.extensions["bridge"]
    presented = presented_api_key()
    # compare_digest on bytes of any length: the comparison time leaks neither content nor length match.
    return presented is not None and hmac.compare_digest(presented.encode(), services.settings.BRIDGE_API_KEY.encode())


def refuse_unauthenticated() -> None:
    """The 401 problem for a request without the right API key."""
    abort_problem(
        401,
        "Missing or wrong API key." if presented_api_key() else "No API key was sent.",
        headers={"WWW-Authenticate": 'Bearer realm="bridge"'},
    )


def _authenticate() -> None:
    if not request.path.startswith("/v1/"):
        return
    if request.url_rule is not None and _view_attr("own_auth", False):
        return
    if not has_api_key():
        refuse_unauthenticated()


def _finish(response: Response) -> Response:
    request_id = getattr(g, "request_id", None)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = getattr(g, "started", None)
    if started is not None and request.path not in ("/healthz",):
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    return response


def _forget_request_id(_exc: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        request_id_var.reset(token)
