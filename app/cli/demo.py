"""``bridge demo``: the whole system on one machine, on the embedded defaults."""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request

import click

from app.cli import main
from app.processes import ChildExited, Supervisor, python_argv
from app.store.embedded import EmbeddedRedisError, ensure_redis_url

DEMO_CREDENTIALS = {
    "AFTERPAY_MERCHANT_ID": "demo-merchant",
    "AFTERPAY_SECRET_KEY": "demo-secret",
    "CIN7_ACCOUNT_ID": "demo-account",
    "CIN7_APPLICATION_KEY": "demo-key",
}


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback URL we built)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@main.command()
@click.option("--web-port", default=8000, show_default=True, type=int, help="Port of the bridge's web process.")
@click.option("--api-key", default=None, help="Bridge API key [default: $BRIDGE_API_KEY or demo-key].")
@click.option("--verbose", is_flag=True, help="Show the processes' INFO logs, not only warnings.")
def demo(web_port: int, api_key: str | None, verbose: bool) -> None:
    """Run the whole bridge on this machine: Redis, web, worker and cron.

    Prints `READY web=<url> ...` once everything answers, and stops everything cleanly
    on Ctrl-C. Settings already in the environment win over the demo's defaults.
    """
    for port in (web_port,):
        if not _port_free(port):
            click.echo(f"bridge demo: port {port} is in use; choose another with the --*-port options.", err=True)
            sys.exit(2)
    env = {
        **DEMO_CREDENTIALS,
        "BRIDGE_API_KEY": "demo-key",
        "LOG_LEVEL": "INFO" if verbose else "WARNING",
    }
    env.update({k: v for k, v in os.environ.items() if k in env})
    if api_key:
        env["BRIDGE_API_KEY"] = api_key
    os.environ.update(env)
    try:
        redis_server = ensure_redis_url()
    except EmbeddedRedisError as exc:
        click.echo(f"bridge demo: could not start the embedded Redis: {exc}", err=True)
        sys.exit(2)

    supervisor = Supervisor()
    web_url = f"http://127.0.0.1:{web_port}"
    code = 0
    try:
        supervisor.start("worker", python_argv("worker"))
        supervisor.start("cron", python_argv("cron"))
        supervisor.start("web", python_argv("serve", "--port", str(web_port)))
        supervisor.wait_until(lambda: _answers(f"{web_url}/readyz"), timeout=60, what="the bridge")
        click.echo(f"READY web={web_url}", nl=True)
        sys.stdout.flush()
        supervisor.run_until_signal()
        click.echo("stopping ...", err=True)
    except (ChildExited, TimeoutError) as exc:
        click.echo(f"bridge demo: {exc}; stopping everything", err=True)
        code = 1
    finally:
        supervisor.stop()
        if redis_server is not None:
            redis_server.stop()
    sys.exit(code)
