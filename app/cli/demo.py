"""``bridge demo``: the whole system on one machine, on the embedded defaults."""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import requests

from app.cli import main
from app.processes import ChildExited, Supervisor, python_argv
from app.store.embedded import EmbeddedRedisError, ensure_redis_url

DEMO_SETTINGS = {
    "AFTERPAY_MERCHANT_ID": "demo-merchant",
    "AFTERPAY_SECRET_KEY": "demo-secret",
    "CIN7_ACCOUNT_ID": "demo-account",
    "CIN7_APPLICATION_KEY": "demo-key",
    "BRIDGE_API_KEY": "demo-key",
    "AFTERPAY_DISPUTE_WEBHOOK_SECRET": "demo-dispute-secret",
    # Snappier than production's minute, so a walk-through does not wait.
    "BRIDGE_POLL_SECONDS": "10",
    # The daily reconciliation (yesterday, in Sydney, with auto-heal) every five minutes, so
    # its reports show up while you watch: GET /v1/reconciliations.
    "BRIDGE_RECONCILE_DAILY_CRON": "*/5 * * * *",
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


def _demo_mapping_file(directory: Path) -> str:
    """A mapping file for the sandbox catalogue: its GST-free lines (gift cards, pantry)."""
    from app.sandbox.demo_orders import GST_FREE_SKUS

    path = directory / "demo-mapping.yaml"
    skus = "".join(f"    - {sku}\n" for sku in GST_FREE_SKUS)
    path.write_text(
        "# Written by `bridge demo` for the sandbox catalogue; see docs/mapping.md.\n"
        f"tax:\n  free_skus:\n{skus}"
        "transforms:\n  customer_reference:\n    strip_prefix: '#'\n"
    )
    return str(path)


def _seed_afterpay(afterpay_url: str, orders: int) -> int:
    from app.sandbox.demo_orders import demo_payments

    payments = demo_payments(orders, now=datetime.now(UTC))
    for payment in payments:
        response = requests.post(f"{afterpay_url}/_sandbox/payments", json=payment, timeout=10)
        if response.status_code != 201:
            raise click.ClickException(f"seeding the Afterpay sandbox failed: {response.status_code} {response.text}")
    return len(payments)


def _sync_and_summarise() -> int:
    from app.config import Settings
    from app.services import Services
    from app.sync.demo_run import sync_all_and_check

    summary = sync_all_and_check(Services(Settings.from_env()))
    problems = summary.pop("problems")
    correct = summary.pop("correct")
    click.echo(json.dumps(summary))
    for problem in problems:
        click.echo(f"bridge demo: {problem}", err=True)
    return 0 if correct and summary["failed"] == 0 else 1


def _connect_simulators(afterpay_url: str | None, cin7: bool, since: datetime | None) -> None:
    """Wire the running bridge to the simulators, as an operator would to the real services:
    register the Cin7 webhooks, point the Afterpay sandbox's dispute notifications at the
    bridge, and (``since``) move the poll bookmark back so the seeded orders flow on their own."""
    from app.cin7.webhooks import ensure_webhooks, receiver_url, webhook_token
    from app.config import Settings
    from app.services import Services
    from app.store.poll import PollStore
    from app.store.registration import WebhookRegistration

    settings = Settings.from_env()
    services = Services(settings)
    assert settings.BRIDGE_PUBLIC_URL is not None
    if cin7:
        url = receiver_url(settings.BRIDGE_PUBLIC_URL)
        ensure_webhooks(services.cin7_client(), url, webhook_token(settings))
        WebhookRegistration(services.redis, services.keys).record(url, "bearerauth")
    if afterpay_url is not None:
        config = {
            "dispute_webhook_url": f"{settings.BRIDGE_PUBLIC_URL}/v1/webhooks/afterpay/disputes",
            "dispute_webhook_secret": settings.AFTERPAY_DISPUTE_WEBHOOK_SECRET,
        }
        response = requests.post(f"{afterpay_url}/_sandbox/config", json=config, timeout=10)
        if response.status_code != 200:
            raise click.ClickException(f"configuring the Afterpay sandbox failed: {response.text}")
    if since is not None:
        PollStore(services.redis, services.keys).set_bookmark(since)


def _seed_cin7(cin7_api: str) -> None:
    from app.sandbox.demo_orders import existing_customers

    headers = {
        "api-auth-accountid": DEMO_SETTINGS["CIN7_ACCOUNT_ID"],
        "api-auth-applicationkey": DEMO_SETTINGS["CIN7_APPLICATION_KEY"],
    }
    for body in existing_customers():
        response = requests.post(f"{cin7_api}/customer", json=body, headers=headers, timeout=10)
        if response.status_code != 200:
            raise click.ClickException(f"seeding the Cin7 sandbox failed: {response.status_code} {response.text}")


@main.command()
@click.option("--orders", default=24, show_default=True, type=click.IntRange(0, 2000), help="Demo orders to seed.")
@click.option("--web-port", default=8000, show_default=True, type=int, help="Port of the bridge's web process.")
@click.option("--afterpay-port", default=8101, show_default=True, type=int, help="Port of the Afterpay simulator.")
@click.option("--cin7-port", default=8102, show_default=True, type=int, help="Port of the Cin7 Core simulator.")
@click.option("--api-key", default=None, help="Bridge API key [default: $BRIDGE_API_KEY or demo-key].")
@click.option(
    "--cin7-rate-limit", default=60, show_default=True, type=click.IntRange(1, 10_000),
    help="Calls per minute the Cin7 simulator allows, and the bridge paces itself to.",
)  # fmt: skip
@click.option(
    "--exit-after-sync", is_flag=True,
    help="Sync the seeded orders, print one JSON summary line, exit 0 only if every order reached Cin7 correctly.",
)  # fmt: skip
@click.option("--verbose", is_flag=True, help="Show the processes' INFO logs, not only warnings.")
def demo(
    orders: int,
    web_port: int,
    afterpay_port: int,
    cin7_port: int,
    api_key: str | None,
    cin7_rate_limit: int,
    exit_after_sync: bool,
    verbose: bool,
) -> None:
    """Run the whole bridge on this machine: Redis, both simulators, web, worker and cron.

    Seeds the Afterpay simulator with realistic Australian orders, prints
    `READY web=<url> afterpay=<url> cin7=<url>` once everything answers, and stops
    everything cleanly on Ctrl-C. Settings already in the environment win over the demo's
    defaults; with AFTERPAY_API_URL or CIN7_API_URL set, that simulator is not started.
    """
    use_afterpay_sim = not os.environ.get("AFTERPAY_API_URL")
    use_cin7_sim = not os.environ.get("CIN7_API_URL")
    ports = [web_port] + [afterpay_port] * use_afterpay_sim + [cin7_port] * use_cin7_sim
    for port in ports:
        if not _port_free(port):
            click.echo(f"bridge demo: port {port} is in use; choose another with the --*-port options.", err=True)
            sys.exit(2)
    workdir = Path(tempfile.mkdtemp(prefix="bridge-demo-"))
    env = {
        **DEMO_SETTINGS,
        "AFTERPAY_API_URL": f"http://127.0.0.1:{afterpay_port}",
        "CIN7_API_URL": f"http://127.0.0.1:{cin7_port}/ExternalApi/v2",
        "CIN7_RATE_LIMIT_PER_MINUTE": str(cin7_rate_limit),
        "BRIDGE_MAPPING_FILE": _demo_mapping_file(workdir),
        "BRIDGE_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
        "LOG_LEVEL": "INFO" if verbose else "WARNING",
    }
    env.update({k: v for k, v in os.environ.items() if k in env and v.strip()})
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
    afterpay_url = env["AFTERPAY_API_URL"]
    code = 0
    try:
        if use_afterpay_sim:
            supervisor.start("afterpay", python_argv("sandbox", "afterpay", "--port", str(afterpay_port)))
        if use_cin7_sim:
            supervisor.start(
                "cin7",
                python_argv(
                    "sandbox", "cin7", "--port", str(cin7_port), "--rate-limit", str(cin7_rate_limit),
                    # The real Cin7 waits about a minute before its first delivery; the demo should not.
                    "--webhook-delay", "2",
                ),
            )  # fmt: skip
        if use_afterpay_sim:
            supervisor.wait_until(lambda: _answers(f"{afterpay_url}/ping"), timeout=60, what="the Afterpay simulator")
            seeded = _seed_afterpay(afterpay_url, orders)
            click.echo(f"seeded {seeded} Afterpay orders", err=True)
        if use_cin7_sim:
            supervisor.wait_until(lambda: _answers(f"http://127.0.0.1:{cin7_port}/_sandbox/config"), timeout=60,
                                  what="the Cin7 simulator")  # fmt: skip
            _seed_cin7(env["CIN7_API_URL"])
        supervisor.start("worker", python_argv("worker"))
        supervisor.start("web", python_argv("serve", "--port", str(web_port)))
        supervisor.wait_until(lambda: _answers(f"{web_url}/readyz"), timeout=60, what="the bridge")
        # The seeded orders go back a week; the poller takes them on unless the demo syncs them itself.
        since = None if exit_after_sync else datetime.now(UTC) - timedelta(days=8)
        _connect_simulators(
            afterpay_url if use_afterpay_sim else None, use_cin7_sim, since if use_afterpay_sim else None
        )
        supervisor.start("cron", python_argv("cron"))
        click.echo(f"READY web={web_url} afterpay={afterpay_url} cin7={env['CIN7_API_URL']}")
        sys.stdout.flush()
        if exit_after_sync:
            code = _sync_and_summarise()
        else:
            supervisor.run_until_signal()
        click.echo("stopping ...", err=True)
    except (ChildExited, TimeoutError, click.ClickException) as exc:
        click.echo(f"bridge demo: {exc}; stopping everything", err=True)
        code = 1
    finally:
        supervisor.stop()
        if redis_server is not None:
            redis_server.stop()
    sys.exit(code)
