"""Afterpay ⇄ Cin7 Bridge: the Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from app.config import Settings
from app.logs import basic_auth_token, configure_logging
from app.services import Services

MAX_BODY_BYTES = 1024 * 1024


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the web application.

    Args:
        config: a ready ``Settings``, a mapping of setting names to values (tests), or
            None to read the environment and ``.env``.

    Raises:
        ConfigError: naming every missing or malformed setting.
    """
    if isinstance(config, Settings):
        settings = config
    elif config is not None:
        settings = Settings.from_mapping(config)
    else:
        settings = Settings.from_env()
    configure_logging(settings.LOG_LEVEL, log_secrets(settings))

    app = Flask(__name__)
    from app.api.encoding import BridgeJSONProvider

    app.json = BridgeJSONProvider(app)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        JSON_SORT_KEYS=False,
        API_TITLE="Afterpay ⇄ Cin7 Bridge",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
    )
    services = Services(settings)
    services.rules  # noqa: B018 (load the mapping file now: a bad one must stop start-up, not a request)
    app.extensions["bridge"] = services

    from app.api import init_api  # the API package pulls in Flask-only modules

    init_api(app)
    return app


def log_secrets(settings: Settings) -> list[str]:
    """Every secret value, plus derived forms that would leak it (the Basic-auth token)."""
    return [
        *settings.secrets(),
        basic_auth_token(settings.AFTERPAY_MERCHANT_ID, settings.AFTERPAY_SECRET_KEY),
    ]
