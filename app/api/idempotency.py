"""The ``Idempotency-Key`` contract of DESIGN.md §3.4, as a decorator for state-changing views.

Missing key → 400; same key and body → the stored response again, byte for byte, with
``Idempotent-Replayed: true``; same key, other body → 422; same key still in flight → 409
with ``Retry-After``. 5xx, 429 and 401 outcomes are not stored, so a retry runs anew.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, g, make_response, request
from redis.client import Pipeline
from werkzeug.exceptions import HTTPException

from app.api.problems import abort_problem, documents_errors
from app.services import Services
from app.store.idempotency import (
    RETENTION_SECONDS,
    Claimed,
    IdempotencyStore,
    InFlight,
    Mismatch,
    StoredResponse,
    fingerprint,
)

F = TypeVar("F", bound=Callable[..., Any])

_QUOTED = re.compile(r'^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$')
_BARE = re.compile(r"^[\x21-\x7e]+$")
_REPLAYED_HEADERS = ("Content-Type", "Location", "Preference-Applied")
_NOT_STORED = {401, 429}

HEADER_DOC = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 257},
    "description": (
        "A unique key per logical request (a UUID is recommended), quoted (RFC 8941) or bare. "
        "Retrying with the same key and body replays the first response with `Idempotent-Replayed: true`; "
        f"keys are kept for {RETENTION_SECONDS // 3600} hours."
    ),
    "example": "8e03978e-40d5-43e8-bc93-6894a57f9324",
}


def parse_idempotency_key(raw: str | None) -> str:
    """The key from the header, quoted (IETF draft: an RFC 8941 String) or bare (Stripe style)."""
    if raw is None or not raw.strip():
        abort_problem(400, "This operation requires an Idempotency-Key header.", slug="missing-idempotency-key")
    value = raw.strip()
    quoted = _QUOTED.match(value)
    if quoted:
        value = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif not _BARE.match(value):
        abort_problem(
            400,
            "The Idempotency-Key must be 1-255 printable ASCII characters, bare or in double quotes.",
            slug="missing-idempotency-key",
        )
    if not 1 <= len(value) <= 255:
        abort_problem(400, "The Idempotency-Key must be 1-255 characters long.", slug="missing-idempotency-key")
    return value


def writes_pipeline() -> Pipeline:
    """The Redis pipeline of the idempotent request being served.

    What the operation queues on it (an RQ enqueue, say) is written in one MULTI/EXEC with
    the stored response, so the two land together or not at all: no job without its
    Idempotency-Key record, and no record of a job that was never queued. A view that must
    see its writes before answering (``Prefer: wait``) may ``execute()`` it early.
    """
    pipeline: Pipeline = g.idempotent_writes
    return pipeline


def idempotent(blp: Any, scope: str) -> Callable[[F], F]:
    """Make a view honour ``Idempotency-Key``; place it between ``@blp.arguments`` and ``@blp.response``.

    The body is validated before the key is claimed, so a request refused by the schema
    stores nothing and can be corrected and retried with the same key.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            key = parse_idempotency_key(request.headers.get("Idempotency-Key"))
            services: Services = current_app.extensions["bridge"]
            # The same client as RQ's, so a view's enqueue and the stored response can share
            # one pipeline (see ``writes_pipeline``).
            store = IdempotencyStore(services.rq_redis, services.keys("idem"))
            # A JSON body is compared as canonical JSON; any other body (a CSV file) byte for byte.
            body = request.get_json(silent=True) if request.is_json else hashlib.sha256(request.get_data()).hexdigest()
            claim = store.claim(scope, key, fingerprint(request.method, scope, body))
            if isinstance(claim, StoredResponse):
                replay = Response(claim.body, status=claim.status)
                for name, value in claim.headers.items():
                    replay.headers[name] = value
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            if isinstance(claim, Mismatch):
                abort_problem(
                    422,
                    "This Idempotency-Key was already used with a different request body; use a new key.",
                    slug="idempotency-key-reused",
                )
            if isinstance(claim, InFlight):
                seconds = str(int(claim.retry_after + 0.999))
                abort_problem(
                    409,
                    f"A request with this Idempotency-Key is still in progress; retry in {seconds} s.",
                    slug="idempotency-conflict",
                    headers={"Retry-After": seconds},
                )
            assert isinstance(claim, Claimed)
            pipeline = g.idempotent_writes = services.rq_redis.pipeline()
            try:
                response = make_response(view(*args, **kwargs))
            except HTTPException as exc:
                pipeline.reset()
                response = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].handle_http_exception(exc)
            except BaseException:
                pipeline.reset()
                store.release(scope, key, claim)
                raise
            if response.status_code >= 500 or response.status_code in _NOT_STORED:
                pipeline.reset()
                store.release(scope, key, claim)
            else:
                stored_headers = {h: response.headers[h] for h in _REPLAYED_HEADERS if h in response.headers}
                stored = StoredResponse(response.status_code, stored_headers, response.get_data())
                store.complete(scope, key, claim, stored, pipeline=pipeline)
                try:
                    pipeline.execute()
                except BaseException:
                    store.release(scope, key, claim)
                    raise
            return response

        blp.doc(parameters=[HEADER_DOC])(wrapper)
        return documents_errors(blp, 400, 409, 422)(wrapper)  # type: ignore[return-value]

    return decorate
