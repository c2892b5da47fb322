"""Structured JSON logs with a request id on every line and secrets redacted.

Every process of the bridge (web, worker, cron, CLI) logs one JSON object per line to
stderr. The request id of the HTTP request or job being served rides in a context
variable, so code deep in a client or the domain never has to pass it around.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

REDACTED = "[REDACTED]"
_HANDLER_NAME = "bridge-json"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the moment of each record (test capture included)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class RedactingJsonFormatter(JsonFormatter):
    """A JSON formatter that removes every configured secret from the finished line.

    Redaction runs on the rendered line rather than on the message, so secrets reaching a
    log through ``extra`` fields, exception text or a third-party logger are caught too.
    """

    def __init__(self, secrets: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(
            "{asctime}{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
            **kwargs,
        )
        self._terms = redaction_terms(secrets)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for term in self._terms:
            if term in line:
                line = line.replace(term, REDACTED)
        return line


def redaction_terms(secrets: Iterable[str]) -> list[str]:
    """Every form in which a secret may appear in a log line: raw, JSON-escaped, URL-quoted.

    Longest first, so a secret that contains another secret is removed whole.
    """
    terms: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < 4:
            # Redacting a two-letter "secret" would shred every line; config validation
            # is where a too-short key should be refused, not here.
            continue
        terms.add(secret)
        terms.add(json.dumps(secret)[1:-1])
        terms.add(quote(secret, safe=""))
    return sorted(terms, key=len, reverse=True)


def basic_auth_token(user: str, password: str) -> str:
    """The base64 credential of an HTTP Basic header, itself a secret to redact."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def configure_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Send every logger's records to stderr as redacted JSON lines.

    Idempotent: calling it again (a second ``create_app`` in one process) replaces the
    bridge's handler instead of adding a second one.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(RedactingJsonFormatter(secrets))
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # RQ and gunicorn install their own plain-text handlers; route them through ours.
    for name in ("rq", "rq.worker", "rq.cron", "rq.scheduler", "gunicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # urllib3 logs every URL at DEBUG, query strings included.
    logging.getLogger("urllib3").setLevel(max(logging.INFO, logging.getLevelName(level)))
