"""RFC 9457 problem details: the one error shape of the bridge's HTTP API.

Each problem type has a stable slug; its ``type`` URI is ``/problems/<slug>`` on this
server, where a short page explains it (RFC 9457 §4: type URIs should resolve to
human-readable documentation).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar

import marshmallow as ma
from flask import Response
from flask_smorest import abort as smorest_abort

PROBLEM_JSON = "application/problem+json"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ProblemType:
    """A documented kind of problem: its slug, title and what the client should do."""

    slug: str
    title: str
    status: int
    description: str


PROBLEM_TYPES: dict[str, ProblemType] = {
    p.slug: p
    for p in (
        ProblemType(
            "malformed-json",
            "Malformed JSON",
            400,
            "The request body is not valid JSON. Fix the body; do not retry it unchanged.",
        ),
        ProblemType(
            "missing-idempotency-key",
            "Idempotency-Key required",
            400,
            "This operation changes state and requires an Idempotency-Key header "
            "(1-255 printable ASCII characters, quoted or bare).",
        ),
        ProblemType("bad-request", "Bad request", 400, "The request cannot be processed as sent; the detail says why."),
        ProblemType(
            "unauthorized",
            "Unauthorized",
            401,
            "Send the API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
        ),
        ProblemType("not-found", "Not found", 404, "No resource exists at this URL."),
        ProblemType(
            "method-not-allowed",
            "Method not allowed",
            405,
            "The resource exists but does not support this HTTP method; the Allow header lists those it does.",
        ),
        ProblemType(
            "idempotency-conflict",
            "Request in progress",
            409,
            "A request with the same Idempotency-Key is still being processed. "
            "Retry after the Retry-After delay with the same key.",
        ),
        ProblemType("payload-too-large", "Payload too large", 413, "Request bodies are limited to 1 MiB."),
        ProblemType(
            "unsupported-media-type",
            "Unsupported media type",
            415,
            "Send the body with the content type the operation accepts (application/json unless documented otherwise).",
        ),
        ProblemType(
            "validation-error",
            "Validation failed",
            422,
            "The body or a parameter breaks the schema. "
            "Each entry of 'errors' points at one field (JSON Pointer) and says what is wrong.",
        ),
        ProblemType(
            "idempotency-key-reused",
            "Idempotency-Key reused",
            422,
            "This Idempotency-Key was already used with a different request body. Use a new key for a new request.",
        ),
        ProblemType(
            "rate-limited",
            "Too many requests",
            429,
            "An upstream API (usually Cin7) is throttling. Retry after the Retry-After delay.",
        ),
        ProblemType(
            "internal-error",
            "Internal server error",
            500,
            "Something failed inside the bridge. The error was logged with the request id; "
            "retrying is safe for idempotent operations.",
        ),
        ProblemType(
            "upstream-error",
            "Upstream refused the request",
            502,
            "Afterpay or Cin7 answered with an error the bridge cannot fix by retrying; 'upstream' names the "
            "service, its HTTP status and its request id.",
        ),
        ProblemType(
            "job-failed",
            "Job failed",
            500,
            "The background job failed inside the bridge; the detail names the cause. Retry it once fixed.",
        ),
        ProblemType(
            "not-retryable",
            "Job cannot be retried",
            409,
            "Only failed jobs can be retried.",
        ),
        ProblemType(
            "upstream-unavailable",
            "Upstream unavailable",
            503,
            "Afterpay or Cin7 did not answer. Retry later.",
        ),
        ProblemType(
            "unavailable",
            "Service unavailable",
            503,
            "The bridge cannot serve the request right now (for example Redis is unreachable).",
        ),
    )
}

_SLUG_FOR_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    404: "not-found",
    405: "method-not-allowed",
    409: "idempotency-conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    500: "internal-error",
    503: "unavailable",
}


def problem_body(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """The JSON object of a problem; ``slug`` picks the documented type (else by status)."""
    slug = slug or _SLUG_FOR_STATUS.get(status)
    known = PROBLEM_TYPES.get(slug) if slug else None
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if known else "about:blank",
        "title": title or (known.title if known else HTTPStatus(status).phrase),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extensions.items() if v is not None})
    return body


def problem_response(
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> Response:
    """A complete ``application/problem+json`` response."""
    body = problem_body(status, detail, **kwargs)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def validation_errors(messages: Mapping[str, Any]) -> list[dict[str, str]]:
    """Flatten webargs/marshmallow messages into RFC 9457 ``errors`` entries.

    Body errors get a JSON Pointer into the body (``#/orderDetails/items/0/price``);
    query-string and header errors name the parameter instead.
    """
    out: list[dict[str, str]] = []
    for location, tree in messages.items():
        if location in ("json", "json_or_form", "form"):
            _walk(tree, "#", out)
        else:
            for name, msgs in tree.items() if isinstance(tree, Mapping) else [("", tree)]:
                out.extend({"parameter": str(name), "in": location, "detail": msg} for msg in _messages(msgs))
    return out


def _walk(tree: Any, pointer: str, out: list[dict[str, str]]) -> None:
    if isinstance(tree, Mapping):
        for key, sub in tree.items():
            if key == "_schema":
                _walk(sub, pointer, out)
            else:
                _walk(sub, f"{pointer}/{_escape_pointer_token(str(key))}", out)
    else:
        out.extend({"pointer": pointer, "detail": msg} for msg in _messages(tree))


def _messages(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        flat: list[str] = []
        for item in value:
            flat.extend(_messages(item))
        return flat
    if isinstance(value, Mapping):
        return [f"{k}: {m}" for k, v in value.items() for m in _messages(v)]
    return [str(value)]


class ProblemErrorSchema(ma.Schema):
    """One entry of a validation problem's ``errors`` list."""

    pointer = ma.fields.String(
        metadata={"description": "JSON Pointer into the request body", "example": "#/afterpayOrderId"}
    )
    parameter = ma.fields.String(metadata={"description": "Name of the offending query parameter or header"})
    detail = ma.fields.String(metadata={"example": "Missing data for required field."})


class UpstreamSchema(ma.Schema):
    """Which upstream refused, for failures that came from Afterpay or Cin7."""

    service = ma.fields.String(metadata={"enum": ["afterpay", "cin7"], "example": "cin7"})
    status = ma.fields.Integer(allow_none=True, metadata={"example": 400})
    requestId = ma.fields.String(allow_none=True, metadata={"description": "The upstream's request or correlation id"})


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error of this API is answered."""

    class Meta:
        # Problem types add extension members (checks, retryAfter, ...); clients must ignore unknown ones.
        unknown = ma.INCLUDE

    type = ma.fields.String(
        metadata={
            "description": "URI reference identifying the problem type",
            "example": "/problems/validation-error",
        }
    )
    title = ma.fields.String(metadata={"example": "Validation failed"})
    status = ma.fields.Integer(metadata={"example": 422})
    detail = ma.fields.String(metadata={"example": "The request body breaks the schema."})
    errors = ma.fields.List(ma.fields.Nested(ProblemErrorSchema))
    upstream = ma.fields.Nested(UpstreamSchema, metadata={"description": "Present when Afterpay or Cin7 refused"})


def abort_problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    **extensions: Any,
) -> NoReturn:
    """Stop the request with a problem response (raised, so it unwinds like ``abort``)."""
    smorest_abort(status, message=detail, slug=slug, headers=dict(headers or {}), errors=errors, extensions=extensions)
    raise AssertionError("unreachable")  # smorest_abort always raises


_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON or a missing required header",
    401: "Missing or wrong API key",
    404: "No such resource",
    409: "The same Idempotency-Key is still in flight; retry after Retry-After",
    413: "Body over 1 MiB",
    415: "Wrong content type",
    422: "The body breaks the schema, or the Idempotency-Key was used with another body",
    429: "Upstream throttling; retry after Retry-After",
    502: "An upstream (Afterpay or Cin7) refused the request",
    503: "Not ready or an upstream is unavailable",
}


def documents_errors(blp: Any, *statuses: int | tuple[int, str]) -> Callable[[F], F]:
    """Document ``statuses`` on a view as problem+json responses (a decorator).

    Each status is a code (with the usual description) or a ``(code, description)`` pair.
    """

    def decorate(view: F) -> F:
        for entry in statuses:
            status, description = entry if isinstance(entry, tuple) else (entry, _ERROR_DESCRIPTIONS[entry])
            view = blp.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_JSON, description=description)(
                view
            )
        return view

    return decorate
