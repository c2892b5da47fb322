"""``bridge poll``: one Afterpay poll run now (the cron job runs it every BRIDGE_POLL_SECONDS)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click

from app.cli import main, runtime_settings
from app.services import Services
from app.upstream import UpstreamError


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@main.command()
@click.option(
    "--since",
    help="Move the bookmark back to this ISO 8601 time first (e.g. after an outage, or to take on older orders).",
)
def poll(since: str | None) -> None:
    """Run one poll of Afterpay now and print what it found and cost, as JSON.

    New and changed orders are queued for the workers, exactly as the scheduled poll does.
    """
    from app.jobs.context import use_services
    from app.jobs.poll import poll_afterpay
    from app.store.poll import PollStore

    start = _moment(since) if since else None
    if start is not None and start > datetime.now(UTC):
        raise click.BadParameter("--since is in the future")
    with runtime_settings() as settings:
        services = Services(settings)
        if start is not None:
            PollStore(services.redis, services.keys).set_bookmark(start)
        use_services(services)
        try:
            stats = poll_afterpay()
        except UpstreamError as exc:
            click.echo(f"bridge: the poll failed: {exc}", err=True)
            sys.exit(1)
        finally:
            use_services(None)
    click.echo(json.dumps(stats, default=str))
