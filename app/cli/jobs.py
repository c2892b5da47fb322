"""``bridge jobs``: look at background work and replay what failed."""

from __future__ import annotations

import json
import sys

import click

from app.cli import main, runtime_settings
from app.jobs import registry
from app.jobs.records import job_record
from app.services import Services


@main.group()
def jobs() -> None:
    """Inspect jobs and the error queue; replay failed jobs."""


@jobs.command("list")
@click.option("--status", type=click.Choice(registry.STATUSES), default="failed", show_default=True)
@click.option("--limit", default=20, show_default=True, type=int, help="How many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def jobs_list(status: str, limit: int, as_json: bool) -> None:
    """List jobs in one status (the error queue by default)."""
    with runtime_settings() as settings:
        found = registry.list_jobs(Services(settings), status)
        records = [job_record(job) for job in found[:limit]]
    if as_json:
        for record in records:
            click.echo(json.dumps(record, default=str))
        return
    if not records:
        click.echo(f"no {status} jobs")
        return
    click.echo(f"{len(found)} {status} job(s); newest first")
    for record in records:
        error = (record["error"] or {}).get("detail", "")
        when = record["endedAt"] or record["createdAt"] or "-"
        click.echo(f"{when:<32} {record['id']:<48} {record['kind']:<14} {error[:100]}")


@jobs.command("retry")
@click.argument("job_ids", nargs=-1)
@click.option("--failed", "all_failed", is_flag=True, help="Replay every failed job.")
def jobs_retry(job_ids: tuple[str, ...], all_failed: bool) -> None:
    """Replay failed jobs: the ones named, or all of them with --failed.

    Jobs are idempotent, so a replay never duplicates a sale, payment or refund.
    """
    if not job_ids and not all_failed:
        raise click.UsageError("name job ids or pass --failed")
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    with runtime_settings() as settings:
        services = Services(settings)
        if all_failed:
            replayed = registry.retry_all_failed(services)
            click.echo(f"replayed {len(replayed)} failed job(s)")
            return
        problems = 0
        for job_id in job_ids:
            try:
                registry.retry(services, Job.fetch(job_id, connection=services.rq_redis))
                click.echo(f"replayed {job_id}")
            except (NoSuchJobError, registry.NotRetryable) as exc:
                problems += 1
                click.echo(f"{job_id}: {exc or 'no such job'}", err=True)
    if problems:
        sys.exit(1)
