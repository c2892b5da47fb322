"""The ``bridge`` command: run the service's processes, the demo, and operator tools."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import click

from app import log_secrets
from app.config import ConfigError, Settings
from app.logs import configure_logging
from app.store.embedded import EmbeddedRedisError, ensure_redis_url


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """Afterpay ⇄ Cin7 Bridge.

    Keeps Afterpay payments and Cin7 Core sales in step. Settings come from the
    environment and a .env file (see README). Without REDIS_URL, commands that need Redis
    start a private one for their process tree.
    """


def load_settings() -> Settings:
    """Settings from the environment, or exit 2 with every problem listed."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        click.echo(f"bridge: {exc}", err=True)
        sys.exit(2)


@contextmanager
def runtime_settings() -> Iterator[Settings]:
    """Validated settings with a usable REDIS_URL, starting an embedded Redis if needed."""
    settings = load_settings()
    server = None
    if settings.REDIS_URL is None:
        try:
            server = ensure_redis_url()
        except EmbeddedRedisError as exc:
            click.echo(f"bridge: no REDIS_URL and the embedded Redis failed: {exc}", err=True)
            sys.exit(2)
        click.echo("bridge: REDIS_URL is not set; started a private Redis for this process tree", err=True)
        settings = replace(settings, REDIS_URL=os.environ["REDIS_URL"])
    configure_logging(settings.LOG_LEVEL, log_secrets(settings))
    try:
        yield settings
    finally:
        if server is not None:
            # RQ's scheduler runs in a child process that outlives Worker.work() by a moment;
            # it must finish releasing its locks before its Redis disappears.
            for child in multiprocessing.active_children():
                child.join(timeout=10)
            server.stop()


from app.cli import cin7, demo, jobs, ops, poll, reconcile, runtime, sandbox  # noqa: E402,F401  (commands register themselves on main)
