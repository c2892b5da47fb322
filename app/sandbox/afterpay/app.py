"""The app factory of the Afterpay Online API v2 simulator."""

from __future__ import annotations

from flask import Flask

from ..controls import SandboxControls
from .config import AfterpaySandboxConfig
from .state import EXTENSION_KEY, SandboxState
from .views import checkouts, configuration, disputes, http, payments, portal, sandbox


def create_afterpay_app(config: AfterpaySandboxConfig | None = None) -> Flask:
    """A Flask app simulating one Afterpay merchant account, with the ``/_sandbox/`` controls.

    Serve it with ``app.sandbox.server.make_sandbox_server(app, host, port)``. Nothing happens
    at import time; every call builds a new, empty account with its own configuration.
    """
    state = SandboxState(config or AfterpaySandboxConfig())
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = state
    # "/v2/payments//capture" must be a 404 (afterpay.md §3.2: empty orderId), not a redirect.
    app.url_map.merge_slashes = False
    # The shared controls first: a fault rule answers before authentication would.
    SandboxControls(on_reset=state.reset).install(app)
    http.install(app)
    for blueprint in (configuration.bp, checkouts.bp, payments.bp, disputes.bp, sandbox.bp, portal.bp):
        app.register_blueprint(blueprint)
    return app
