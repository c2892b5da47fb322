"""Gunicorn settings for the web process (``gunicorn -c python:app.gunicorn_conf 'app:create_app()'``).

Gunicorn itself reads ``PORT`` (binding 0.0.0.0:$PORT) and ``WEB_CONCURRENCY`` (workers)
from the environment, as Heroku-style platforms expect; nothing here reads settings.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

# Threads, not more processes: most request time is spent waiting on Redis (and, with
# `Prefer: wait`, on a job), so threads give concurrency without a process per waiter.
worker_class = "gthread"
threads = 8
# `Prefer: wait=30` holds a request up to 30 s; leave headroom before the worker is killed.
timeout = 60
graceful_timeout = 25
keepalive = 5
# One JSON line per request comes from the app itself (with the request id); gunicorn's
# access log would duplicate it without one.
accesslog = None
# gunicorn ≥ 24 opens a control socket at one fixed per-user path; two web processes on a
# machine (the demo beside a test run, two deployments) would fight over it.
control_socket_disable = True
errorlog = "-"
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.logs.RedactingJsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    # gunicorn merges this over its defaults key by key, so root must be restated; it gets no
    # handler here because each worker's create_app() installs the bridge's own.
    "root": {"level": "INFO", "handlers": []},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def on_starting(server: Any) -> None:
    """Refuse to start the arbiter with a broken configuration, naming each problem."""
    from app.config import ConfigError, Settings

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        sys.stderr.write(f"bridge web: {exc}\n")
        raise SystemExit(3) from None
    logging.getLogger("gunicorn.error").setLevel(settings.LOG_LEVEL)
