"""``bridge sandbox``: run either simulator alone, for trials, n8n/Zapier testing and CI."""

from __future__ import annotations

import click

from app.cli import main


@main.group()
def sandbox() -> None:
    """Run the Afterpay or Cin7 Core simulator as a local HTTP server.

    Each serves the vendor's API paths with the vendor's auth, plus sandbox controls
    under /_sandbox/ (faults, request log, reset, config) that need no credentials.
    """


@sandbox.command("afterpay")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8101, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--merchant-id", default="demo-merchant", show_default=True, help="Basic-auth user the simulator accepts."
)
@click.option("--secret-key", default="demo-secret", show_default=True, help="Basic-auth password it accepts.")
@click.option("--currency", default="AUD", show_default=True, help="The merchant account's currency.")
def sandbox_afterpay(host: str, port: int, merchant_id: str, secret_key: str, currency: str) -> None:
    """The Afterpay Online API v2 simulator (set AFTERPAY_API_URL=http://HOST:PORT)."""
    from app.sandbox.afterpay import AfterpaySandboxConfig, create_afterpay_app
    from app.sandbox.server import make_sandbox_server

    config = AfterpaySandboxConfig(merchant_id=merchant_id, secret_key=secret_key, currency=currency)
    server = make_sandbox_server(create_afterpay_app(config), host, port)
    click.echo(f"Afterpay simulator on http://{host}:{port} (merchant {merchant_id})", err=True)
    _serve(server)


@sandbox.command("cin7")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8102, show_default=True, type=int, help="Port to listen on.")
@click.option("--account-id", default="demo-account", show_default=True, help="api-auth-accountid it accepts.")
@click.option("--application-key", default="demo-key", show_default=True, help="api-auth-applicationkey it accepts.")
@click.option("--rate-limit", default=60, show_default=True, type=int, help="Calls per minute before it throttles.")
@click.option(
    "--throttle-response", type=click.Choice(["503", "429", "400"]), default="503", show_default=True,
    help="How over-limit calls are answered (503 as documented; 429 and 400 as seen elsewhere).",
)  # fmt: skip
@click.option(
    "--webhook-delay", default=60.0, show_default=True, type=float, help="Seconds before a webhook's first delivery."
)
def sandbox_cin7(
    host: str,
    port: int,
    account_id: str,
    application_key: str,
    rate_limit: int,
    throttle_response: str,
    webhook_delay: float,
) -> None:
    """The Cin7 Core API v2 simulator (set CIN7_API_URL=http://HOST:PORT/ExternalApi/v2)."""
    from app.sandbox.cin7 import Cin7SandboxConfig, create_cin7_app
    from app.sandbox.server import make_sandbox_server

    config = Cin7SandboxConfig(
        account_id=account_id,
        application_key=application_key,
        rate_limit_per_minute=rate_limit,
        throttle_response=throttle_response,
        webhook_first_delay_seconds=webhook_delay,
    )
    server = make_sandbox_server(create_cin7_app(config), host, port)
    click.echo(f"Cin7 Core simulator on http://{host}:{port}/ExternalApi/v2 (account {account_id})", err=True)
    _serve(server)


def _serve(server: object) -> None:
    import signal
    import threading

    def stop(_signum: int, _frame: object) -> None:
        # shutdown() blocks until serve_forever returns, so it must run on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()  # type: ignore[attr-defined]

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()  # type: ignore[attr-defined]
