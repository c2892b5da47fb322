"""``bridge reconcile``: reconcile a window now and print a readable summary."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from app.cli import main, runtime_settings
from app.reports import TYPE_TITLES, reconciliation_csv
from app.services import Services
from app.upstream import UpstreamError

FOUND = 3
"""Exit status when the run found discrepancies (0: clean, 1: it failed, 2: bad usage)."""


def _moment(value: str, zone: ZoneInfo, option: str) -> datetime:
    """A date (midnight in ``zone``) or a date and time (naive: in ``zone``)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=zone)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (2026-11-30) or date and time", param_hint=option) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def summary_table(report: dict[str, Any], zone: ZoneInfo) -> str:
    """The report for a terminal: window, counts, then a line per discrepancy."""
    counts = report["counts"]

    def local(text: str) -> str:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    window = report["window"]
    lines = [
        f"reconciliation {report['id']}",
        f"window      {local(window['from'])} to {local(window['to'])} {zone.key}",
        f"afterpay    {counts['afterpay']} orders",
        f"cin7        {counts['cin7']} sales",
        f"matched     {counts['matched']}",
        f"found       {counts['discrepancies']} discrepanc{'y' if counts['discrepancies'] == 1 else 'ies'}"
        + (f", {report['healed']} queued to heal" if report.get("healed") else ""),
        f"api calls   afterpay {report['apiCalls']['afterpay']}, cin7 {report['apiCalls']['cin7']}",
    ]
    if report["discrepancies"]:
        lines.append("")
        lines.append(f"{'type':<28} {'afterpay order':<20} {'healed':<7} detail")
        for d in report["discrepancies"]:
            title = TYPE_TITLES.get(d["type"], d["type"])
            lines.append(f"{title:<28} {d['afterpayOrderId']:<20} {'yes' if d['healed'] else '':<7} {d['detail']}")
    return "\n".join(lines)


@main.command()
@click.option("--from", "start", help="Start (inclusive): a date or date and time [default: yesterday].")
@click.option("--to", "end", help="End (exclusive) [default: today, 00:00].")
@click.option("--heal", is_flag=True, help="Queue syncs for what a sync can fix (never deletes anything).")
@click.option(
    "--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as CSV."
)
@click.option("--timezone", help="Time zone of dates without one [default: BRIDGE_TIMEZONE].")
def reconcile(start: str | None, end: str | None, heal: bool, csv_file: Path | None, timezone: str | None) -> None:
    """Reconcile the Afterpay orders created in a window with Cin7, now, and print a summary.

    Dates are local to the merchant (BRIDGE_TIMEZONE, e.g. Australia/Sydney): --from
    2026-11-01 --to 2026-12-01 is November there. The report is kept like any other
    (GET /v1/reconciliations/{id}). Exit status: 0 clean, 3 discrepancies found, 1 failed.
    """
    from app.jobs.reconcile import local_days, run_reconciliation

    with runtime_settings() as settings:
        try:
            zone = ZoneInfo(timezone or settings.BRIDGE_TIMEZONE)
        except (KeyError, ValueError, OSError) as exc:
            raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone") from exc
        default_start, default_end = local_days(datetime.now(UTC), zone, 1)
        window_start = _moment(start, zone, "--from") if start else default_start
        window_end = _moment(end, zone, "--to") if end else default_end
        if window_start >= window_end:
            raise click.BadParameter("must be after --from", param_hint="--to")
        try:
            report = run_reconciliation(Services(settings), window_start, window_end, auto_heal=heal, trigger="cli")
        except UpstreamError as exc:
            click.echo(f"bridge: the reconciliation failed: {exc}", err=True)
            sys.exit(1)
    click.echo(summary_table(report, zone))
    if csv_file is not None:
        csv_file.write_text(reconciliation_csv(report), newline="")
        click.echo(f"wrote {csv_file}")
    sys.exit(FOUND if report["counts"]["discrepancies"] else 0)
