"""Sandbox controls shared by both simulators: fault injection, the request log, reset.

A fault rule (DESIGN.md §7)::

    {"method": "POST", "path": "<regex searched in the path>", "action": "respond" |
     "drop_response" | "reset", "status": 503, "body": <JSON>, "headers": {...},
     "delay_ms": 0, "count": N, "rate": 0.0-1.0}

``respond`` answers with status/body/headers instead of doing the operation (with no status
it only adds ``delay_ms`` of latency); ``drop_response`` does the operation, then closes the
connection without answering (the write happened, the answer was lost); ``reset`` resets the
connection (TCP RST) without doing anything. A rule applies ``count`` times (forever when
absent) to a ``rate`` share of matching requests; the first matching rule wins. The path
regex is searched case-insensitively.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

ACTIONS = ("respond", "drop_response", "reset")
REQUEST_LOG_SIZE = 20_000


class FaultRuleError(ValueError):
    """A fault rule in a /_sandbox/faults request is malformed."""


@dataclass
class FaultRule:
    """One injected fault; see the module docstring."""

    path: re.Pattern[str]
    method: str | None = None
    action: str = "respond"
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_ms: int = 0
    count: int | None = None
    rate: float = 1.0
    applied: int = 0

    @classmethod
    def parse(cls, raw: Any) -> FaultRule:
        """Validate one rule from JSON."""
        if not isinstance(raw, dict):
            raise FaultRuleError("a fault rule must be a JSON object")
        unknown = set(raw) - {"method", "path", "action", "status", "body", "headers", "delay_ms", "count", "rate"}
        if unknown:
            raise FaultRuleError(f"unknown fault rule fields: {', '.join(sorted(unknown))}")
        try:
            # Case-insensitive: clients spell the same Cin7 endpoint saleList and SaleList.
            pattern = re.compile(str(raw.get("path", "")), re.IGNORECASE)
        except re.error as exc:
            raise FaultRuleError(f"path is not a valid regular expression: {exc}") from None
        action = raw.get("action", "respond")
        if action not in ACTIONS:
            raise FaultRuleError(f"action must be one of {', '.join(ACTIONS)}")
        status = raw.get("status")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise FaultRuleError("status must be an HTTP status code")
        count = raw.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise FaultRuleError("count must be a positive integer")
        rate = raw.get("rate", 1.0)
        if not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise FaultRuleError("rate must be between 0 and 1")
        delay = raw.get("delay_ms", 0)
        if not isinstance(delay, int) or delay < 0:
            raise FaultRuleError("delay_ms must be a non-negative integer")
        headers = raw.get("headers") or {}
        if not isinstance(headers, dict):
            raise FaultRuleError("headers must be an object")
        method = raw.get("method")
        return cls(
            path=pattern,
            method=str(method).upper() if method else None,
            action=action,
            status=status,
            body=raw.get("body"),
            headers={str(k): str(v) for k, v in headers.items()},
            delay_ms=delay,
            count=count,
            rate=float(rate),
        )

    def describe(self) -> dict[str, Any]:
        """The rule as JSON, with how often it has fired."""
        return {
            "method": self.method,
            "path": self.path.pattern,
            "action": self.action,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
            "delay_ms": self.delay_ms,
            "count": self.count,
            "rate": self.rate,
            "applied": self.applied,
        }


class SandboxControls:
    """The ``/_sandbox/`` endpoints and the hooks that apply faults and log requests."""

    def __init__(self, *, on_reset: Callable[[], None], random_source: Callable[[], float] = random.random) -> None:
        self._on_reset = on_reset
        self._random = random_source
        self._lock = threading.Lock()
        self._faults: list[FaultRule] = []
        self._log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)

    # -- faults -------------------------------------------------------------------------

    def add_faults(self, rules: Iterable[FaultRule]) -> None:
        with self._lock:
            self._faults.extend(rules)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _match(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._faults:
                if rule.method not in (None, method) or not rule.path.search(path):
                    continue
                if rule.count is not None and rule.applied >= rule.count:
                    continue
                if self._random() >= rule.rate:
                    continue
                rule.applied += 1
                return rule
        return None

    # -- request log ----------------------------------------------------------------------

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        """Clear faults and the log, and return the simulator to its seed state."""
        with self._lock:
            self._faults.clear()
            self._log.clear()
        self._on_reset()

    # -- Flask wiring ------------------------------------------------------------------------

    def install(self, app: Flask) -> None:
        """Register the ``/_sandbox/`` routes and the fault/log hooks on ``app``."""
        app.before_request(self._before)
        app.after_request(self._after)
        app.add_url_rule("/_sandbox/faults", "sandbox_add_faults", self._post_faults, methods=["POST"])
        app.add_url_rule("/_sandbox/faults", "sandbox_clear_faults", self._delete_faults, methods=["DELETE"])
        app.add_url_rule("/_sandbox/faults", "sandbox_list_faults", self._get_faults, methods=["GET"])
        app.add_url_rule("/_sandbox/requests", "sandbox_requests", self._get_requests, methods=["GET"])
        app.add_url_rule("/_sandbox/reset", "sandbox_reset", self._post_reset, methods=["POST"])

    def _before(self) -> Response | None:
        g.sandbox_started = time.monotonic()
        if request.path.startswith("/_sandbox/"):
            return None
        rule = self._match(request.method, request.path)
        if rule is None:
            return None
        g.sandbox_fault = rule.action
        if rule.delay_ms:
            time.sleep(rule.delay_ms / 1000)
        if rule.action == "reset":
            _reset_connection()
            return Response(status=500)  # never reaches the client: the connection is gone
        if rule.action == "drop_response":
            g.sandbox_drop = True
            return None
        if rule.status is None:
            return None  # latency only
        body = rule.body
        text = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
        response = Response(text, status=rule.status, mimetype="application/json" if body is not None else None)
        for name, value in rule.headers.items():
            response.headers[name] = value
        return response

    def _after(self, response: Response) -> Response:
        if not request.path.startswith("/_sandbox/"):
            entry: dict[str, Any] = {
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "status": response.status_code,
                "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
            fault = g.get("sandbox_fault")
            if fault:
                entry["fault"] = fault
            self.record(entry)
        if g.get("sandbox_drop"):
            _drop_connection()
        return response

    def _post_faults(self) -> Response:
        # force: a `curl -d '{...}'` without a JSON content type is still clearly JSON.
        payload = request.get_json(silent=True, force=True)
        raw_rules = payload.get("rules", [payload]) if isinstance(payload, dict) and "rules" in payload else payload
        if isinstance(raw_rules, dict):
            raw_rules = [raw_rules]
        if not isinstance(raw_rules, list) or not raw_rules:
            return _json({"error": "send a fault rule object, a list of them, or {'rules': [...]}"}, 400)
        try:
            rules = [FaultRule.parse(raw) for raw in raw_rules]
        except FaultRuleError as exc:
            return _json({"error": str(exc)}, 400)
        self.add_faults(rules)
        return _json({"faults": [rule.describe() for rule in rules]}, 201)

    def _delete_faults(self) -> Response:
        self.clear_faults()
        return Response(status=204)

    def _get_faults(self) -> Response:
        with self._lock:
            described = [rule.describe() for rule in self._faults]
        return _json({"faults": described})

    def _get_requests(self) -> Response:
        return _json({"requests": self.requests()})

    def _post_reset(self) -> Response:
        self.reset()
        return Response(status=204)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _client_socket() -> socket.socket | None:
    sock = request.environ.get("werkzeug.socket")
    return sock if isinstance(sock, socket.socket) else None


def _drop_connection() -> None:
    # FIN without a response: the client sees "remote end closed connection without response".
    sock = _client_socket()
    if sock is not None and sock.fileno() != -1:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _reset_connection() -> None:
    # SO_LINGER 0 makes close() send RST. detach() first: the server's buffered file objects
    # also reference the socket, and closing the object alone would not close the descriptor.
    sock = _client_socket()
    if sock is None or sock.fileno() == -1:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    fd = sock.detach()
    socket.close(fd)
