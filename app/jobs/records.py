"""The public view of an RQ job: what ``GET /v1/jobs/{id}`` answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rq.job import Job, JobStatus

_PUBLIC_STATUS = {
    JobStatus.CREATED: "queued",
    JobStatus.QUEUED: "queued",
    JobStatus.DEFERRED: "queued",
    JobStatus.READY_TO_ENQUEUE: "queued",
    JobStatus.RATE_LIMITED: "queued",
    JobStatus.SCHEDULED: "scheduled",
    JobStatus.STARTED: "started",
    JobStatus.FINISHED: "finished",
    JobStatus.FAILED: "failed",
    JobStatus.STOPPED: "failed",
    JobStatus.CANCELED: "failed",
}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def job_record(job: Job) -> dict[str, Any]:
    """``{id, kind, status, createdAt, endedAt, attempts, result, error}`` for one job."""
    status = _PUBLIC_STATUS.get(job.get_status(refresh=False), "queued")
    record: dict[str, Any] = {
        "id": job.id,
        "kind": job.meta.get("kind") or (job.func_name or "").rsplit(".", 1)[-1],
        "status": status,
        "createdAt": _iso(job.created_at),
        "endedAt": _iso(job.ended_at) if status in ("finished", "failed") else None,
        "attempts": int(job.meta.get("attempts", 0)),
        "result": job.return_value() if status == "finished" else None,
        "error": None,
    }
    if status != "finished" and job.meta.get("problem"):
        # A job waiting to be retried shows why its last attempt failed.
        record["error"] = job.meta["problem"]
    elif status == "failed":
        record["error"] = {
            "type": "about:blank",
            "title": "Job failed",
            "status": 500,
            "detail": _last_line(job.exc_info) or "The job failed without an error message.",
        }
    return record


def _last_line(text: str | None) -> str | None:
    if not text:
        return None
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else None
