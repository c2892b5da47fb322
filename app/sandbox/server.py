"""Serve a simulator over real HTTP: one process, many threads, state in memory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class SandboxRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without access-log lines (the sandbox keeps its own request log),
    and quiet about connections a fault rule killed on purpose."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        if self.connection.fileno() == -1:
            return  # a `reset` fault detached the socket; the server's complaint is expected
        super().log(type, message, *args)


def make_sandbox_server(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """A threaded HTTP server for ``app`` (call ``serve_forever()`` on it)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return make_server(host, port, app, threaded=True, request_handler=SandboxRequestHandler)
