"""The Cin7 simulator's own ``/_sandbox/`` endpoints, beside the shared ones of controls.py.

``GET|POST /_sandbox/config`` reads or changes Cin7SandboxConfig at runtime; ``GET|POST
/_sandbox/clock`` reads or moves the sandbox clock forward (the throttle window and the webhook
schedule follow it); ``GET /_sandbox/webhook-deliveries`` lists every delivery attempt and what is
still pending; ``POST /_sandbox/webhooks/flush`` attempts every pending delivery now. None of them
needs credentials or counts against the throttle (DESIGN.md §7).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

from app.sandbox.cin7.config import ConfigError
from app.sandbox.cin7.runtime import Cin7Runtime
from app.sandbox.cin7.wire import fmt_modified, to_json


def _json(body: Any, status: int = 200) -> Response:
    return Response(to_json(body), status=status, mimetype="application/json")


def install(app: Flask, runtime: Cin7Runtime) -> None:
    """Register the Cin7-specific sandbox endpoints on ``app``."""

    def get_config() -> Response:
        return _json(runtime.config.to_json())

    def post_config() -> Response:
        changes = request.get_json(silent=True)
        if not isinstance(changes, dict):
            return _json({"error": "send a JSON object of config fields to change"}, 400)
        try:
            config = runtime.update_config(changes)
        except (ConfigError, TypeError) as exc:
            return _json({"error": str(exc)}, 400)
        return _json(config.to_json())

    def clock_state() -> dict[str, Any]:
        return {"now": fmt_modified(runtime.clock.now()), "offset_seconds": runtime.clock.offset.total_seconds()}

    def get_clock() -> Response:
        return _json(clock_state())

    def post_clock() -> Response:
        payload = request.get_json(silent=True)
        seconds = payload.get("advance_seconds") if isinstance(payload, dict) else None
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            return _json({"error": 'send {"advance_seconds": N} with N a number of seconds, 0 or more'}, 400)
        runtime.clock.advance(float(seconds))
        return _json(clock_state())

    def get_deliveries() -> Response:
        return _json({"deliveries": runtime.dispatcher.attempts(), "pending": runtime.dispatcher.pending()})

    def post_flush() -> Response:
        return _json(runtime.dispatcher.flush())

    app.add_url_rule("/_sandbox/config", "cin7_get_config", get_config, methods=["GET"])
    app.add_url_rule("/_sandbox/config", "cin7_post_config", post_config, methods=["POST"])
    app.add_url_rule("/_sandbox/clock", "cin7_get_clock", get_clock, methods=["GET"])
    app.add_url_rule("/_sandbox/clock", "cin7_post_clock", post_clock, methods=["POST"])
    app.add_url_rule("/_sandbox/webhook-deliveries", "cin7_deliveries", get_deliveries, methods=["GET"])
    app.add_url_rule("/_sandbox/webhooks/flush", "cin7_flush", post_flush, methods=["POST"])
