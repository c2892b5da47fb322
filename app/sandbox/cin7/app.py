"""The factory of the Cin7 Core simulator app."""

from __future__ import annotations

from flask import Flask

from app.sandbox.cin7 import sandbox_api, views
from app.sandbox.cin7.config import Cin7SandboxConfig
from app.sandbox.cin7.runtime import Cin7Runtime
from app.sandbox.controls import SandboxControls


def create_cin7_app(config: Cin7SandboxConfig | None = None) -> Flask:
    """A Flask app simulating Cin7 Core API v2 under ``/ExternalApi/v2/``, with ``/_sandbox/`` controls.

    Nothing starts at import or creation time: the webhook thread starts with the first event.
    Serve it with ``app.sandbox.server.make_sandbox_server``.
    """
    runtime = Cin7Runtime(config or Cin7SandboxConfig())
    app = Flask(__name__)
    app.extensions["cin7_sandbox"] = runtime
    SandboxControls(on_reset=runtime.reset).install(app)
    sandbox_api.install(app, runtime)
    views.install(app)
    return app
