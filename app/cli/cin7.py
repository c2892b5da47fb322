"""``bridge cin7``: the bridge's webhooks in Cin7 Core."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import click

from app.cin7.webhooks import WEBHOOK_TYPES, ensure_webhooks, receiver_url, webhook_token
from app.cli import main, runtime_settings
from app.services import Services
from app.store.registration import WebhookRegistration
from app.upstream import UpstreamError

AUTH_CHOICES = {"bearer": "bearerauth", "basic": "basicauth"}


@main.group()
def cin7() -> None:
    """Register and inspect the bridge's Cin7 webhooks."""


@cin7.command("register-webhooks")
@click.option(
    "--url",
    help="The bridge's public base URL (or the full receiver URL); default BRIDGE_PUBLIC_URL.",
)
@click.option(
    "--auth",
    type=click.Choice(sorted(AUTH_CHOICES)),
    default="bearer",
    show_default=True,
    help="How Cin7 authenticates its deliveries.",
)
def register_webhooks(url: str | None, auth: str) -> None:
    """Register (or update) one webhook per event the bridge needs, with generated credentials.

    Events: Sale/ShipmentAuthorised, Sale/Voided, Sale/CreditNoteAuthorised and
    Stock/AvailableStockLevelChanged, delivered to <url>/v1/webhooks/cin7. Run it again at
    any time: it creates what is missing, re-activates what Cin7 switched off and updates
    stale credentials. The credential is derived from BRIDGE_API_KEY (or is
    CIN7_WEBHOOK_TOKEN) and is never printed.
    """
    with runtime_settings() as settings:
        base = url or settings.BRIDGE_PUBLIC_URL
        if not base:
            raise click.UsageError("pass --url or set BRIDGE_PUBLIC_URL")
        if not base.startswith(("http://", "https://")):
            raise click.UsageError("--url must be an http(s) URL")
        target = receiver_url(base)
        services = Services(settings)
        try:
            check = ensure_webhooks(services.cin7_client(), target, webhook_token(settings), auth=AUTH_CHOICES[auth])
        except UpstreamError as exc:
            click.echo(f"bridge: Cin7 refused the registration: {exc}", err=True)
            sys.exit(1)
        WebhookRegistration(services.redis, services.keys).record(target, AUTH_CHOICES[auth])
    click.echo(f"Cin7 webhooks for {target}:")
    for kind, outcomes in ((k, [n for n, v in check.to_dict().items() if k in v]) for k in WEBHOOK_TYPES):
        click.echo(f"  {kind:<36} {', '.join(outcomes)}")


@cin7.command("webhooks")
def list_webhooks() -> None:
    """Show Cin7's webhooks and whether the bridge's are active."""
    with runtime_settings() as settings:
        services = Services(settings)
        registration = WebhookRegistration(services.redis, services.keys).get()
        try:
            hooks = services.cin7_client().webhooks()
        except UpstreamError as exc:
            click.echo(f"bridge: could not list Cin7 webhooks: {exc}", err=True)
            sys.exit(1)
    ours = registration.get("url")
    click.echo(f"registered URL: {ours or '(none: run bridge cin7 register-webhooks)'}")
    for key in ("registeredAt", "healthyAt", "checkedAt", "lastCheck"):
        if registration.get(key):
            click.echo(f"{key}: {registration[key]}")
    for hook in hooks:
        mark = "*" if ours and str(hook.get("ExternalURL") or "").rstrip("/") == ours else " "
        state = "active" if hook.get("IsActive") else "INACTIVE"
        click.echo(f"{mark} {hook.get('Type', ''):<36} {state:<9} {hook.get('ExternalURL')}")


@cin7.command("catch-up")
@click.option("--hours", type=float, default=2.0, show_default=True, help="Look at sales changed this far back.")
def catch_up_command(hours: float) -> None:
    """Queue a look at every Afterpay sale Cin7 changed in the last --hours (missed webhooks)."""
    from app.jobs.webhooks import catch_up

    if hours <= 0:
        raise click.UsageError("--hours must be positive")
    with runtime_settings() as settings:
        services = Services(settings)
        since = datetime.now(UTC) - timedelta(hours=hours)
        try:
            queued = catch_up(services, services.cin7_client(), since)
        except UpstreamError as exc:
            click.echo(f"bridge: could not list Cin7 sales: {exc}", err=True)
            sys.exit(1)
    click.echo(f"queued {queued} sale(s) changed since {since:%Y-%m-%d %H:%M} UTC")
