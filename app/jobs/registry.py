"""The jobs of one deployment as the API and CLI see them: listing by status, and replay."""

from __future__ import annotations

from datetime import UTC, datetime

from rq.job import Job
from rq.registry import (
    BaseRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)

from app.services import Services

STATUSES = ("queued", "scheduled", "started", "finished", "failed")
_REGISTRIES: dict[str, type[BaseRegistry]] = {
    "failed": FailedJobRegistry,
    "finished": FinishedJobRegistry,
    "started": StartedJobRegistry,
    "scheduled": ScheduledJobRegistry,
}


class NotRetryable(Exception):
    """Only failed jobs can be retried."""


def list_jobs(services: Services, status: str) -> list[Job]:
    """This deployment's jobs in ``status``, newest first (by when they ended, started or were queued)."""
    ids: list[str] = []
    for queue in services.queues():
        if status == "queued":
            ids.extend(queue.get_job_ids())
        else:
            ids.extend(_REGISTRIES[status](queue=queue).get_job_ids())
    jobs = [job for job in Job.fetch_many(ids, connection=services.rq_redis) if job is not None]
    epoch = datetime.min.replace(tzinfo=UTC)
    jobs.sort(
        key=lambda job: _aware(job.ended_at or job.started_at or job.enqueued_at or job.created_at) or epoch,
        reverse=True,
    )
    return jobs


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def retry(services: Services, job: Job) -> Job:
    """Put a failed job back on its queue (at the back), keeping its id, as a new attempt."""
    if job.get_status() != "failed":
        raise NotRetryable(f"job {job.id} is {job.get_status()}, not failed")
    job.meta.pop("problem", None)
    job.save_meta()
    queue = services.queue(job.origin.removeprefix(services.keys.queue("")))
    return FailedJobRegistry(queue=queue).requeue(job)


def retry_all_failed(services: Services) -> list[str]:
    """Replay every failed job of this deployment; returns their ids."""
    replayed = []
    for job in list_jobs(services, "failed"):
        if job.get_status() == "failed":
            retry(services, job)
            replayed.append(job.id)
    return replayed
