"""The HTTP API: flask-smorest blueprints whose every error is an RFC 9457 problem."""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, Response
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException, InternalServerError

from app.api.problems import PROBLEM_JSON, ProblemSchema, problem_response, validation_errors

log = logging.getLogger(__name__)

SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "BRIDGE_API_KEY as a bearer token"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "BRIDGE_API_KEY"},
    "cin7WebhookBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The token `bridge cin7 register-webhooks` registered with Cin7",
    },
    "cin7WebhookBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "Basic credentials whose password is the registered token",
    },
}


class BridgeApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, answering and documenting errors as ``application/problem+json``."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest documents its shared error responses as application/json; ours are
        # problem+json, and the spec must say what the server really sends.
        import http

        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Response:
        """Turn every HTTP error (aborts, routing errors, webargs failures) into a problem."""
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        if "Allow" in dict(error.get_headers()):
            headers["Allow"] = dict(error.get_headers())["Allow"]
        if isinstance(error, InternalServerError):
            original = error.original_exception
            if original is not None:
                log.error("unhandled error", exc_info=original)
            return problem_response(
                500, "The bridge failed to handle this request. It was logged; quote the X-Request-ID header."
            )
        messages = data.get("messages")
        if status == 400 and messages and "json" in messages:
            return problem_response(400, "The request body is not valid JSON.", slug="malformed-json", headers=headers)
        if messages:
            return problem_response(
                status,
                data.get("message") or "The request breaks the schema; see 'errors'.",
                errors=validation_errors(messages),
                headers=headers,
            )
        return problem_response(
            status,
            data.get("message") or error.description or "",
            slug=data.get("slug"),
            errors=data.get("errors"),
            headers=headers,
            **data.get("extensions", {}),
        )


def _redis_down(error: redis.RedisError) -> Response:
    log.error("redis unavailable", exc_info=error)
    return problem_response(503, "The bridge cannot reach Redis; retry shortly.", slug="unavailable")


def init_api(app: Flask) -> BridgeApi:
    """Attach the API, its request hooks and every blueprint to ``app``."""
    from app.api import docs, events, health, hooks, jobs, mapping, reconcile, stock, sync, webhooks

    api = BridgeApi(
        spec_kwargs={
            "info": {
                "description": docs.API_DESCRIPTION,
                "contact": {"name": "Afterpay ⇄ Cin7 Bridge"},
            },
            "components": {"securitySchemes": SECURITY_SCHEMES},
            "security": [{"bearerAuth": []}, {"apiKeyHeader": []}],
        }
    )
    api.init_app(app)
    hooks.install(app)
    app.register_error_handler(redis.RedisError, _redis_down)
    api.register_blueprint(health.blp)
    api.register_blueprint(mapping.blp)
    api.register_blueprint(sync.blp)
    api.register_blueprint(jobs.blp)
    api.register_blueprint(events.blp)
    api.register_blueprint(webhooks.blp)
    api.register_blueprint(stock.blp)
    api.register_blueprint(reconcile.blp)
    app.register_blueprint(docs.bp)
    return api
